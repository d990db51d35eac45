"""Rules of ``sessions.services`` (DESIGN.md §5, issue 4), whatever the entry point:

- at most four non-cancelled sessions per application (a fifth is refused, allowed again after a
  cancellation); no CEO, mediator or candidate in two overlapping non-cancelled sessions, each
  conflict named; touching slots allowed; end after start; mediator of the mandate; open application;
  a start no more than 366 days back and 731 days ahead (``out_of_range``, the demo's catch-up included);
- reschedule and cancel keep the history (django-simple-history) and bump the calendar SEQUENCE;
- status "held" only once the session has started; no "no-show" once an observation is submitted;
- the observation: tallies never below 0, complete before submit, locked once submitted, revision
  with a reason that copies tallies and incidents and keeps the submitted one;
- debriefs: the CEO's only by the CEO, once, on a held session; the candidate's signed link is valid
  once, and tampered / expired / reused links are told apart; neither is given before a held session.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.formats import date_format

from candidates.models import Stage
from sessions import ipa, services
from sessions.models import CriticalIncident, Debrief, IpaTally, Observation, WorkingSession
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory
from tests.sessions.conftest import DAY, DAY_EN, DAY_FR, at, observe, ratings

pytestmark = pytest.mark.django_db

NEXT_DAYS = [DAY + timedelta(days=n) for n in range(6)]


def messages_of(excinfo):
    return " ".join(excinfo.value.messages)


def local(value):
    """How the conflict messages show a time: short date and 24-hour time, in the session's zone."""
    value = timezone.localtime(value, ZoneInfo("Europe/Paris"))
    return f"{date_format(value, 'SHORT_DATE_FORMAT')} {value:%H:%M}"


def codes_of(excinfo):
    return {error.code for error in excinfo.value.error_list}


# ------------------------------------------------------------------------------ four sessions at most


def test_a_fifth_non_cancelled_session_is_refused_then_allowed_after_a_cancellation(world):
    sessions = [world.schedule(at(day, 10)) for day in NEXT_DAYS[:4]]
    assert [s.order for s in sessions] == [1, 2, 3, 4]

    with pytest.raises(ValidationError) as excinfo:
        world.schedule(at(NEXT_DAYS[4], 10))
    assert excinfo.value.code == "too_many"
    assert "4 working sessions" in messages_of(excinfo)
    assert WorkingSession.objects.filter(application=world.application).count() == 4

    services.session_cancel(
        session=sessions[1], by=world.recruiter, reason="Le dirigeant est en déplacement."
    )
    fifth = world.schedule(at(NEXT_DAYS[4], 10))
    assert fifth.order == 2  # the cancelled session's number is reused
    assert (
        WorkingSession.objects.filter(application=world.application).exclude(status="cancelled").count() == 4
    )
    assert WorkingSession.objects.filter(application=world.application).count() == 5


def test_held_and_no_show_sessions_count_towards_the_four(world):
    held = world.past_session(days_ago=3)
    no_show = world.past_session(days_ago=2)
    services.session_set_status(session=held, status="held", by=world.recruiter)
    services.session_set_status(session=no_show, status="no_show", by=world.recruiter)
    world.schedule(at(NEXT_DAYS[0], 10))
    world.schedule(at(NEXT_DAYS[1], 10))
    with pytest.raises(ValidationError) as excinfo:
        world.schedule(at(NEXT_DAYS[2], 10))
    assert excinfo.value.code == "too_many"


# ------------------------------------------------------------------------------ overlaps


def test_the_same_ceo_cannot_be_in_two_overlapping_sessions(world):
    """Another candidate of the same mandate (same CEO), another mediator: only the CEO conflicts."""
    world.schedule(at(DAY, 10), minutes=90)
    second = ApplicationFactory(
        mandate=world.mandate, candidate=CandidateFactory(email="b.autre@example.org")
    )
    with pytest.raises(ValidationError) as excinfo:
        world.schedule(at(DAY, 11), application=second, mediator=world.mediator2)
    assert codes_of(excinfo) == {"overlap"}
    assert excinfo.value.messages == [
        f"The CEO already has a working session from {local(at(DAY, 10))} to {local(at(DAY, 11, 30))}."
    ]
    assert not WorkingSession.objects.filter(application=second).exists()


def test_the_same_mediator_cannot_observe_two_overlapping_sessions(world):
    """A session of another mandate (other CEO, other candidate) with the same mediator: the
    other mandate's recruiter learns that the mediator is busy, nothing about the session (its
    times, candidate or mandate); staff (who see both) read its times."""
    world.schedule(at(DAY, 10), minutes=90)
    world.other_mandate.mediators.add(world.mediator)
    with pytest.raises(ValidationError) as excinfo:
        world.schedule(at(DAY, 9), minutes=90, application=world.other_application, by=world.other_recruiter)
    assert excinfo.value.messages == ["The mediator is not available at that time."]
    staff = UserFactory(is_staff=True)
    with pytest.raises(ValidationError) as excinfo:
        world.schedule(at(DAY, 9), minutes=90, application=world.other_application, by=staff)
    assert excinfo.value.messages == [
        f"The mediator already observes a working session from {local(at(DAY, 10))} to {local(at(DAY, 11, 30))}."
    ]


