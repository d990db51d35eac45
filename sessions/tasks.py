"""Celery tasks for working sessions: the periodic reminders. Invitations, updates, cancellations
and debrief links are not tasks any more: the services write them into the outbox in the
transaction of the change (``sessions.emails``, ``outbox.services``)."""

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from outbox.services import email_enqueue

from . import emails, todo
from .models import SessionReminder, WorkingSession
from .scheduling import is_aware, localize

REMINDER_LEAD = timedelta(hours=24)


def _aware_now(now_iso: str) -> datetime:
    """``now_iso`` as an aware datetime (naive: the default time zone, DST-ambiguous refused)."""
    value = datetime.fromisoformat(now_iso)
    if is_aware(value):
        return value
    try:
        return localize(value, settings.TIME_ZONE)
    except ValidationError as exc:
        raise ValueError(f"now_iso {now_iso!r}: {' '.join(exc.messages)}") from exc


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def send_due_reminders(now_iso: str | None = None) -> int:
    """Periodic (beat): remind each participant once, 24 h before a planned session.

    Reads due sessions from the database (no long ETAs); the ``SessionReminder`` unique constraint
    and the outbox's message key make each reminder go once even if two beats overlap: the
    reminder row and its e-mail are written in one transaction, the outbox sends it after the
    commit. Returns the number of reminders written.

    ``now_iso`` (tests, a manual catch-up run; beat passes nothing): an ISO 8601 date-time standing
    for "now". With an offset it is taken as is; without one it is read as a wall-clock time in the
    default time zone (``settings.TIME_ZONE``, whatever zone is active), like a time typed in a shell.
    ``ValueError`` if it is not ISO 8601, or is naive and does not exist or occurs twice in that zone
    (DST): the task will not guess which instant was meant.
    """
    now = timezone.now() if now_iso is None else _aware_now(now_iso)
    due = (
        WorkingSession.objects.filter(
            status=WorkingSession.Status.PLANNED, starts_at__gt=now, starts_at__lte=now + REMINDER_LEAD
        )
        .exclude(application__stage__in=todo.CLOSED_STAGES)  # withdrawn or rejected meanwhile: no reminder
        .select_related(
            "application__candidate",
            "application__mandate__company",
            "application__mandate__ceo__profile",
            "mediator__profile",
        )
    )
    sent = 0
    for session in due:
        for recipient in emails.recipients(session):
            try:
                with transaction.atomic():
                    SessionReminder.objects.create(session=session, email=recipient.email)
                    email_enqueue([emails.reminder_message(session, recipient)])
            except IntegrityError:
                continue  # already reminded
            sent += 1
    return sent


@shared_task
def send_overdue_reminders(now_iso: str | None = None) -> int:
    """Periodic (beat): remind once each CEO of an overdue debrief and each mediator of an overdue
    observation (``todo.overdue_reminders_send``). ``now_iso`` as for :func:`send_due_reminders`."""
    now = timezone.now() if now_iso is None else _aware_now(now_iso)
    return todo.overdue_reminders_send(now=now)


@shared_task
def send_recruiter_digests(now_iso: str | None = None) -> int:
    """Periodic (beat, daily): each recruiter's digest of what their mandates wait for
    (``todo.recruiter_digests_send``); once a day (the message key holds the date)."""
    now = timezone.now() if now_iso is None else _aware_now(now_iso)
    return todo.recruiter_digests_send(now=now)
