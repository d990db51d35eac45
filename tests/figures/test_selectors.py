"""Tests of ``figures.selectors`` (read from the stored figures): the assessment summary on a
hand-built panel (exact criterion and role scores, fit, gate, disagreement flags, α, balance), NE
never moving a score, which scorecards count (submitted, latest revision), one rater one voice, the
independence rule, and query counts that do not grow with the number of raters or applications."""

import math
from decimal import Decimal

import krippendorff
import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import selectors, services
from assessments.models import Scorecard
from candidates.models import Application
from figures import selectors as figures_selectors
from figures import services as figures_services
from tests.assessments.helpers import CODES, PANEL, criterion_ids, panel_values, rate
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    MandateFactory,
    ScorecardFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EXPECTED_ROLES = {"conductor": 4.0, "business_partner": 3.75, "entrepreneur": 13 / 6, "posture": 3.0}


@pytest.fixture
def raters(mandate, recruiter):
    second = UserFactory(username="recruteur-b", first_name="Hugo", last_name="Bernard", groups=["recruiter"])
    mandate.recruiters.add(second)
    recruiter.first_name, recruiter.last_name = "Camille", "Martin"
    recruiter.save()
    return recruiter, second, mandate.ceo


@pytest.fixture
def application(mandate):
    mandate.support_domains = ["finance", "hr", "legal", "it"]
    mandate.save()
    candidate = CandidateFactory(years_finance=3, years_hr=3, years_legal=2, years_it=2, years_quality=7)
    return ApplicationFactory(mandate=mandate, candidate=candidate)


@pytest.fixture
def panel(application, raters):
    return [rate(application, rater, panel_values(i)) for i, rater in enumerate(raters)]


def summary_of(application, user=None):
    """The summary as ``assessment_summary --json`` gives it, after the mandate's statistics task has
    run (as a worker does once the writes commit)."""
    application = Application.objects.select_related("candidate", "mandate").get(pk=application.pk)
    figures_services.mandate_statistics_refresh(mandate_id=application.mandate_id)
    data = figures_selectors.application_summary(application=application, user=user)
    return None if data is None else data.to_dict()


def cards(applications, user):
    """``{application id: CardFigures}`` as the pipeline board reads them for ``user``."""
    mandate = applications[0].mandate
    viewer = figures_selectors.viewer_for(user, mandate)
    return figures_selectors.card_figures(application_ids=[a.pk for a in applications], viewer=viewer)


def figures(summary):
    """Everything a rating can move, without the rater list (which names who rated)."""
    return {key: summary[key] for key in ("criteria", "roles", "fit", "gate", "disagreements")}


# --------------------------------------------------------------------------- exact values


def test_summary_of_the_hand_built_panel(application, raters, panel):
    summary = summary_of(application)

    criteria = {c["code"]: c for c in summary["criteria"]}
    assert [c["code"] for c in summary["criteria"]] == list(CODES)
    assert criteria["cond_tools"]["score"] == pytest.approx(4.0)
    assert criteria["bp_modelling"]["score"] == pytest.approx(3.0)
    assert criteria["ent_new_offers"]["score"] == pytest.approx(5 / 3)
    assert criteria["ent_new_offers"]["score_100"] == pytest.approx((5 / 3 - 1) / 4 * 100)
    assert criteria["post_communication"]["score"] == pytest.approx(3.0)
    assert criteria["post_communication"]["n_ratings"] == 2
    assert criteria["cond_resources"]["n_ratings"] == 3
    for code, values in PANEL.items():
        present = [v for v in values if v is not None]
        assert criteria[code]["score"] == pytest.approx(sum(present) / len(present)), code

    for role, score in EXPECTED_ROLES.items():
        assert summary["roles"][role]["score"] == pytest.approx(score), role
        assert summary["roles"][role]["score_100"] == pytest.approx((score - 1) / 4 * 100), role
    assert summary["roles"]["conductor"]["score_100"] == pytest.approx(75.0)

    assert summary["fit"] == pytest.approx(math.cbrt(4 * 3.75 * 13 / 6))
    assert summary["fit"] == pytest.approx(3.1913, abs=1e-4)
    assert summary["gate"] == {
        "passed": False,
        "missing_roles": ["entrepreneur"],
        "failing_criteria": ["ent_new_offers"],
    }

    assert [(d["criterion"], d["range"], d["level"]) for d in summary["disagreements"]] == [
        ("cond_tools", 2, "amber"),
        ("bp_modelling", 3, "red"),
    ]
    assert (criteria["ent_new_offers"]["range"], criteria["ent_new_offers"]["level"]) == (1, "none")
    assert criteria["post_communication"]["range"] == 0

    assert summary["submitted_scorecards"] == 3
    assert [(r["name"], r["scorecards"], r["bias"]) for r in summary["raters"]] == [
        ("Camille Martin", 1, None),
        ("Hugo Bernard", 1, None),
        (raters[2].get_full_name(), 1, None),
    ]
    assert [r["recommendation"] for r in summary["recommendations"]] == ["yes", "yes", "yes"]
    assert summary["application"] == application.pk
    assert summary["candidate"] == application.candidate.full_name


