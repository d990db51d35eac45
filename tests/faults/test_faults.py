"""Faults with the real thing — PostgreSQL, a private Redis broker that a test can stop, and a
Celery worker process — and what each must leave: nothing lost, nothing stuck, nothing twice.

* the broker down when a report is requested or a session scheduled: the page answers (no 500) and
  says the work will proceed; once the broker is back the sweep sends it: the report is rendered,
  each participant gets each invitation once;
* a worker child killed (``kill -9``) in the middle of a render: the message goes back to the
  queue, the render is taken over and the report is ready;
* the hard time limit, again and again: the report fails with the reason after the cap;
* the soft time limit: the report fails with the time-out message;
* no fonts on the machine: the worker refuses to start with the reason, and the report waits,
  queued, for a worker that can render it.

Skips without PostgreSQL or ``redis-server``; FAILS when ``CSO_REQUIRE_SERVICES=1`` (CI).
"""

import os
import signal
import time
from datetime import timedelta
from email import message_from_string
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from outbox import services as outbox
from outbox.models import OutboundEmail, TaskRequest
from reports import services as report_services
from reports.models import Report
from reports.tasks import render_report  # noqa: F401 — registered before any settings override
from tests.conftest import ensure_reference_data, require_service
from tests.realworker import PrivateRedis, publishing_to, start_worker, stop_worker, wait_until
from tests.reports.conftest import make_world

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real_worker"),
]

NOTICE = (
    "Saved. The background service is not reachable right now: the e-mails and the work this causes will "
    "proceed on their own as soon as it is back."
)
FAULT_APP = "tests.faults.celery_app"
NO_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/nonexistent-fonts</dir><cachedir>{cache}</cachedir></fontconfig>
"""


class Rig:
    """The test's broker and workers; everything is stopped at the end."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.redis = PrivateRedis()
        self.workers = []

    def worker(self, name="worker", **kwargs):
        log_path = self.tmp_path / f"{name}.log"
        process, log = start_worker(log_path, broker=self.redis.url, name=name, **kwargs)
        self.workers.append((process, log, log_path))
        return process, log_path

    def close(self):
        for process, log, _path in self.workers:
            stop_worker(process, log)
        self.redis.stop()


