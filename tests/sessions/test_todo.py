"""Who owes what (issue 10, item 4): "My sessions" for every participant, the "To do" page (the
landing page of CEOs and mediators) with due dates and overdue marks, the overdue reminders sent
once, and the recruiters' daily digest."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboundEmail
from sessions import notices, services, todo
from sessions.models import OverdueReminder
from tests.factories import ApplicationFactory, CandidateFactory
from tests.sessions.conftest import at, observe, ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(world):
    """Session 1 of the world's application, held and observed four days ago (ended at 11:30)."""
    session = world.past_session(days_ago=4)
    observe(session)
    session.refresh_from_db()
    return session


def kinds(items):
    return [(i.kind, i.session.pk, i.overdue) for i in items]


def test_the_ceo_owes_the_debrief_of_a_held_session_until_given(world, held, settings):
    settings.SESSIONS_OVERDUE_AFTER_HOURS = 24
    items = todo.todo_for(world.ceo)
    assert kinds(items) == [("debrief", held.pk, True)]
    assert items[0].due == held.ends_at + timedelta(hours=24)
    assert items[0].url == reverse("working_sessions:ceo_debrief", kwargs={"session_pk": held.pk})
    # Not yet overdue an hour after the session when the delay is 24 h.
    assert kinds(todo.todo_for(world.ceo, now=held.ends_at + timedelta(hours=1))) == [
        ("debrief", held.pk, False)
    ]
    services.debrief_submit_ceo(session=held, by=world.ceo, ratings=ratings(4))
    assert todo.todo_for(world.ceo) == []
    assert todo.todo_for(world.other_ceo) == [] and todo.todo_for(world.recruiter) == []


def test_the_mediator_owes_the_observation_of_a_started_session(world):
    started = world.past_session(days_ago=2)
    world.schedule(at(timezone.localdate() + timedelta(days=5), 10))  # not started: nothing owed
    assert kinds(todo.todo_for(world.mediator)) == [("observation", started.pk, True)]
    assert todo.todo_for(world.mediator2) == []  # another mediator of the mandate
    world.mandate.mediators.remove(world.mediator)
    assert todo.todo_for(world.mediator) == []  # removed from the mandate: nothing left to owe there


def test_recruiters_owe_the_candidates_acknowledgement_before_the_first_session(world):
    fresh = ApplicationFactory(
        mandate=world.mandate, candidate=CandidateFactory(email="ines.neuve@example.org"), notice=False
    )
    first = world.schedule(at(timezone.localdate() + timedelta(days=6), 10), application=fresh)
    world.schedule(at(timezone.localdate() + timedelta(days=13), 10), application=fresh)
    [item] = todo.todo_for(world.recruiter)
    assert (item.kind, item.session.pk, item.due, item.overdue) == (
        "notice",
        first.pk,
        first.starts_at,
        False,
    )
    assert todo.todo_for(world.other_recruiter) == []
    notice = fresh.assessment_notices.get()
    notices.notice_acknowledge(token=notices.notice_token(notice), language="fr")
    assert todo.todo_for(world.recruiter) == []


def test_the_page_lists_what_is_owed_with_due_dates_and_overdue_marks(client, world, held):
    client.force_login(world.ceo)
    landing = client.get(reverse("candidates:mandate_list"))
    assert landing.status_code == 302 and landing["Location"] == reverse("working_sessions:todo")
    page = client.get(reverse("working_sessions:todo"))
    html = page.content.decode()
    assert "1 item is overdue." in html and "Overdue" in html and "Give my debrief" in html
    assert reverse("working_sessions:ceo_debrief", kwargs={"session_pk": held.pk}) in html
    assert world.candidate.full_name in html
    client.force_login(world.mediator)
    assert client.get(reverse("candidates:mandate_list"))["Location"] == reverse("working_sessions:todo")
    assert (
        "Nothing to do: you are up to date." in client.get(reverse("working_sessions:todo")).content.decode()
    )
    client.force_login(world.recruiter)  # recruiters land on their mandates
    assert client.get(reverse("candidates:mandate_list")).status_code == 200


def test_my_sessions_lists_the_ceos_and_the_recruiters_sessions(client, world, held):
    upcoming = world.schedule(at(timezone.localdate() + timedelta(days=5), 10))
    world.schedule(at(timezone.localdate() + timedelta(days=5), 14), application=world.other_application,
                   mediator=world.other_mediator, by=world.other_recruiter)  # fmt: skip
    client.force_login(world.ceo)
    response = client.get(reverse("working_sessions:mine"))
    ctx = response.context
    assert ctx["participant_upcoming"] == [upcoming] and ctx["participant_past"] == [held]
    html = response.content.decode()
    assert "As CEO or recruiter" in html and "Give my debrief" in html and "Hugo Ailleurs" not in html
    client.force_login(world.recruiter)
    ctx = client.get(reverse("working_sessions:mine")).context
    assert ctx["participant_upcoming"] == [upcoming] and [s.my_roles for s in ctx["participant_past"]] == [
        ["Recruiter"]
    ]