def test_alpha_is_computed_over_the_mandate_panel(application, raters, panel):
    summary = summary_of(application)

    matrix = np.array(
        [[np.nan if v is None else v for v in (PANEL[c][i] for c in CODES)] for i in range(3)], dtype=float
    )
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval")
    assert summary["alpha"]["value"] == pytest.approx(expected)
    assert 0 < summary["alpha"]["value"] < 1
    reading = "reliable" if expected >= 0.8 else "tentative" if expected >= 0.667 else "unreliable"
    assert summary["alpha"]["reading"] == reading


def test_alpha_pools_every_application_of_the_mandate_only(application, raters, panel, mandate):
    other = ApplicationFactory(mandate=mandate)
    for i, rater in enumerate(raters):
        rate(other, rater, {"cond_tools": (2, 4, 3)[i], "bp_modelling": 3})
    foreign = ApplicationFactory()  # another mandate: never pooled
    for rater in raters:
        rate(foreign, rater, {"cond_tools": (1, 5, 3)[raters.index(rater)]})

    summary = summary_of(application)

    units = [(application.pk, c) for c in CODES] + [(other.pk, "cond_tools"), (other.pk, "bp_modelling")]
    other_values = {"cond_tools": (2, 4, 3), "bp_modelling": (3, 3, 3)}
    rows = []
    for i in range(3):
        row = [PANEL[c][i] if app == application.pk else other_values[c][i] for app, c in units]
        rows.append([np.nan if v is None else v for v in row])
    expected = krippendorff.alpha(
        reliability_data=np.array(rows, dtype=float), level_of_measurement="interval"
    )
    assert summary["alpha"]["value"] == pytest.approx(expected)
    # the other application's scorecards pool into α but not into this candidate's scores
    assert summary["submitted_scorecards"] == 3
    assert summary_of(other)["alpha"]["value"] == pytest.approx(expected)


def test_balance_uses_the_mandate_domains(application, panel):
    balance = summary_of(application)["balance"]

    assert balance["domains"] == ["finance", "hr", "legal", "it"]  # quality (7 years) is out of scope
    assert balance["hhi"] == pytest.approx(0.26)
    assert balance["hhi_star"] == pytest.approx((0.26 - 0.25) / 0.75)
    assert balance["n_eff"] == pytest.approx(1 / 0.26)
    assert (balance["band"], balance["dominant_domain"], balance["breadth"], balance["depth"]) == (
        "balanced",
        None,
        4,
        10.0,
    )


def test_no_scorecard_gives_an_empty_summary(application):
    summary = summary_of(application)

    assert summary["submitted_scorecards"] == 0
    assert summary["fit"] is None
    assert summary["gate"]["passed"] is False
    assert summary["gate"]["missing_roles"] == ["conductor", "business_partner", "entrepreneur", "posture"]
    assert all(role["score"] is None and role["score_100"] is None for role in summary["roles"].values())
    assert summary["disagreements"] == [] and summary["raters"] == [] and summary["recommendations"] == []
    assert summary["alpha"] == {"value": None, "reading": "undefined"}
    assert summary["balance"]["band"] == "balanced"


def test_a_lenient_rater_is_flagged(mandate, raters):
    lenient, fair, ceo = raters
    for _ in range(2):
        application = ApplicationFactory(mandate=mandate)
        rate(application, fair, dict.fromkeys(CODES[:8], 3))
        rate(application, ceo, dict.fromkeys(CODES[:8], 3))
        rate(application, lenient, dict.fromkeys(CODES[:8], 4))

    summary = summary_of(application)

    assert {r["name"]: r["bias"] for r in summary["raters"]} == {
        "Camille Martin": "lenient",
        "Hugo Bernard": None,
        ceo.get_full_name(): None,
    }


# --------------------------------------------------------------------------- NE never changes a score


