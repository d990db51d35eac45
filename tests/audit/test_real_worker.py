"""The access export on the real path: PostgreSQL + Redis + a Celery worker process (no eager
mode). The request answers at once with the job's page (queued); the worker writes the ZIP; the
page then offers it and the download holds the candidate's JSON and PDF summary. Skips without
the services; FAILS when ``CSO_REQUIRE_SERVICES=1`` (CI)."""

import io
import json
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AccessExport, ReadEvent
from cso_recruit.celery import app as celery_app
from tests.assessments.helpers import rate
from tests.conftest import ensure_reference_data, require_service
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory
from tests.realworker import broker_url, redis_flushed, start_worker, stop_worker, wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real_worker"),
]

TIMEOUT = 120  # seconds, worker start-up included


def test_the_access_export_is_written_by_a_real_worker(tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker = broker_url()
    require_service(bool(broker) and redis_flushed(broker), "Redis (CELERY_BROKER_URL=redis://…)")
    ensure_reference_data()
    recruiter = UserFactory(groups=["recruiter"])
    mandate = MandateFactory(recruiters=[recruiter])
    candidate = CandidateFactory(first_name="Réelle", last_name="Travailleuse", email="reelle.t@example.org")
    application = ApplicationFactory(mandate=mandate, candidate=candidate)
    rate(application, recruiter, {"cond_tools": 4})

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # the autouse fixture forces eager: not here
    log_path = tmp_path / "worker.log"
    process, log = start_worker(log_path, name="audit-test")
    try:
        client = Client()
        client.force_login(recruiter)
        response = client.post(reverse("audit:access_export_request", kwargs={"pk": candidate.pk}))
        job = AccessExport.objects.get()
        assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
        wait_until(
            lambda: AccessExport.objects.filter(pk=job.pk, status__in=["done", "failed"]).exists(),
            timeout=TIMEOUT,
            process=process,
            log_path=log_path,
            what="the access export",
        )
        job.refresh_from_db()
        worker_log = log_path.read_text(errors="replace")
        assert job.status == "done", (job.error, worker_log[-4000:])
        assert "audit.tasks.run_access_export" in worker_log and "succeeded" in worker_log
        page = client.get(job.get_absolute_url()).content.decode()
        assert reverse("audit:access_export_download", kwargs={"pk": job.pk}) in page
        download = client.get(reverse("audit:access_export_download", kwargs={"pk": job.pk}))
        archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
        data = json.loads(archive.read("data.json"))
        assert data["subject"]["email"] == "reelle.t@example.org"
        [card] = data["applications"][0]["scorecards"]
        assert [(r["criterion"], r["value"]) for r in card["ratings"] if r["value"]] == [("cond_tools", 4)]
        text = PdfReader(io.BytesIO(archive.read("summary.pdf"))).pages[0].extract_text()
        assert "Réelle Travailleuse" in text
        assert ReadEvent.objects.filter(kind="access_export", object_id=job.pk, user=recruiter).count() == 1
    finally:
        celery_app.conf.task_always_eager = previous
        stop_worker(process, log)
