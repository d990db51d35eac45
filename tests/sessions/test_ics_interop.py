"""Every .ics the product sends reads the same instant in three independent parsers: ``icalendar``
(this product's writer), ``vobject`` (Radicale and many Python servers) and ``ical.js`` (Thunderbird,
Nextcloud Calendar; run with the machine's Node.js) — for sessions in winter, in summer and on the
days the clocks change, in Europe/Paris, America/Montreal and Asia/Tokyo: invitations, updates,
cancellations, reminders, the download and the personal feed. The e-mail's text says the same time
as its invitation.

The expected UTC instants come from the offsets written below by hand (not from a time-zone
library), so the test does not share its reference with the code under test.
"""

import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import vobject
from django.core import mail
from django.utils import translation
from icalendar import Calendar

from sessions import ics, services, tasks
from sessions.scheduling import localize
from tests.conftest import ROOT, require_service
from tests.factories import ApplicationFactory, CandidateFactory
from tests.sessions.conftest import _sunday

pytestmark = pytest.mark.django_db

READER = Path(__file__).parent / "interop" / "icaljs_read.mjs"
ICALJS = ROOT / "node_modules" / "ical.js"

#: A year whose dates are all within the scheduling window (up to 731 days ahead).
YEAR = date.today().year + 1


def _first_sunday(year, month):
    return _sunday(year, month, 1)


#: zone → [(day, UTC offset in hours at 10:00 local that day)], by hand: CET +1 / CEST +2 (EU: last
#: Sundays of March and October at 01:00 UTC); EST −5 / EDT −4 (Canada: second Sunday of March,
#: first Sunday of November, at 02:00 local); JST +9 all year.
CASES = {
    "Europe/Paris": [
        (date(YEAR, 1, 14), 1),
        (date(YEAR, 7, 15), 2),
        (_sunday(YEAR, 3, -1), 2),
        (_sunday(YEAR, 10, -1), 1),
    ],
    "America/Montreal": [
        (date(YEAR, 1, 14), -5),
        (date(YEAR, 7, 15), -4),
        (_sunday(YEAR, 3, 2), -4),
        (_first_sunday(YEAR, 11), -5),
    ],
    "Asia/Tokyo": [
        (date(YEAR, 1, 14), 9),
        (date(YEAR, 7, 15), 9),
        (_sunday(YEAR, 3, -1), 9),
        (_sunday(YEAR, 10, -1), 9),
    ],
}
HOUR, MINUTES = 10, 90


def expected_utc(day, offset, hour=HOUR):
    return datetime.combine(day, time(hour, 0), tzinfo=UTC) - timedelta(hours=offset)


# --------------------------------------------------------------------------- the three parsers


def read_icalendar(data: bytes) -> dict:
    calendar = Calendar.from_ical(data)
    return {
        "method": str(calendar.get("METHOD")) if calendar.get("METHOD") else None,
        "events": [
            {
                "uid": str(e["UID"]),
                "sequence": int(e["SEQUENCE"]),
                "status": str(e["STATUS"]),
                "start": e["DTSTART"].dt.astimezone(UTC),
                "end": e["DTEND"].dt.astimezone(UTC),
            }
            for e in calendar.walk("VEVENT")
        ],
    }


def read_vobject(data: bytes) -> dict:
    calendar = vobject.readOne(data.decode("utf-8"))
    method = calendar.contents.get("method")
    return {
        "method": method[0].value if method else None,
        "events": [
            {
                "uid": e.uid.value,
                "sequence": int(e.sequence.value),
                "status": e.status.value,
                "start": e.dtstart.value.astimezone(UTC),
                "end": e.dtend.value.astimezone(UTC),
            }
            for e in calendar.vevent_list
        ],
    }


def read_icaljs(files: list[bytes], tmp_path) -> list[dict]:
    node = shutil.which("node")
    require_service(bool(node) and ICALJS.exists(), "Node.js with the npm package ical.js (make assets)")
    paths = []
    for index, data in enumerate(files):
        path = tmp_path / f"{index}.ics"
        path.write_bytes(data)
        paths.append(str(path))
    output = subprocess.run(
        [node, str(READER), *paths], capture_output=True, check=True, timeout=60, cwd=ROOT
    )
    parsed = json.loads(output.stdout)
    for calendar in parsed:
        for event in calendar["events"]:
            event["start"] = datetime.fromisoformat(event["start"].replace("Z", "+00:00"))
            event["end"] = datetime.fromisoformat(event["end"].replace("Z", "+00:00"))
    return parsed


# --------------------------------------------------------------------------- the calendars sent


