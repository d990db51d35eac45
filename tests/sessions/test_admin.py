"""The working-session admin (``sessions.admin``): every model is listed with its joins done (the
same number of queries for 1 and 5 rows) and every object page opens; the WorkingSession admin
writes through the services — a conflict, a DST gap or a missing cancellation reason is a form
error and nothing is written; a valid session is created by ``session_schedule`` (three
invitations); changing the slot reschedules, status "cancelled" cancels, "held" is refused before
the start; a refusal at save time (a race) is an error message, not a server error. Reminders,
feeds, observations, debriefs and invitations are read-only; secrets are not shown."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions import services
from sessions.models import (
    CalendarFeed,
    Debrief,
    DebriefInvitation,
    Observation,
    SessionReminder,
    WorkingSession,
)
from tests.factories import ApplicationFactory, CandidateFactory, UserFactory
from tests.sessions.conftest import DAY, DAY_EN, LOCATION, PROBLEM, SPRING_FORWARD, at, observe, ratings

pytestmark = pytest.mark.django_db

MODELS = ("workingsession", "sessionreminder", "calendarfeed", "observation", "debrief", "debriefinvitation")
ADD_URL = reverse("admin:working_sessions_workingsession_add")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin-test", is_staff=True, is_superuser=True)


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def changelist(model):
    return reverse(f"admin:working_sessions_{model}_changelist")


def change_url(obj):
    return reverse(f"admin:working_sessions_{obj._meta.model_name}_change", args=[obj.pk])


def add_rows(world, count, start=0):
    """``count`` held and observed sessions (each of a new candidate of the mandate), each with a
    CEO debrief, a debrief invitation, a reminder, and a calendar feed of a new user."""
    for n in range(start, start + count):
        application = ApplicationFactory(
            mandate=world.mandate, candidate=CandidateFactory(email=f"cand{n}@example.org")
        )
        session = world.past_session(days_ago=n + 1, application=application)
        observe(
            session,
            incidents=[{"minute": 5, "who": "ceo", "behaviour": "Reformule.", "tag": "listening"}],
            tallies={("ceo", "gives_opinion"): 2},
        )
        session.refresh_from_db()
        services.debrief_submit_ceo(session=session, by=world.ceo, ratings=ratings(4))
        # Marking it held wrote its debrief invitation (and the candidate's e-mail) already.
        SessionReminder.objects.create(session=session, email=f"cand{n}@example.org")
        CalendarFeed.objects.create(user=UserFactory(username=f"feed-user-{n}"))


def queries_of(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def slot_post(day, start, end, **extra):
    return {
        "starts_at_0": day.isoformat(),
        "starts_at_1": start,
        "ends_at_0": day.isoformat(),
        "ends_at_1": end,
        "timezone": "Europe/Paris",
        **extra,
    }


def add_post(world, day, start, end, **extra):
    return slot_post(
        day,
        start,
        end,
        application=world.application.pk,
        mediator=world.mediator.pk,
        location=LOCATION,
        problem=PROBLEM,
        **extra,
    )


# ------------------------------------------------------------------------------ lists and pages


def test_every_changelist_loads_with_the_same_queries_for_one_and_five_rows(as_admin, world):
    add_rows(world, 1)
    as_admin.get(changelist("workingsession"))  # warm the session and caches
    one = {model: queries_of(as_admin, changelist(model)) for model in MODELS}
    add_rows(world, 4, start=1)
    assert WorkingSession.objects.count() == Observation.objects.count() == Debrief.objects.count() == 5
    assert (
        DebriefInvitation.objects.count()
        == SessionReminder.objects.count()
        == CalendarFeed.objects.count()
        == 5
    )
    five = {model: queries_of(as_admin, changelist(model)) for model in MODELS}
    assert five == one


def test_search_and_filters_answer(as_admin, world):
    add_rows(world, 2)
    for model in MODELS:
        assert as_admin.get(changelist(model), {"q": "Cand"}).status_code == 200
    html = as_admin.get(changelist("workingsession"), {"status__exact": "held"}).content.decode()
    assert "2 working sessions" in html


def test_every_object_page_opens_and_hides_the_secrets(as_admin, world):
    add_rows(world, 1)
    session = WorkingSession.objects.get()
    for obj in (
        session,
        SessionReminder.objects.get(),
        CalendarFeed.objects.get(),
        Observation.objects.get(),
        Debrief.objects.get(),
        DebriefInvitation.objects.get(),
    ):
        response = as_admin.get(change_url(obj))
        assert response.status_code == 200, obj
        html = response.content.decode()
        assert CalendarFeed.objects.get().token not in html
        assert DebriefInvitation.objects.get().nonce not in html
    observation_html = as_admin.get(change_url(Observation.objects.get())).content.decode()
    assert "Reformule." in observation_html and "gives_opinion" in observation_html  # inlines, read-only
    history = reverse("admin:working_sessions_workingsession_history", args=[session.pk])
    assert as_admin.get(history).status_code == 200


def test_a_past_version_is_shown_but_never_reverted(as_admin, world):
    session = world.schedule(at(DAY, 10))
    services.session_reschedule(
        session=session, starts_at=at(DAY, 15), ends_at=at(DAY, 16), by=world.recruiter
    )
    first = session.history.earliest()
    url = reverse("admin:working_sessions_workingsession_simple_history", args=[session.pk, first.history_id])
    html = as_admin.get(url).content.decode()
    assert "Revert" not in html
    assert as_admin.post(url, change_post(first.instance)).status_code == 403
    session.refresh_from_db()
    assert (session.starts_at, session.history.count()) == (at(DAY, 15), 2)


def test_only_sessions_can_be_added_and_nothing_deleted(as_admin, world):
    add_rows(world, 1)
    for model in MODELS[1:]:
        assert as_admin.get(reverse(f"admin:working_sessions_{model}_add")).status_code == 403
    session = WorkingSession.objects.get()
    delete = reverse("admin:working_sessions_workingsession_delete", args=[session.pk])
    assert as_admin.post(delete, {"post": "yes"}).status_code == 403
    observation = Observation.objects.get()
    response = as_admin.post(change_url(observation), {"synthesis": "Réécrite."})
    assert response.status_code == 403
    assert Observation.objects.get().synthesis == ""
    assert WorkingSession.objects.exists()


# ------------------------------------------------------------------------------ add → session_schedule


def test_an_overlapping_session_is_a_form_error_and_nothing_is_created(as_admin, world):
    world.schedule(at(DAY, 10))
    assert as_admin.get(ADD_URL).status_code == 200
    response = as_admin.post(ADD_URL, add_post(world, DAY, "11:00", "12:00"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"The CEO already has a working session from {DAY_EN} 10:00 to {DAY_EN} 11:30." in html
    assert "The candidate already has a working session" in html
    assert "errornote" in html
    assert WorkingSession.objects.count() == 1


def test_a_valid_session_is_scheduled_by_the_service_and_invitations_go(
    as_admin, world, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(ADD_URL, add_post(world, DAY, "10:00", "11:30", _save="Save"))
    assert response.status_code == 302, response.content.decode()[:3000]
    session = WorkingSession.objects.get()
    assert (session.order, session.starts_at, session.ends_at, session.timezone, session.status) == (
        1,
        at(DAY, 10),
        at(DAY, 11, 30),
        "Europe/Paris",
        "planned",
    )
    assert session.created_by == admin_user
    assert session.history.get().history_user == admin_user
    assert sorted(m.to[0] for m in mail.outbox) == [
        "claire.testeuse@example.org",
        "dg-test@example.org",
        "mediateur-test@example.org",
    ]
    assert all(m.attachments[0].mimetype.startswith("text/calendar; method=REQUEST") for m in mail.outbox)


def test_times_are_read_in_the_chosen_zone_and_dst_gaps_refused(as_admin, world):
    response = as_admin.post(ADD_URL, add_post(world, DAY, "10:00", "11:00", timezone="Europe/London"))
    assert response.status_code == 302
    assert WorkingSession.objects.get().starts_at == at(DAY, 10, tz="Europe/London")

    gap = add_post(world, SPRING_FORWARD, "02:30", "03:30")
    html = as_admin.post(ADD_URL, gap).content.decode()
    assert "does not exist in the Europe/Paris time zone" in html
    assert WorkingSession.objects.count() == 1


def test_a_mediator_of_another_mandate_is_an_error_on_the_field(as_admin, world):
    response = as_admin.post(
        ADD_URL, {**add_post(world, DAY, "10:00", "11:00"), "mediator": world.other_mediator.pk}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["mediator"] == ["Choose a mediator of this mandate."]
    assert not WorkingSession.objects.exists()


def test_a_refusal_at_save_time_is_a_message_not_a_server_error(as_admin, world, monkeypatch):
    """Another request takes the slot between ``clean()`` and ``save_model``: simulated by a check
    that lets everything through; the service's own refusal then comes back as a message."""
    world.schedule(at(DAY, 10))
    monkeypatch.setattr(services, "session_check_schedule", lambda **kwargs: 1)
    response = as_admin.post(ADD_URL, add_post(world, DAY, "11:00", "12:00"), follow=True)
    assert response.status_code == 200
    assert "The CEO already has a working session" in response.content.decode()
    assert WorkingSession.objects.count() == 1


