"""RFC 5545 calendar data for working sessions, built with the ``icalendar`` library.

- One VEVENT per session; UID stable for the session's life (``<uuid>@cso-recruit``); SEQUENCE
  is the session's ``sequence`` (bumped on each reschedule and on cancel); METHOD REQUEST, or
  CANCEL with STATUS:CANCELLED for a cancelled session (RFC 5546 iTIP).
- DTSTART/DTEND are written in **UTC** (``20261022T070000Z``), with no VTIMEZONE; the zone the
  session was planned in, and its local times, are named in DESCRIPTION.
- ORGANIZER is the sender address; ATTENDEEs are the CEO, the mediator and the candidate.

Why UTC rather than local times with a VTIMEZONE: the VTIMEZONE ``icalendar`` generates from the tz
database is a DAYLIGHT/STANDARD pair from 1970 with long RDATE lists. RFC 5545 (§3.6.5) allows it,
but real clients do not apply it: ical.js 2 (Thunderbird, Nextcloud Calendar) and vobject (Radicale,
many Python servers) then read every summer session one hour late. An RRULE-based VTIMEZONE would
have to be rebuilt by hand from each zone's rules (and kept right when a country changes them);
a UTC time is one unambiguous instant that every RFC 5545 parser reads the same (§3.3.5, form #2),
and each client shows it in its user's own zone — which is what an attendee in another zone needs.
``tests/sessions/test_ics_interop.py`` checks it with icalendar, vobject and ical.js.
"""

from datetime import UTC
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
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

    event = Event()
    event.add("uid", f"{session.uid}@cso-recruit")
    event.add("sequence", session.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    candidate = session.application.candidate
    event.add("summary", f"Séance de travail {session.order} — {candidate.full_name}")
    event.add("description", f"{session.problem}\n\n{local_times(session)}")
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


def local_times(session: WorkingSession) -> str:
    """ "Local time: Thursday 22 October 2026, 09:00–10:30 (Europe/Paris)" in the active language:
    the session's times in the zone it was planned in, as the e-mails say them."""
    zone = _zone(session.timezone)
    starts, ends = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    return _("Local time: %(day)s, %(start)s–%(end)s (%(zone)s)") % {
        "day": date_format(starts, "l j F Y"),
        "start": starts.strftime("%H:%M"),
        "end": ends.strftime("%H:%M"),
        "zone": session.timezone,
    }


def session_ics(session: WorkingSession) -> bytes:
    """The .ics of one session: METHOD REQUEST, or CANCEL once cancelled. Returns bytes (UTF-8, CRLF)."""
    method = "CANCEL" if session.status == WorkingSession.Status.CANCELLED else "REQUEST"
    cal = _calendar(method)
    cal.add_component(_event(session))
    return cal.to_ical()


def feed_ics(sessions) -> bytes:
    """A calendar feed (no METHOD, RFC 5545 publish) of several sessions, cancelled ones included
    with STATUS:CANCELLED so subscribed calendars remove them."""
    cal = _calendar()
    cal.add("x-wr-calname", "CSO Recruit")
    for session in sessions:
        cal.add_component(_event(session))
    return cal.to_ical()
