"""The working sessions' e-mails, composed for each recipient: invitations (REQUEST), updates,
cancellations (CANCEL), reminders and the candidate's debrief link.

Each recipient reads times in their own zone, named (the candidate's ``Candidate.time_zone``, the
CEO's and the mediator's ``UserProfile.time_zone``; blank: the session's zone) and, when that is
not the session's zone, the local time at the session too — the attached .ics gives the same
instant in UTC (``sessions.ics``), so an e-mail never contradicts its invitation. Users read their
e-mails in their profile's language, candidates in the site's default language.

Plain-text bodies are rendered with autoescaping off (a name like "O'Brien" or a room called
"Bleue & co" is written as typed); the HTML alternative is the same text, escaped. Links are built
on ``settings.SITE_URL``.

Composition only: the services hand the messages to ``outbox.services.email_enqueue`` in the
transaction of the change (scheduled, moved, cancelled, held) and the outbox sends them once.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cso_recruit import access, zones
from outbox.services import Message

from .ics import session_ics
from .models import WorkingSession

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    """One participant of a session as an addressee: ``role`` ("ceo", "mediator", "candidate"),
    display ``name``, ``email``, the IANA ``zone`` they read times in, and their ``language``."""

    role: str
    name: str
    email: str
    zone: str
    language: str


def _profile(user):
    try:
        return user.profile
    except user._meta.model.profile.RelatedObjectDoesNotExist:
        return None


def _reader_zone(name: str, session, who) -> str:
    """``name`` if it is a zone this machine knows, else the session's zone (logged): a zone stored
    around validation, or removed from the tz database, must not stop anybody's e-mails."""
    if not name:
        return session.timezone
    try:
        zones.zone(name)
    except ValidationError:
        logger.warning(
            "Unknown time zone %r for %s: the session's zone %s is used", name, who, session.timezone
        )
        return session.timezone
    return name


def _user_recipient(role, user, session) -> Recipient:
    profile = _profile(user)
    return Recipient(
        role=role,
        name=user.get_full_name() or user.username,
        email=user.email,
        zone=_reader_zone(profile.time_zone if profile else "", session, user.username),
        language=(profile.language if profile else "") or settings.LANGUAGE_CODE,
    )


def recipients(session: WorkingSession) -> list[Recipient]:
    """The CEO, the mediator and the candidate of ``session``, in that order (the order of
    ``sessions.services.participants``); a participant without an e-mail address (a user created
    in the admin without one) is left out, and logged. A mediator removed from the mandate is left
    out too (``access.sessions_assigned_to``): they no longer hear of its sessions."""
    candidate = session.application.candidate
    mediating = access.sessions_assigned_to(session.mediator).filter(pk=session.pk).exists()
    everyone = [
        _user_recipient("ceo", session.application.mandate.ceo, session),
        *([_user_recipient("mediator", session.mediator, session)] if mediating else []),
        Recipient(
            role="candidate",
            name=candidate.full_name,
            email=candidate.email,
            zone=_reader_zone(candidate.time_zone, session, f"candidate {candidate.pk}"),
            language=settings.LANGUAGE_CODE,
        ),
    ]
    for person in everyone:
        if not person.email:
            logger.warning(
                "Session %s: the %s %s has no e-mail address, nothing is sent to them",
                session.pk,
                person.role,
                person.name,
            )
    return [person for person in everyone if person.email]


def when(session: WorkingSession, zone_name: str) -> dict:
    """The session's times as read in ``zone_name``: ``starts``/``ends`` (naive wall-clock
    datetimes: the templates' ``date`` filter would convert an aware value to the active zone),
    ``zone`` (its name), ``same_day`` (the end falls on the start's date), and, when ``zone_name``
    is not the session's zone, ``venue_starts``/``venue_ends``/``venue_zone`` (the session's own
    clock); those three are ``None`` otherwise."""
    tz = zones.zone(zone_name)
    starts = timezone.make_naive(session.starts_at, tz)
    ends = timezone.make_naive(session.ends_at, tz)
    venue = {"venue_starts": None, "venue_ends": None, "venue_zone": None}
    if zone_name != session.timezone:
        venue_tz = zones.zone(session.timezone)
        venue = {
            "venue_starts": timezone.make_naive(session.starts_at, venue_tz),
            "venue_ends": timezone.make_naive(session.ends_at, venue_tz),
            "venue_zone": session.timezone,
        }
    return {
        "starts": starts,
        "ends": ends,
        "zone": zone_name,
        "same_day": starts.date() == ends.date(),
        **venue,
    }


def _render(template: str, recipient: Recipient, session: WorkingSession, **extra) -> tuple[str, str, str]:
    """``(subject, plain-text body, HTML body)`` of ``template`` for ``recipient``."""
    context = {
        "session": session,
        "candidate": session.application.candidate,
        "mandate": session.application.mandate,
        "name": recipient.name,
        "role": recipient.role,
        "site_url": settings.SITE_URL,
        **when(session, recipient.zone),
        **extra,
    }
    with translation.override(recipient.language):
        subject = " ".join(render_to_string(f"sessions/email/{template}_subject.txt", context).split())
        # render_to_string marks its output safe: made a plain str again, so that the HTML
        # alternative escapes it.
        body = str.__str__(render_to_string(f"sessions/email/{template}_body.txt", context)).strip() + "\n"
        html = render_to_string(
            "email/message.html", {"subject": subject, "body": body, "language": recipient.language}
        )
    return subject, body, html


def _ics_name(session):
    return f"seance-{session.order}.ics"


def _ics_text(session) -> str:
    return session_ics(session).decode("utf-8")


def invitation_messages(session: WorkingSession, kind: str) -> list[Message]:
    """The invitation (``kind`` "request": scheduled or moved) or cancellation (``kind`` "cancel")
    of ``session`` for each participant, each with the .ics (METHOD REQUEST or CANCEL). One message
    per recipient and calendar SEQUENCE: asking again for the same state sends nothing twice."""
    method = "CANCEL" if kind == "cancel" else "REQUEST"
    ics = _ics_text(session)
    messages = []
    for recipient in recipients(session):
        subject, body, html = _render(kind, recipient, session)
        messages.append(
            Message(
                key=f"session:{session.pk}:{kind}:{session.sequence}:{recipient.email.lower()}",
                to=recipient.email,
                subject=subject,
                body=body,
                html=html,
                attachments=((_ics_name(session), ics, f"text/calendar; method={method}"),),
            )
        )
    return messages


def reminder_message(session: WorkingSession, recipient: Recipient) -> Message:
    """The 24-hour reminder of ``session`` for ``recipient``, with the .ics (METHOD REQUEST)."""
    subject, body, html = _render("reminder", recipient, session)
    return Message(
        key=f"session:{session.pk}:reminder:{session.sequence}:{recipient.email.lower()}",
        to=recipient.email,
        subject=subject,
        body=body,
        html=html,
        attachments=((_ics_name(session), _ics_text(session), "text/calendar; method=REQUEST"),),
    )


def debrief_link_message(session: WorkingSession, *, token: str, invitation_id: int) -> Message:
    """The candidate's e-mail with their signed, single-use debrief link (``token``) for ``session``
    (built on ``settings.SITE_URL``)."""
    link = settings.SITE_URL.rstrip("/") + reverse(
        "working_sessions:candidate_debrief", kwargs={"token": token}
    )
    candidate = next(r for r in recipients(session) if r.role == "candidate")
    subject, body, html = _render("debrief", candidate, session, link=link)
    return Message(
        key=f"session:{session.pk}:debrief:{invitation_id}",
        to=candidate.email,
        subject=subject,
        body=body,
        html=html,
    )