def test_the_same_candidate_cannot_be_in_two_overlapping_sessions_across_mandates(world):
    """The candidate also applies to another company: other CEO, other mediator."""
    world.schedule(at(DAY, 10), minutes=90)
    elsewhere = ApplicationFactory(mandate=world.other_mandate, candidate=world.candidate)
    with pytest.raises(ValidationError) as excinfo:
        world.schedule(
            at(DAY, 11, 29), application=elsewhere, mediator=world.other_mediator, by=world.other_recruiter
        )
    assert excinfo.value.messages == ["The candidate is not available at that time."]
    world.other_mandate.recruiters.add(world.recruiter)  # a recruiter of both mandates sees both sessions
    with pytest.raises(ValidationError) as excinfo:
        world.schedule(
            at(DAY, 11, 29), application=elsewhere, mediator=world.other_mediator, by=world.recruiter
        )
    assert excinfo.value.messages == [
        f"The candidate already has a working session from {local(at(DAY, 10))} to {local(at(DAY, 11, 30))}."
    ]


def test_every_busy_participant_is_named(world):
    world.schedule(at(DAY, 10))
    elsewhere = ApplicationFactory(mandate=world.other_mandate, candidate=world.candidate)
    world.other_mandate.mediators.add(world.mediator)
    with pytest.raises(ValidationError) as excinfo:
        world.schedule(at(DAY, 10, 30), application=elsewhere, by=world.other_recruiter)
    text = messages_of(excinfo)
    assert "The mediator is not available at that time." in text
    assert "The candidate is not available at that time." in text
    assert "The CEO" not in text  # another mandate, another CEO
    assert local(at(DAY, 10)) not in text  # the other mandate's session is not described


def test_a_conflict_with_a_session_the_user_cannot_see_names_nothing_of_it(world):
    """The CEO of two mandates: the second mandate's recruiter is told the CEO is busy, without the
    time, candidate or mandate of the first mandate's session; in French too."""
    first = world.schedule(at(DAY, 10))
    second_mandate = MandateFactory(ceo=world.mandate.ceo, recruiters=[world.other_recruiter])
    second_mandate.mediators.add(world.other_mediator)
    second = ApplicationFactory(
        mandate=second_mandate, candidate=CandidateFactory(email="c.tiers@example.org")
    )
    with translation.override("fr"), pytest.raises(ValidationError) as excinfo:
        world.schedule(
            at(DAY, 10, 30), application=second, mediator=world.other_mediator, by=world.other_recruiter
        )
    [message] = excinfo.value.messages
    assert message == "Le ou la DG n’est pas disponible à ce moment-là."
    for secret in (first.application.candidate.last_name, world.mandate.company.name, "10:00", "11:30"):
        assert secret not in message


@pytest.mark.parametrize(("language", "date"), [("en", DAY_EN), ("fr", DAY_FR)])
def test_conflict_times_are_a_short_date_and_a_24_hour_time(world, language, date):
    """No "10 a.m.." (the English short format ends in "a.m.", doubling the sentence's full stop)."""
    world.schedule(at(DAY, 10))
    second = ApplicationFactory(
        mandate=world.mandate, candidate=CandidateFactory(email="b.autre@example.org")
    )
    with translation.override(language), pytest.raises(ValidationError) as excinfo:
        world.schedule(at(DAY, 11), application=second, mediator=world.mediator2)
    [message] = excinfo.value.messages
    assert f"{date} 10:00" in message and f"{date} 11:30" in message
    assert "a.m." not in message and not message.endswith("..")
    if language == "fr":
        assert message.startswith(f"Le ou la DG a déjà une séance de travail de {DAY_FR} 10:00 à")


def test_conflict_times_are_shown_in_the_busy_sessions_own_zone(world):
    world.schedule(at(DAY, 10, tz="Europe/London"), tz_name="Europe/London")  # 11:00 in Paris
    second = ApplicationFactory(
        mandate=world.mandate, candidate=CandidateFactory(email="b.autre@example.org")
    )
    with pytest.raises(ValidationError) as excinfo:
        world.schedule(at(DAY, 11), application=second, mediator=world.mediator2)
    assert f"from {DAY_EN} 10:00 to {DAY_EN} 11:30." in messages_of(excinfo)


def test_a_cancelled_session_blocks_nobody(world):
    session = world.schedule(at(DAY, 10))
    services.session_cancel(session=session, by=world.recruiter, reason="Report demandé par la candidate.")
    again = world.schedule(at(DAY, 10))
    assert again.starts_at == session.starts_at


