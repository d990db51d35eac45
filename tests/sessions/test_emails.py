"""Every e-mail about a working session, read as its recipient reads it: invitation, update,
cancellation, reminder and debrief link, for sessions planned in Europe/Paris, America/Montreal and
Asia/Tokyo, sent to a CEO reading in Paris, a mediator in Montreal and a candidate in Tokyo.

The expected times are computed here from the attached .ics (parsed with ``icalendar``: the UTC
instant) converted with ``zoneinfo`` — not with the product's formatting code — so the e-mail's
text and its invitation must agree. Plain text is not HTML-escaped; the HTML alternative is."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from icalendar import Calendar

from candidates.models import UserProfile
from sessions import services
from sessions.scheduling import localize
from sessions.tasks import send_due_reminders

pytestmark = pytest.mark.django_db

ZONES = ("Europe/Paris", "America/Montreal", "Asia/Tokyo")
READERS = {
    "dg-test@example.org": "Europe/Paris",
    "mediateur-test@example.org": "America/Montreal",
    "claire.testeuse@example.org": "Asia/Tokyo",
}


@pytest.fixture
def readers(world):
    UserProfile.objects.update_or_create(user=world.ceo, defaults={"time_zone": "Europe/Paris"})
    UserProfile.objects.update_or_create(user=world.mediator, defaults={"time_zone": "America/Montreal"})
    world.candidate.time_zone = "Asia/Tokyo"
    world.candidate.save()
    return world


def _ics_instants(message):
    (content,) = [c for _n, c, mimetype in message.attachments if mimetype.startswith("text/calendar")]
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    return event["DTSTART"].dt, event["DTEND"].dt


def _expected_when(starts_utc, ends_utc, zone):
    """The time span a reader in ``zone`` must see, written with strftime (not the product's code)."""
    starts, ends = starts_utc.astimezone(ZoneInfo(zone)), ends_utc.astimezone(ZoneInfo(zone))
    end_text = ends.strftime("%H:%M") if ends.date() == starts.date() else ends.strftime("%Y, %H:%M")
    return starts, f"{starts:%H:%M} – ", f"{end_text} ({zone})"


def _check_times(message, session_zone, *, venue_line=True):
    starts_utc, ends_utc = _ics_instants(message)
    zone = READERS[message.to[0]]
    starts, start_text, end_text = _expected_when(starts_utc, ends_utc, zone)
    assert start_text in message.body and end_text in message.body, (zone, message.body)
    assert f" {starts.day} " in message.body and str(starts.year) in message.body
    if venue_line and zone != session_zone:
        venue_starts, venue_start, venue_end = _expected_when(starts_utc, ends_utc, session_zone)
        line = [line for line in message.body.splitlines() if line.endswith(f"({session_zone})")]
        assert line and venue_start in line[0], (session_zone, message.body)
    elif venue_line:
        assert f"({session_zone})" in message.body and message.body.count(f"({zone})") == 1


def _day():
    return date.today() + timedelta(days=40)


@pytest.mark.parametrize("session_zone", ZONES)
def test_every_session_email_gives_each_reader_the_ics_instant_in_their_zone(
    readers, session_zone, django_capture_on_commit_callbacks
):
    world = readers
    day = _day()
    from datetime import datetime, time

    starts = localize(datetime.combine(day, time(10, 0)), session_zone)
    with django_capture_on_commit_callbacks(execute=True):
        session = world.schedule(starts, minutes=120, tz_name=session_zone)
    invitations = list(mail.outbox)
    assert sorted(m.to[0] for m in invitations) == sorted(READERS)
    for message in invitations:
        _check_times(message, session_zone)
        assert _ics_instants(message)[0] == starts
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders((starts - timedelta(hours=6)).isoformat())
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        _check_times(message, session_zone)
        assert f"({READERS[message.to[0]]})" in message.subject  # the subject names the reader's zone
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        session = services.session_reschedule(
            session=session,
            starts_at=starts + timedelta(hours=3),
            ends_at=starts + timedelta(hours=5),
            by=world.recruiter,
        )
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        _check_times(message, session_zone)
        assert _ics_instants(message)[0] == starts + timedelta(hours=3)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session, by=world.recruiter, reason="Agenda du DG.")
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        starts_utc, ends_utc = _ics_instants(message)
        _starts, start_text, _end = _expected_when(starts_utc, ends_utc, READERS[message.to[0]])
        assert start_text.split(" –")[0] in message.body and f"({READERS[message.to[0]]})" in message.body


