"""The start kit's PDF through the real path: PostgreSQL + Redis + a Celery worker process (the
generic task ``reports.tasks.render_document``, queue ``reports``), requested from the kit page
and downloaded once ready.

Skips without the services; FAILS when ``CSO_REQUIRE_SERVICES=1`` (CI). Grouped with the other
real-worker tests (``xdist_group("real_worker")``): one worker process at a time.
"""

import hashlib
import io
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cso_recruit.celery import app as celery_app
from tests.conftest import ensure_reference_data, require_service
from tests.realworker import broker_url, redis_flushed, start_worker, stop_worker

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real_worker"),
]

READY_TIMEOUT = 60  # seconds, worker start-up included


@pytest.fixture
def reference(transactional_db):
    ensure_reference_data()


def test_the_kit_pdf_is_rendered_by_a_real_worker(reference, world, tmp_path):
    from onboarding.models import StartKit, StartKitDocument
    from tests.factories import hired_application

    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker = broker_url()
    require_service(bool(broker) and redis_flushed(broker), "Redis (CELERY_BROKER_URL=redis://…)")
    kit = StartKit.objects.get(application=hired_application(world.application, by=world.recruiter))

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # the autouse fixture forces eager: not here
    log_path = tmp_path / "worker.log"
    process, log = start_worker(log_path, name="kit-pdf-test")
    try:
        client = Client()
        client.force_login(world.ceo)
        response = client.post(reverse("onboarding:pdf_request", args=[kit.pk]))
        assert response.status_code == 302
        document = StartKitDocument.objects.get(kit=kit)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            document.refresh_from_db()
            if (
                document.status in (document.Status.READY, document.Status.FAILED)
                or process.poll() is not None
            ):
                break
            time.sleep(0.5)
        worker_log = log_path.read_text(errors="replace")
        assert document.status == document.Status.READY, (
            f"status {document.status!r}, error {document.error!r}, worker exit {process.poll()}\n{worker_log[-4000:]}"
        )
        assert "reports.tasks.render_document" in worker_log and "succeeded" in worker_log
        download = client.get(reverse("onboarding:pdf_download", args=[document.pk]))
        assert download.status_code == 200
        data = b"".join(download.streaming_content)
        assert hashlib.sha256(data).hexdigest() == document.sha256
        reader = PdfReader(io.BytesIO(data))
        assert document.page_count == len(reader.pages) >= 1
        text = " ".join((page.extract_text() or "") for page in reader.pages)
        assert "Claire Testeuse" in text
    finally:
        celery_app.conf.task_always_eager = previous
        stop_worker(process, log)