# ------------------------------------------------------------------------------ change → reschedule / cancel / status


def change_post(session, **changes):
    zone = timezone.localtime(session.starts_at, timezone.get_default_timezone())
    end = timezone.localtime(session.ends_at, timezone.get_default_timezone())
    data = {
        "starts_at_0": zone.date().isoformat(),
        "starts_at_1": zone.strftime("%H:%M:%S"),
        "ends_at_0": end.date().isoformat(),
        "ends_at_1": end.strftime("%H:%M:%S"),
        "timezone": session.timezone,
        "location": session.location,
        "status": session.status,
        "status_reason": session.status_reason,
        "_save": "Save",
    }
    return {**data, **changes}


def test_the_change_form_shows_the_session_zone_and_an_unchanged_save_writes_nothing(as_admin, world):
    session = world.schedule(at(DAY, 10))
    html = as_admin.get(change_url(session)).content.decode()
    assert 'value="10:00:00"' in html and 'value="11:30:00"' in html
    assert f"{DAY_EN} 10:00–11:30 (Europe/Paris)" in html
    assert as_admin.post(change_url(session), change_post(session)).status_code == 302
    session.refresh_from_db()
    assert session.sequence == 0 and session.history.count() == 1


def test_changing_the_slot_reschedules(as_admin, world, django_capture_on_commit_callbacks):
    session = world.schedule(at(DAY, 10))
    other = world.schedule(at(DAY, 14))
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(
            change_url(session), change_post(session, starts_at_1="13:00", ends_at_1="14:30")
        )
    html = response.content.decode()
    assert (
        response.status_code == 200 and f"The CEO already has a working session from {DAY_EN} 14:00" in html
    )
    assert not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(
            change_url(session),
            change_post(session, starts_at_1="08:00", ends_at_1="09:30", status_reason="Comité avancé."),
        )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.starts_at, session.sequence, session.status_reason) == (at(DAY, 8), 1, "Comité avancé.")
    assert session.history.count() == 2
    assert len(mail.outbox) == 3
    other.refresh_from_db()
    assert other.sequence == 0