def test_touching_slots_are_allowed(world):
    first = world.schedule(at(DAY, 10), minutes=90)
    second = world.schedule(at(DAY, 11, 30), minutes=90)
    earlier = world.schedule(at(DAY, 8, 30), minutes=90)
    assert first.ends_at == second.starts_at
    assert earlier.ends_at == first.starts_at


@pytest.mark.parametrize("minutes", [0, -30])
def test_end_must_be_after_start(world, minutes):
    with pytest.raises(ValidationError) as excinfo:
        world.schedule(at(DAY, 10), minutes=minutes)
    assert excinfo.value.code == "end_before_start"
    assert not WorkingSession.objects.exists()


def test_a_mediator_not_on_the_mandate_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        world.schedule(at(DAY, 10), mediator=world.other_mediator)
    assert "mediator" in excinfo.value.error_dict
    assert not WorkingSession.objects.exists()


@pytest.mark.parametrize("stage", [Stage.WITHDRAWN, Stage.HIRED])
def test_a_closed_application_is_refused(world, stage):
    world.application.stage = stage
    world.application.save()
    with pytest.raises(ValidationError) as excinfo:
        world.schedule(at(DAY, 10))
    assert excinfo.value.code == "closed"


def test_times_are_stored_aware_with_the_entry_zone(world):
    session = world.schedule(at(DAY, 10, tz="Europe/London"), tz_name="Europe/London")
    session.refresh_from_db()
    assert session.starts_at == at(DAY, 11)  # 10:00 in London is 11:00 in Paris in March (before DST)
    assert session.timezone == "Europe/London"
    assert session.created_by == world.recruiter


# ------------------------------------------------------------------------------ reschedule / cancel


