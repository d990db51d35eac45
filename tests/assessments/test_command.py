"""Tests of ``manage.py assessment_summary APPLICATION_ID [--json] [--as USERNAME]``: the JSON shape,
the figures on the seeded demo (balance of Anne-Sophie Roux-Lambert and Marc Lefèvre, planted
disagreements), and the access and independence rules applied with ``--as``."""

import json
import math
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from assessments import services
from assessments.models import Scorecard
from candidates.management.commands.seed_demo import MANDATE_SLUG
from candidates.models import Application
from tests.factories import ApplicationFactory, UserFactory

from .helpers import panel_values, rate

pytestmark = pytest.mark.django_db

BALANCE_KEYS = {"hhi", "hhi_star", "evenness", "n_eff", "dominant_domain", "band", "breadth", "depth"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(*args):
    out = StringIO()
    call_command("assessment_summary", *map(str, args), stdout=out)
    return out.getvalue()


def run_json(*args):
    output = run(*args, "--json")
    return json.loads(output)  # exactly one JSON object: json.loads refuses trailing data


@pytest.fixture
def demo(db):
    call_command("seed_demo", force=True, stdout=StringIO())
    # the demo mandate's eight (the start kit's demo hire sits in a second mandate, onboarding.demo)
    return {
        a.candidate.email: a
        for a in Application.objects.filter(mandate__slug=MANDATE_SLUG).select_related("candidate")
    }


@pytest.fixture
def application(mandate):
    return ApplicationFactory(mandate=mandate)


# --------------------------------------------------------------------------- JSON shape


def test_json_has_every_documented_key(application, recruiter, mandate):
    second = UserFactory(groups=["recruiter"])
    mandate.recruiters.add(second)
    for i, rater in enumerate((recruiter, second, mandate.ceo)):
        rate(application, rater, panel_values(i), recommendation="strong_yes" if i else "no")

    data = run_json(application.pk)

    assert isinstance(data, dict)
    assert {"roles", "fit", "gate", "balance", "disagreements", "raters", "recommendations"} <= set(data)
    assert set(data["roles"]) == {"conductor", "business_partner", "entrepreneur", "posture"}
    for role in data["roles"].values():
        assert set(role) >= {"score", "score_100"}
    assert data["roles"]["conductor"] == {"score": 4.0, "score_100": 75.0}
    assert data["fit"] == pytest.approx(math.cbrt(4 * 3.75 * 13 / 6))
    assert data["gate"] == {
        "passed": False,
        "missing_roles": ["entrepreneur"],
        "failing_criteria": ["ent_new_offers"],
    }
    assert BALANCE_KEYS <= set(data["balance"])
    assert [(d["criterion"], d["range"], d["level"]) for d in data["disagreements"]] == [
        ("cond_tools", 2, "amber"),
        ("bp_modelling", 3, "red"),
    ]
    assert len(data["raters"]) == 3 and all({"id", "name", "scorecards"} <= set(r) for r in data["raters"])
    assert sorted(r["recommendation"] for r in data["recommendations"]) == ["no", "strong_yes", "strong_yes"]
    assert data["alpha"]["value"] is not None


def test_plain_text_output(application, recruiter):
    rate(application, recruiter, {"cond_tools": 4})
    from django.utils import translation

    with translation.override("en"):
        output = run(application.pk)
    assert application.candidate.full_name in output
    assert "Conductor" in output and "overall fit" in output and "balance profile" in output
    with translation.override("fr"):
        output = run(application.pk)
    assert "Chef d’orchestre" in output and "adéquation globale" in output


# --------------------------------------------------------------------------- the demo


def test_every_demo_application_gives_a_json_object(demo):
    assert len(demo) == 8
    for email, application in demo.items():
        data = run_json(application.pk)
        assert isinstance(data, dict), email
        assert BALANCE_KEYS <= set(data["balance"]), email
        assert data["application"] == application.pk


def test_demo_balance_profiles(demo):
    anne_sophie = run_json(demo["as.roux-lambert@example.org"].pk)["balance"]
    assert anne_sophie["hhi_star"] == pytest.approx(0, abs=1e-9)
    assert anne_sophie["band"] == "balanced"
    assert anne_sophie["dominant_domain"] is None

    marc = run_json(demo["marc.lefevre@example.org"].pk)["balance"]
    assert marc["band"] == "concentrated"
    assert marc["dominant_domain"] == "finance"


def test_demo_scored_candidates_show_every_figure(demo):
    anne_sophie = run_json(demo["as.roux-lambert@example.org"].pk)
    assert len(anne_sophie["raters"]) == 3 and len(anne_sophie["recommendations"]) == 3
    assert anne_sophie["fit"] is not None
    assert anne_sophie["alpha"]["value"] is not None
    levels = {}
    for email in (
        "claire.dubois@example.org",
        "julien.moreau@example.org",
        "thomas.ndiaye@example.com",
        "elodie.garnier@example.org",
    ):
        for item in run_json(demo[email].pk)["disagreements"]:
            levels.setdefault(item["level"], []).append((email, item["criterion"]))
    assert ("claire.dubois@example.org", "ent_new_offers") in levels["red"]
    assert levels.get("amber")
    julien = run_json(demo["julien.moreau@example.org"].pk)
    assert julien["gate"]["passed"] is False and "entrepreneur" in julien["gate"]["missing_roles"]
    # a candidate without scorecards still has a balance profile, and no fit
    karim = run_json(demo["karim.haddad@example.org"].pk)
    assert karim["fit"] is None and karim["raters"] == [] and karim["balance"]["band"] is not None


def test_seed_demo_twice_changes_nothing(demo):
    count = Scorecard.objects.count()
    call_command("seed_demo", force=True, stdout=StringIO())
    assert Scorecard.objects.count() == count > 0


def test_as_a_demo_rater_applies_their_rules(demo):
    application = demo["as.roux-lambert@example.org"]
    assert run_json(application.pk, "--as", "dg")["fit"] == run_json(application.pk)["fit"]
    with pytest.raises(CommandError):
        run(application.pk, "--as", "mediateur")


# --------------------------------------------------------------------------- --as and errors


def test_as_a_user_with_a_draft_is_refused(application, recruiter, mandate):
    rate(application, mandate.ceo, {"cond_tools": 4})
    rate(application, recruiter, {"cond_tools": 3}, submit=False)

    with pytest.raises(CommandError, match="scorecard in progress"):
        run(application.pk, "--json", "--as", recruiter.username)
    assert run_json(application.pk, "--as", mandate.ceo.username)["fit"] is None  # sees it: no draft


def test_as_a_user_after_submitting_sees_the_summary(application, recruiter, mandate):
    rate(application, mandate.ceo, {"cond_tools": 4})
    draft = rate(application, recruiter, {"cond_tools": 2}, submit=False)
    services.scorecard_submit(scorecard=draft, by=recruiter)

    data = run_json(application.pk, "--as", recruiter.username)
    assert next(c for c in data["criteria"] if c["code"] == "cond_tools")["score"] == 3.0


def test_as_a_user_outside_the_mandate_is_refused(application):
    outsider = UserFactory(groups=["recruiter"])
    ApplicationFactory(mandate__recruiters=[outsider])

    with pytest.raises(CommandError):
        run(application.pk, "--json", "--as", outsider.username)


def test_as_an_unknown_user_is_refused(application):
    with pytest.raises(CommandError):
        run(application.pk, "--as", "nobody-here")


def test_an_unknown_application_is_refused(db):
    with pytest.raises(CommandError):
        run(999999, "--json")


# --------------------------------------------------------------------------- the figures issue's keys


def test_json_names_posture_per_rater_values_and_narrow_band(mandate, recruiter):
    from decimal import Decimal

    from tests.factories import CandidateFactory

    second = UserFactory(groups=["recruiter"])
    mandate.recruiters.add(second)
    candidate = CandidateFactory(years_finance=3, years_hr=3, years_legal=3, years_it=3)  # 4 of 9 alike
    application = ApplicationFactory(mandate=mandate, candidate=candidate)
    roles_at_4 = {code: 4 for code in panel_values(0) if not code.startswith("post_")}
    posture_low = {code: 2 for code in panel_values(0) if code.startswith("post_")}
    rate(application, recruiter, {**roles_at_4, **posture_low})
    rate(application, second, {**roles_at_4, **posture_low, "cond_tools": 5})
    rate(application, second, {"cond_tools": 3}, context=Scorecard.Context.WORKING_SESSION, session_number=1)
    assert candidate.career_years is None and Decimal(3) == candidate.years_it

    data = run_json(application.pk)

    assert data["gate"]["passed"] is False and data["gate"]["missing_roles"] == ["posture"]
    assert data["balance"]["band"] == "narrow" and data["balance"]["dominant_domain"] is None
    tools = next(c for c in data["criteria"] if c["code"] == "cond_tools")
    assert {v["rater"]: (v["value"], v["contexts"]) for v in tools["rater_values"]} == {
        recruiter.pk: (4.0, ["screening"]),
        second.pk: (4.0, ["screening", "session_1"]),
    }
    assert tools["score"] == 4.0 and tools["contexts"] == ["screening", "session_1"]
    assert data["reading"]["level"] == "unfavourable" and "gate_failed" in data["reading"]["reasons"]
    assert data["alpha"] == {
        "value": data["mandate_statistics"]["alpha"],
        "reading": data["alpha"]["reading"],
    }

    # --as a user with an open draft elsewhere in the mandate: α is null with a reason.
    other = ApplicationFactory(mandate=mandate)
    rate(other, second, {"cond_tools": 3}, submit=False)
    hidden = run_json(application.pk, "--as", second.username)
    assert hidden["alpha"] is None
    assert hidden["mandate_statistics"]["visible"] is False
    assert hidden["mandate_statistics"]["reason"] == "open_draft"
    assert hidden["mandate_statistics"]["message"] == "shown once you submit your open scorecards"
    assert "shown once you submit your open scorecards" in run(application.pk, "--as", second.username)
    assert run_json(application.pk, "--as", recruiter.username)["alpha"] is not None
