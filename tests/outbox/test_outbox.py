"""The outbox (``outbox.services``): rows written with the change, sent on commit, nothing sent for
a rolled-back change, each recipient once whatever the retries, a broker outage that loses
nothing, the sweeper's backoff, and the page's notice when the broker is down."""

import os
import subprocess
import sys
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from celery import current_app
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from outbox import services, tasks
from outbox.models import OutboundEmail, TaskRequest

pytestmark = pytest.mark.django_db


def message(n=1, to="ana.lopez@example.org"):
    return services.Message(
        key=f"test:{n}:{to}",
        to=to,
        subject=f"Objet {n}",
        body=f"Bonjour {n}\n",
        html=f"<p>Bonjour {n}</p>",
        attachments=(
            ("seance.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar; method=REQUEST"),
        ),
    )


@pytest.fixture
def broker_down(monkeypatch):
    """A real broker configured (not eager) that refuses every publish."""
    monkeypatch.setattr(current_app.conf, "task_always_eager", False)
    sent = []

    def refuse(self, *args, **kwargs):
        sent.append(self.name)
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(current_app.Task, "apply_async", refuse)
    return sent


def test_a_committed_message_is_sent_once_with_its_alternative_and_attachment(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.email_enqueue([message()])
    assert len(rows) == 1 and len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ana.lopez@example.org"] and sent.subject == "Objet 1" and sent.body == "Bonjour 1\n"
    assert sent.alternatives[0][0] == "<p>Bonjour 1</p>" and sent.alternatives[0][1] == "text/html"
    assert sent.attachments[0][0] == "seance.ics" and sent.attachments[0][2].startswith("text/calendar")
    row = OutboundEmail.objects.get()
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
    # Delivering again (a redelivered task, the sweeper) sends nothing more.
    assert services.email_deliver(row.pk) == "skipped"
    assert services.outbox_sweep(now=timezone.now() + timedelta(hours=2))["emails"] == {}
    assert len(mail.outbox) == 1


def test_the_same_key_twice_is_one_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_enqueue([message()])
        assert services.email_enqueue([message()]) == []
    assert OutboundEmail.objects.count() == 1 and len(mail.outbox) == 1


def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.email_enqueue([message()])
            services.task_request("outbox.tasks.sweep_outbox")
            raise RuntimeError("the change failed")
    assert callbacks == [] and OutboundEmail.objects.count() == 0 and TaskRequest.objects.count() == 0
    assert mail.outbox == []


def test_broker_down_keeps_the_messages_and_the_sweeper_sends_them(
    broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_enqueue([message(1), message(2)])
        request = services.task_request("outbox.tasks.sweep_outbox")
    # One refused publish is enough to know the broker is down: the second e-mail is not tried.
    assert broker_down == ["outbox.tasks.deliver_email", "outbox.tasks.sweep_outbox"]
    assert mail.outbox == []
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"pending"}
    request.refresh_from_db()
    assert (
        request.status == "pending" and request.attempts == 1 and request.last_error == "broker unreachable"
    )
    # Too early for the sweeper (OUTBOX_RETRY_AFTER, 60 s): nothing.
    assert services.outbox_sweep()["emails"] == {}
    later = timezone.now() + timedelta(seconds=61)
    counts = services.outbox_sweep(now=later)
    assert counts["emails"] == {"sent": 2}
    assert counts["tasks"] == {"sent": 0, "pending": 1, "failed": 0, "purged": 0}  # still down for tasks
    assert sorted(m.subject for m in mail.outbox) == ["Objet 1", "Objet 2"]


def test_a_task_request_is_sent_again_by_the_sweeper_once_the_broker_is_back(
    monkeypatch, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.task_request("outbox.tasks.sweep_outbox")
    monkeypatch.undo()  # the broker is back (and eager again for the test)
    published = []
    # On the task's class: an instance attribute would outlive the test (monkeypatch restores by setattr).
    monkeypatch.setattr(
        type(current_app.tasks["outbox.tasks.sweep_outbox"]),
        "apply_async",
        lambda self, **kwargs: published.append(kwargs),
    )
    counts = services.outbox_sweep(now=timezone.now() + timedelta(seconds=61))
    assert counts["tasks"] == {"sent": 1, "pending": 0, "failed": 0, "purged": 0}
    request.refresh_from_db()
    assert request.status == "dispatched" and request.attempts == 2 and request.dispatched_at is not None
    assert published[0]["task_id"] == f"outbox-{request.pk}-2" and published[0]["retry"] is False


def test_a_failing_mail_server_is_retried_with_backoff_then_failed(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_EMAIL_MAX_ATTEMPTS = 3
    monkeypatch.setattr(
        EmailMultiAlternatives,
        "send",
        lambda self: (_ for _ in ()).throw(SMTPServerDisconnected("Connection unexpectedly closed")),
    )
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        services.email_enqueue([message()])
    row = OutboundEmail.objects.get()
    assert row.status == "pending" and row.attempts == 1 and "SMTPServerDisconnected" in row.last_error
    assert timedelta(seconds=59) < row.next_attempt_at - start < timedelta(seconds=62)  # 1 min
    first_retry = row.next_attempt_at
    services.outbox_sweep(now=first_retry)
    row.refresh_from_db()
    assert row.attempts == 2 and row.status == "pending"
    assert row.next_attempt_at - first_retry == timedelta(minutes=2)
    services.outbox_sweep(now=row.next_attempt_at)
    row.refresh_from_db()
    assert row.attempts == 3 and row.status == "failed"
    assert services.outbox_sweep(now=row.next_attempt_at + timedelta(days=1))["emails"] == {}


def test_backoff_doubles_up_to_an_hour():
    assert [services._backoff(n) for n in (1, 2, 3, 4, 7, 8, 20)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 60, 60, 60)
    ]


def test_one_recipient_failing_does_not_resend_to_the_others(monkeypatch, django_capture_on_commit_callbacks):
    """The old invitation task retried the whole send after a partial failure: earlier recipients
    got it twice. One row per recipient: only the failed one is tried again."""
    real_send = EmailMultiAlternatives.send
    failures = {"b@example.org": 1}

    def flaky(self):
        if failures.get(self.to[0]):
            failures[self.to[0]] -= 1
            raise ConnectionResetError("reset by peer")
        return real_send(self)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        services.email_enqueue(
            [message(1, "a@example.org"), message(1, "b@example.org"), message(1, "c@example.org")]
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "c@example.org"]
    services.outbox_sweep(now=timezone.now() + timedelta(minutes=2))
    services.outbox_sweep(now=timezone.now() + timedelta(minutes=10))
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org", "c@example.org"]


def test_a_task_is_found_by_name_even_when_its_module_was_never_imported():
    """A fresh web process (a subprocess here) has imported no ``tasks`` module."""
    code = (
        "import django; django.setup(); from celery import current_app; from outbox import services; "
        "name = 'reports.tasks.render_report'; print(name in current_app.tasks, "
        "services.registered_task(name).name, services.registered_task('nowhere.tasks.nothing'))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cso_recruit.settings"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    assert out.stdout.split() == ["False", "reports.tasks.render_report", "None"]


def test_an_unknown_task_is_failed_and_blocks_nothing_behind_it(
    monkeypatch, django_capture_on_commit_callbacks
):
    """A request naming no registered task (renamed; web and worker on different versions) is
    failed with the reason, and the sweep goes on with the next ones."""
    with django_capture_on_commit_callbacks(execute=False):
        poison = services.task_request("nowhere.tasks.nothing", x=1)
        good = services.task_request("outbox.tasks.sweep_outbox")
    published = []
    monkeypatch.setattr(
        type(current_app.tasks["outbox.tasks.sweep_outbox"]),
        "apply_async",
        lambda self, **kwargs: published.append(kwargs),
    )
    counts = services.outbox_sweep(now=timezone.now() + timedelta(seconds=61))
    assert counts["tasks"] == {"sent": 1, "pending": 0, "failed": 1, "purged": 0}
    poison.refresh_from_db()
    good.refresh_from_db()
    assert poison.status == "failed" and poison.last_error == "unknown task nowhere.tasks.nothing"
    assert good.status == "dispatched" and len(published) == 1


def test_deferred_publishes_are_noted_only_inside_a_request(broker_down):
    assert services.publish(tasks.sweep_outbox) is False
    assert services.deferred_in_request() == []
    token = services._deferred.set([])
    try:
        assert services.publish(tasks.sweep_outbox) is False
        assert services.deferred_in_request() == ["outbox.tasks.sweep_outbox"]
    finally:
        services._deferred.reset(token)


@pytest.mark.django_db(transaction=True)  # the thread reads committed rows on its own connection
def test_the_embedded_default_renders_in_a_background_thread_and_the_page_answers_at_once(
    settings, monkeypatch
):
    """No broker: the report request answers while the render waits in its thread; the render
    then completes on its own."""
    import threading

    from django.db import connection as dj_connection
    from django.test import Client

    from reports import rendering
    from reports.models import Report
    from tests.conftest import ensure_reference_data, require_service
    from tests.reports.conftest import make_world

    # SQLite's in-memory test database locks whole tables across threads (the embedded default's
    # file database waits instead: transaction_mode IMMEDIATE, timeout 20 s).
    require_service(dj_connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    ensure_reference_data()
    settings.OUTBOX_EAGER_IN_BACKGROUND = True
    release = threading.Event()
    real = rendering.render_pdf

    def held(snapshot):
        assert release.wait(timeout=30), "the test never released the render"
        return real(snapshot)

    monkeypatch.setattr(rendering, "render_pdf", held)
    world = make_world()
    client = Client()
    client.force_login(world.ceo)
    response = client.post(f"/applications/{world.application.pk}/reports/request/")
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status in ("queued", "rendering")  # the request did not wait for the render
    release.set()
    assert services.background_join(timeout=60)
    report.refresh_from_db()
    assert report.status == "ready", report.error


def test_a_broker_that_accepts_and_never_answers_costs_a_request_seconds_not_minutes(db):
    """A Redis address that accepts connections and never replies (a hung broker, a firewall
    black hole behind a proxy): the publish gives up after the socket timeout, the work stays
    pending."""
    import socket
    import threading
    import time

    from tests.realworker import publishing_to

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    threading.Thread(
        target=lambda: [accepted.append(server.accept()) for _ in range(16)], daemon=True
    ).start()
    try:
        with publishing_to(f"redis://127.0.0.1:{server.getsockname()[1]}/0"):
            started = time.monotonic()
            assert services.publish(tasks.sweep_outbox) is False
            elapsed = time.monotonic() - started
    finally:
        server.close()
        for connection, _address in accepted:
            connection.close()
    assert accepted and elapsed < settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"] * 2 + 2


def test_sent_and_failed_task_requests_are_deleted_after_the_keeping_time(settings):
    from datetime import timedelta as td

    settings.OUTBOX_TASK_KEEP_DAYS = 7
    now = timezone.now()
    old_sent = TaskRequest.objects.create(
        task="x", kwargs={"email": "a@example.org"}, status="dispatched", dispatched_at=now - td(days=8)
    )
    old_failed = TaskRequest.objects.create(task="x", kwargs={}, status="failed")
    recent = TaskRequest.objects.create(task="x", kwargs={}, status="dispatched", dispatched_at=now)
    pending = TaskRequest.objects.create(task="x", kwargs={}, status="pending")
    TaskRequest.objects.filter(pk__in=[old_sent.pk, old_failed.pk]).update(created_at=now - td(days=8))
    counts = services.outbox_sweep(now=now)
    assert counts["tasks"]["purged"] == 2
    assert set(TaskRequest.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