def test_reschedule_bumps_the_sequence_and_keeps_the_history(world):
    session = world.schedule(at(DAY, 10))
    assert session.sequence == 0
    moved = services.session_reschedule(
        session=session,
        starts_at=at(DAY, 14),
        ends_at=at(DAY, 15, 30),
        by=world.recruiter,
        reason="Conseil d’administration avancé.",
    )
    assert moved.sequence == 1
    moved = services.session_reschedule(
        session=moved, starts_at=at(DAY, 16), ends_at=at(DAY, 17), by=world.recruiter
    )
    moved.refresh_from_db()
    assert (moved.sequence, moved.starts_at, moved.uid) == (2, at(DAY, 16), session.uid)

    history = list(moved.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~", "~"]
    assert [h.starts_at for h in history] == [at(DAY, 10), at(DAY, 14), at(DAY, 16)]
    assert [h.sequence for h in history] == [0, 1, 2]
    assert history[1].status_reason == "Conseil d’administration avancé."
    assert {h.history_user for h in history} == {world.recruiter}


def test_reschedule_may_overlap_its_own_old_slot_but_not_another_session(world):
    session = world.schedule(at(DAY, 10))
    world.schedule(at(DAY, 14))
    services.session_reschedule(
        session=session, starts_at=at(DAY, 10, 30), ends_at=at(DAY, 12), by=world.recruiter
    )
    with pytest.raises(ValidationError) as excinfo:
        services.session_reschedule(
            session=session, starts_at=at(DAY, 13), ends_at=at(DAY, 14, 30), by=world.recruiter
        )
    assert codes_of(excinfo) == {"overlap"}
    session.refresh_from_db()
    assert (session.starts_at, session.sequence) == (at(DAY, 10, 30), 1)


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancel_needs_a_reason(world, reason):
    session = world.schedule(at(DAY, 10))
    with pytest.raises(ValidationError) as excinfo:
        services.session_cancel(session=session, by=world.recruiter, reason=reason)
    assert "reason" in excinfo.value.error_dict
    session.refresh_from_db()
    assert (session.status, session.sequence) == ("planned", 0)


def test_cancel_bumps_the_sequence_and_keeps_the_history(world):
    session = world.schedule(at(DAY, 10))
    services.session_cancel(session=session, by=world.recruiter, reason="La candidate s’est désistée.")
    session.refresh_from_db()
    assert (session.status, session.sequence, session.status_reason) == (
        "cancelled",
        1,
        "La candidate s’est désistée.",
    )
    assert [h.status for h in session.history.order_by("history_date")] == ["planned", "cancelled"]
    with pytest.raises(ValidationError):
        services.session_cancel(session=session, by=world.recruiter, reason="encore")
    with pytest.raises(ValidationError):
        services.session_reschedule(
            session=session, starts_at=at(DAY, 14), ends_at=at(DAY, 15), by=world.recruiter
        )


# ------------------------------------------------------------------------------ status


def test_held_only_once_the_session_has_started(world):
    session = world.schedule(at(DAY, 10))
    with pytest.raises(ValidationError) as excinfo:
        services.session_set_status(session=session, status="held", by=world.recruiter)
    assert excinfo.value.code == "future"
    held = services.session_set_status(session=session, status="held", by=world.recruiter, now=at(DAY, 10))
    assert held.status == "held"


def test_a_cancelled_session_cannot_be_marked_held(world):
    session = world.past_session()
    services.session_cancel(session=session, by=world.recruiter, reason="Annulée sur place.")
    with pytest.raises(ValidationError) as excinfo:
        services.session_set_status(session=session, status="held", by=world.recruiter)
    assert excinfo.value.code == "cancelled"


def test_only_held_or_no_show_can_be_set(world):
    session = world.past_session()
    with pytest.raises(ValidationError):
        services.session_set_status(session=session, status="cancelled", by=world.recruiter)


# ------------------------------------------------------------------------------ observation


def test_tally_counts_up_and_down_and_never_below_zero(world):
    session = world.past_session()
    observation = services.observation_start(session=session, mediator=world.mediator)

    def tally(delta, party=ipa.CEO, category="agrees"):
        return services.observation_tally(
            observation=observation, party=party, category=category, delta=delta, by=world.mediator
        )

    assert [tally(1), tally(1), tally(-1), tally(-1), tally(-1), tally(1)] == [1, 2, 1, 0, 0, 1]
    assert tally(1, party=ipa.CANDIDATE) == 1
    assert observation.tallies()[ipa.CEO]["agrees"] == 1
    assert observation.tallies()[ipa.CANDIDATE]["agrees"] == 1
    assert observation.tallies()[ipa.CEO]["disagrees"] == 0
    for bad in ({"party": "mediator"}, {"category": "shouts"}, {"delta": 2}):
        with pytest.raises(ValidationError):
            tally(**{"delta": 1, **bad})


def test_only_the_sessions_mediator_observes(world):
    session = world.past_session()
    with pytest.raises(ValidationError):
        services.observation_start(session=session, mediator=world.mediator2)
    observation = services.observation_start(session=session, mediator=world.mediator)
    with pytest.raises(ValidationError):
        services.observation_tally(
            observation=observation, party=ipa.CEO, category="agrees", delta=1, by=world.mediator2
        )
    with pytest.raises(ValidationError):
        services.observation_save(observation=observation, by=world.recruiter, synthesis="intrusion")


def test_a_no_show_session_cannot_be_observed(world):
    session = world.past_session()
    services.session_set_status(session=session, status="no_show", by=world.recruiter)
    with pytest.raises(ValidationError) as excinfo:
        services.observation_start(session=session, mediator=world.mediator)
    assert excinfo.value.code == "no_show"
    assert "marked no-show" in messages_of(excinfo)
    assert not Observation.objects.exists()


def test_an_observation_cannot_be_submitted_once_the_session_is_marked_no_show(world):
    session = world.past_session()
    draft = observe(session, submit=False)
    services.session_set_status(session=session, status="no_show", by=world.recruiter)
    with pytest.raises(ValidationError) as excinfo:
        services.observation_submit(observation=draft, by=world.mediator)
    assert excinfo.value.code == "no_show"
    draft.refresh_from_db()
    session.refresh_from_db()
    assert (draft.status, session.status) == ("draft", "no_show")
    # marked held again (it did take place after all), the same draft is submitted
    services.session_set_status(session=session, status="held", by=world.recruiter)
    assert services.observation_submit(observation=draft, by=world.mediator).is_submitted


def test_an_observation_cannot_be_submitted_on_a_cancelled_session(world):
    session = world.schedule(at(DAY, 10))
    draft = services.observation_start(session=session, mediator=world.mediator)
    services.session_cancel(session=session, by=world.recruiter, reason="Annulée.")
    with pytest.raises(ValidationError) as excinfo:
        services.observation_submit(observation=draft, by=world.mediator)
    assert excinfo.value.code == "cancelled"


def test_observation_start_returns_the_same_draft(world):
    session = world.past_session()
    first = services.observation_start(session=session, mediator=world.mediator)
    assert services.observation_start(session=session, mediator=world.mediator) == first
    assert Observation.objects.count() == 1


def test_save_changes_only_the_given_fields_and_checks_ratings(world):
    session = world.past_session()
    observation = services.observation_start(session=session, mediator=world.mediator)
    services.observation_save(observation=observation, by=world.mediator, ratings={"listening": "4"})
    services.observation_save(observation=observation, by=world.mediator, synthesis="Écoute mutuelle.")
    observation.refresh_from_db()
    assert observation.ratings == {"listening": 4}
    assert observation.synthesis == "Écoute mutuelle."
    services.observation_save(observation=observation, by=world.mediator, ratings={"listening": ""})
    observation.refresh_from_db()
    assert observation.ratings == {}
    with pytest.raises(ValidationError):
        services.observation_save(observation=observation, by=world.mediator, ratings={"listening": 6})
    with pytest.raises(ValidationError):
        services.observation_save(observation=observation, by=world.mediator, ratings={"charisma": 3})
    with pytest.raises(ValidationError):
        services.observation_save(observation=observation, by=world.mediator, verdict="maybe")


def test_submit_needs_all_eight_dimensions_a_verdict_and_a_confidence(world):
    session = world.past_session()
    observation = services.observation_start(session=session, mediator=world.mediator)
    partial = dict(list(ratings(4).items())[:7])
    services.observation_save(observation=observation, by=world.mediator, ratings=partial)
    with pytest.raises(ValidationError) as excinfo:
        services.observation_submit(observation=observation, by=world.mediator)
    text = messages_of(excinfo)
    assert "Rate every dimension" in text
    assert "verdict" in text
    assert "confidence" in text
    assert len(excinfo.value.messages) == 3

    services.observation_save(
        observation=observation, by=world.mediator, ratings=ratings(4), verdict=ipa.COMPATIBLE
    )
    with pytest.raises(ValidationError) as excinfo:
        services.observation_submit(observation=observation, by=world.mediator)
    assert excinfo.value.messages == ["Give your confidence in the verdict (1 to 5)."]

    services.observation_save(observation=observation, by=world.mediator, confidence=4)
    submitted = services.observation_submit(observation=observation, by=world.mediator)
    assert submitted.status == "submitted" and submitted.submitted_at is not None
    session.refresh_from_db()
    assert session.status == "held"  # submitting the observation marks the session held


def test_submit_refused_before_the_session_starts(world):
    session = world.schedule(at(DAY, 10))
    observation = observe(session, submit=False)
    with pytest.raises(ValidationError) as excinfo:
        services.observation_submit(observation=observation, by=world.mediator)
    assert excinfo.value.messages == ["The session has not started yet."]


def test_a_submitted_observation_is_locked(world):
    session = world.past_session()
    observation = observe(session, incidents=[{"minute": 12, "who": "ceo", "behaviour": "Coupe la parole."}])
    incident = observation.incidents.get()
    attempts = [
        lambda: services.observation_save(observation=observation, by=world.mediator, synthesis="modifié"),
        lambda: services.observation_tally(
            observation=observation, party=ipa.CEO, category="agrees", delta=1, by=world.mediator
        ),
        lambda: services.incident_add(
            observation=observation, by=world.mediator, minute=3, who="ceo", behaviour="Ajout tardif."
        ),
        lambda: services.incident_delete(incident=incident, by=world.mediator),
        lambda: services.observation_submit(observation=observation, by=world.mediator),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert excinfo.value.code == "immutable"
    observation.refresh_from_db()
    assert observation.synthesis == ""
    assert observation.incidents.count() == 1
    assert not IpaTally.objects.filter(observation=observation).exists()


def test_revision_needs_a_reason_copies_tallies_and_incidents_and_keeps_the_submitted_one(world):
    session = world.past_session()
    observation = observe(
        session,
        values=3,
        verdict=ipa.TO_CONFIRM,
        synthesis="Première lecture.",
        tallies={(ipa.CEO, "gives_opinion"): 3, (ipa.CANDIDATE, "asks_opinion"): 2},
        incidents=[
            {
                "minute": 18,
                "who": "ceo",
                "behaviour": "Conteste le chiffrage.",
                "interpretation": "Besoin de preuves.",
                "tag": "disagreement",
            }
        ],
    )
    for reason in ("", "  "):
        with pytest.raises(ValidationError):
            services.observation_revise(observation=observation, by=world.mediator, reason=reason)
    with pytest.raises(ValidationError):
        services.observation_revise(observation=observation, by=world.mediator2, reason="Pas le mien.")

    revision = services.observation_revise(
        observation=observation, by=world.mediator, reason="Relecture des notes après débrief."
    )
    observation.refresh_from_db()
    assert (observation.status, observation.is_current, observation.synthesis) == (
        "submitted",
        False,
        "Première lecture.",
    )
    assert (revision.status, revision.is_current, revision.revision) == ("draft", True, 2)
    assert revision.supersedes == observation
    assert revision.revision_reason == "Relecture des notes après débrief."
    assert (revision.ratings, revision.verdict, revision.confidence) == (ratings(3), ipa.TO_CONFIRM, 4)
    assert revision.tallies() == observation.tallies()
    assert revision.tallies()[ipa.CEO]["gives_opinion"] == 3
    copied = revision.incidents.get()
    assert (copied.minute, copied.behaviour, copied.interpretation, copied.tag) == (
        18,
        "Conteste le chiffrage.",
        "Besoin de preuves.",
        "disagreement",
    )
    assert CriticalIncident.objects.count() == 2

    # the revision is a draft again; the old one stays locked and can no longer be revised
    services.observation_tally(
        observation=revision, party=ipa.CEO, category="gives_opinion", delta=1, by=world.mediator
    )
    assert observation.tallies()[ipa.CEO]["gives_opinion"] == 3
    with pytest.raises(ValidationError):
        services.observation_revise(observation=observation, by=world.mediator, reason="Encore.")
    with pytest.raises(ValidationError):
        services.observation_revise(observation=revision, by=world.mediator, reason="Brouillon.")
    services.observation_submit(observation=revision, by=world.mediator)
    assert Observation.objects.filter(session=session, is_current=True).get().revision == 2


# ------------------------------------------------------------------------------ CEO debrief


def test_ceo_debrief_only_by_the_ceo_once_on_a_held_session(world):
    session = world.past_session()
    with pytest.raises(ValidationError) as excinfo:
        services.debrief_submit_ceo(session=session, by=world.ceo, ratings=ratings(4))
    assert excinfo.value.code == "not_held"

    observe(session)  # submitting the observation marks it held
    for intruder in (world.recruiter, world.mediator, world.other_ceo, world.staff):
        with pytest.raises(ValidationError) as excinfo:
            services.debrief_submit_ceo(session=session, by=intruder, ratings=ratings(4))
        assert excinfo.value.code == "not_ceo"
    with pytest.raises(ValidationError) as excinfo:
        services.debrief_submit_ceo(session=session, by=world.ceo, ratings=dict(list(ratings(4).items())[:5]))
    assert excinfo.value.code == "incomplete"

    debrief = services.debrief_submit_ceo(
        session=session, by=world.ceo, ratings=ratings(5), comment=" Utile. "
    )
    assert (debrief.party, debrief.ratings, debrief.comment) == ("ceo", ratings(5), "Utile.")
    with pytest.raises(ValidationError) as excinfo:
        services.debrief_submit_ceo(session=session, by=world.ceo, ratings=ratings(2))
    assert excinfo.value.code == "duplicate"
    assert Debrief.objects.filter(session=session).count() == 1


# ------------------------------------------------------------------------------ candidate link


@pytest.fixture
def held(world):
    session = world.past_session()
    observe(session)
    return session


def test_candidate_link_is_valid_once(world, held):
    token = services.debrief_invitation_create(session=held)
    invitation = services.debrief_invitation_check(token)
    assert invitation.session == held and invitation.used_at is None

    debrief = services.debrief_submit_candidate(token=token, ratings=ratings(3), comment="Bonne séance.")
    assert (debrief.session, debrief.party, debrief.ratings) == (held, "candidate", ratings(3))
    invitation.refresh_from_db()
    assert invitation.used_at is not None

    with pytest.raises(services.DebriefLinkError) as excinfo:
        services.debrief_invitation_check(token)
    assert excinfo.value.reason == "used"
    with pytest.raises(services.DebriefLinkError) as excinfo:
        services.debrief_submit_candidate(token=token, ratings=ratings(1))
    assert excinfo.value.reason == "used"
    assert Debrief.objects.get(session=held, party="candidate").ratings == ratings(3)


def test_a_second_link_for_an_answered_session_is_used(world, held):
    first = services.debrief_invitation_create(session=held)
    second = services.debrief_invitation_create(session=held)
    services.debrief_submit_candidate(token=first, ratings=ratings(3))
    with pytest.raises(services.DebriefLinkError) as excinfo:
        services.debrief_invitation_check(second)
    assert excinfo.value.reason == "used"


def test_incomplete_candidate_ratings_leave_the_link_valid(world, held):
    token = services.debrief_invitation_create(session=held)
    with pytest.raises(ValidationError):
        services.debrief_submit_candidate(token=token, ratings={"listening": 4})
    assert services.debrief_invitation_check(token).used_at is None


def _tamper(token):
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize(
    "make",
    [
        _tamper,
        lambda token: "x" + token,
        lambda token: "",
        lambda token: signing.dumps({"n": "nonce-that-does-not-exist"}, salt=services.DEBRIEF_SALT),
        lambda token: signing.dumps(signing.loads(token, salt=services.DEBRIEF_SALT), salt="another.salt"),
        lambda token: signing.dumps(["not", "a", "dict"], salt=services.DEBRIEF_SALT),
    ],
    ids=["last-char", "prefix", "empty", "unknown-nonce", "other-salt", "not-a-dict"],
)
def test_tampered_link_is_bad(world, held, make):
    token = make(services.debrief_invitation_create(session=held))
    with pytest.raises(services.DebriefLinkError) as excinfo:
        services.debrief_invitation_check(token)
    assert excinfo.value.reason == "bad"
    with pytest.raises(services.DebriefLinkError):
        services.debrief_submit_candidate(token=token, ratings=ratings(3))
    assert not Debrief.objects.filter(party="candidate").exists()


def test_expired_link(world, held, monkeypatch):
    token = services.debrief_invitation_create(session=held)
    monkeypatch.setattr(services, "DEBRIEF_MAX_AGE", timedelta(seconds=-1))
    with pytest.raises(services.DebriefLinkError) as excinfo:
        services.debrief_invitation_check(token)
    assert excinfo.value.reason == "expired"
    with pytest.raises(services.DebriefLinkError) as excinfo:
        services.debrief_submit_candidate(token=token, ratings=ratings(3))
    assert excinfo.value.reason == "expired"
    assert not Debrief.objects.filter(party="candidate").exists()


def test_link_expires_after_fourteen_days(world, held, monkeypatch):
    """The real clock: signed now, read 14 days and one minute later (``time.time`` as signing sees it)."""
    import time

    token = services.debrief_invitation_create(session=held)
    real = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: real + timedelta(days=13, hours=23).total_seconds())
    assert services.debrief_invitation_check(token).session == held
    monkeypatch.setattr(signing.time, "time", lambda: real + timedelta(days=14, minutes=1).total_seconds())
    with pytest.raises(services.DebriefLinkError) as excinfo:
        services.debrief_invitation_check(token)
    assert excinfo.value.reason == "expired"


def test_participants_are_ceo_mediator_candidate(world):
    session = world.schedule(at(DAY, 10))
    assert services.participants(session) == [
        ("ceo", "Isabelle Fontaine", "dg-test@example.org"),
        ("mediator", "Louis Perrin", "mediateur-test@example.org"),
        ("candidate", "Claire Testeuse", "claire.testeuse@example.org"),
    ]


def test_session_start_in_the_past_is_allowed_for_catching_up(world):
    session = world.schedule(timezone.now().replace(microsecond=0) - timedelta(days=1))
    assert session.status == "planned"


# ------------------------------------------------------------------------------ check-only twins (forms, admin)


def test_check_functions_refuse_what_the_services_refuse_and_write_nothing(world):
    booked = world.schedule(at(DAY, 10))
    second = ApplicationFactory(
        mandate=world.mandate, candidate=CandidateFactory(email="b.autre@example.org")
    )
    with pytest.raises(ValidationError) as check:
        services.session_check_schedule(
            application=second, starts_at=at(DAY, 11), ends_at=at(DAY, 12), mediator=world.mediator2
        )
    with pytest.raises(ValidationError) as real:
        world.schedule(at(DAY, 11), minutes=60, application=second, mediator=world.mediator2)
    assert check.value.messages == real.value.messages
    assert (
        services.session_check_schedule(
            application=second, starts_at=at(DAY, 14), ends_at=at(DAY, 15), mediator=world.mediator2
        )
        == 1
    )
    assert WorkingSession.objects.count() == 1

    later = world.schedule(at(DAY, 14))
    with pytest.raises(ValidationError):
        services.session_check_reschedule(session=later, starts_at=at(DAY, 11), ends_at=at(DAY, 12))
    services.session_check_reschedule(session=later, starts_at=at(DAY, 16), ends_at=at(DAY, 17))
    with pytest.raises(ValidationError) as excinfo:
        services.session_check_cancel(session=later, reason=" ")
    assert "reason" in excinfo.value.message_dict
    services.session_check_cancel(session=later, reason="Report.")
    with pytest.raises(ValidationError) as excinfo:
        services.session_check_status(session=booked, status="held", now=at(DAY, 9))
    assert excinfo.value.code == "future"
    services.session_check_status(session=booked, status="held", now=at(DAY, 10))
    later.refresh_from_db()
    booked.refresh_from_db()
    assert (later.starts_at, later.status, later.sequence, booked.status) == (
        at(DAY, 14),
        "planned",
        0,
        "planned",
    )


# ------------------------------------------------------------------------------ a plausible start (out_of_range)


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(lambda: at(date(9999, 12, 30), 10), id="year-9999"),
        pytest.param(lambda: at(date(1, 1, 2), 10), id="year-0001"),
        pytest.param(lambda: timezone.now() + timedelta(days=732), id="732-days-ahead"),
        pytest.param(lambda: timezone.now() - timedelta(days=367), id="367-days-ago"),
    ],
)
def test_a_start_out_of_range_is_refused_by_schedule_and_its_check(world, start):
    start = start()
    with pytest.raises(ValidationError) as check:
        services.session_check_schedule(
            application=world.application,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            mediator=world.mediator,
        )
    with pytest.raises(ValidationError) as real:
        world.schedule(start)
    assert check.value.code == real.value.code == "out_of_range"
    assert real.value.messages == [
        "This date is out of range: a working session must start no more than 366 days ago and no more than "
        "731 days (two years) from now. Please check the year."
    ]
    assert not WorkingSession.objects.exists()