@pytest.fixture
def sent(world, django_capture_on_commit_callbacks):
    """Every .ics the product produces for the sessions of ``CASES``: ``[(label, bytes, expected)]``
    where ``expected`` is ``{"method", "events": [{uid, sequence, status, start, end}]}``."""
    produced = []
    sessions = []
    for zone, days in CASES.items():
        for day, offset in days:
            application = ApplicationFactory(mandate=world.mandate, candidate=CandidateFactory())
            start = localize(datetime.combine(day, time(HOUR, 0)), zone)
            with django_capture_on_commit_callbacks(execute=True):
                session = services.session_schedule(
                    application=application,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=MINUTES),
                    mediator=world.mediator,
                    problem="Clôture mensuelle.",
                    location="Visio",
                    by=world.recruiter,
                    tz_name=zone,
                )
            uid = f"{session.uid}@cso-recruit"
            first = {
                "uid": uid,
                "sequence": 0,
                "status": "CONFIRMED",
                "start": expected_utc(day, offset),
                "end": expected_utc(day, offset) + timedelta(minutes=MINUTES),
            }
            produced += [
                (f"invitation {zone} {day}", m, {"method": "REQUEST", "events": [first]})
                for m in _attachments()
            ]
            mail.outbox.clear()
            # A reminder the day before (read from the database by the periodic task).
            with django_capture_on_commit_callbacks(execute=True):
                tasks.send_due_reminders((start - timedelta(hours=12)).isoformat())
            produced += [
                (f"reminder {zone} {day}", m, {"method": "REQUEST", "events": [first]})
                for m in _attachments()
            ]
            mail.outbox.clear()
            produced.append(
                (f"download {zone} {day}", ics.session_ics(session), {"method": "REQUEST", "events": [first]})
            )
            sessions.append((session, first))
    feed = ics.feed_ics([s for s, _first in sessions])
    produced.append(("feed", feed, {"method": None, "events": [e for _s, e in sessions]}))
    # Updates and cancellations: each session moved one hour later, then cancelled.
    for session, first in sessions:
        with django_capture_on_commit_callbacks(execute=True):
            session = services.session_reschedule(
                session=session,
                starts_at=session.starts_at + timedelta(hours=1),
                ends_at=session.ends_at + timedelta(hours=1),
                by=world.recruiter,
            )
        moved = {
            **first,
            "sequence": 1,
            "start": first["start"] + timedelta(hours=1),
            "end": first["end"] + timedelta(hours=1),
        }
        produced += [
            (f"update {session.timezone}", m, {"method": "REQUEST", "events": [moved]})
            for m in _attachments()
        ]
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            session = services.session_cancel(session=session, by=world.recruiter, reason="Report.")
        cancelled = {**moved, "sequence": 2, "status": "CANCELLED"}
        produced += [
            (f"cancellation {session.timezone}", m, {"method": "CANCEL", "events": [cancelled]})
            for m in _attachments()
        ]
        mail.outbox.clear()
    return produced


def _attachments():
    found = []
    for message in mail.outbox:
        for _name, content, mimetype in message.attachments:
            if mimetype.startswith("text/calendar"):
                found.append(content.encode() if isinstance(content, str) else content)
    assert found, "an e-mail with its invitation was expected"
    return found


def test_every_calendar_reads_the_same_instant_in_three_parsers(sent, tmp_path):
    kinds = {label.split()[0] for label, _data, _expected in sent}
    assert kinds == {"invitation", "reminder", "download", "feed", "update", "cancellation"}
    icaljs = read_icaljs([data for _label, data, _expected in sent], tmp_path)
    for (label, data, expected), from_icaljs in zip(sent, icaljs, strict=True):
        for parser, result in (
            ("icalendar", read_icalendar(data)),
            ("vobject", read_vobject(data)),
            ("ical.js", from_icaljs),
        ):
            assert result["method"] == expected["method"], (parser, label)
            got = sorted(result["events"], key=lambda e: e["uid"])
            want = sorted(expected["events"], key=lambda e: e["uid"])
            assert got == want, (parser, label)


def test_the_email_says_the_time_of_its_invitation_in_the_sessions_zone(
    world, django_capture_on_commit_callbacks
):
    """A session 10:00–11:30 in Montreal is e-mailed as 10:00 – 11:30 (America/Montreal), never as
    the Paris clock time under the Montreal label; the attached .ics says the same instant."""
    for zone, days in CASES.items():
        day, offset = days[1]  # summer
        application = ApplicationFactory(mandate=world.mandate, candidate=CandidateFactory())
        start = localize(datetime.combine(day, time(HOUR, 0)), zone)
        mail.outbox.clear()
        with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
            services.session_schedule(
                application=application,
                starts_at=start,
                ends_at=start + timedelta(minutes=MINUTES),
                mediator=world.mediator,
                problem="Achats.",
                location="Visio",
                by=world.recruiter,
                tz_name=zone,
            )
        assert len(mail.outbox) == 3
        for message in mail.outbox:
            when = re.search(r"(\d{2}:\d{2}) – (\d{2}:\d{2}) \(([^)]+)\)", message.body)
            assert when, message.body
            assert when.groups() == ("10:00", "11:30", zone), message.body
            ((_name, content, _type),) = message.attachments
            event = read_vobject(content.encode() if isinstance(content, str) else content)["events"][0]
            assert event["start"] == expected_utc(day, offset)
