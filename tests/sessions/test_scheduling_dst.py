"""Daylight-saving times through the real screens (schedule form on the application's sessions
page, reschedule form on the session page): a wall-clock time that does not exist (02:30 on the
last Sunday of March, Europe/Paris skips 02:00–02:59) or occurs twice (02:30 on the last Sunday of
October, repeated hour) is refused with a clear message on the page, the typed values are kept, and
nothing is saved; an ordinary local time is stored as the right UTC instant. The dates are those of
the coming ``YEAR`` (conftest): a session must start within two years from now."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from sessions.forms import ScheduleForm
from sessions.models import WorkingSession
from tests.sessions.conftest import DAY, FALL_BACK, SPRING_FORWARD, YEAR, at

pytestmark = pytest.mark.django_db

SPRING, FALL = SPRING_FORWARD.isoformat(), FALL_BACK.isoformat()
SUMMER, WINTER = date(YEAR, 6, 15).isoformat(), date(YEAR, 12, 15).isoformat()
NONEXISTENT = f"{SPRING} 02:30 does not exist in the Europe/Paris time zone"
AMBIGUOUS = f"{FALL} 02:30 occurs twice in the Europe/Paris time zone"


def slot(world, day, start, end, tz="Europe/Paris"):
    return {
        "date": day,
        "start": start,
        "end": end,
        "tz": tz,
        "location": "Salle Lumière, Lyon",
        "problem": "Plan de trésorerie à 13 semaines.",
        "mediator": world.mediator.pk,
    }


def post_schedule(client, world, data):
    client.force_login(world.recruiter)
    return client.post(
        reverse("working_sessions:application", kwargs={"application_pk": world.application.pk}), data
    )


@pytest.mark.parametrize(
    ("day", "start", "end", "message"),
    [
        (SPRING, "02:30", "04:00", NONEXISTENT),
        (FALL, "02:30", "04:00", AMBIGUOUS),
    ],
)
def test_dst_start_is_refused_on_the_page_with_the_typed_values_kept(client, world, day, start, end, message):
    response = post_schedule(client, world, slot(world, day, start, end))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Please choose" in html
    assert f'value="{day}"' in html
    assert f'value="{start}"' in html
    assert f'value="{end}"' in html
    assert "Plan de trésorerie à 13 semaines." in html
    assert not WorkingSession.objects.exists()
    assert response.context["form"].errors["start"][0].startswith(message)


def test_dst_end_is_refused_too(client, world):
    response = post_schedule(client, world, slot(world, SPRING, "01:30", "02:15"))
    assert response.status_code == 200
    assert f"{SPRING} 02:15 does not exist in the Europe/Paris time zone" in response.content.decode()
    assert "end" in response.context["form"].errors
    assert not WorkingSession.objects.exists()


@pytest.mark.parametrize(
    ("day", "start", "end", "utc_start", "utc_end"),
    [
        (
            SUMMER,
            "14:00",
            "15:30",
            datetime(YEAR, 6, 15, 12, 0, tzinfo=UTC),
            datetime(YEAR, 6, 15, 13, 30, tzinfo=UTC),
        ),
        (
            WINTER,
            "14:00",
            "15:30",
            datetime(YEAR, 12, 15, 13, 0, tzinfo=UTC),
            datetime(YEAR, 12, 15, 14, 30, tzinfo=UTC),
        ),
        # the night of the spring change: 01:30 is still CET, 03:30 already CEST — 1 h of real time
        (
            SPRING,
            "01:30",
            "03:30",
            datetime.fromisoformat(f"{SPRING}T00:30+00:00"),
            datetime.fromisoformat(f"{SPRING}T01:30+00:00"),
        ),
    ],
)
def test_an_ordinary_local_time_is_stored_in_utc(client, world, day, start, end, utc_start, utc_end):
    response = post_schedule(client, world, slot(world, day, start, end))
    assert response.status_code == 302
    session = WorkingSession.objects.get()
    assert session.starts_at == utc_start
    assert session.ends_at == utc_end
    assert session.timezone == "Europe/Paris"


def test_another_zone_is_stored_in_utc_and_kept_for_display(client, world):
    response = post_schedule(client, world, slot(world, SUMMER, "09:00", "10:00", tz="America/Montreal"))
    assert response.status_code == 302
    session = WorkingSession.objects.get()
    assert session.starts_at == datetime(YEAR, 6, 15, 13, 0, tzinfo=UTC)
    assert session.timezone == "America/Montreal"
    page = client.get(session.get_absolute_url()).content.decode()
    assert "09:00" in page and "America/Montreal" in page


def test_schedule_form_alone_refuses_dst_times(world):
    form = ScheduleForm(slot(world, FALL, "02:30", "03:30"), mandate=world.mandate)
    assert not form.is_valid()
    assert form.errors["start"] == [
        f"{FALL} 02:30 occurs twice in the Europe/Paris time zone: the clocks go back one hour when "
        "daylight saving time ends. Please choose a time outside the repeated hour."
    ]


def test_reschedule_to_a_dst_time_is_refused_on_the_session_page(client, world):
    session = world.schedule(at(DAY, 10))
    client.force_login(world.recruiter)
    response = client.post(
        session.get_absolute_url(),
        {
            "action": "reschedule",
            "r-date": SPRING,
            "r-start": "02:30",
            "r-end": "04:00",
            "r-tz": "Europe/Paris",
            "r-reason": "Avancée.",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert NONEXISTENT in html
    assert f'value="{SPRING}"' in html and 'value="02:30"' in html
    session.refresh_from_db()
    assert (session.starts_at, session.sequence) == (at(DAY, 10), 0)
