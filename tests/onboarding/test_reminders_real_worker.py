"""The check-in reminders on the real path: Celery beat (its own process, the project's schedule,
checked every 2 s here through ``ONBOARDING_CHECK_IN_EVERY``) sends ``send_check_in_reminders``
to Redis, a worker process runs it against PostgreSQL, the outbox delivers the e-mails. Over
several beats each party's due check-in is reminded exactly once. Skips without the services;
FAILS when ``CSO_REQUIRE_SERVICES=1`` (CI)."""

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
from onboarding import services
from onboarding.models import CheckInReminder, StartKit
from outbox.models import OutboundEmail
from tests.conftest import ensure_reference_data, require_service
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    MandateFactory,
    UserFactory,
    hired_application,
)
from tests.realworker import broker_url, database_url, redis_flushed, start_worker, stop_worker, wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real_worker"),
]

TIMEOUT = 120


def start_beat(log_path, schedule_path, broker):
    """``celery -A cso_recruit beat`` with the project's schedule, the check-in task every 2 s."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cso_recruit.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "ONBOARDING_CHECK_IN_EVERY": "2",
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


def test_beat_and_a_real_worker_remind_each_check_in_once(tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker = broker_url()
    require_service(bool(broker) and redis_flushed(broker), "Redis (CELERY_BROKER_URL=redis://…)")
    ensure_reference_data()
    ceo = UserFactory(username="dg-bilan", email="dg.bilan@example.org", groups=["ceo"])
    mandate = MandateFactory(ceo=ceo)
    candidate = CandidateFactory(email="cso.bilan@example.org")
    application = hired_application(ApplicationFactory(mandate=mandate, candidate=candidate, stage="offer"))
    kit = StartKit.objects.get(application=application)
    services.kit_start_date_set(kit=kit, start_date=timezone.localdate() - timedelta(days=31))

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    worker, worker_log = start_worker(tmp_path / "worker.log", name="check-in-test")
    beat, beat_log = start_beat(tmp_path / "beat.log", tmp_path / "beat-schedule", broker)
    try:
        wait_until(
            lambda: OutboundEmail.objects.filter(key__startswith="check-in:", status="sent").count() == 2,
            timeout=TIMEOUT,
            process=worker,
            log_path=tmp_path / "worker.log",
            what="the two check-in reminder e-mails",
        )
        time.sleep(7)  # three more beats at least
        beats = (
            (tmp_path / "beat.log").read_text(errors="replace").count("Sending due task check-in-reminders")
        )
        assert beats >= 3, (tmp_path / "beat.log").read_text(errors="replace")[-3000:]
        runs = (
            (tmp_path / "worker.log")
            .read_text(errors="replace")
            .count("Task onboarding.tasks.send_check_in_reminders")
        )
        assert runs >= 3
        assert set(CheckInReminder.objects.values_list("kit_id", "milestone", "party")) == {
            (kit.pk, 30, "ceo"),
            (kit.pk, 30, "cso"),
        }
        mails = OutboundEmail.objects.filter(key__startswith="check-in:")
        assert sorted(mails.values_list("to", flat=True)) == ["cso.bilan@example.org", "dg.bilan@example.org"]
    finally:
        celery_app.conf.task_always_eager = previous
        stop_worker(beat, beat_log)
        stop_worker(worker, worker_log)
