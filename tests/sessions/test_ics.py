"""Calendar data (RFC 5545 / iTIP RFC 5546) parsed back with ``icalendar``: stable UID, SEQUENCE
0 → 1 → 2 over reschedules, METHOD REQUEST then CANCEL with STATUS CANCELLED, organizer and the
three attendees, DTSTART with its TZID at the right instant; the e-mails with the .ics attached to
the three participants on schedule, reschedule and cancel; the .ics download; the personal calendar
feed (secret URL, no login), a wrong token, and a reset that invalidates the old address."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from sessions import ics, services
from sessions.models import CalendarFeed
from tests.sessions.conftest import DAY, at

pytestmark = pytest.mark.django_db

PARTICIPANTS = {"dg-test@example.org", "mediateur-test@example.org", "claire.testeuse@example.org"}


def parse(data):
    cal = Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def addresses(values):
    values = values if isinstance(values, list) else [values]
    return {str(v).removeprefix("mailto:") for v in values}


def test_session_ics_request(world):
    session = world.schedule(at(DAY, 10), minutes=90)
    cal, event = parse(ics.session_ics(session))
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(cal["VERSION"]) == "2.0"
    assert str(event["UID"]) == f"{session.uid}@cso-recruit"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    # UTC instants (no TZID, no VTIMEZONE: see sessions.ics), the planned zone named in the text.
    assert "TZID" not in event["DTSTART"].params
    assert event["DTSTART"].to_ical() == datetime.combine(DAY, time(9, 0)).strftime("%Y%m%dT%H%M%SZ").encode()
    assert event["DTSTART"].dt == datetime.combine(DAY, time(9, 0), tzinfo=UTC)
    assert event["DTEND"].dt == datetime.combine(DAY, time(10, 30), tzinfo=UTC)
    assert "10:00–11:30 (Europe/Paris)" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == "mailto:no-reply@example.org"
    attendees = event["ATTENDEE"]
    assert len(attendees) == 3
    assert addresses(attendees) == PARTICIPANTS
    assert {a.params["CN"] for a in attendees} == {"Isabelle Fontaine", "Louis Perrin", "Claire Testeuse"}
    assert "Claire Testeuse" in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == "Salle Lumière, Lyon"
    assert cal.walk("VTIMEZONE") == []


def test_uid_stable_sequence_grows_and_cancel(world):
    session = world.schedule(at(DAY, 10))
    _cal, event = parse(ics.session_ics(session))
    uid, sequences = str(event["UID"]), [int(event["SEQUENCE"])]

    for hour in (14, 16):
        session = services.session_reschedule(
            session=session, starts_at=at(DAY, hour), ends_at=at(DAY, hour, 45), by=world.recruiter
        )
        cal, event = parse(ics.session_ics(session))
        assert str(event["UID"]) == uid
        assert str(cal["METHOD"]) == "REQUEST"
        sequences.append(int(event["SEQUENCE"]))
    assert sequences == [0, 1, 2]
    assert event["DTSTART"].dt == at(DAY, 16)

    session = services.session_cancel(session=session, by=world.recruiter, reason="Désistement.")
    cal, event = parse(ics.session_ics(session))
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 3


def test_other_zone_is_named_and_the_instant_is_the_same(world):
    start = at(DAY, 9, tz="America/Montreal")
    session = world.schedule(start, tz_name="America/Montreal")
    _cal, event = parse(ics.session_ics(session))
    assert event["DTSTART"].dt == datetime.combine(DAY, time(13, 0), tzinfo=UTC)  # Montreal is on EDT by DAY
    assert "09:00–10:30 (America/Montreal)" in str(event["DESCRIPTION"])


def _ics_mails():
    found = []
    for message in mail.outbox:
        (attachment,) = message.attachments
        name, content, mimetype = attachment
        assert name.endswith(".ics")
        assert mimetype.startswith("text/calendar")
        found.append((message.to[0], *parse(content.encode() if isinstance(content, str) else content)))
    return found


def test_invitations_emailed_on_schedule_reschedule_and_cancel(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        session = world.schedule(at(DAY, 10))
    sent = _ics_mails()
    assert {to for to, _c, _e in sent} == PARTICIPANTS
    assert len(mail.outbox) == 3
    assert all(str(c["METHOD"]) == "REQUEST" and int(e["SEQUENCE"]) == 0 for _t, c, e in sent)
    assert all(m.to[0] in PARTICIPANTS and len(m.to) == 1 for m in mail.outbox)
    assert "Claire Testeuse" in mail.outbox[0].subject
    first_subject = mail.outbox[0].subject
    calendar_part = mail.outbox[0].message().get_payload()[1]
    assert calendar_part.get_content_type() == "text/calendar"
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part["Content-Type"].lower().count("charset") == 1

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        session = services.session_reschedule(
            session=session,
            starts_at=at(DAY, 15),
            ends_at=at(DAY, 16),
            by=world.recruiter,
            reason="Comité avancé.",
        )
    sent = _ics_mails()
    assert {to for to, _c, _e in sent} == PARTICIPANTS
    assert all(int(e["SEQUENCE"]) == 1 and e["DTSTART"].dt == at(DAY, 15) for _t, _c, e in sent)
    # e-mails go out in the site language (LANGUAGE_CODE); the subject says it changed
    updated_subject = mail.outbox[0].subject
    assert updated_subject != first_subject and "Claire Testeuse" in updated_subject

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session, by=world.recruiter, reason="Désistement de la candidate.")
    sent = _ics_mails()
    assert {to for to, _c, _e in sent} == PARTICIPANTS
    assert all(str(c["METHOD"]) == "CANCEL" and str(e["STATUS"]) == "CANCELLED" for _t, c, e in sent)
    assert mail.outbox[0].subject not in (first_subject, updated_subject)
    assert mail.outbox[0].message().get_payload()[1].get_param("method") == "CANCEL"
    assert "Désistement de la candidate." in mail.outbox[0].body


def test_refused_schedule_sends_nothing(world, django_capture_on_commit_callbacks):
    world.schedule(at(DAY, 10))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Exception):  # noqa: B017 — any refusal; the point is no mail
            world.schedule(at(DAY, 10, 30))
    assert callbacks == []
    assert mail.outbox == []


def test_ics_download(client, world):
    session = world.schedule(at(DAY, 10))
    client.force_login(world.ceo)
    response = client.get(reverse("working_sessions:ics", kwargs={"pk": session.pk}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    _cal, event = parse(response.content)
    assert str(event["UID"]) == f"{session.uid}@cso-recruit"


# ------------------------------------------------------------------------------ personal feed


def feed_url(user):
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return reverse("working_sessions:calendar_feed", kwargs={"token": feed.token})


def feed_uids(response):
    cal = Calendar.from_ical(response.content)
    return {str(e["UID"]) for e in cal.walk("VEVENT")}


def test_feed_lists_the_users_sessions_without_login(client, world):
    mine = world.schedule(at(DAY, 10))
    other = world.schedule(
        at(DAY, 10),
        application=world.other_application,
        mediator=world.other_mediator,
        by=world.other_recruiter,
    )
    cancelled = world.schedule(at(DAY + timedelta(days=1), 10))
    services.session_cancel(session=cancelled, by=world.recruiter, reason="Report.")

    for user, expected in (
        (world.ceo, {mine, cancelled}),
        (world.mediator, {mine, cancelled}),
        (world.recruiter, {mine, cancelled}),
        (world.other_mediator, {other}),
    ):
        response = client.get(feed_url(user))
        assert response.status_code == 200, user
        assert response["Content-Type"].startswith("text/calendar")
        assert feed_uids(response) == {f"{s.uid}@cso-recruit" for s in expected}
    response = client.get(feed_url(world.ceo))
    statuses = {str(e["STATUS"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert statuses == {"CONFIRMED", "CANCELLED"}
    assert "METHOD" not in Calendar.from_ical(response.content)


def test_feed_wrong_token_is_404(client, world):
    world.schedule(at(DAY, 10))
    feed_url(world.ceo)
    assert (
        client.get(reverse("working_sessions:calendar_feed", kwargs={"token": "not-the-token"})).status_code
        == 404
    )


def test_feed_of_an_inactive_user_is_404(client, world):
    url = feed_url(world.ceo)
    world.ceo.is_active = False
    world.ceo.save()
    assert client.get(url).status_code == 404


def test_resetting_the_feed_invalidates_the_old_address(client, world):
    world.schedule(at(DAY, 10))
    client.force_login(world.mediator)
    page = client.get(reverse("working_sessions:calendar"))
    old_token = CalendarFeed.objects.get(user=world.mediator).token
    old_url = reverse("working_sessions:calendar_feed", kwargs={"token": old_token})
    assert old_url in page.content.decode()
    client.logout()
    assert client.get(old_url).status_code == 200

    client.force_login(world.mediator)
    response = client.post(reverse("working_sessions:calendar_reset"))
    assert response.status_code == 302
    page = client.get(reverse("working_sessions:calendar"))
    new_token = CalendarFeed.objects.get(user=world.mediator).token
    assert new_token != old_token
    assert new_token in page.content.decode() and old_token not in page.content.decode()
    client.logout()
    assert client.get(old_url).status_code == 404
    assert (
        client.get(reverse("working_sessions:calendar_feed", kwargs={"token": new_token})).status_code == 200
    )