@pytest.fixture
def rig(tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    require_service(PrivateRedis.available(), "redis-server")
    ensure_reference_data()
    rig = Rig(tmp_path)
    with publishing_to(rig.redis.url):
        yield rig
    rig.close()


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _notice_in(html):
    with translation.override("fr"):
        return escape(gettext(NOTICE)) in html


def _request_report(world):
    client = _client(world.ceo)
    response = client.post(reverse("reports:request", args=[world.application.pk]))
    assert response.status_code == 302, response.status_code
    return client, response, Report.objects.get(application=world.application)


def _status(report):
    report.refresh_from_db()
    return report.status


def test_broker_down_when_a_report_is_requested_then_back(rig):
    world = make_world()
    client, response, report = _request_report(world)  # the broker was never started: refused
    assert report.status == "queued"
    assert TaskRequest.objects.get().status == "pending"
    assert _notice_in(client.get(response.url).content.decode())

    rig.redis.start()
    process, log_path = rig.worker()
    outbox.outbox_sweep(now=timezone.now() + timedelta(seconds=61))  # what beat runs every minute
    wait_until(
        lambda: _status(report) in ("ready", "failed"),
        timeout=90,
        process=process,
        log_path=log_path,
        what="the report",
    )
    assert report.status == "ready", report.error
    assert TaskRequest.objects.get().status == "dispatched"


def _mails(folder: Path):
    """``[(recipient, subject)]`` of every message the file-based backend wrote."""
    found = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                message = message_from_string(chunk.strip())
                found.append((message["To"], message["Subject"]))
    return found


def test_broker_down_when_a_session_is_scheduled_then_each_invitation_once(rig, settings):
    from sessions.models import WorkingSession
    from tests.sessions.conftest import DAY

    settings.OUTBOX_RETRY_AFTER = 0  # due at once for the sweep
    world = make_world(sessions=0)
    client = _client(world.recruiter)
    url = reverse("working_sessions:application", kwargs={"application_pk": world.application.pk})
    response = client.post(
        url,
        {
            "date": DAY.isoformat(),
            "start": "10:00",
            "end": "11:30",
            "tz": "Europe/Paris",
            "location": "Visio",
            "problem": "Budget RH.",
            "mediator": world.mediator.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert WorkingSession.objects.filter(application=world.application).count() == 1
    assert OutboundEmail.objects.filter(status="pending").count() == 3
    assert _notice_in(client.get(response.url).content.decode())

    rig.redis.start()
    mail_dir = rig.tmp_path / "mail"
    process, log_path = rig.worker(
        env={
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
            "OUTBOX_RETRY_AFTER": "0",
        }
    )
    from outbox.tasks import deliver_email, sweep_outbox

    sweep_outbox.delay()
    wait_until(
        lambda: not OutboundEmail.objects.filter(status="pending").exists(),
        timeout=90,
        process=process,
        log_path=log_path,
        what="the invitations",
    )
    # Whatever is delivered again — the sweep twice more, every message's task again — nothing twice.
    sweep_outbox.delay()
    for pk in OutboundEmail.objects.values_list("pk", flat=True):
        deliver_email.delay(pk)
    # Two sweeps and three deliveries: five tasks done.
    wait_until(
        lambda: log_path.read_text().count("succeeded in") >= 5,
        timeout=60,
        process=process,
        log_path=log_path,
        what="the redeliveries",
    )
    recipients = sorted(to for to, _subject in _mails(mail_dir))
    ceo, mediator, candidate = world.ceo.email, world.mediator.email, world.application.candidate.email
    assert recipients == sorted([ceo, mediator, candidate])
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}


def _pids(marker: Path):
    return [int(line) for line in marker.read_text().split()] if marker.exists() else []


def _render_in_flight(rig, delay):
    """Start the broker and a prefork worker whose renders last ``delay`` seconds, request a
    report and wait until its render has started. Returns ``(process, log_path, marker, world,
    report)``; ``marker`` lists the pids of the children that started a render."""
    rig.redis.start()
    marker = rig.tmp_path / "renders"
    process, log_path = rig.worker(
        app=FAULT_APP,
        pool="prefork",
        env={"CSO_FAULT_RENDER_DELAY": str(delay), "CSO_FAULT_RENDER_MARKER": str(marker)},
    )
    world = make_world()
    _client_, _response, report = _request_report(world)
    wait_until(
        lambda: len(_pids(marker)) == 1,
        timeout=60,
        process=process,
        log_path=log_path,
        what="the first render to start",
    )
    return process, log_path, marker, world, report


def test_a_worker_child_killed_mid_render_is_taken_over(rig):
    process, log_path, marker, _world, report = _render_in_flight(rig, 3)
    os.kill(_pids(marker)[0], signal.SIGKILL)
    wait_until(
        lambda: _status(report) in ("ready", "failed"),
        timeout=90,
        process=process,
        log_path=log_path,
        what="the report after the kill",
    )
    assert report.status == "ready", report.error
    assert report.interruptions == 1 and report.attempts == 2
    assert len(_pids(marker)) == 2 and _pids(marker)[1] != _pids(marker)[0]
    assert "WorkerLostError" in log_path.read_text()


def _limits(monkeypatch, soft, hard):
    """The render's time limits travel in the task message, set by the publisher (the web
    process, here the test) from the task's options."""
    task = outbox.registered_task("reports.tasks.render_report")
    monkeypatch.setattr(task, "soft_time_limit", soft)
    monkeypatch.setattr(task, "time_limit", hard)
    monkeypatch.setattr(task, "_exec_options", None)  # Celery caches them at the first publish


def test_the_hard_time_limit_again_and_again_fails_the_report_with_the_reason(rig, settings, monkeypatch):
    settings.REPORT_MAX_INTERRUPTIONS = 2
    _limits(monkeypatch, 1, 2)
    rig.redis.start()
    process, log_path = rig.worker(
        app=FAULT_APP,
        pool="prefork",
        env={
            "CSO_FAULT_RENDER_DELAY": "30",
            "CSO_FAULT_IGNORE_SOFT_LIMIT": "1",
            "REPORT_RENDER_SOFT_TIME_LIMIT": "1",
            "REPORT_RENDER_TIME_LIMIT": "2",
        },
    )
    world = make_world()
    _client_, _response, report = _request_report(world)

    def settled():
        # The beat's sweep, run here with "now" past the render's lifetime (time limit + 60 s).
        lifetime = settings.REPORT_RENDER_TIME_LIMIT + 61
        report_services.reports_sweep(now=timezone.now() + timedelta(seconds=lifetime))
        return _status(report) == "failed"

    wait_until(settled, timeout=120, process=process, log_path=log_path, what="the capped failure")
    # Said by whichever gives up: the worker (its limit, 2 s) or the sweep (this process's setting).
    with translation.override("fr"):
        said_here = report_services._interrupted_message(2)
        with override_settings(REPORT_RENDER_TIME_LIMIT=2):
            said_by_worker = report_services._interrupted_message(2)
    assert report.error in (said_here, said_by_worker) and report.interruptions == 2
    assert "TimeLimitExceeded" in log_path.read_text() or "WorkerLostError" in log_path.read_text()


def test_the_soft_time_limit_fails_the_report_with_its_own_message(rig, monkeypatch):
    _limits(monkeypatch, 1, 20)
    rig.redis.start()
    process, log_path = rig.worker(
        app=FAULT_APP,
        pool="prefork",
        env={
            "CSO_FAULT_RENDER_DELAY": "10",
            "REPORT_RENDER_SOFT_TIME_LIMIT": "1",
            "REPORT_RENDER_TIME_LIMIT": "20",
        },
    )
    world = make_world()
    _client_, _response, report = _request_report(world)
    wait_until(
        lambda: _status(report) in ("ready", "failed"),
        timeout=90,
        process=process,
        log_path=log_path,
        what="the soft time limit",
    )
    with translation.override("fr"):
        expected = gettext("Rendering took longer than %(seconds)d seconds and was stopped.") % {"seconds": 1}
    assert report.status == "failed" and report.error == expected


def test_no_fonts_the_worker_refuses_to_start_and_the_report_waits(rig):
    rig.redis.start()
    config = rig.tmp_path / "no-fonts.conf"
    config.write_text(NO_FONTS.format(cache=rig.tmp_path / "fc-cache"))
    world = make_world()
    _client_, _response, report = _request_report(world)
    process, log_path = rig.worker(name="no-fonts", env={"FONTCONFIG_FILE": str(config)})
    process.wait(timeout=60)
    assert process.returncode == 1
    log = log_path.read_text()
    assert "worker not started: WeasyPrint crashed (SIGSEGV)" in log and "fonts-dejavu-core" in log
    assert _status(report) == "queued"  # not taken, not stuck "rendering"
    healthy, healthy_log = rig.worker(name="healthy")
    wait_until(
        lambda: _status(report) in ("ready", "failed"),
        timeout=90,
        process=healthy,
        log_path=healthy_log,
        what="the report by a worker with fonts",
    )
    assert report.status == "ready", report.error


def test_the_broker_drops_while_a_render_is_in_flight_and_the_worker_stays(rig):
    """Redis stops and starts again (empty) while a render is in flight (``acks_late``: its
    message not acknowledged): the render ends, the worker stays up, reconnects and renders the
    next report. (The upstream crash this can meet — kombu's channel restoring the message
    through a detached transport — is reproduced deterministically in ``tests/ops/test_broker.py``;
    here, on the product's transport, it must not stop the worker.)"""
    process, log_path, _marker, world, report = _render_in_flight(rig, 4)
    rig.redis.stop()  # the broker goes away with the render in flight (acks_late: not acknowledged)
    time.sleep(1.5)
    rig.redis.start()
    wait_until(
        lambda: _status(report) in ("ready", "failed"),
        timeout=90,
        process=process,
        log_path=log_path,
        what="the report after the broker came back",
    )
    assert report.status == "ready", report.error
    assert process.poll() is None, log_path.read_text()[-3000:]
    log = log_path.read_text()
    assert "Unrecoverable error" not in log and "Connection to broker lost" in log

    # The worker reconnected: a second report is rendered by the same process.
    second = report_services.report_request(application=world.application, by=world.ceo)
    wait_until(
        lambda: _status(second) in ("ready", "failed"),
        timeout=90,
        process=process,
        log_path=log_path,
        what="a report requested after the reconnection",
    )
    assert second.status == "ready", second.error
    assert process.poll() is None
