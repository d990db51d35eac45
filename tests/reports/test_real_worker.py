"""The real path: PostgreSQL + Redis + a Celery worker process (no eager mode).

Skips without the services; FAILS when ``CSO_REQUIRE_SERVICES=1`` (CI). Run it with::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cso_recruit_t5 \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/15 CSO_REQUIRE_SERVICES=1 \\
    .venv/bin/python -m pytest tests/reports/test_real_worker.py

The rows must be committed for the worker to see them, hence ``transaction=True``; the worker is
given the test database's real name (pytest-django's ``test_<name>``) and the test's media folder.
"""

import io
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cso_recruit.celery import app as celery_app
from tests.conftest import ensure_reference_data, require_service
from tests.realworker import broker_url, database_url, redis_flushed, start_worker, stop_worker
from tests.reports.conftest import ACCENTED_NAME, ROLE_NAMES_FR, make_world

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real_worker"),
]

READY_TIMEOUT = 60  # seconds, worker start-up included


_broker_url, _redis_flushed, _database_url = broker_url, redis_flushed, database_url


def _start_worker(log_path):
    return start_worker(log_path, name="report-test")


_stop_worker = stop_worker


def test_report_rendered_by_a_real_worker(tmp_path):
    from reports.models import Report

    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker = _broker_url()
    require_service(bool(broker) and _redis_flushed(broker), "Redis (CELERY_BROKER_URL=redis://…)")
    ensure_reference_data()
    world = make_world()

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # the autouse fixture forces eager: not here
    log_path = tmp_path / "worker.log"
    process, log = _start_worker(log_path)
    try:
        client = Client()
        client.force_login(world.ceo)
        response = client.post(reverse("reports:request", args=[world.application.pk]))
        assert response.status_code == 302
        report = Report.objects.get(application=world.application)
        assert response.url == reverse("reports:status", args=[report.pk])

        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            report.refresh_from_db()
            if report.status in (Report.Status.READY, Report.Status.FAILED) or process.poll() is not None:
                break
            time.sleep(0.5)
        worker_log = log_path.read_text(errors="replace")
        assert report.status == Report.Status.READY, (
            f"status {report.status!r}, error {report.error!r}, worker exit {process.poll()}\n{worker_log[-4000:]}"
        )
        assert "reports.tasks.render_report" in worker_log and "succeeded" in worker_log

        page = client.get(reverse("reports:status", args=[report.pk]))
        assert "Refresh" not in page
        download = client.get(reverse("reports:download", args=[report.pk]))
        assert download.status_code == 200
        reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
        text = " ".join((page.extract_text() or "") for page in reader.pages)
        text = " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())
        assert " ".join(ACCENTED_NAME) in text
        for role in ROLE_NAMES_FR:
            assert role in text, role
        assert len(reader.pages) >= 4 and report.page_count == len(reader.pages)
    finally:
        celery_app.conf.task_always_eager = previous
        _stop_worker(process, log)
