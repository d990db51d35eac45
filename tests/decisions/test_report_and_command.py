"""The decision outside its page: the report snapshot carries it (schema 4) so the PDF stays what
it was, page 1 shows "panel decision vs product reading" and the dissent, older snapshots (no
``decision`` key) still render; ``assessment_summary --json`` gives it with the votes only when the
caller may read them."""

import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation
from pypdf import PdfReader

from decisions import services
from reports import rendering
from reports.snapshot import SCHEMA, build_snapshot

pytestmark = pytest.mark.django_db


def decided(w, *, dissent=True):
    meeting = services.meeting_open(application=w.application, by=w.recruiter)
    services.vote_cast(meeting=meeting, by=w.recruiter, choice="hire", rationale="Oui.")
    if dissent:
        services.vote_cast(meeting=meeting, by=w.recruiter2, choice="more_evidence", rationale="Une séance.")
    return services.meeting_decide(meeting=meeting, by=w.ceo, decision="hire", rationale="On recrute.")


def test_the_snapshot_freezes_the_decision_and_the_dissent(world):
    decided(world)
    snapshot = build_snapshot(application=world.application, version=1, by=world.ceo, language="fr")
    assert SCHEMA == 4 and snapshot["schema"] == 4
    decision = snapshot["decision"]
    assert (decision["status"], decision["decision"], decision["reading_level"]) == (
        "decided",
        "hire",
        "reserved",
    )
    assert decision["differs_from_reading"] is False and decision["rationale"] == "On recrute."
    assert decision["dissent"] == [{"voter": world.recruiter2.get_full_name(), "choice": "more_evidence"}]
    assert json.loads(json.dumps(snapshot)) == snapshot


def test_an_open_meeting_enters_the_snapshot_without_its_votes(world):
    meeting = services.meeting_open(application=world.application, by=world.recruiter)
    services.vote_cast(meeting=meeting, by=world.recruiter, choice="hire", rationale="Oui.")
    decision = build_snapshot(application=world.application, version=1, by=world.ceo)["decision"]
    assert (decision["status"], decision["votes"], decision["votes_cast"], decision["panel_size"]) == (
        "open",
        None,
        1,
        3,
    )


def test_page_one_shows_the_decision_against_the_reading(world, strict_weasyprint):
    decided(world)
    snapshot = build_snapshot(application=world.application, version=1, by=world.ceo, language="en")
    with translation.override("en"):
        context = rendering.report_context(snapshot)
    assert context["decision"]["decision_label"] == "Hire"
    assert context["decision"]["dissent"][0]["choice_label"] == "Need more evidence"
    pdf = rendering.render_pdf(snapshot).pdf
    first_page = " ".join((PdfReader(io.BytesIO(pdf)).pages[1].extract_text() or "").split())
    assert "Panel decision vs product reading:" in first_page
    assert "consistent with the reading" in first_page
    assert f"Dissent: {world.recruiter2.get_full_name()} (Need more evidence)" in first_page


def test_an_older_snapshot_without_decision_still_renders(world, strict_weasyprint):
    snapshot = build_snapshot(application=world.application, version=1, by=world.ceo, language="en")
    snapshot.pop("decision")
    snapshot["schema"] = 3
    assert rendering.report_context(snapshot)["decision"] is None
    html = rendering.render_html(snapshot)
    assert "Panel decision vs product reading" not in html
    assert rendering.render_pdf(snapshot).page_count >= 4


def run_json(*args):
    out = StringIO()
    with translation.override("en"):
        call_command("assessment_summary", *map(str, args), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_command_gives_the_decision_with_votes_only_when_visible(world):
    meeting = services.meeting_open(application=world.application, by=world.recruiter)
    services.vote_cast(meeting=meeting, by=world.recruiter, choice="hire", rationale="Oui.")
    as_other = run_json(world.application.pk, "--as", world.recruiter2.username)["decision"]
    assert (as_other["status"], as_other["votes_visible"], as_other["votes"]) == ("open", False, None)
    operator = run_json(world.application.pk)["decision"]  # no --as: an operator, unrestricted
    assert [(v["voter"], v["choice"], v["rationale"]) for v in operator["votes"]] == [
        (world.recruiter.get_full_name(), "hire", "Oui.")
    ]
    services.meeting_decide(meeting=meeting, by=world.ceo, decision="no_hire", rationale="Non.")
    closed = run_json(world.application.pk, "--as", world.recruiter2.username)["decision"]
    assert (closed["status"], closed["decision"], closed["differs_from_reading"]) == (
        "decided",
        "no_hire",
        False,
    )
    assert closed["votes_visible"] and closed["dissent"] == [world.recruiter.get_full_name()]
