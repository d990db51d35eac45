"""The report carries the coverage (which session evidenced which role): in the snapshot, so an
archived version keeps saying it whatever happens to the plans and ratings, and in the PDF."""

import json

import pytest

from assessments import services as assessment_services
from assessments.models import Scorecard
from reports import rendering
from reports.snapshot import SCHEMA, build_snapshot
from sessions import services as session_services
from sessions.models import WorkingSession
from tests.assessments.helpers import rate
from tests.reports.test_rendering import pdf_text, squash

pytestmark = pytest.mark.django_db

WS = Scorecard.Context.WORKING_SESSION


@pytest.fixture
def covered(world, django_capture_on_commit_callbacks):
    """The four held sessions of the ``world`` get session scorecards, worked out by hand:
    session 1: conductor (``cond_tools`` 4); session 2: business partner (``bp_modelling`` 3) and
    posture (``post_communication`` 4); session 3: no scorecard; session 4: entrepreneur
    (``ent_new_offers`` 4) — from a revision draft over a submitted card, which still counts."""
    rate(world.application, world.recruiter, {"cond_tools": 4}, context=WS, session_number=1)
    rate(
        world.application,
        world.recruiter2,
        {"bp_modelling": 3, "post_communication": 4},
        context=WS,
        session_number=2,
    )
    card = rate(world.application, world.recruiter, {"ent_new_offers": 4}, context=WS, session_number=4)
    assessment_services.scorecard_revise(scorecard=card, by=world.recruiter, reason="Relecture.")
    # The sessions were held before any plan: they target nothing (plans are frozen once held).
    assert not WorkingSession.objects.exclude(target_roles=[]).exists()
    return world


def coverage_section(html):
    """The report's coverage table and warnings (the rest has charts with random element ids)."""
    start = html.index('id="coverage"')
    return html[start : html.index("</section>", start)]


EVIDENCING = {"conductor": [1], "business_partner": [2], "entrepreneur": [4], "posture": [2]}


def test_the_snapshot_carries_the_coverage(covered):
    snapshot = build_snapshot(application=covered.application, version=1, by=covered.ceo, language="en")
    assert snapshot["schema"] == SCHEMA >= 3  # coverage since schema 3
    coverage = snapshot["coverage"]
    assert {k: v["evidencing"] for k, v in coverage["roles"].items()} == EVIDENCING
    assert all(v["targeting"] == [] for v in coverage["roles"].values())
    assert [r["order"] for r in coverage["sessions"]] == [1, 2, 3, 4]
    # No plan: every role is under-targeted and posture not targeted at all.
    assert [(w["code"], w["role"], w["sessions"]) for w in coverage["warnings"] if not w["criterion"]] == [
        ("role_under_targeted", "conductor", 0),
        ("role_under_targeted", "business_partner", 0),
        ("role_under_targeted", "entrepreneur", 0),
        ("posture_not_targeted", "posture", 0),
    ]
    # The screening scorecards evidence nothing about a session: 16 − 4 evidenced criteria.
    assert len([w for w in coverage["warnings"] if w["criterion"]]) == 12
    assert all(s["plan"] == {"roles": [], "criteria": []} for s in snapshot["sessions"])
    assert json.loads(json.dumps(snapshot)) == snapshot


def test_the_pdf_shows_which_session_evidenced_which_role(covered):
    snapshot = build_snapshot(application=covered.application, version=1, by=covered.ceo, language="en")
    html = rendering.render_html(snapshot)
    table = html[html.index('id="coverage"') :]
    table = table[: table.index("</table>")]
    rows = table.split("<tr>")[2:]  # after the header row
    assert len(rows) == 4
    # Session 1: evidenced only for conductor (first column); session 3: nothing.
    assert rows[0].count("evidenced") == 1 and rows[0].index("evidenced") < rows[0].index("—")
    assert rows[1].count("evidenced") == 2 and rows[2].count("evidenced") == 0
    text = squash(pdf_text(rendering.render_pdf(snapshot).pdf))
    assert "Which session evidenced which role" in text
    assert "No session targets posture and mindset." in text
    # The PDF counts the criteria neither targeted nor evidenced (the pages name them).
    assert "12 criteria are neither targeted nor evidenced in any session." in text


def test_the_french_pdf_has_the_table_in_french(covered):
    snapshot = build_snapshot(application=covered.application, version=1, by=covered.ceo, language="fr")
    text = squash(pdf_text(rendering.render_pdf(snapshot).pdf))
    assert "Quelle séance a mis en évidence quel rôle" in text


def test_an_archived_snapshot_does_not_move_with_later_plans(covered, world):
    snapshot = build_snapshot(application=covered.application, version=1, by=covered.ceo, language="en")
    before = coverage_section(rendering.render_html(snapshot))
    assert "No session targets posture and mindset." in before
    session = WorkingSession.objects.filter(application=world.application, order=4).get()
    session.status = WorkingSession.Status.PLANNED  # reopen it to change the plan
    session.save()
    session_services.session_plan_update(
        session=session, by=world.recruiter, roles=["conductor", "posture"], criteria=[]
    )
    assert coverage_section(rendering.render_html(snapshot)) == before  # charts have random ids
    fresh = build_snapshot(application=covered.application, version=2, by=covered.ceo, language="en")
    assert fresh["coverage"]["roles"]["posture"]["targeting"] == [4]
    assert fresh["sessions"][3]["plan"] == {"roles": ["conductor", "posture"], "criteria": []}
    assert "Roles targeted by the plan: Conductor, Posture and mindset" in rendering.render_html(fresh)
    assert "Roles targeted by the plan" not in rendering.render_html(snapshot)
    assert snapshot["coverage"]["roles"]["posture"]["targeting"] == []


def test_an_old_snapshot_without_coverage_still_renders(covered):
    snapshot = build_snapshot(application=covered.application, version=1, by=covered.ceo, language="en")
    del snapshot["coverage"]
    snapshot["schema"] = 2
    html = rendering.render_html(snapshot)
    assert 'id="coverage"' not in html
