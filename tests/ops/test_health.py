"""``/health/``: public, a bare status for anyone and the details for staff; the broker and worker
checks only when a real broker is configured; with Redis and a real worker, all of it for real."""

import datetime
import subprocess
import sys

import pytest
from health_check import Database, Storage
from health_check.contrib.redis import Redis

from cso_recruit import health
from cso_recruit.celery import app as celery_app
from tests.conftest import ROOT, require_service
from tests.ops.conftest import REDIS_URL, clean_env, redis_flushed, start_worker, stop, wait_for

pytestmark = pytest.mark.django_db


def test_embedded_default_is_healthy_with_the_database_and_media_storage_only(client, settings):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert [type(check) for check in health.HealthView().get_checks()] == [Database, Storage]
    assert not (settings.MEDIA_ROOT / "health_check_storage_test").exists() or not any(
        (settings.MEDIA_ROOT / "health_check_storage_test").iterdir()
    )  # its probe file is deleted


def test_anonymous_users_get_a_status_and_nothing_else_even_when_a_check_fails(client, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"  # the storage probe cannot write
    response = client.get("/health/", HTTP_ACCEPT="text/html")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "unavailable"}
    for page in (client.get("/health/?format=json"), client.get("/health/?format=text")):
        assert page.status_code == 500 and page.json() == {"status": "unavailable"}


def test_staff_get_every_check_and_its_error(client, settings, tmp_path):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="ops-staff", is_staff=True))
    response = client.get("/health/?format=json")
    assert response.status_code == 200
    assert response.json() == {"Database(alias='default')": "OK", "Storage(alias='default')": "OK"}
    assert "Database" in client.get("/health/", HTTP_ACCEPT="text/html").content.decode()

    blocker = tmp_path / "file"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"
    failed = client.get("/health/?format=json")
    assert failed.status_code == 500
    assert failed.json()["Database(alias='default')"] == "OK"
    assert failed.json()["Storage(alias='default')"] != "OK"


def test_not_behind_login_nor_https_redirect_and_recorded_with_a_request_id(client):
    response = client.get("/health/")
    assert response.status_code == 200 and len(response["X-Request-ID"]) == 32


def test_a_real_broker_adds_the_broker_and_worker_checks(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    # Celery's Settings.broker_url reads CELERY_BROKER_URL from the environment first (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:6379/12")
    checks = list(health.HealthView().get_checks())
    assert [type(check) for check in checks] == [Database, Storage, Redis, health.WorkerPing]
    assert repr(checks[2]) == "Redis(db=12, host='127.0.0.1', port=6379)"
    assert checks[3].app is celery_app and checks[3].timeout == datetime.timedelta(seconds=1)
    assert health.task_queues() == {"celery", "reports"}

    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://guest@127.0.0.1//")
    monkeypatch.setattr(celery_app.conf, "broker_url", "amqp://guest@127.0.0.1//")
    assert [type(check) for check in health.HealthView().get_checks()] == [
        Database,
        Storage,
        health.WorkerPing,
    ]
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)  # eager: no worker to ask
    assert [type(check) for check in health.HealthView().get_checks()] == [Database, Storage]


def _health_command(env):
    """django-health-check's own command, running the view's checks without HTTP."""
    return subprocess.run(
        [sys.executable, "manage.py", "health_check", "health", "--no-http"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.services
@pytest.mark.xdist_group("real_worker")
def test_with_redis_and_a_real_worker(tmp_path, no_dotenv):
    require_service(redis_flushed(), "Redis (127.0.0.1:6379)")
    env = clean_env(
        CELERY_BROKER_URL=REDIS_URL,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
    )

    without_worker = _health_command(env)
    assert without_worker.returncode == 1, without_worker.stdout + without_worker.stderr
    assert "Database(alias='default'): OK" in without_worker.stdout
    assert "Redis(db=12, host='127.0.0.1', port=6379): OK" in without_worker.stdout
    assert "Celery workers unavailable" in without_worker.stdout

    worker = start_worker(tmp_path / "worker.log", env)
    try:
        assert wait_for(lambda: "ready." in (tmp_path / "worker.log").read_text(), 60, worker), (
            tmp_path / "worker.log"
        ).read_text()[-3000:]
        with_worker = _health_command(env)
        assert with_worker.returncode == 0, with_worker.stdout + with_worker.stderr
        assert "WorkerPing(" in with_worker.stdout and "Unavailable" not in with_worker.stdout
    finally:
        stop(worker)


def test_a_signed_in_probe_during_a_database_outage_gets_the_short_answer_not_an_error_page(
    client, monkeypatch
):
    """The session lives in the database: when reading it fails, /health/ still answers in JSON."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    from tests.factories import UserFactory

    client.force_login(UserFactory(username="staff-sonde", is_staff=True))

    def down(self):
        raise OperationalError("connection to server at 127.0.0.1 failed")

    async def adown(self):
        down(self)

    monkeypatch.setattr(SessionStore, "load", down)
    monkeypatch.setattr(SessionStore, "aload", adown)
    response = client.get("/health/")
    assert response["Content-Type"].startswith("application/json"), (
        response.status_code,
        response.content[:300],
    )
    assert response.json() == {"status": "ok"}