def test_starts_up_to_the_bounds_are_accepted_as_the_demo_needs(world):
    now = timezone.now().replace(microsecond=0)
    demo = world.schedule(now - timedelta(days=40))  # sessions/demo.py catches up 40 days back
    assert demo.status == "planned"
    world.schedule(now - timedelta(days=365))
    world.schedule(now + timedelta(days=730), tz_name="Europe/Paris")
    assert WorkingSession.objects.count() == 3


def test_reschedule_and_its_check_refuse_a_start_out_of_range(world):
    session = world.schedule(at(DAY, 10))
    far = at(date(DAY.year + 3, 3, 12), 10)
    with pytest.raises(ValidationError) as check:
        services.session_check_reschedule(session=session, starts_at=far, ends_at=far + timedelta(hours=1))
    with pytest.raises(ValidationError) as real:
        services.session_reschedule(
            session=session, starts_at=far, ends_at=far + timedelta(hours=1), by=world.recruiter
        )
    assert check.value.code == real.value.code == "out_of_range"
    session.refresh_from_db()
    assert (session.starts_at, session.sequence) == (at(DAY, 10), 0)


def test_an_old_planned_session_keeping_its_start_can_still_move_its_end(world):
    """The window applies to a new start: a session left planned for over a year is not stuck."""
    session = world.past_session(days_ago=10)
    old = session.starts_at - timedelta(days=400)
    WorkingSession.objects.filter(pk=session.pk).update(starts_at=old, ends_at=old + timedelta(hours=1))
    session.refresh_from_db()
    moved = services.session_reschedule(
        session=session, starts_at=old, ends_at=old + timedelta(hours=2), by=world.recruiter
    )
    assert (moved.starts_at, moved.ends_at) == (old, old + timedelta(hours=2))
    with pytest.raises(ValidationError) as excinfo:
        services.session_reschedule(
            session=session,
            starts_at=old + timedelta(hours=1),
            ends_at=old + timedelta(hours=2),
            by=world.recruiter,
        )
    assert excinfo.value.code == "out_of_range"


