"""The CSV import (and then the export) on the real path: PostgreSQL + Redis + a Celery worker process (no eager mode).

The upload answers at once; the worker runs the preview, then the save; while the save's single
transaction is still open, this process (as the job's page would) sees the progress counters move
and no candidate yet. Skips without the services; FAILS when ``CSO_REQUIRE_SERVICES=1`` (CI)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cso_imports \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/15 CSO_REQUIRE_SERVICES=1 \\
    .venv/bin/python -m pytest tests/candidates/test_real_worker.py
"""

import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from candidates import csv_format
from candidates.models import Candidate, ExportJob, ImportJob
from cso_recruit.celery import app as celery_app
from tests.conftest import ensure_reference_data, require_service
from tests.factories import MandateFactory, UserFactory
from tests.realworker import broker_url, redis_flushed, start_worker, stop_worker, wait_until

from .documents import upload

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real_worker"),
]

ROWS = 1000
TIMEOUT = 120  # seconds, worker start-up included


def generated_csv(rows):
    return csv_format.write_candidates_csv(
        [
            {
                "last_name": f"Réel{i:05d}",
                "first_name": "Dominique",
                "email": f"dominique.reel{i:05d}@example.org",
                "gdpr_consent": False,
                **{name: Decimal(1) for name in csv_format.YEARS_FIELDS},
            }
            for i in range(rows)
        ]
    )


def test_import_run_by_a_real_worker_with_visible_progress(tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker = broker_url()
    require_service(bool(broker) and redis_flushed(broker), "Redis (CELERY_BROKER_URL=redis://…)")
    ensure_reference_data()
    recruiter = UserFactory(groups=["recruiter"])
    mandate = MandateFactory(recruiters=[recruiter])

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # the autouse fixture forces eager: not here
    log_path = tmp_path / "worker.log"
    process, log = start_worker(log_path, name="import-test")
    try:
        client = Client()
        client.force_login(recruiter)
        response = client.post(
            reverse("candidates:import", kwargs={"slug": mandate.slug}),
            {"file": upload("candidats.csv", generated_csv(ROWS), "text/csv")},
        )
        job = ImportJob.objects.get()
        assert response.status_code == 302 and response["Location"] == job.get_absolute_url()

        def finished(pk):
            return ImportJob.objects.filter(pk=pk, status__in=["done", "failed"]).exists()

        wait_until(
            lambda: finished(job.pk), timeout=TIMEOUT, process=process, log_path=log_path, what="the preview"
        )
        job.refresh_from_db()
        assert job.status == "done" and job.result["ok"], job.error
        assert (job.rows_done, job.rows_total) == (ROWS, ROWS)

        client.post(reverse("candidates:import_job_confirm", kwargs={"pk": job.pk}))
        save = ImportJob.objects.get(mode="save")
        seen = set()
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not finished(save.pk):
            save.refresh_from_db()
            seen.add((save.rows_done, save.rows_total, Candidate.objects.count()))
            time.sleep(0.05)
        save.refresh_from_db()
        worker_log = log_path.read_text(errors="replace")
        assert save.status == "done" and save.result["saved"], (save.error, worker_log[-4000:])
        assert "candidates.tasks.run_import" in worker_log and "succeeded" in worker_log
        assert Candidate.objects.count() == ROWS
        during = {(done, total, count) for done, total, count in seen if 0 < done < ROWS}
        assert during, f"no intermediate progress seen: {sorted(seen)[:10]}"
        assert {count for _, _, count in during} == {0}  # one transaction: nothing visible before the end
        html = client.get(reverse("candidates:import_job_status", kwargs={"pk": save.pk})).content.decode()
        assert "data-live-pending" not in html

        # The export of what was imported, written by the worker too, reads back the same rows.
        response = client.post(reverse("candidates:export", kwargs={"slug": mandate.slug}))
        export = ExportJob.objects.get()
        assert response["Location"] == export.get_absolute_url()
        wait_until(
            lambda: ExportJob.objects.filter(pk=export.pk, status__in=["done", "failed"]).exists(),
            timeout=TIMEOUT,
            process=process,
            log_path=log_path,
            what="the export",
        )
        export.refresh_from_db()
        assert export.status == "done" and (export.rows_done, export.rows_total) == (ROWS, ROWS), export.error
        download = client.get(reverse("candidates:export_job_download", kwargs={"pk": export.pk}))
        data = b"".join(download.streaming_content)
        lines = [line for line in data.decode("utf-8-sig").split("\r\n")[1:] if line]
        assert len(lines) == ROWS and lines[0].startswith("Réel00000;Dominique;")
        assert "candidates.tasks.run_export" in log_path.read_text(errors="replace")
    finally:
        celery_app.conf.task_always_eager = previous
        stop_worker(process, log)
