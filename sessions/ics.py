"""RFC 5545 calendar data for working sessions, built with the ``icalendar`` library.

- One VEVENT per session; UID stable for the session's life (``<uuid>@cso-recruit``); SEQUENCE
  is the session's ``sequence`` (bumped on each reschedule and on cancel); METHOD REQUEST, or
  CANCEL with STATUS:CANCELLED for a cancelled session (RFC 5546 iTIP).
- DTSTART/DTEND carry the TZID of the zone the session was entered in, with its VTIMEZONE.
- ORGANIZER is the sender address; ATTENDEEs are the CEO, the mediator and the candidate.
"""

from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from .models import WorkingSession
from .scheduling import _zone

PRODID = "-//CSO Recruit//Working sessions//FR"


def _calendar(method=None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def _event(session: WorkingSession) -> Event:
    from .services import participants

    zone = _zone(session.timezone)
    event = Event()
    event.add("uid", f"{session.uid}@cso-recruit")
    event.add("sequence", session.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    candidate = session.application.candidate
    event.add("summary", f"Séance de travail {session.order} — {candidate.full_name}")
    event.add("description", session.problem)
    event.add("location", session.location)
    cancelled = session.status == WorkingSession.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(name or "CSO Recruit")
    event["organizer"] = organizer
    for _role, person, email in participants(session):
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(person)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=0)
    return event


def session_ics(session: WorkingSession) -> bytes:
    """The .ics of one session: METHOD REQUEST, or CANCEL once cancelled. Returns bytes (UTF-8, CRLF)."""
    method = "CANCEL" if session.status == WorkingSession.Status.CANCELLED else "REQUEST"
    cal = _calendar(method)
    cal.add_component(_event(session))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_ics(sessions) -> bytes:
    """A calendar feed (no METHOD, RFC 5545 publish) of several sessions, cancelled ones included
    with STATUS:CANCELLED so subscribed calendars remove them."""
    cal = _calendar()
    cal.add("x-wr-calname", "CSO Recruit")
    for session in sessions:
        cal.add_component(_event(session))
    cal.add_missing_timezones()
    return cal.to_ical()