# ------------------------------------------------------------------------------ no-show after a submitted observation


def test_an_observed_session_cannot_be_marked_no_show(world, held):
    held.refresh_from_db()
    assert held.status == "held"
    with pytest.raises(ValidationError) as check:
        services.session_check_status(session=held, status="no_show")
    with pytest.raises(ValidationError) as real:
        services.session_set_status(session=held, status="no_show", by=world.recruiter)
    assert check.value.code == real.value.code == "observed"
    assert real.value.messages == [
        "This session has a submitted observation: it took place and cannot be marked no-show."
    ]
    held.refresh_from_db()
    assert held.status == "held"


def test_a_revision_in_draft_still_counts_as_observed(world, held):
    submitted = Observation.objects.get(session=held)
    services.observation_revise(observation=submitted, by=world.mediator, reason="Relecture.")
    with pytest.raises(ValidationError) as excinfo:
        services.session_set_status(session=held, status="no_show", by=world.recruiter)
    assert excinfo.value.code == "observed"


def test_a_session_with_only_a_draft_observation_can_be_marked_no_show(world):
    session = world.past_session()
    observe(session, submit=False)
    assert (
        services.session_set_status(session=session, status="no_show", by=world.recruiter).status == "no_show"
    )


# ------------------------------------------------------------------------------ candidate debrief needs a held session