def test_the_debrief_link_is_on_the_site_url_in_the_candidates_zone(
    readers, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://recrutement.example.org/"
    world = readers
    session = world.past_session(days_ago=1, hour=22)  # 22:00 Paris = 06:00 the next day in Tokyo
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_set_status(session=session, status="held", by=world.recruiter)
    (message,) = mail.outbox
    assert message.to == ["claire.testeuse@example.org"]
    link = [line for line in message.body.splitlines() if "://" in line][0]
    assert link.startswith("https://recrutement.example.org/") and "127.0.0.1" not in message.body
    tokyo_day = session.starts_at.astimezone(ZoneInfo("Asia/Tokyo")).day
    assert f" {tokyo_day} " in message.body


def test_plain_text_is_not_html_escaped_and_the_html_alternative_is(
    world, django_capture_on_commit_callbacks
):
    world.candidate.first_name, world.candidate.last_name = "Siobhán", "O'Brien"
    world.candidate.save()
    day = _day()
    from datetime import datetime, time

    with django_capture_on_commit_callbacks(execute=True):
        world.schedule(
            localize(datetime.combine(day, time(9, 0)), "Europe/Paris"),
            location='Salle "Bleue" & co',
            problem="Coûts < 5 % & délais > 10 j",
        )
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert "Siobhán O'Brien" in message.subject
        assert 'Salle "Bleue" & co' in message.body and "Coûts < 5 % & délais > 10 j" in message.body
        assert "&#x27;" not in message.body + message.subject and "&quot;" not in message.body
        assert "&amp;" not in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert "Salle &quot;Bleue&quot; &amp; co" in html and "Coûts &lt; 5 % &amp; délais &gt; 10 j" in html


def test_a_reader_without_a_zone_reads_the_sessions_clock_only(world, django_capture_on_commit_callbacks):
    day = _day()
    from datetime import datetime, time

    with django_capture_on_commit_callbacks(execute=True):
        world.schedule(
            localize(datetime.combine(day, time(10, 0)), "America/Montreal"),
            minutes=120,
            tz_name="America/Montreal",
        )
    for message in mail.outbox:
        assert "10:00 – 12:00 (America/Montreal)" in message.body
        assert "Europe/Paris" not in message.body  # the old bug: Paris clock under the Montreal label


def test_each_recipient_gets_the_invitation_once_whatever_the_redeliveries(
    world, django_capture_on_commit_callbacks
):
    from outbox import services as outbox
    from outbox.models import OutboundEmail

    day = _day()
    from datetime import datetime, time

    with django_capture_on_commit_callbacks(execute=True):
        world.schedule(localize(datetime.combine(day, time(10, 0)), "Europe/Paris"))
    for row in OutboundEmail.objects.all():  # the task delivered again, twice
        assert outbox.email_deliver(row.pk) == "skipped"
        assert outbox.email_deliver(row.pk) == "skipped"
    outbox.outbox_sweep()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(READERS)


@pytest.mark.django_db(transaction=True)  # the commit happens inside the request, as in production
def test_broker_down_when_scheduling_saves_the_session_and_its_invitations_go_later(
    world, monkeypatch, client
):
    from celery import current_app
    from django.urls import reverse
    from django.utils import timezone
    from kombu.exceptions import OperationalError as BrokerDown

    from outbox import services as outbox
    from outbox.models import OutboundEmail
    from sessions.models import WorkingSession

    monkeypatch.setattr(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(
        type(outbox.registered_task("outbox.tasks.deliver_email")),
        "apply_async",
        lambda self, *a, **k: (_ for _ in ()).throw(BrokerDown("Connection refused.")),
    )
    client.force_login(world.recruiter)
    url = reverse("working_sessions:application", kwargs={"application_pk": world.application.pk})
    response = client.post(
        url,
        {
            "date": _day().isoformat(),
            "start": "10:00",
            "end": "11:30",
            "tz": "Europe/Paris",
            "location": "Visio",
            "problem": "Budget RH.",
            "mediator": world.mediator.pk,
        },
    )
    assert response.status_code == 302
    assert WorkingSession.objects.filter(application=world.application).count() == 1
    assert OutboundEmail.objects.filter(status="pending").count() == 3 and mail.outbox == []
    assert "background service" in client.get(response.url).content.decode().replace(
        "arrière-plan", "background service"
    )
    monkeypatch.undo()  # the broker is back
    outbox.outbox_sweep(now=timezone.now() + timedelta(seconds=61))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(READERS)
    outbox.outbox_sweep(now=timezone.now() + timedelta(hours=2))
    assert len(mail.outbox) == 3


def test_a_stored_zone_this_machine_does_not_know_falls_back_to_the_sessions(
    readers, django_capture_on_commit_callbacks
):
    from candidates.models import Candidate

    Candidate.objects.filter(pk=readers.candidate.pk).update(time_zone="Europe/Atlantis")  # around validation
    from datetime import datetime, time

    with django_capture_on_commit_callbacks(execute=True):
        readers.schedule(localize(datetime.combine(_day(), time(10, 0)), "Europe/Paris"))
    (to_candidate,) = [m for m in mail.outbox if m.to == ["claire.testeuse@example.org"]]
    assert "10:00 – 11:30 (Europe/Paris)" in to_candidate.body and "Atlantis" not in to_candidate.body
    assert len(mail.outbox) == 3


def test_a_participant_without_an_address_is_left_out(world, django_capture_on_commit_callbacks):
    from datetime import datetime, time

    from outbox.models import OutboundEmail

    world.mediator.email = ""
    world.mediator.save()
    with django_capture_on_commit_callbacks(execute=True):
        world.schedule(localize(datetime.combine(_day(), time(10, 0)), "Europe/Paris"))
    assert sorted(m.to[0] for m in mail.outbox) == ["claire.testeuse@example.org", "dg-test@example.org"]
    assert not OutboundEmail.objects.filter(to="").exists()


def test_the_html_alternative_makes_no_links_of_what_people_typed(world, django_capture_on_commit_callbacks):
    from datetime import datetime, time

    with django_capture_on_commit_callbacks(execute=True):
        world.schedule(
            localize(datetime.combine(_day(), time(10, 0)), "Europe/Paris"),
            location="https://evil.example.org/login",
            problem="Écrire à victim@example.org",
        )
    html = mail.outbox[0].alternatives[0][0]
    assert "<a " not in html and "https://evil.example.org/login" in html
