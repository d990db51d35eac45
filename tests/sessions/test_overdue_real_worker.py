"""The overdue reminders on the real path: Celery beat (its own process, the project's schedule,
checked every 2 s here through ``SESSIONS_OVERDUE_EVERY``) sends ``send_overdue_reminders`` to
Redis, a worker process runs it against PostgreSQL, the outbox delivers the e-mail. Over several
beats the CEO's overdue debrief is reminded exactly once. Skips without the services; FAILS when
``CSO_REQUIRE_SERVICES=1`` (CI)."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cso_recruit.celery import app as celery_app
from outbox.models import OutboundEmail
from sessions.models import OverdueReminder, WorkingSession
from tests.conftest import ensure_reference_data, require_service
from tests.factories import ApplicationFactory, MandateFactory, UserFactory, WorkingSessionFactory
from tests.realworker import broker_url, database_url, redis_flushed, start_worker, stop_worker, wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real_worker"),
]

TIMEOUT = 120  # seconds, worker and beat start-up included


def start_beat(log_path, schedule_path, broker):
    """``celery -A cso_recruit beat`` with the project's schedule, the overdue check every 2 s."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cso_recruit.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SESSIONS_OVERDUE_EVERY": "2",
        "PYTHONUNBUFFERED": "1",
    }
    celery = Path(sys.executable).with_name("celery")
    log = open(log_path, "w")  # noqa: SIM115 — closed by stop_worker
    process = subprocess.Popen(  # noqa: S603
        [str(celery), "-A", "cso_recruit", "beat", "-s", str(schedule_path), "-l", "info"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log


def test_beat_and_a_real_worker_send_each_overdue_reminder_once(tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker = broker_url()
    require_service(bool(broker) and redis_flushed(broker), "Redis (CELERY_BROKER_URL=redis://…)")
    ensure_reference_data()
    ceo = UserFactory(username="dg-relance", email="dg.relance@example.org", groups=["ceo"])
    mandate = MandateFactory(ceo=ceo)
    start = timezone.now().replace(microsecond=0) - timedelta(days=3)
    session = WorkingSessionFactory(
        application=ApplicationFactory(mandate=mandate),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        status=WorkingSession.Status.HELD,
    )

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    worker, worker_log = start_worker(tmp_path / "worker.log", name="overdue-test")
    beat, beat_log = start_beat(tmp_path / "beat.log", tmp_path / "beat-schedule", broker)
    try:
        wait_until(
            lambda: OutboundEmail.objects.filter(to="dg.relance@example.org", status="sent").exists(),
            timeout=TIMEOUT,
            process=worker,
            log_path=tmp_path / "worker.log",
            what="the overdue reminder e-mail",
        )
        time.sleep(7)  # three more beats at least
        beats = (
            (tmp_path / "beat.log").read_text(errors="replace").count("Sending due task overdue-reminders")
        )
        assert beats >= 3, (tmp_path / "beat.log").read_text(errors="replace")[-3000:]
        runs = (
            (tmp_path / "worker.log")
            .read_text(errors="replace")
            .count("Task sessions.tasks.send_overdue_reminders")
        )
        assert runs >= 3
        # Held without an observation: the CEO's debrief and the mediator's observation, once each.
        assert set(OverdueReminder.objects.values_list("kind", "session_id", "user_id")) == {
            ("debrief", session.pk, ceo.pk),
            ("observation", session.pk, session.mediator_id),
        }
        overdue = OutboundEmail.objects.filter(key__startswith="overdue:")
        assert sorted(overdue.values_list("to", flat=True)) == sorted([ceo.email, session.mediator.email])
    finally:
        celery_app.conf.task_always_eager = previous
        stop_worker(beat, beat_log)
        stop_worker(worker, worker_log)