@pytest.mark.parametrize("status", ["planned", "no_show", "cancelled"])
def test_candidate_debrief_is_refused_unless_the_session_is_held_and_the_link_stays_valid(world, status):
    session = world.past_session()
    token = services.debrief_invitation_create(session=session)
    if status == "no_show":
        services.session_set_status(session=session, status="no_show", by=world.recruiter)
    elif status == "cancelled":
        services.session_cancel(session=session, by=world.recruiter, reason="Annulée.")
    with pytest.raises(ValidationError) as excinfo:
        services.debrief_submit_candidate(token=token, ratings=ratings(3))
    assert excinfo.value.code == "not_held"
    assert excinfo.value.messages == ["A debrief is given after a held session."]
    assert not Debrief.objects.exists()
    assert services.debrief_invitation_check(token).used_at is None


def test_candidate_debrief_of_a_future_session_is_refused_then_accepted_once_held(world):
    future = world.schedule(at(DAY, 10))
    token = services.debrief_invitation_create(session=future)
    with pytest.raises(ValidationError) as excinfo:
        services.debrief_submit_candidate(token=token, ratings=ratings(3))
    assert excinfo.value.code == "not_held"
    WorkingSession.objects.filter(pk=future.pk).update(status="held")
    assert services.debrief_submit_candidate(token=token, ratings=ratings(3)).party == "candidate"


def test_the_demo_sessions_still_seed_within_the_rules(world):
    """``sessions/demo.py`` catches up sessions 40 days back, then gives both debriefs of held sessions."""
    from sessions import demo

    for email in demo.PLANS:
        ApplicationFactory(mandate=world.mandate, candidate=CandidateFactory(email=email))
    made = demo.seed_sessions(
        mandate=world.mandate,
        users={"mediateur": world.mediator, "dg": world.ceo, "recruteur": world.recruiter},
    )
    assert made == 10  # 4 + (3 held, 1 started) + 2
    assert Debrief.objects.filter(party="candidate").count() == 7
    assert Debrief.objects.filter(party="ceo").count() == 6  # Claire's third still owed
