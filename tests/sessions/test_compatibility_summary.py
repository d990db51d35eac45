"""``assessment_summary(...)["compatibility"]`` from real sessions, observations and debriefs
(DESIGN.md §4 "Compatibility", §5), on a case computed by hand; the sealing rule applied to it
(a CEO who has not debriefed sees those sessions as sealed); the demo data of ``seed_demo``; and
``manage.py assessment_summary ID --json``.

Hand-built case — three held and observed sessions, mediator's ratings on the eight dimensions:

=======  ==========================  ====  ==========
session  ratings                     mean  verdict
=======  ==========================  ====  ==========
1        3 3 3 3 3 3 3 3             3.00  to_confirm
2        4 4 4 4 3 3 3 3             3.50  compatible
3        5 5 4 4 4 4 4 4             4.25  compatible
=======  ==========================  ====  ==========

index = (3 + 3.5 + 4.25) / 3 = 10.75 / 3 = 3.58333…; on 0–100: (3.58333 − 1) / 4 · 100 = 64.583…
trend (least squares over ranks 1, 2, 3): x̄ = 2, ȳ = 3.58333;
Σ(x − x̄)(y − ȳ) = (−1)(−0.58333) + 0 + (1)(0.66667) = 1.25; Σ(x − x̄)² = 2 → slope 0.625.
verdict: no "not compatible", the last two compatible → compatible ("last_two_compatible").
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from candidates.models import Application
from figures.selectors import application_summary
from onboarding import demo as start_kit_demo
from sessions import ipa, services
from sessions.models import Debrief, WorkingSession
from sessions.selectors import compatibility_for
from tests.sessions.conftest import DAY, at, observe, ratings

pytestmark = pytest.mark.django_db


def assessment_summary(*, application, user=None):
    """The stored summary as ``assessment_summary --json`` gives it (``None`` when hidden)."""
    application = Application.objects.select_related("candidate", "mandate").get(pk=application.pk)
    data = application_summary(application=application, user=user)
    return None if data is None else data.to_dict()


# Nine dimensions (the ninth, explicit meta-communication, last): session means 3, 32/9, 38/9.
RATINGS = [[3] * 9, [4, 4, 4, 4, 3, 3, 3, 3, 4], [5, 5, 4, 4, 4, 4, 4, 4, 4]]
VERDICTS = [ipa.TO_CONFIRM, ipa.COMPATIBLE, ipa.COMPATIBLE]
TALLIES_1 = {
    (ipa.CEO, "asks_opinion"): 2,
    (ipa.CEO, "gives_opinion"): 4,
    (ipa.CANDIDATE, "gives_opinion"): 3,
    (ipa.CANDIDATE, "agrees"): 1,
    (ipa.CANDIDATE, "disagrees"): 1,
}


@pytest.fixture
def case(world):
    sessions = []
    for n, (values, verdict) in enumerate(zip(RATINGS, VERDICTS, strict=True)):
        session = world.past_session(days_ago=30 - 7 * n)
        observe(
            session,
            values=values,
            verdict=verdict,
            confidence=3 + n % 2,
            tallies=TALLIES_1 if n == 0 else None,
        )
        sessions.append(session)
    cancelled = world.schedule(at(DAY, 10))
    services.session_cancel(session=cancelled, by=world.recruiter, reason="Report.")
    planned = world.schedule(at(DAY, 14))
    return sessions, planned


def test_hand_computed_index_trend_and_verdict(world, case):
    compatibility = assessment_summary(application=world.application)["compatibility"]
    assert compatibility["held_sessions"] == 3
    # (27/9 + 32/9 + 38/9) / 3 = 97/27; on 0–100: (97/27 − 1) / 4 × 100 = 1750/27; slope over
    # sessions 1–3: (38/9 − 3) / 2 = 11/18.
    assert compatibility["index"] == pytest.approx(97 / 27)
    assert compatibility["index"] == pytest.approx(3.592593, abs=1e-6)
    assert compatibility["index_100"] == pytest.approx(1750 / 27, abs=1e-6)
    assert compatibility["trend"] == pytest.approx(11 / 18)
    assert compatibility["verdict"] == "compatible"
    assert compatibility["verdict_reason"] == "last_two_compatible"
    assert compatibility["sealed_sessions"] == 0
    assert compatibility["dimension_means"]["listening"] == pytest.approx(4.0)
    assert compatibility["dimension_means"]["congruence"] == pytest.approx(10 / 3)

    rows = compatibility["sessions"]
    assert [(r["order"], r["status"], r["counted"], r["verdict"]) for r in rows] == [
        (1, "held", True, "to_confirm"),
        (2, "held", True, "compatible"),
        (3, "held", True, "compatible"),
        (4, "planned", False, None),
    ]  # the cancelled session is left out, its number reused by the planned one
    assert [r["mean_rating"] for r in rows[:3]] == [
        pytest.approx(3.0),
        pytest.approx(32 / 9),
        pytest.approx(38 / 9),
    ]
    assert compatibility["dimension_means"]["metacommunication"] == pytest.approx(11 / 3)
    assert [r["confidence"] for r in rows[:3]] == [3, 4, 3]

    figures = rows[0]["ipa"]
    assert figures["participation_share"] == {
        "ceo": pytest.approx(6 / 11),
        "candidate": pytest.approx(5 / 11),
    }
    assert figures["overall"]["total"] == 11
    assert figures["overall"]["task_share"] == pytest.approx(9 / 11)
    assert figures["overall"]["positive_negative_ratio"] == pytest.approx(1.0)
    assert figures["overall"]["question_answer_ratio"] == pytest.approx(2 / 7)
    assert figures["parties"]["ceo"]["questions"] == 2
    assert rows[1]["ipa"]["overall"]["total"] == 0


def test_perception_gaps_from_the_debriefs(world, case):
    sessions, _planned = case
    services.debrief_submit_ceo(session=sessions[0], by=world.ceo, ratings=ratings(4))
    token = services.debrief_invitation_create(session=sessions[1])
    services.debrief_submit_candidate(token=token, ratings=ratings(3))
    compatibility = assessment_summary(application=world.application)["compatibility"]
    gaps = compatibility["perception_gap_means"]
    assert gaps["ceo"]["listening"] == pytest.approx(1.0)  # 4 − 3 on session 1
    assert gaps["candidate"]["listening"] == pytest.approx(-1.0)  # 3 − 4 on session 2
    assert gaps["candidate"]["congruence"] == pytest.approx(0.0)  # 3 − 3
    assert compatibility["sessions"][0]["perception_gaps"]["candidate"] is None


def test_ceo_without_debriefs_sees_the_sessions_sealed(world, case):
    sessions, _planned = case
    sealed = assessment_summary(application=world.application, user=world.ceo)["compatibility"]
    assert sealed["sealed_sessions"] == 3
    assert sealed["held_sessions"] == 0
    assert sealed["index"] is None and sealed["trend"] is None and sealed["verdict"] is None
    assert all(row["verdict"] is None and row["ipa"] is None for row in sealed["sessions"])

    services.debrief_submit_ceo(session=sessions[0], by=world.ceo, ratings=ratings(4))
    partly = compatibility_for(application=world.application, user=world.ceo)
    assert (partly["sealed_sessions"], partly["held_sessions"]) == (2, 1)
    assert partly["index"] == pytest.approx(3.0)
    assert partly["verdict"] is None  # one session is not three

    for session in sessions[1:]:
        services.debrief_submit_ceo(session=session, by=world.ceo, ratings=ratings(4))
    opened = compatibility_for(application=world.application, user=world.ceo)
    assert (opened["sealed_sessions"], opened["held_sessions"], opened["verdict"]) == (0, 3, "compatible")


def test_recruiter_sees_everything_submitted(world, case):
    compatibility = assessment_summary(application=world.application, user=world.recruiter)["compatibility"]
    assert (compatibility["sealed_sessions"], compatibility["held_sessions"]) == (0, 3)


def test_a_revision_in_progress_keeps_the_submitted_figures(world, case):
    sessions, _planned = case
    observation = sessions[2].observations.get()
    revision = services.observation_revise(observation=observation, by=world.mediator, reason="Relecture.")
    services.observation_save(
        observation=revision, by=world.mediator, ratings=ratings(1), verdict=ipa.NOT_COMPATIBLE
    )
    compatibility = compatibility_for(application=world.application)
    assert compatibility["held_sessions"] == 3
    assert compatibility["index"] == pytest.approx(97 / 27)
    assert compatibility["verdict"] == "compatible"
    services.observation_submit(observation=revision, by=world.mediator)
    compatibility = compatibility_for(application=world.application)
    assert compatibility["index"] == pytest.approx((3 + 32 / 9 + 1) / 3)
    assert compatibility["verdict"] == "not_compatible"


def test_fewer_than_three_observed_sessions_give_no_verdict(world):
    for n in range(2):
        observe(world.past_session(days_ago=10 - n), values=5)
    compatibility = compatibility_for(application=world.application)
    assert compatibility["held_sessions"] == 2
    assert compatibility["index"] == pytest.approx(5.0)
    assert compatibility["trend"] == 0.0
    assert (compatibility["verdict"], compatibility["verdict_reason"]) == (None, "needs_three_sessions")


# ------------------------------------------------------------------------------ seed_demo and the command


@pytest.fixture
def demo(db):
    call_command("seed_demo", force=True, stdout=StringIO())
    return {a.candidate.email: a for a in Application.objects.select_related("candidate", "mandate")}


def test_seed_demo_sessions(demo):
    expected = {
        "as.roux-lambert@example.org": ("Anne-Sophie", "Roux-Lambert", ["held"] * 4, "compatible"),
        "claire.dubois@example.org": ("Claire", "Dubois", ["held"] * 3 + ["planned"], "to_confirm"),
        "julien.moreau@example.org": ("Julien", "Moreau", ["planned"] * 2, None),
    }
    for email, (first, last, statuses, verdict) in expected.items():
        application = demo[email]
        assert (application.candidate.first_name, application.candidate.last_name) == (first, last)
        sessions = list(WorkingSession.objects.filter(application=application).order_by("order"))
        assert [s.status for s in sessions] == statuses
        compatibility = assessment_summary(application=application)["compatibility"]
        assert compatibility["held_sessions"] == statuses.count("held")
        assert compatibility["verdict"] == verdict
        for session in sessions:
            if session.status == "held":
                assert session.observations.get(is_current=True).status == "submitted"
                # Claire's third session still waits for the CEO's debrief ("À faire").
                owed = email == "claire.dubois@example.org" and session.order == 3
                expected_parties = {"candidate"} if owed else {"ceo", "candidate"}
                assert set(Debrief.objects.filter(session=session).values_list("party", flat=True)) == (
                    expected_parties
                )
                assert session.target_roles and session.target_criteria.count() == 2  # a plan
                assert 9 <= timezone.localtime(session.starts_at).hour <= 16  # office hours
                assert timezone.localtime(session.starts_at).weekday() < 5  # a weekday
    others = WorkingSession.objects.exclude(application__candidate__email__in=expected).exclude(
        application__mandate__slug=start_kit_demo.MANDATE_SLUG  # the start kit's demo hire (onboarding.demo)
    )
    assert not others.exists()


def test_seed_demo_figures_by_hand(demo):
    """Demo levels 3, 4, 4, 5 with offsets (0, +1, −1, 0, 0, +1, 0, −1, 0) over the nine
    dimensions, clamped to 1–5, give session means 27/9 = 3, 36/9 = 4, 4 and 43/9: index
    (11 + 43/9) / 4 = 71/18 ≈ 3.9444; slope Σ(x − 2.5)(y − 71/18) / Σ(x − 2.5)² = (8/3) / 5 = 8/15."""
    compatibility = assessment_summary(application=demo["as.roux-lambert@example.org"])["compatibility"]
    assert compatibility["index"] == pytest.approx(71 / 18)
    assert compatibility["trend"] == pytest.approx(8 / 15)
    claire = assessment_summary(application=demo["claire.dubois@example.org"])["compatibility"]
    assert claire["index"] == pytest.approx(10 / 3)
    assert claire["trend"] == pytest.approx(-0.5)


def test_seed_demo_is_idempotent_for_sessions(demo):
    before = WorkingSession.objects.count()
    call_command("seed_demo", force=True, stdout=StringIO())
    assert WorkingSession.objects.count() == before == 10 + len(start_kit_demo.SESSIONS)


def test_assessment_summary_command_json_has_compatibility(demo):
    application = demo["as.roux-lambert@example.org"]
    out = StringIO()
    call_command("assessment_summary", str(application.pk), "--json", stdout=out)
    compatibility = json.loads(out.getvalue())["compatibility"]
    assert {"index", "trend", "verdict", "held_sessions", "sessions"} <= set(compatibility)
    assert compatibility["held_sessions"] == 4
    assert compatibility["verdict"] == "compatible"
    assert compatibility["index"] == pytest.approx(71 / 18)
    assert [s["order"] for s in compatibility["sessions"]] == [1, 2, 3, 4]


def test_assessment_summary_command_as_the_ceo(demo):
    """The demo CEO has debriefed every held session but Claire's third: that one is sealed for them."""
    application = demo["claire.dubois@example.org"]
    out = StringIO()
    call_command("assessment_summary", str(application.pk), "--json", "--as", "dg", stdout=out)
    compatibility = json.loads(out.getvalue())["compatibility"]
    assert (compatibility["held_sessions"], compatibility["sealed_sessions"]) == (2, 1)