def test_ne_ratings_never_change_a_score(application, raters, panel, mandate):
    before = summary_of(application)
    fourth = UserFactory(groups=["recruiter"])
    mandate.recruiters.add(fourth)

    # Fifteen NE ratings and one rating equal to the (unanimous) panel's: nothing may move.
    rate(application, fourth, {"post_innovation": 3})

    after = summary_of(application)
    assert after["submitted_scorecards"] == 4
    assert {c["code"]: c["n_ratings"] for c in after["criteria"]} == {
        c["code"]: c["n_ratings"] + (c["code"] == "post_innovation") for c in before["criteria"]
    }
    for key in ("score", "score_100", "range", "level"):
        assert [c[key] for c in after["criteria"]] == [c[key] for c in before["criteria"]]
    assert (after["roles"], after["fit"], after["gate"], after["disagreements"]) == (
        before["roles"],
        before["fit"],
        before["gate"],
        before["disagreements"],
    )


def test_ne_is_excluded_not_counted_as_one(application, raters):
    a, b, c = raters
    rate(application, a, {"cond_tools": 4})
    rate(application, b, {"cond_tools": 2, "bp_modelling": 5})

    summary = summary_of(application)

    criteria = {c["code"]: c for c in summary["criteria"]}
    assert criteria["cond_tools"]["score"] == pytest.approx(3.0)
    assert criteria["bp_modelling"]["score"] == pytest.approx(5.0)  # A's NE is not a 1
    assert criteria["cond_resources"]["score"] is None
    assert summary["roles"]["conductor"]["score"] == pytest.approx(3.0)  # NE criteria leave the mean
    assert summary["roles"]["entrepreneur"]["score"] is None
    assert summary["fit"] is None
    assert summary["gate"]["missing_roles"] == ["entrepreneur", "posture"]  # neither has evidence


# --------------------------------------------------------------------------- which scorecards count


def test_drafts_do_not_count(application, raters, panel, mandate):
    before = summary_of(application)
    fourth = UserFactory(groups=["recruiter"])
    mandate.recruiters.add(fourth)

    rate(application, fourth, dict.fromkeys(CODES, 1), submit=False)

    after = summary_of(application)
    assert figures(after) == figures(before)
    assert after["submitted_scorecards"] == 3
    assert fourth.pk not in {r["id"] for r in after["raters"]}


def test_a_draft_revision_does_not_change_the_figures_and_the_superseded_one_stops_counting(
    application, raters, panel
):
    a = raters[0]
    before = summary_of(application)
    revision = services.scorecard_revise(scorecard=panel[0], by=a, reason="Discussion du panel.")
    services.scorecard_save(
        scorecard=revision,
        by=a,
        recommendation=Scorecard.Recommendation.NO,
        ratings={criterion_ids()["cond_tools"]: (1, "Aucun outil cité.")},
    )

    during = summary_of(application)  # rater A's revision is a draft: their submitted ratings still count
    assert figures(during) == figures(before)
    assert during["submitted_scorecards"] == 3
    assert during["alpha"] == before["alpha"]
    assert [r["recommendation"] for r in during["recommendations"]] == ["yes", "yes", "yes"]

    services.scorecard_submit(scorecard=revision, by=a)

    after = summary_of(application)
    criteria = {c["code"]: c for c in after["criteria"]}
    assert criteria["cond_tools"]["score"] == pytest.approx((1 + 5 + 4) / 3)
    assert (criteria["cond_tools"]["range"], criteria["cond_tools"]["level"]) == (4, "red")
    assert criteria["cond_tools"]["n_ratings"] == 3  # the superseded revision's 3 no longer counts
    assert after["submitted_scorecards"] == 3
    assert {r["id"]: r["scorecards"] for r in after["raters"]} == {r.pk: 1 for r in raters}
    assert sorted(r["recommendation"] for r in after["recommendations"]) == ["no", "yes", "yes"]
    assert after["roles"]["conductor"]["score"] == pytest.approx((10 / 3 + 4 + 4 + 4) / 4)


def test_the_reviser_sees_the_aggregate_again_only_once_the_revision_is_submitted(application, raters, panel):
    a, b, _c = raters
    revision = services.scorecard_revise(scorecard=panel[0], by=a, reason="Discussion du panel.")

    assert summary_of(application, user=a) is None
    assert summary_of(application, user=b) is not None

    services.scorecard_submit(scorecard=revision, by=a)
    assert summary_of(application, user=a) is not None


