"""The periodic reminder task (``sessions.tasks.send_due_reminders``, run by Celery beat): it reads
due sessions from the database and reminds each participant once, 24 h before; a session further
away, cancelled or already started gets nothing; a second beat sends nothing more (the
``SessionReminder`` rows are the memory). A rescheduled session is reminded again for its new time."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from sessions import services
from sessions.models import SessionReminder
from sessions.tasks import send_due_reminders as _send_due_reminders
from tests.sessions.conftest import at

pytestmark = pytest.mark.django_db

PARTICIPANTS = {"dg-test@example.org", "mediateur-test@example.org", "claire.testeuse@example.org"}


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks):
    """The reminders' e-mails leave through the outbox after the commit: run those callbacks."""
    global send_due_reminders

    def send_due_reminders(*args):
        with django_capture_on_commit_callbacks(execute=True):
            return _send_due_reminders(*args)

    yield


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def test_one_reminder_per_participant_once_over_two_runs(world, now):
    soon = world.schedule(now + timedelta(hours=10))
    world.schedule(now + timedelta(hours=30))  # too far ahead
    cancelled = world.schedule(
        now + timedelta(hours=5),
        application=world.other_application,
        mediator=world.other_mediator,
        by=world.other_recruiter,
    )
    services.session_cancel(session=cancelled, by=world.other_recruiter, reason="Report demandé.")
    world.past_session(days_ago=0, hour=0)  # already started today

    assert send_due_reminders() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(PARTICIPANTS)
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert len({m.subject for m in mail.outbox}) == 1 and "1" in mail.outbox[0].subject
    assert all(m.attachments and m.attachments[0].filename.endswith(".ics") for m in mail.outbox)
    assert set(SessionReminder.objects.values_list("session_id", "email")) == {
        (soon.pk, e) for e in PARTICIPANTS
    }

    assert send_due_reminders() == 0
    assert len(mail.outbox) == 3
    assert SessionReminder.objects.count() == 3


def test_nothing_for_a_session_in_thirty_hours_until_it_is_due(world, now):
    later = world.schedule(now + timedelta(hours=30))
    assert send_due_reminders() == 0
    assert mail.outbox == []
    assert not SessionReminder.objects.exists()
    # the beat that runs seven hours later finds it due
    assert send_due_reminders((now + timedelta(hours=7)).isoformat()) == 3
    assert SessionReminder.objects.filter(session=later).count() == 3


def test_nothing_for_a_cancelled_session(world, now):
    session = world.schedule(now + timedelta(hours=5))
    services.session_cancel(session=session, by=world.recruiter, reason="Annulée.")
    assert send_due_reminders() == 0
    assert mail.outbox == []


def test_exactly_24_hours_ahead_is_due(world, now):
    world.schedule(now + timedelta(hours=24))
    assert send_due_reminders(now.isoformat()) == 3


def test_a_rescheduled_session_is_reminded_again_for_its_new_time(world, now):
    session = world.schedule(now + timedelta(hours=10))
    assert send_due_reminders() == 3
    moved = services.session_reschedule(
        session=session,
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=1),
        by=world.recruiter,
    )
    assert send_due_reminders() == 0
    assert send_due_reminders((moved.starts_at - timedelta(hours=10)).isoformat()) == 3
    assert len(mail.outbox) == 6
    assert send_due_reminders((moved.starts_at - timedelta(hours=9)).isoformat()) == 0


# ------------------------------------------------------------------------------ ``now_iso`` without an offset


def test_a_naive_now_is_read_in_the_default_time_zone(world, settings):
    """``settings.TIME_ZONE`` (Europe/Paris), not UTC nor the active zone: the session starts at
    10:00 Paris = 09:00 UTC; "now" 09:30 naive is 08:30 UTC, so the session is 30 min away (due);
    read as UTC it would have started already (not due)."""
    assert settings.TIME_ZONE == "Europe/Paris"
    day = date(timezone.localdate().year + 2, 1, 15)  # winter: Paris is UTC+1
    world.schedule(at(day, 10))
    with timezone.override(ZoneInfo("America/Montreal")):
        assert send_due_reminders(f"{day.isoformat()}T09:30") == 3


def test_a_naive_now_that_does_not_exist_or_occurs_twice_is_refused(world):
    with pytest.raises(ValueError, match="does not exist"):
        send_due_reminders("2027-03-28T02:30")
    with pytest.raises(ValueError, match="occurs twice"):
        send_due_reminders("2027-10-31T02:30")
    with pytest.raises(ValueError):
        send_due_reminders("demain matin")


def test_an_aware_now_is_taken_as_is(world, now):
    world.schedule(now + timedelta(hours=30))
    utc_later = (now + timedelta(hours=7)).astimezone(ZoneInfo("UTC")).isoformat()
    assert send_due_reminders(utc_later) == 3
