"""The scheduling form on the application's sessions page and the calendar page ("Agenda"): a
start in the past needs an explicit confirmation (the typed values kept meanwhile); at four
sessions the form gives way to an explanation; the calendar shows the user's sessions on their
day, in their zone, and nobody else's."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import UserProfile
from sessions import agenda
from sessions.models import WorkingSession
from tests.sessions.conftest import DAY, at

pytestmark = pytest.mark.django_db

CONFIRM = "Yes, this session is in the past: it took place at that time"
PAST_ERROR = "This session is in the past."
FULL = "This application has its 4 working sessions."


def sessions_url(world):
    return reverse("working_sessions:application", kwargs={"application_pk": world.application.pk})


def slot(world, day, start="10:00", end="11:30", **extra):
    return {
        "date": day.isoformat(),
        "start": start,
        "end": end,
        "tz": "Europe/Paris",
        "location": "Salle des Tilleuls, Nantes",
        "problem": "Refondre le processus d’achats indirects.",
        "mediator": world.mediator.pk,
        **extra,
    }


# ------------------------------------------------------------------------------ past sessions


def test_a_past_start_is_held_back_with_a_warning_and_the_typed_values(client, world):
    client.force_login(world.recruiter)
    past = timezone.localdate() - timedelta(days=3)
    response = client.post(sessions_url(world), slot(world, past))
    assert response.status_code == 200
    html = response.content.decode()
    assert PAST_ERROR in html and CONFIRM in html and 'id="past-warning"' in html
    assert 'name="confirm_past"' in html and 'aria-invalid="true"' in html
    assert response.context["form"].errors["confirm_past"][0].startswith("This session starts in the past.")
    # What was typed is still there.
    assert f'value="{past.isoformat()}"' in html
    assert 'value="Salle des Tilleuls, Nantes"' in html
    assert "Refondre le processus d’achats indirects." in html
    assert not WorkingSession.objects.exists()


def test_a_past_start_confirmed_is_scheduled(client, world):
    client.force_login(world.recruiter)
    past = timezone.localdate() - timedelta(days=3)
    response = client.post(sessions_url(world), slot(world, past, confirm_past="on"))
    assert response.status_code == 302
    session = WorkingSession.objects.get()
    assert session.starts_at == at(past, 10) and session.location == "Salle des Tilleuls, Nantes"


def test_a_future_start_needs_no_confirmation_and_shows_no_checkbox(client, world):
    client.force_login(world.recruiter)
    html = client.get(sessions_url(world)).content.decode()
    assert 'name="confirm_past"' not in html and 'name="date"' in html
    response = client.post(sessions_url(world), slot(world, DAY))
    assert response.status_code == 302
    assert WorkingSession.objects.get().starts_at == at(DAY, 10)


def test_earlier_today_is_in_the_past(client, world):
    """The rule compares with now, not with today's date: a start one hour ago needs the box."""
    client.force_login(world.recruiter)
    start = timezone.localtime(timezone.now() - timedelta(hours=1), at(DAY, 10).tzinfo)
    data = slot(
        world,
        start.date(),
        start=start.strftime("%H:%M"),
        end=(start + timedelta(minutes=30)).strftime("%H:%M"),
    )
    if start.date() != (start + timedelta(minutes=30)).date():
        pytest.skip("too close to midnight for a same-day slot")
    html = client.post(sessions_url(world), data).content.decode()
    assert PAST_ERROR in html and not WorkingSession.objects.exists()


def test_an_absurd_year_is_an_error_to_correct_not_a_past_session_to_confirm(client, world):
    client.force_login(world.recruiter)
    html = client.post(sessions_url(world), slot(world, date(1, 1, 2))).content.decode()
    assert "This date is out of range" in html
    assert 'name="confirm_past"' not in html
    html = client.post(sessions_url(world), slot(world, date(1, 1, 2), confirm_past="on")).content.decode()
    assert "This date is out of range" in html and not WorkingSession.objects.exists()


# ------------------------------------------------------------------------------ four sessions


def test_at_four_sessions_the_form_is_replaced_by_an_explanation(client, world):
    for week in range(3):
        world.schedule(at(DAY + timedelta(weeks=week), 10))
    client.force_login(world.recruiter)
    html = client.get(sessions_url(world)).content.decode()
    assert 'name="date"' in html and FULL not in html  # three: one more may come
    fourth = world.schedule(at(DAY + timedelta(weeks=3), 10))
    response = client.get(sessions_url(world))
    html = response.content.decode()
    assert FULL in html and 'id="sessions-full"' in html
    assert 'name="date"' not in html and "Schedule and send the invitations" not in html
    assert response.context["form"] is None
    # A POST all the same (a page opened before the fourth): the service refuses, nothing is added.
    response = client.post(sessions_url(world), slot(world, DAY + timedelta(weeks=5)))
    assert response.status_code == 200
    assert "already has 4 working sessions" in response.content.decode()
    assert WorkingSession.objects.filter(application=world.application).count() == 4
    # A cancelled session frees a place: the form comes back.
    from sessions import services

    services.session_cancel(session=fourth, by=world.recruiter, reason="Empêchement.")
    html = client.get(sessions_url(world)).content.decode()
    assert 'name="date"' in html and FULL not in html


# ------------------------------------------------------------------------------ calendar


def calendar(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("working_sessions:calendar"), params)
    assert response.status_code == 200
    return response