def test_every_context_of_a_rater_counts_once_in_the_score_and_in_the_disagreement(application, raters):
    a, b, _c = raters
    rate(application, a, {"cond_tools": 2})
    rate(application, b, {"cond_tools": 4})
    rate(application, a, {"cond_tools": 4}, context=Scorecard.Context.WORKING_SESSION, session_number=1)

    summary = summary_of(application)

    tools = next(c for c in summary["criteria"] if c["code"] == "cond_tools")
    # A's value = (2 + 4) / 2 = 3; B's = 4; score = (3 + 4) / 2 — not the 10/3 of three pooled ratings.
    assert tools["score"] == pytest.approx(3.5)
    assert (tools["n_ratings"], tools["n_raters"]) == (3, 2)
    assert (tools["range"], tools["level"]) == (1, "none")  # A's value 3 against B's 4
    assert {v["rater"]: (v["value"], v["n_ratings"], v["contexts"]) for v in tools["rater_values"]} == {
        a.pk: (3.0, 2, ["screening", "session_1"]),
        b.pk: (4.0, 1, ["screening"]),
    }
    assert tools["contexts"] == ["screening", "session_1"]
    assert {r["id"]: r["scorecards"] for r in summary["raters"]} == {a.pk: 2, b.pk: 1}
    assert {r["id"]: r["contexts"] for r in summary["raters"]} == {
        a.pk: ["screening", "session_1"],
        b.pk: ["screening"],
    }


def test_a_rater_with_five_scorecards_weighs_as_much_as_a_rater_with_one(application, raters):
    """The case of the issue: two recruiters rate 5 and 4 at screening; the CEO rates 1 in each of
    four working sessions. Pooled, the criterion read 13/6 = 2.17; per rater it is (5 + 4 + 1)/3."""
    a, b, ceo = raters
    rate(application, a, {"cond_tools": 5})
    rate(application, b, {"cond_tools": 4})
    for number in range(1, 5):
        rate(
            application,
            ceo,
            {"cond_tools": 1},
            context=Scorecard.Context.WORKING_SESSION,
            session_number=number,
        )

    summary = summary_of(application)

    tools = next(c for c in summary["criteria"] if c["code"] == "cond_tools")
    assert tools["score"] == pytest.approx(10 / 3)
    assert round(tools["score"], 2) == 3.33 != round(13 / 6, 2)
    assert summary["roles"]["conductor"]["score"] == pytest.approx(10 / 3)  # its only scored criterion
    # The flag reads the same per-rater values: 5 and 1 are 4 points apart (red).
    assert (tools["range"], tools["level"]) == (4, "red")
    assert summary["submitted_scorecards"] == 6
    assert {r["id"]: r["scorecards"] for r in summary["raters"]} == {a.pk: 1, b.pk: 1, ceo.pk: 4}


# --------------------------------------------------------------------------- independence


def test_a_rater_with_an_open_draft_sees_no_aggregate_until_they_submit(application, raters):
    a, b, c = raters
    rate(application, b, panel_values(1))
    rate(application, c, panel_values(2))
    draft = rate(application, a, panel_values(0), submit=False)

    assert selectors.has_open_draft(a, application)
    assert not selectors.aggregate_visible(a, application)
    assert summary_of(application, user=a) is None
    hidden = cards([application], a)[application.pk]
    assert hidden.hidden is True
    assert (hidden.fit, hidden.gate_passed, hidden.missing_roles, hidden.scorecards) == (None, None, (), 0)
    assert hidden.band == "balanced"  # the candidate's own experience is not a rating
    shown = cards([application], b)[application.pk]
    assert shown.hidden is False and shown.fit is not None and shown.scorecards == 2

    services.scorecard_submit(scorecard=draft, by=a)

    summary = summary_of(application, user=a)
    assert summary is not None and summary["submitted_scorecards"] == 3
    assert summary["fit"] == pytest.approx(math.cbrt(4 * 3.75 * 13 / 6))
    after = cards([application], a)[application.pk]
    assert after.hidden is False and after.fit == pytest.approx(summary["fit"])


def test_a_user_without_scorecard_sees_the_aggregate(application, raters, panel, mandate):
    watcher = UserFactory(groups=["recruiter"])
    mandate.recruiters.add(watcher)

    assert not selectors.has_open_draft(watcher, application)
    summary = summary_of(application, user=watcher)
    assert summary is not None and summary["fit"] == pytest.approx(summary_of(application)["fit"])
    assert cards([application], watcher)[application.pk].hidden is False