def test_cancelling_needs_a_reason_and_then_goes_through_the_service(
    as_admin, world, django_capture_on_commit_callbacks
):
    session = world.schedule(at(DAY, 10))
    response = as_admin.post(change_url(session), change_post(session, status="cancelled"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status_reason"] == ["Say why the session is cancelled."]
    session.refresh_from_db()
    assert session.status == "planned"

    both = change_post(session, status="cancelled", status_reason="Report.", starts_at_1="09:00")
    assert "not both at once" in as_admin.post(change_url(session), both).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(
            change_url(session), change_post(session, status="cancelled", status_reason="Le DG est absent.")
        )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.status, session.status_reason, session.sequence) == ("cancelled", "Le DG est absent.", 1)
    assert len(mail.outbox) == 3
    assert all("method=CANCEL" in m.attachments[0].mimetype for m in mail.outbox)
    # a cancelled session is final: the page is read-only
    assert as_admin.post(change_url(session), change_post(session, status="planned")).status_code == 403


def test_held_goes_through_the_service_and_is_refused_before_the_start(as_admin, world):
    future = world.schedule(at(DAY, 10))
    response = as_admin.post(change_url(future), change_post(future, status="held"))
    assert response.status_code == 200
    assert "The session has not started yet." in response.content.decode()
    future.refresh_from_db()
    assert future.status == "planned"

    past = world.past_session()
    response = as_admin.post(change_url(past), change_post(past, status="no_show"))
    assert response.status_code == 302
    past.refresh_from_db()
    assert past.status == "no_show"
    # held / no-show: only the status is editable, and "planned" is not a choice the service accepts
    response = as_admin.post(change_url(past), {"status": "planned", "_save": "Save"})
    assert response.status_code == 200 and "Choose held or no-show." in response.content.decode()
    assert as_admin.post(change_url(past), {"status": "held", "_save": "Save"}).status_code == 302
    past.refresh_from_db()
    assert past.status == "held" and past.history.count() == 3


def test_a_reason_alone_is_not_saved_silently(as_admin, world):
    session = world.schedule(at(DAY, 10) + timedelta(days=1))
    response = as_admin.post(change_url(session), change_post(session, status_reason="Juste un mot."))
    assert response.status_code == 200
    assert "The reason is recorded with a reschedule or a cancellation" in response.content.decode()


# ------------------------------------------------------------------------------ the services' new rules, in the admin


@pytest.mark.parametrize("day", [date(9999, 12, 30), date(1, 1, 2)], ids=["year-9999", "year-1"])
def test_an_absurd_date_is_a_form_error_and_nothing_is_created(as_admin, world, day):
    response = as_admin.post(ADD_URL, add_post(world, day, "10:00", "11:00"))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "This date is out of range: a working session must start no more than 366 days ago and no more than "
        "731 days (two years) from now. Please check the year."
    ]
    assert not WorkingSession.objects.exists()


def test_moving_a_session_years_ahead_is_a_form_error(as_admin, world):
    session = world.schedule(at(DAY, 10))
    far = DAY.replace(year=DAY.year + 3).isoformat()
    response = as_admin.post(change_url(session), change_post(session, starts_at_0=far, ends_at_0=far))
    assert response.status_code == 200 and "This date is out of range" in response.content.decode()
    session.refresh_from_db()
    assert (session.starts_at, session.sequence) == (at(DAY, 10), 0)


def test_an_observed_session_cannot_be_set_to_no_show_in_the_admin(as_admin, world):
    session = world.past_session()
    observe(session)
    response = as_admin.post(change_url(session), {"status": "no_show", "_save": "Save"})
    assert response.status_code == 200
    assert (
        "This session has a submitted observation: it took place and cannot be marked no-show."
        in response.content.decode()
    )
    session.refresh_from_db()
    assert session.status == "held"
