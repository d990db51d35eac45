"""The real path: PostgreSQL + Redis + a Celery worker process (no eager mode).

Skips without the services; FAILS when ``CSO_REQUIRE_SERVICES=1`` (CI). Run it with::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cso_recruit_t5 \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/15 CSO_REQUIRE_SERVICES=1 \\
    .venv/bin/python -m pytest tests/reports/test_real_worker.py

The rows must be committed for the worker to see them, hence ``transaction=True``; the worker is
given the test database's real name (pytest-django's ``test_<name>``) and the test's media folder.
"""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cso_recruit.celery import app as celery_app
from tests.conftest import ensure_reference_data, require_service
from tests.reports.conftest import ACCENTED_NAME, ROLE_NAMES_FR, make_world

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("real_worker")]

READY_TIMEOUT = 60  # seconds, worker start-up included


def _broker_url():
    url = os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith("redis://") else ""


def _redis_flushed(url):
    """Empty the Redis database of the broker (stale tasks of earlier runs); False if unreachable."""
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.flushdb()
        return True
    except Exception:
        return False


def _database_url():
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{credentials}@" if credentials else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{host}{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"


def _start_worker(log_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cso_recruit.settings", "DATABASE_URL": _database_url(),
           "CELERY_BROKER_URL": _broker_url(), "CELERY_TASK_ALWAYS_EAGER": "0",
           "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT), "PYTHONUNBUFFERED": "1"}
    celery = Path(sys.executable).with_name("celery")
    command = [str(celery), "-A", "cso_recruit", "worker", "-Q", "celery,reports", "--pool=solo", "-l", "info",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"report-test-{os.getpid()}@%h"]
    log = open(log_path, "w")  # noqa: SIM115 — closed by the caller
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log,  # noqa: S603 — fixed argv
                               stderr=subprocess.STDOUT, start_new_session=True)
    return process, log


def _stop_worker(process, log):
    try:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
    finally:
        log.close()


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
            f"status {report.status!r}, error {report.error!r}, worker exit {process.poll()}\n{worker_log[-4000:]}")
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