def test_a_draft_in_any_context_hides_but_only_for_that_application(application, raters, panel, mandate):
    a = raters[0]
    other = ApplicationFactory(mandate=mandate)
    rate(other, raters[1], {"cond_tools": 3})
    rate(
        application,
        a,
        {"cond_tools": 4},
        context=Scorecard.Context.WORKING_SESSION,
        session_number=2,
        submit=False,
    )

    assert summary_of(application, user=a) is None
    assert summary_of(other, user=a) is not None
    figures_a = cards([application, other], a)
    assert (figures_a[application.pk].hidden, figures_a[other.pk].hidden) == (True, False)
    # α and the rater flags are mandate statistics: hidden on every application of the mandate.
    assert summary_of(other, user=a)["alpha"] is None
    assert summary_of(other, user=a)["mandate_statistics"]["visible"] is False


def test_card_figures_give_fit_gate_and_band(application, raters, panel, mandate):
    concentrated = ApplicationFactory(
        mandate=mandate,
        candidate=CandidateFactory(years_finance=Decimal("14"), years_hr=0, years_legal=1, years_it=1),
    )
    empty = ApplicationFactory(
        mandate=mandate, candidate=CandidateFactory(years_finance=0, years_hr=0, years_legal=0, years_it=0)
    )

    result = cards([application, concentrated, empty], None)

    assert result[application.pk].fit == pytest.approx(math.cbrt(4 * 3.75 * 13 / 6))
    assert (
        result[application.pk].gate_passed,
        result[application.pk].missing_roles,
        result[application.pk].band,
        result[application.pk].scorecards,
    ) == (False, ("entrepreneur",), "balanced", 3)
    assert (
        result[concentrated.pk].band,
        result[concentrated.pk].dominant_domain,
        result[concentrated.pk].fit,
        result[concentrated.pk].gate_passed,
    ) == ("concentrated", "finance", None, None)
    assert result[empty.pk].band == ""
    viewer = figures_selectors.viewer_for(None, mandate)
    assert figures_selectors.card_figures(application_ids=[], viewer=viewer) == {}


# --------------------------------------------------------------------------- query counts


def _panel_of(n_raters):
    mandate = MandateFactory()
    application = ApplicationFactory(mandate=mandate)
    raters = [UserFactory(groups=["recruiter"]) for _ in range(n_raters)]
    mandate.recruiters.add(*raters)
    for i, rater in enumerate(raters):
        ScorecardFactory(
            application=application,
            rater=rater,
            submitted=True,
            ratings={code: 1 + (i + j) % 5 for j, code in enumerate(CODES) if (i + j) % 7},
        )
    viewer = UserFactory(groups=["recruiter"])
    mandate.recruiters.add(viewer)
    return Application.objects.select_related("candidate", "mandate").get(pk=application.pk), viewer


def _count_queries(function):
    with CaptureQueriesContext(connection) as context:
        result = function()
    return len(context.captured_queries), result


@pytest.mark.parametrize("as_user", [False, True])
def test_summary_queries_do_not_grow_with_the_number_of_raters(as_user):
    counts = []
    for n_raters in (2, 6):
        application, viewer = _panel_of(n_raters)
        user = viewer if as_user else None
        summary_of(application)  # the factories bypass the services: compute the stored rows once
        count, summary = _count_queries(
            lambda a=application, u=user: figures_selectors.application_summary(application=a, user=u)
        )
        assert (
            summary.assessment.submitted_scorecards == n_raters and len(summary.assessment.raters) == n_raters
        )
        counts.append(count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 5


def test_card_figures_queries_do_not_grow_with_the_number_of_applications():
    counts = []
    for n_applications in (3, 10):
        mandate = MandateFactory()
        raters = [UserFactory(groups=["recruiter"]) for _ in range(3)]
        for _ in range(n_applications):
            application = ApplicationFactory(mandate=mandate)
            for i, rater in enumerate(raters):
                ScorecardFactory(
                    application=application,
                    rater=rater,
                    submitted=True,
                    ratings={code: 2 + (i + j) % 3 for j, code in enumerate(CODES)},
                )
        applications = list(
            Application.objects.filter(mandate=mandate).select_related("candidate", "mandate")
        )
        cards(applications, raters[0])  # computes the stored rows the factories did not write
        count, result = _count_queries(lambda apps=applications, u=raters[0]: cards(apps, u))
        assert len(result) == n_applications and all(f.fit is not None for f in result.values())
        counts.append(count)
    assert counts[0] == counts[1], counts
