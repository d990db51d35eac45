"""The periodic reminder task (``sessions.tasks.send_due_reminders``, run by Celery beat): it reads
due sessions from the database and reminds each participant once, 24 h before; a session further
away, cancelled or already started gets nothing; a second beat sends nothing more (the
``SessionReminder`` rows are the memory). A rescheduled session is reminded again for its new time."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from sessions import services
from sessions.models import SessionReminder
from sessions.tasks import send_due_reminders

pytestmark = pytest.mark.django_db

PARTICIPANTS = {"dg-test@example.org", "mediateur-test@example.org", "claire.testeuse@example.org"}


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def test_one_reminder_per_participant_once_over_two_runs(world, now):
    soon = world.schedule(now + timedelta(hours=10))
    world.schedule(now + timedelta(hours=30))  # too far ahead
    cancelled = world.schedule(now + timedelta(hours=5), application=world.other_application,
                               mediator=world.other_mediator, by=world.other_recruiter)
    services.session_cancel(session=cancelled, by=world.other_recruiter, reason="Report demandé.")
    world.past_session(days_ago=0, hour=0)  # already started today

    assert send_due_reminders() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(PARTICIPANTS)
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert len({m.subject for m in mail.outbox}) == 1 and "1" in mail.outbox[0].subject
    assert all(m.attachments and m.attachments[0].filename.endswith(".ics") for m in mail.outbox)
    assert set(SessionReminder.objects.values_list("session_id", "email")) == {(soon.pk, e) for e in PARTICIPANTS}

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
    moved = services.session_reschedule(session=session, starts_at=now + timedelta(days=3),
                                        ends_at=now + timedelta(days=3, hours=1), by=world.recruiter)
    assert send_due_reminders() == 0
    assert send_due_reminders((moved.starts_at - timedelta(hours=10)).isoformat()) == 3
    assert len(mail.outbox) == 6
    assert send_due_reminders((moved.starts_at - timedelta(hours=9)).isoformat()) == 0