def day_cell(html, day):
    """The grid's cell of ``day`` (the grid comes before the phone's list in the page)."""
    start = html.index(f'data-day="{day.isoformat()}"')
    return html[start : html.index("</td>", start)]


def test_a_session_appears_on_its_day_and_another_mandates_does_not(client, world):
    mine = world.schedule(at(DAY, 10))
    theirs = world.schedule(
        at(DAY, 14),
        application=world.other_application,
        mediator=world.other_mediator,
        by=world.other_recruiter,
    )
    for user in (world.ceo, world.recruiter, world.mediator):
        response = calendar(client, user, day=DAY.isoformat())
        html = response.content.decode()
        cell = day_cell(html, DAY)
        assert mine.get_absolute_url() in cell and "10:00–11:30" in cell and "Claire Testeuse" in cell, user
        assert theirs.get_absolute_url() not in html and "Ailleurs" not in html, user
        assert f"/calendar/{user.calendar_feed.token}.ics" in html  # the feed address stays here
    # The other mandate's people see theirs and not ours.
    html = calendar(client, world.other_ceo, day=DAY.isoformat()).content.decode()
    assert theirs.get_absolute_url() in day_cell(html, DAY) and mine.get_absolute_url() not in html


def test_the_second_mediator_sees_only_the_sessions_assigned_to_them(client, world):
    world.schedule(at(DAY, 10))
    html = calendar(client, world.mediator2, day=DAY.isoformat()).content.decode()
    assert "Claire Testeuse" not in html


def test_week_view_and_the_readers_zone(client, world):
    session = world.schedule(at(DAY, 10))  # 10:00 in Paris (CET) is 09:00 in London
    UserProfile.objects.update_or_create(user=world.ceo, defaults={"time_zone": "Europe/London"})
    response = calendar(client, world.ceo, view="week", day=(DAY + timedelta(days=2)).isoformat())
    html = response.content.decode()
    assert response.context["view"] == "week" and len(response.context["weeks"]) == 1
    assert "times in Europe/London" in html
    assert "09:00–10:30" in day_cell(html, DAY) and session.get_absolute_url() in html
    # The week before: nothing.
    html = calendar(
        client, world.ceo, view="week", day=(DAY - timedelta(days=7)).isoformat()
    ).content.decode()
    assert session.get_absolute_url() not in html


def test_cancelled_sessions_are_left_out_and_a_bad_day_shows_today(client, world):
    from sessions import services

    session = world.schedule(at(DAY, 10))
    services.session_cancel(session=session, by=world.recruiter, reason="Empêchement.")
    assert session.get_absolute_url() not in calendar(client, world.ceo, day=DAY.isoformat()).content.decode()
    response = calendar(client, world.ceo, day="2026-02-30", view="year")
    assert response.context["view"] == "month" and response.context["day"] == timezone.localdate()


def test_month_grid_weeks_start_on_monday():
    weeks = agenda.grid(agenda.MONTH, date(2027, 2, 10), {date(2027, 2, 14): ["s"]}, today=date(2027, 2, 1))
    assert [len(w) for w in weeks] == [7, 7, 7, 7]  # February 2027 starts on a Monday
    assert weeks[0][0].date == date(2027, 2, 1) and weeks[0][0].today
    assert weeks[1][6].date == date(2027, 2, 14) and weeks[1][6].sessions == ["s"]
    march = agenda.grid(agenda.MONTH, date(2027, 3, 1), {}, today=date(2027, 2, 1))
    assert march[0][0].date == date(2027, 3, 1) and len(march) == 5
    may = agenda.grid(agenda.MONTH, date(2027, 5, 31), {}, today=date(2027, 2, 1))
    assert may[0][0].date == date(2027, 4, 26) and not may[0][0].in_period and len(may) == 6
    assert agenda.step(agenda.MONTH, date(2027, 1, 31), 1) == date(2027, 2, 1)
    assert agenda.step(agenda.MONTH, date(2027, 1, 15), -1) == date(2026, 12, 1)
    assert agenda.step(agenda.WEEK, date(2027, 1, 15), 1) == date(2027, 1, 22)
    assert agenda.period(agenda.WEEK, date(2027, 1, 15)) == (date(2027, 1, 11), date(2027, 1, 17))


def test_calendar_queries_do_not_grow_with_the_sessions(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world.schedule(at(DAY, 10))
    calendar(client, world.ceo, day=DAY.isoformat())  # the feed row is made on the first visit
    with CaptureQueriesContext(connection) as one:
        calendar(client, world.ceo, day=DAY.isoformat())
    for week in range(1, 3):
        world.schedule(at(DAY + timedelta(weeks=week), 10))
    with CaptureQueriesContext(connection) as three:
        response = calendar(client, world.ceo, day=DAY.isoformat())
    assert response.context["session_count"] == 3
    assert len(three) == len(one), [q["sql"] for q in three.captured_queries]


@pytest.mark.parametrize(
    "query",
    [
        "day=9999-12-31",
        "day=9999-12-31&view=week",
        "day=9999-12-27&view=week",
        "day=0001-01-01",
        "day=0001-01-01&view=week",
    ],
)
def test_the_calendar_reads_a_date_at_the_edge_of_the_calendar_as_today(client, world, query):
    client.force_login(world.recruiter)
    response = client.get(reverse("working_sessions:calendar") + "?" + query)
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