def test_each_overdue_reminder_goes_once(world, held, django_capture_on_commit_callbacks, settings):
    settings.SESSIONS_OVERDUE_AFTER_HOURS = 24
    late = world.past_session(days_ago=3)  # started, never observed
    with django_capture_on_commit_callbacks(execute=True):
        assert todo.overdue_reminders_send(now=held.ends_at + timedelta(hours=23)) == 0  # not yet due
        assert todo.overdue_reminders_send() == 2
        assert todo.overdue_reminders_send() == 0  # a second beat: nothing more
    reminders = set(OverdueReminder.objects.values_list("kind", "session_id", "user_id"))
    assert reminders == {("debrief", held.pk, world.ceo.pk), ("observation", late.pk, world.mediator.pk)}
    mails = OutboundEmail.objects.filter(key__startswith="overdue:")
    assert sorted(m.to for m in mails) == sorted([world.ceo.email, world.mediator.email])
    debrief = mails.get(to=world.ceo.email)
    assert "debrief" in debrief.subject.lower() or "débriefing" in debrief.subject.lower()
    assert reverse("working_sessions:ceo_debrief", kwargs={"session_pk": held.pk}) in debrief.body


def test_a_removed_mediator_is_not_reminded(world, django_capture_on_commit_callbacks):
    world.past_session(days_ago=3)
    world.mandate.mediators.remove(world.mediator)
    with django_capture_on_commit_callbacks(execute=True):
        assert todo.overdue_reminders_send() == 0


def test_the_recruiters_digest_lists_what_each_mandate_waits_for_once_a_day(
    world, held, django_capture_on_commit_callbacks
):
    world.past_session(days_ago=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert todo.recruiter_digests_send() == 1  # the world's recruiter; the other mandate's has nothing
        todo.recruiter_digests_send()
    [digest] = OutboundEmail.objects.filter(key__startswith=f"digest:{world.recruiter.pk}:")
    assert world.candidate.full_name in digest.body and world.mandate.title in digest.body
    lines = [line for line in digest.body.splitlines() if line.startswith("- ")]
    assert len(lines) == 2 and all("OVERDUE" in line or "EN RETARD" in line for line in lines)
    assert not any("Your " in line or "Votre " in line for line in lines)  # owed by the CEO and mediator
    assert "Europe/Paris" in digest.body  # the zone the times are in
    assert not OutboundEmail.objects.filter(key__startswith=f"digest:{world.other_recruiter.pk}:").exists()


def test_both_tasks_are_in_the_beat_schedule(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["overdue-reminders"]["task"] == "sessions.tasks.send_overdue_reminders"
    assert schedule["recruiter-digest"]["task"] == "sessions.tasks.send_recruiter_digests"
    assert str(schedule["recruiter-digest"]["schedule"].hour) == "{8}"


def test_the_ceo_debrief_reminder_names_the_session(world, held, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        todo.overdue_reminders_send()
    mail = OutboundEmail.objects.get(to=world.ceo.email, key__startswith="overdue:")
    assert world.candidate.full_name in mail.subject and str(held.order) in mail.subject


def test_nothing_is_owed_nor_reminded_for_a_withdrawn_application(
    world, held, django_capture_on_commit_callbacks
):
    from candidates.models import Stage
    from sessions.tasks import send_due_reminders

    upcoming = world.schedule(at(timezone.localdate() + timedelta(days=1), 10))
    world.application.stage = Stage.WITHDRAWN
    world.application.save(update_fields=["stage"])
    assert todo.todo_for(world.ceo) == [] and todo.todo_for(world.mediator) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert todo.overdue_reminders_send() == 0
        assert send_due_reminders((upcoming.starts_at - timedelta(hours=6)).isoformat()) == 0


def test_the_panel_owes_a_session_scorecard_of_the_targeted_criteria(world):
    from assessments.models import Criterion, Scorecard
    from tests.factories import ScorecardFactory

    session = world.past_session(days_ago=3)
    targeted = list(
        Criterion.objects.filter(framework__is_active=True, code__in=["cond_tools", "post_innovation"])
    )
    services.session_plan_update(session=session, by=world.recruiter, roles=["conductor"], criteria=targeted)
    observe(session)
    mine = [i for i in todo.todo_for(world.recruiter) if i.kind == "scorecard"]
    assert [(i.session.pk, i.overdue) for i in mine] == [(session.pk, True)]
    assert mine[0].url == reverse("assessments:summary", kwargs={"pk": world.application.pk})
    assert [i.kind for i in todo.todo_for(world.ceo) if i.kind == "scorecard"] == ["scorecard"]
    # One targeted criterion left unrated ("no evidence"): still owed; both rated: done.
    context = {"context": Scorecard.Context.WORKING_SESSION, "session_number": session.order}
    partial = ScorecardFactory(
        application=world.application,
        rater=world.recruiter,
        ratings={"cond_tools": 4},
        submitted=True,
        **context,
    )
    assert [i.kind for i in todo.todo_for(world.recruiter)].count("scorecard") == 1
    Scorecard.objects.filter(pk=partial.pk).delete()
    ScorecardFactory(
        application=world.application,
        rater=world.recruiter,
        ratings={"cond_tools": 4, "post_innovation": 3},
        submitted=True,
        **context,
    )
    assert "scorecard" not in [i.kind for i in todo.todo_for(world.recruiter)]
