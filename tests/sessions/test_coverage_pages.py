"""The coverage matrix from real plans and scorecards: what the sessions page, the summary page and
``assessment_summary --json`` say (evidence = counted session-context ratings, as the figures
count them; the independence rule hides it from a rater with an open scorecard)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.models import Scorecard
from sessions import services
from tests.assessments.helpers import criterion_ids, rate
from tests.sessions.conftest import DAY, at

pytestmark = pytest.mark.django_db

WS = Scorecard.Context.WORKING_SESSION


@pytest.fixture
def planned(world):
    """Three sessions with plans and ratings, worked out by hand:

    * session 1 (held): targets conductor and criterion ``bp_modelling``; the recruiter's submitted
      session-1 scorecard rates ``cond_tools`` 4 and ``ent_new_offers`` NE → conductor evidenced;
    * session 2 (held): targets conductor and posture; the CEO's submitted session-2 scorecard rates
      ``post_communication`` 3 → posture evidenced; mediator2 has nothing to do with it;
    * session 3 (planned): targets entrepreneur; the recruiter's session-3 scorecard is a draft
      rating ``ent_service_catalogue`` 5 → not counted, so nothing is evidenced in 3.

    Targeting: conductor [1, 2], business partner [1] (through ``bp_modelling``), entrepreneur
    [3], posture [2]. Warnings: business partner and entrepreneur targeted once. Criteria neither
    named (bp_modelling) nor evidenced (cond_tools, post_communication): the 13 others.
    """
    ids = criterion_ids()
    one = world.past_session(days_ago=9)
    two = world.past_session(days_ago=2)
    three = world.schedule(at(DAY, 10))
    services.session_plan_update(
        session=one, by=world.recruiter, roles=["conductor"], criteria=[ids["bp_modelling"]]
    )
    services.session_plan_update(session=two, by=world.recruiter, roles=["conductor", "posture"], criteria=[])
    services.session_plan_update(session=three, by=world.recruiter, roles=["entrepreneur"], criteria=[])
    for session in (one, two):
        services.session_set_status(session=session, status="held", by=world.recruiter)
    rate(world.application, world.recruiter, {"cond_tools": 4}, context=WS, session_number=1)
    rate(world.application, world.ceo, {"post_communication": 3}, context=WS, session_number=2)
    rate(
        world.application,
        world.staff,
        {"ent_service_catalogue": 5},
        context=WS,
        session_number=3,
        submit=False,
    )
    return (one, two, three)


EXPECTED_ROLES = {
    "conductor": {"targeting": [1, 2], "evidencing": [1]},
    "business_partner": {"targeting": [1], "evidencing": []},
    "entrepreneur": {"targeting": [3], "evidencing": []},
    "posture": {"targeting": [2], "evidencing": [2]},
}
UNCOVERED = {
    "cond_resources",
    "cond_cross_dept",
    "cond_meaning",
    "bp_profitability",
    "bp_information",
    "bp_sparring_swot",
    "ent_service_catalogue",  # only a draft rated it
    "ent_client_satisfaction",
    "ent_new_offers",  # rated NE: no evidence
    "ent_change_innovation",
    "post_entrepreneurial",
    "post_data_process",
    "post_innovation",
}


def test_the_sessions_page_shows_the_matrix_and_the_warnings(client, world, planned):
    client.force_login(world.recruiter)
    response = client.get(
        reverse("working_sessions:application", kwargs={"application_pk": world.application.pk})
    )
    data = response.context["coverage"]["data"]
    assert [(r["order"], r["status"]) for r in data["sessions"]] == [(1, "held"), (2, "held"), (3, "planned")]
    assert {
        k: {"targeting": v["targeting"], "evidencing": v["evidencing"]} for k, v in data["roles"].items()
    } == (EXPECTED_ROLES)
    assert {w["criterion"] for w in data["warnings"] if w["code"] == "criterion_uncovered"} == UNCOVERED
    assert [(w["code"], w["role"]) for w in data["warnings"] if w["criterion"] is None] == [
        ("role_under_targeted", "business_partner"),
        ("role_under_targeted", "entrepreneur"),
    ]
    page = response.content.decode()
    assert 'id="coverage"' in page
    assert "Only one session targets the role “Business partner” (at least two are needed)." in page
    assert "Only one session targets the role “Entrepreneur” (at least two are needed)." in page
    assert "No session targets posture and mindset." not in page
    assert "Neither targeted nor evidenced in any session:" in page


def test_the_summary_page_shows_the_same_coverage(client, world, planned):
    client.force_login(world.ceo)
    response = client.get(reverse("assessments:summary", kwargs={"pk": world.application.pk}))
    data = response.context["coverage"]["data"]
    assert {
        k: {"targeting": v["targeting"], "evidencing": v["evidencing"]} for k, v in data["roles"].items()
    } == (EXPECTED_ROLES)
    assert "Coverage of the roles by the sessions" in response.content.decode()


def test_a_cancelled_session_no_longer_targets_its_roles(client, world, planned):
    services.session_cancel(session=planned[2], by=world.recruiter, reason="Report.")
    client.force_login(world.recruiter)
    response = client.get(reverse("assessments:summary", kwargs={"pk": world.application.pk}))
    data = response.context["coverage"]["data"]
    assert [r["order"] for r in data["sessions"]] == [1, 2]
    assert data["roles"]["entrepreneur"]["targeting"] == []
    assert (
        "No session targets the role “Entrepreneur” (at least two are needed)." in response.content.decode()
    )


def test_a_plan_without_posture_is_warned(client, world):
    session = world.schedule(at(DAY, 10))
    services.session_plan_update(session=session, by=world.recruiter, roles=["conductor"], criteria=[])
    client.force_login(world.recruiter)
    response = client.get(
        reverse("working_sessions:application", kwargs={"application_pk": world.application.pk})
    )
    assert "No session targets posture and mindset." in response.content.decode()
    codes = [w["code"] for w in response.context["coverage"]["data"]["warnings"]]
    assert codes[:4] == ["role_under_targeted"] * 3 + ["posture_not_targeted"]


def test_a_rater_with_an_open_scorecard_sees_no_evidence(client, world, planned):
    # The staff user's session-3 scorecard is a draft: the figures are hidden from them.
    client.force_login(world.staff)
    response = client.get(
        reverse("working_sessions:application", kwargs={"application_pk": world.application.pk})
    )
    data = response.context["coverage"]["data"]
    assert data["evidence_visible"] is False
    assert all(v["evidencing"] is None for v in data["roles"].values())
    assert not any(w["code"] == "criterion_uncovered" for w in data["warnings"])
    assert "Evidence is shown once you submit your open scorecard" in response.content.decode()
    assert response.context["coverage"]["rows"][0]["cells"][0] == {
        "group": "conductor",
        "targeted": True,
        "evidenced": None,
    }


def test_assessment_summary_json_has_the_coverage(world, planned):
    out = StringIO()
    call_command("assessment_summary", str(world.application.pk), "--json", stdout=out)
    coverage = json.loads(out.getvalue())["coverage"]
    assert {
        k: {"targeting": v["targeting"], "evidencing": v["evidencing"]} for k, v in coverage["roles"].items()
    } == (EXPECTED_ROLES)
    assert [w["code"] for w in coverage["roles"]["business_partner"]["warnings"]] == [
        "role_under_targeted"
    ] + ["criterion_uncovered"] * 3  # bp_profitability, bp_information, bp_sparring_swot
    assert coverage["roles"]["conductor"]["warnings"] == [
        {"code": "criterion_uncovered", "role": "conductor", "criterion": code, "sessions": None}
        for code in ("cond_resources", "cond_cross_dept", "cond_meaning")
    ]
    text = StringIO()
    call_command("assessment_summary", str(world.application.pk), stdout=text)
    assert "coverage of Conductor: targeted in sessions 1, 2, evidenced in 1" in text.getvalue()


def test_the_pages_in_french(world, planned):
    from django.test import Client

    client = Client()  # no language cookie: French, the default
    client.force_login(world.recruiter)
    page = client.get(
        reverse("working_sessions:application", kwargs={"application_pk": world.application.pk})
    ).content.decode()
    assert "Couverture des rôles par les séances" in page
    assert "Une seule séance vise le rôle «\u00a0Business partner\u00a0» (il en faut au moins deux)." in page
    assert "Ni visés ni mis en évidence dans aucune séance\u00a0:" in page
    plan = client.get(reverse("working_sessions:plan", kwargs={"pk": planned[2].pk})).content.decode()
    assert "Plan de la séance de travail 3 avec Claire Testeuse" in plan and "Enregistrer le plan" in plan
    held = client.get(reverse("working_sessions:plan", kwargs={"pk": planned[0].pk})).content.decode()
    assert "Cette séance a eu lieu\u00a0: son plan est figé" in held
