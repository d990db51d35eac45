"""The decision meeting's rules (``decisions.services``) and reads (``decisions.selectors``): who
opens, who votes, hidden votes, the CEO's decision against the product's reading, the stage gate,
the SWOT, the agenda generated from the stored figures."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from candidates import services as candidate_services
from candidates.models import Application, RejectionReason, Stage
from cso_recruit.events import figures_inputs_changed
from decisions import selectors, services
from decisions.models import DIFFERS, Choice, DecisionMeeting, Vote, differs_from_reading
from figures import reading as readings
from sessions.models import Debrief, Observation
from tests.assessments.helpers import PANEL, evidence_for, rate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def opened(w):
    return services.meeting_open(application=w.application, by=w.recruiter)


def vote(meeting, user, choice=Choice.HIRE, rationale="Solide sur les trois rôles."):
    return services.vote_cast(meeting=meeting, by=user, choice=choice, rationale=rationale)


# --------------------------------------------------------------------------- differs mapping


@pytest.mark.parametrize(
    ("decision", "level", "differs"),
    [
        ("hire", "unfavourable", True),
        ("hire", "incomplete", True),
        ("hire", "reserved", False),
        ("hire", "favourable", False),
        ("no_hire", "unfavourable", False),
        ("no_hire", "incomplete", False),
        ("no_hire", "reserved", False),
        ("no_hire", "favourable", True),
        ("more_evidence", "unfavourable", False),
        ("more_evidence", "incomplete", False),
        ("more_evidence", "reserved", False),
        ("more_evidence", "favourable", False),
    ],
)
def test_the_differs_mapping_covers_every_decision_and_level(decision, level, differs):
    assert level in readings.LEVELS
    assert differs_from_reading(decision, level) is differs
    assert set(DIFFERS) == set(Choice.values)


# --------------------------------------------------------------------------- opening


def test_a_recruiter_opens_one_meeting_at_the_decision_stage(light):
    meeting = opened(light)
    assert meeting.is_open and meeting.opened_by == light.recruiter
    assert opened(light).pk == meeting.pk  # a double click opens one meeting
    assert DecisionMeeting.objects.filter(application=light.application).count() == 1


@pytest.mark.parametrize("who", ["ceo", "mediator", "other_recruiter"])
def test_only_a_recruiter_or_staff_opens_the_meeting(light, who):
    with pytest.raises(ValidationError):
        services.meeting_open(application=light.application, by=getattr(light, who))
    assert not DecisionMeeting.objects.exists()
    assert services.meeting_open(application=light.application, by=light.staff).is_open


def test_no_meeting_before_the_decision_stage(light):
    Application.objects.filter(pk=light.application.pk).update(stage=Stage.WORKING_SESSIONS)
    with pytest.raises(ValidationError, match="only at the decision stage"):
        opened(light)


def test_the_database_holds_one_open_meeting_per_application(light):
    opened(light)
    with pytest.raises(IntegrityError), transaction.atomic():
        DecisionMeeting.objects.create(application=light.application)


# --------------------------------------------------------------------------- votes


def test_each_panel_member_votes_once_and_may_change_it(light):
    meeting = opened(light)
    first = vote(meeting, light.recruiter, Choice.HIRE, "Très bon échange.")
    assert (first.revision, first.choice) == (1, "hire")
    same = vote(meeting, light.recruiter, Choice.HIRE, "Très bon échange.")
    assert same.revision == 1  # the same vote sent twice changes nothing
    changed = vote(meeting, light.recruiter, Choice.MORE_EVIDENCE, "  Une référence de plus.  ")
    assert (changed.pk, changed.revision, changed.choice, changed.rationale) == (
        first.pk,
        2,
        "more_evidence",
        "Une référence de plus.",
    )
    assert Vote.objects.filter(meeting=meeting).count() == 1


def test_the_database_holds_one_vote_per_member(light):
    meeting = opened(light)
    vote(meeting, light.recruiter)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(meeting=meeting, voter=light.recruiter, choice="hire", rationale="Encore.")


@pytest.mark.parametrize("who", ["mediator", "staff", "other_recruiter", "other_ceo"])
def test_only_the_panel_votes(light, who):
    meeting = opened(light)
    with pytest.raises(ValidationError, match="Only the panel"):
        vote(meeting, getattr(light, who))
    assert not Vote.objects.exists()


@pytest.mark.parametrize(
    ("choice", "rationale", "field"), [("hire", "   ", "rationale"), ("peut-être", "Oui.", "choice")]
)
def test_a_vote_needs_a_known_choice_and_a_rationale(light, choice, rationale, field):
    meeting = opened(light)
    with pytest.raises(ValidationError) as excinfo:
        vote(meeting, light.recruiter, choice, rationale)
    assert list(excinfo.value.message_dict) == [field]


def test_votes_stay_hidden_until_every_member_has_voted(light):
    meeting = opened(light)
    panel = selectors.panel_members(light.application)
    assert [u.pk for u in panel] == [
        light.ceo.pk,
        light.recruiter2.pk,
        light.recruiter.pk,
    ]  # CEO, then by name
    vote(meeting, light.recruiter, Choice.HIRE)
    vote(meeting, light.recruiter2, Choice.NO_HIRE, "Trop peu de preuves côté entrepreneur.")
    for user in (light.recruiter, light.recruiter2, light.ceo, light.staff):
        state = selectors.meeting_state(application=light.application, user=user)
        assert state["votes_visible"] is False and state["votes"] == []
        assert state["voted_ids"] == {light.recruiter.pk, light.recruiter2.pk}
    mine = selectors.meeting_state(application=light.application, user=light.recruiter2)["my_vote"]
    assert mine.choice == "no_hire"  # each reads their own
    vote(meeting, light.ceo, Choice.HIRE)
    state = selectors.meeting_state(application=light.application, user=light.recruiter)
    assert state["all_voted"] and state["votes_visible"]
    assert {(v.voter_id, v.choice) for v in state["votes"]} == {
        (light.recruiter.pk, "hire"),
        (light.recruiter2.pk, "no_hire"),
        (light.ceo.pk, "hire"),
    }


def test_closing_the_meeting_shows_the_votes_and_the_dissent(light):
    meeting = opened(light)
    vote(meeting, light.recruiter2, Choice.NO_HIRE, "Trop peu de preuves.")
    vote(meeting, light.recruiter, Choice.HIRE)
    services.meeting_decide(
        meeting=meeting, by=light.ceo, decision="hire", rationale="On recrute.", differs_reason="Entretiens."
    )
    state = selectors.meeting_state(application=light.application, user=light.recruiter)
    assert state["votes_visible"] and not state["all_voted"]  # the CEO never voted; closed all the same
    assert [v.voter_id for v in state["dissent"]] == [light.recruiter2.pk]
    with pytest.raises(ValidationError, match="closed"):
        vote(meeting, light.ceo)


# --------------------------------------------------------------------------- final decision


def test_the_ceo_decides_against_an_incomplete_reading_only_with_a_reason(light):
    meeting = opened(light)
    assert selectors.product_reading(application=light.application, user=light.ceo) == "incomplete"
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_decide(meeting=meeting, by=light.ceo, decision="hire", rationale="Convaincue.")
    assert list(excinfo.value.message_dict) == ["differs_reason"]
    assert DecisionMeeting.objects.get(pk=meeting.pk).is_open
    decided = services.meeting_decide(
        meeting=meeting,
        by=light.ceo,
        decision="hire",
        rationale="Convaincue.",
        differs_reason="Les séances restent à tenir, mais la référence est décisive.",
    )
    stored = DecisionMeeting.objects.get(pk=meeting.pk)
    assert not stored.is_open and stored.decided_by == light.ceo
    assert (stored.decision, stored.reading_level, stored.differs) == ("hire", "incomplete", True)
    assert stored.differs_reason.startswith("Les séances") and decided.pk == stored.pk


def test_a_consistent_decision_keeps_no_reason(light):
    meeting = opened(light)
    services.meeting_decide(
        meeting=meeting,
        by=light.ceo,
        decision="no_hire",
        rationale="Pas assez d’éléments.",
        differs_reason="x",
    )
    stored = DecisionMeeting.objects.get(pk=meeting.pk)
    assert (stored.differs, stored.differs_reason, stored.reading_level) == (False, "", "incomplete")


def test_not_hiring_a_favourable_candidate_differs(light, monkeypatch):
    monkeypatch.setattr(selectors, "product_reading", lambda **kwargs: readings.FAVOURABLE)
    meeting = opened(light)
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_decide(meeting=meeting, by=light.ceo, decision="no_hire", rationale="Non.")
    assert f"({services.level_label('favourable')})" in excinfo.value.message_dict["differs_reason"][0]


@pytest.mark.parametrize("who", ["recruiter", "staff", "recruiter2"])
def test_only_the_ceo_decides(light, who):
    meeting = opened(light)
    with pytest.raises(ValidationError, match="Only the mandate’s CEO|Only the mandate's CEO"):
        services.meeting_decide(meeting=meeting, by=getattr(light, who), decision="no_hire", rationale="Non.")
    assert DecisionMeeting.objects.get(pk=meeting.pk).is_open


def test_a_ceo_with_a_scorecard_in_progress_submits_it_first(world):
    world.draft_for(world.ceo)
    meeting = opened(world)
    with pytest.raises(ValidationError, match="scorecard in progress"):
        services.meeting_decide(meeting=meeting, by=world.ceo, decision="no_hire", rationale="Non.")


def test_the_reading_recorded_is_the_ceos(world):
    meeting = opened(world)
    level = selectors.agenda(application=world.application, user=world.ceo)["reading"]["level"]
    assert level == "reserved"  # α below .667 over the mandate: favourable with reservations
    services.meeting_decide(meeting=meeting, by=world.ceo, decision="hire", rationale="Oui.")
    stored = DecisionMeeting.objects.get(pk=meeting.pk)
    assert (stored.reading_level, stored.differs) == ("reserved", False)


# --------------------------------------------------------------------------- stage gate


def move(w, stage, **extra):
    return candidate_services.application_move(
        application=w.application, to_stage=stage, by=w.recruiter, **extra
    )


REJECT = {"rejection_reason": RejectionReason.OTHER, "reason": "Décision du comité."}


def test_offer_needs_a_final_decision_hire(light):
    with pytest.raises(ValidationError) as excinfo:
        move(light, Stage.OFFER)
    assert "Hire" in excinfo.value.message_dict["to_stage"][0]
    meeting = opened(light)
    vote(meeting, light.recruiter)
    with pytest.raises(ValidationError):  # a meeting still open records nothing
        move(light, Stage.OFFER)
    services.meeting_decide(
        meeting=meeting, by=light.ceo, decision="hire", rationale="Oui.", differs_reason="R."
    )
    with pytest.raises(ValidationError):  # "hire" does not let it be rejected
        move(light, Stage.REJECTED, **REJECT)
    assert move(light, Stage.OFFER).stage == Stage.OFFER


def test_rejection_needs_a_final_decision_do_not_hire(light):
    meeting = opened(light)
    services.meeting_decide(meeting=meeting, by=light.ceo, decision="no_hire", rationale="Non.")
    with pytest.raises(ValidationError):
        move(light, Stage.OFFER)
    assert move(light, Stage.REJECTED, **REJECT).stage == Stage.REJECTED


def test_more_evidence_sends_it_back_and_a_new_meeting_decides_again(light):
    meeting = opened(light)
    services.meeting_decide(meeting=meeting, by=light.ceo, decision="more_evidence", rationale="Une séance.")
    with pytest.raises(ValidationError):
        move(light, Stage.OFFER)
    move(light, Stage.WORKING_SESSIONS)  # backwards and withdrawals are not gated
    move(light, Stage.DECISION)
    second = opened(light)
    assert second.pk != meeting.pk and selectors.decision_status(light.application)["status"] == "open"
    services.meeting_decide(
        meeting=second, by=light.ceo, decision="hire", rationale="Oui.", differs_reason="R."
    )
    assert move(light, Stage.OFFER).stage == Stage.OFFER


def test_withdrawal_is_not_gated(light):
    assert move(light, Stage.WITHDRAWN).stage == Stage.WITHDRAWN


# --------------------------------------------------------------------------- status


def test_decision_status_says_where_the_meeting_stands(light):
    assert selectors.decision_status(light.application) == {
        "status": "none",
        "decision": None,
        "decision_label": "",
        "decided_at": None,
        "reading_level": None,
        "differs_from_reading": None,
        "votes_cast": 0,
        "panel_size": 3,
    }
    meeting = opened(light)
    vote(meeting, light.recruiter)
    status = selectors.decision_status(light.application)
    assert (status["status"], status["votes_cast"], status["decision"]) == ("open", 1, None)
    services.meeting_decide(meeting=meeting, by=light.ceo, decision="no_hire", rationale="Non.")
    status = selectors.decision_status(light.application)
    assert (
        status["status"],
        status["decision"],
        status["differs_from_reading"],
        status["reading_level"],
    ) == (
        "decided",
        "no_hire",
        False,
        "incomplete",
    )
    assert status["decided_at"] == DecisionMeeting.objects.get(pk=meeting.pk).decided_at.isoformat()


def test_decision_statuses_reads_many_applications_in_three_queries(light, django_assert_num_queries):
    meeting = opened(light)
    vote(meeting, light.recruiter)
    ids = [light.application.pk, light.other_application.pk]
    with django_assert_num_queries(3):
        statuses = selectors.decision_statuses(ids)
    assert statuses[light.application.pk]["votes_cast"] == 1
    assert statuses[light.other_application.pk]["status"] == "none"
    assert statuses[light.other_application.pk]["panel_size"] == 2  # its CEO and its recruiter


# --------------------------------------------------------------------------- SWOT


def test_recruiters_edit_the_swot_through_the_service(light):
    services.application_swot_update(
        application=light.application, by=light.recruiter, opportunities="  Filiales\nExport ", threats=""
    )
    stored = Application.objects.get(pk=light.application.pk)
    assert (stored.swot_opportunities, stored.swot_threats) == ("Filiales\nExport", "")
    with pytest.raises(ValidationError):
        services.application_swot_update(
            application=light.application, by=light.ceo, opportunities="Non", threats="Non"
        )
    with pytest.raises(ValidationError) as excinfo:
        services.application_swot_update(
            application=light.application, by=light.recruiter, opportunities="x" * 5001, threats=""
        )
    assert list(excinfo.value.message_dict) == ["opportunities"]


# --------------------------------------------------------------------------- agenda


def test_the_agenda_lists_red_and_amber_criteria_with_their_evidence(light):
    for index, rater in enumerate((light.recruiter, light.recruiter2, light.ceo)):
        rate(
            light.application, rater, {code: values[index] for code, values in PANEL.items() if values[index]}
        )
    agenda = selectors.agenda(application=light.application, user=light.recruiter)
    levels = [(c["code"], c["level"]) for c in agenda["criteria"]]
    assert levels == [("bp_modelling", "red"), ("cond_tools", "amber")]  # red first (PANEL's planted flags)
    modelling = agenda["criteria"][0]
    assert [(e["rater"], e["value"], e["text"]) for e in modelling["evidence"]] == [
        (name, value, evidence_for("bp_modelling", value))
        for name, value in zip(
            [u.get_full_name() for u in (light.recruiter, light.recruiter2, light.ceo)],
            PANEL["bp_modelling"],
            strict=True,
        )
    ]
    assert modelling["score"] == pytest.approx(3.0)
    # No session at all: no role is evidenced in a session.
    assert [r["code"] for r in agenda["unevidenced_roles"]] == [
        "conductor",
        "business_partner",
        "entrepreneur",
        "posture",
    ]


def test_the_agenda_is_hidden_from_a_member_with_a_scorecard_in_progress(world):
    world.draft_for(world.recruiter2)
    assert selectors.agenda(application=world.application, user=world.recruiter2) == {"hidden": True}
    assert selectors.agenda(application=world.application, user=world.recruiter)["hidden"] is False


def test_the_agenda_reads_the_sessions_coverage_perception_and_punctuation(world):
    from assessments.models import Scorecard

    rate(
        world.application,
        world.recruiter,
        {"cond_tools": 4, "cond_resources": 4},
        context=Scorecard.Context.WORKING_SESSION,
        session_number=1,
    )
    Debrief.objects.filter(session__application=world.application, party="ceo").update(
        ratings=dict.fromkeys(Debrief.objects.filter(party="ceo").first().ratings, 5)
    )
    second = Debrief.objects.filter(session__application=world.application, session__order=2)
    second.filter(party="ceo").update(punctuation="Son refus du budget ; on a tranché sur les chiffres.")
    second.filter(party="candidate").update(punctuation="Ma question sur le budget ; accord trouvé.")
    Observation.objects.filter(session__application=world.application, session__order=2).update(
        punctuation="Le dirigeant impose le budget ; la candidate propose un pilote."
    )
    figures_inputs_changed(application_ids=[world.application.pk])
    agenda = selectors.agenda(application=world.application, user=world.recruiter)
    # Conductor is evidenced in session 1 now; the others still in none.
    assert [r["code"] for r in agenda["unevidenced_roles"]] == ["business_partner", "entrepreneur", "posture"]
    # The CEO rated every dimension 5 against the mediator's 3, 4, 4, 5: mean gap (2+1+1+0)/4 = 1.0.
    assert len(agenda["perception"]) == 9
    assert [row["ceo"] for row in agenda["perception"]] == [pytest.approx(1.0)] * 9
    assert agenda["punctuation"] == [
        {
            "order": 2,
            "ceo": "Son refus du budget ; on a tranché sur les chiffres.",
            "candidate": "Ma question sur le budget ; accord trouvé.",
            "mediator": "Le dirigeant impose le budget ; la candidate propose un pilote.",
        }
    ]
    assert agenda["reliability"]["level"] == "unreliable" and agenda["reliability"]["alpha_unreliable"]


def test_a_stranger_to_the_mandate_is_not_on_the_panel(light):
    stranger = UserFactory(groups=["recruiter"])
    assert stranger.pk not in {u.pk for u in selectors.panel_members(light.application)}


def test_erasing_the_candidate_erases_the_meeting_and_its_votes(light):
    from privacy.models import Erasure
    from privacy.services import candidate_erase
    from reports.models import Report

    meeting = opened(light)
    vote(meeting, light.recruiter, rationale=f"{light.application.candidate.first_name} convainc.")
    # A report keeps the application as an anonymous shell: the meeting must go all the same.
    Report.objects.create(application=light.application, version=1, snapshot={}, requested_by=light.ceo)
    candidate_erase(
        light.application.candidate, light.staff, "Demande de la personne", kind=Erasure.Kind.REQUEST
    )
    assert Application.objects.filter(pk=light.application.pk).exists()
    assert not DecisionMeeting.objects.exists() and not Vote.objects.exists()
