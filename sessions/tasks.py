"""Celery tasks for working sessions. Each takes ids, loads, and calls the mail/ics code; all are
safe to re-run (idempotent or harmless) and enqueued on commit by the services."""

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .ics import session_ics
from .models import SessionReminder, WorkingSession
from .scheduling import is_aware, localize

REMINDER_LEAD = timedelta(hours=24)


def _session(session_id):
    return (WorkingSession.objects.select_related("application__candidate", "application__mandate__ceo",
                                                  "application__mandate__company", "mediator")
            .filter(pk=session_id).first())


def _context(session, **extra):
    """Template context of the session e-mails. ``starts``/``ends`` are the wall-clock times in the
    session's zone, naive on purpose: the templates' ``date`` filter would otherwise convert an aware
    value to the active zone (Paris) and print the Paris clock under the session's zone label."""
    zone = _tz(session)
    return {"session": session, "candidate": session.application.candidate,
            "mandate": session.application.mandate, "site_url": settings.SITE_URL,
            "starts": timezone.make_naive(session.starts_at, zone),
            "ends": timezone.make_naive(session.ends_at, zone), **extra}


def _tz(session):
    from .scheduling import _zone

    return _zone(session.timezone)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def send_session_invitation(session_id: int, kind: str) -> int:
    """E-mail the session's .ics (REQUEST on schedule/reschedule, CANCEL on cancel) to the CEO, the
    mediator and the candidate. Returns the number of messages sent (0 if the session is gone)."""
    from .services import participants

    session = _session(session_id)
    if session is None:
        return 0
    ics = session_ics(session)
    method = "CANCEL" if kind == "cancel" else "REQUEST"
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"sessions/email/{kind}_subject.txt", _context(session)).strip()
        for role, name, email in participants(session):
            body = render_to_string(f"sessions/email/{kind}_body.txt", _context(session, name=name, role=role))
            message = EmailMessage(subject, body, to=[email])
            # No charset here: Django adds charset="utf-8" itself (naming it too put it twice in the header).
            message.attach(f"seance-{session.order}.ics", ics, f"text/calendar; method={method}")
            sent += message.send()
    return sent


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def send_candidate_debrief_link(session_id: int) -> bool:
    """E-mail the candidate a signed, expiring, single-use link to their debrief of the session."""
    from .services import debrief_invitation_create

    session = _session(session_id)
    if session is None or session.status != WorkingSession.Status.HELD:
        return False
    token = debrief_invitation_create(session=session)
    link = settings.SITE_URL.rstrip("/") + reverse("working_sessions:candidate_debrief", kwargs={"token": token})
    with translation.override(settings.LANGUAGE_CODE):
        context = _context(session, link=link)
        subject = render_to_string("sessions/email/debrief_subject.txt", context).strip()
        body = render_to_string("sessions/email/debrief_body.txt", context)
    EmailMessage(subject, body, to=[session.application.candidate.email]).send()
    return True


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
    makes each reminder go once even if two beats overlap. Returns the number of reminders sent.

    ``now_iso`` (tests, a manual catch-up run; beat passes nothing): an ISO 8601 date-time standing
    for "now". With an offset it is taken as is; without one it is read as a wall-clock time in the
    default time zone (``settings.TIME_ZONE``, whatever zone is active), like a time typed in a shell.
    ``ValueError`` if it is not ISO 8601, or is naive and does not exist or occurs twice in that zone
    (DST): the task will not guess which instant was meant.
    """
    from .services import participants

    now = timezone.now() if now_iso is None else _aware_now(now_iso)
    due = (WorkingSession.objects.filter(status=WorkingSession.Status.PLANNED, starts_at__gt=now,
                                         starts_at__lte=now + REMINDER_LEAD)
           .select_related("application__candidate", "application__mandate__ceo", "mediator"))
    sent = 0
    for session in due:
        for role, name, email in participants(session):
            try:
                with transaction.atomic():
                    SessionReminder.objects.create(session=session, email=email)
                    with translation.override(settings.LANGUAGE_CODE):
                        context = _context(session, name=name, role=role)
                        subject = render_to_string("sessions/email/reminder_subject.txt", context).strip()
                        body = render_to_string("sessions/email/reminder_body.txt", context)
                    message = EmailMessage(subject, body, to=[email])
                    message.attach(f"seance-{session.order}.ics", session_ics(session),
                                   "text/calendar; method=REQUEST")
                    message.send()
            except IntegrityError:
                continue  # already reminded
            sent += 1
    return sent
