"""Debriefs (issue 15, item 8): the instruction agrees with the 1/3/5 anchors shown under it, and
after debriefing the CEO reads, on the session page, her own ratings beside the mediator's and the
candidate's with the gaps — the same rows as the PDF report's table
(``sessions.compatibility.perception_table``), under the sealing rules of ``cso_recruit.access``."""

import re

import pytest
from django.urls import reverse

from cso_recruit import access
from reports import rendering
from sessions import compatibility, ipa, services
from tests.sessions.conftest import observe, ratings

pytestmark = pytest.mark.django_db

MEDIATOR = [4, 3, 4, 3, 4, 3, 4, 3, 4]
CEO = [5, 3, 2, 4, 4, 5, 1, 3, 2]
CANDIDATE = [3, 3, 5, 1, 4, 2, 4, 5, 5]


@pytest.fixture
def debriefed(world):
    """A held, observed session with the candidate's debrief; the CEO's is left to the test."""
    session = world.past_session()
    observe(session, values=MEDIATOR)
    session.refresh_from_db()
    token = services.debrief_invitation_create(session=session)
    services.debrief_submit_candidate(token=token, ratings=ratings(CANDIDATE))
    return session


def table_cells(html):
    """``{dimension: {column: text}}`` from the page's perception table."""
    table = html.split('id="perception-table"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for code, body in re.findall(r'<tr data-dimension="([a-z_]+)">(.*?)</tr>', table, re.S):
        rows[code] = {
            col: text.strip()
            for col, text in re.findall(r'data-col="([a-z_]+)" data-label="[^"]+">(.*?)</td>', body, re.S)
        }
    return rows


def signed(gap):
    return "0" if gap == 0 else (f"+{gap}" if gap > 0 else f"−{-gap}")


def test_the_debrief_instruction_matches_the_anchors(client, world, debriefed):
    client.force_login(world.ceo)
    html = client.get(
        reverse("working_sessions:ceo_debrief", kwargs={"session_pk": debriefed.pk})
    ).content.decode()
    assert "not at all as described at level 5" not in html
    assert "levels 1, 3 and 5 are described under each dimension, 2 and 4 lie in between" in html
    # and the anchors shown are indeed those of levels 1, 3 and 5
    assert html.count("<strong>1</strong> :") == html.count("<strong>3</strong> :") == len(ipa.DIMENSIONS)
    assert html.count("<strong>5</strong> :") == len(ipa.DIMENSIONS)
    assert "<strong>2</strong> :" not in html and "<strong>4</strong> :" not in html


def test_the_french_debrief_instruction_matches_the_anchors_too(client, world, debriefed):
    client.cookies["django_language"] = "fr"
    client.force_login(world.ceo)
    html = client.get(
        reverse("working_sessions:ceo_debrief", kwargs={"session_pk": debriefed.pk})
    ).content.decode()
    assert "niveaux 1, 3 et 5 sont décrits sous chaque dimension" in html
    assert "pas du tout comme décrit au niveau 5" not in html


def test_after_her_debrief_the_ceo_sees_her_ratings_beside_the_others_with_the_gaps(client, world, debriefed):
    client.force_login(world.ceo)
    before = client.get(debriefed.get_absolute_url()).content.decode()
    assert 'id="perception-table"' not in before  # sealed until her own debrief
    client.post(
        reverse("working_sessions:ceo_debrief", kwargs={"session_pk": debriefed.pk}),
        {f"dim_{d.code}": str(v) for d, v in zip(ipa.DIMENSIONS, CEO, strict=True)},
    )
    html = client.get(debriefed.get_absolute_url()).content.decode()
    assert "Your ratings beside the mediator’s and the candidate’s" in html
    cells = table_cells(html)
    assert list(cells) == [d.code for d in ipa.DIMENSIONS]
    for d, med, ceo, cand in zip(ipa.DIMENSIONS, MEDIATOR, CEO, CANDIDATE, strict=True):
        assert cells[d.code] == {
            "ceo_rating": str(ceo),
            "mediator": str(med),
            "candidate_rating": str(cand),
            "ceo_gap": signed(ceo - med),
            "candidate_gap": signed(cand - med),
            "parties_gap": signed(ceo - cand),  # the CEO against the candidate
        }, d.code
    # e.g. the first dimension: CEO 5 vs mediator 4 → +1; the candidate 3 → −1
    assert cells[ipa.DIMENSIONS[0].code]["ceo_gap"] == "+1"
    assert cells[ipa.DIMENSIONS[3].code]["candidate_gap"] == "−2"


def test_the_recruiter_reads_the_same_table_and_the_mediator_does_not(client, world, debriefed):
    services.debrief_submit_ceo(session=debriefed, by=world.ceo, ratings=ratings(CEO))
    client.force_login(world.recruiter)
    html = client.get(debriefed.get_absolute_url()).content.decode()
    assert "The CEO’s and the candidate’s ratings beside the mediator’s" in html
    assert table_cells(html)[ipa.DIMENSIONS[2].code]["ceo_gap"] == signed(CEO[2] - MEDIATOR[2])
    client.force_login(world.mediator)
    assert 'id="perception-table"' not in client.get(debriefed.get_absolute_url()).content.decode()


def test_the_rule_is_in_access(world, debriefed):
    assert not access.debrief_ratings_visible(world.ceo, debriefed)
    assert access.debrief_ratings_visible(world.recruiter, debriefed)
    assert access.debrief_ratings_visible(world.staff, debriefed)
    assert not access.debrief_ratings_visible(world.mediator, debriefed)
    assert not access.debrief_ratings_visible(world.other_ceo, debriefed)
    assert not access.debrief_ratings_visible(world.other_recruiter, debriefed)
    services.debrief_submit_ceo(session=debriefed, by=world.ceo, ratings=ratings(CEO))
    assert access.debrief_ratings_visible(world.ceo, debriefed)


def test_without_the_candidate_debrief_the_page_says_so(client, world):
    session = world.past_session()
    observe(session, values=MEDIATOR)
    session.refresh_from_db()
    services.debrief_submit_ceo(session=session, by=world.ceo, ratings=ratings(CEO))
    client.force_login(world.ceo)
    html = client.get(session.get_absolute_url()).content.decode()
    cells = table_cells(html)
    assert cells[ipa.DIMENSIONS[0].code]["candidate_rating"] == "—"
    assert cells[ipa.DIMENSIONS[0].code]["candidate_gap"] == "—"
    assert "The candidate has not given their debrief of this session yet." in html


def test_the_pdf_table_and_the_session_table_are_one_piece_of_code():
    mediator, ceo = ratings(MEDIATOR), ratings(CEO)
    rows = compatibility.session_perception_table(mediator, {"ceo": ceo, "candidate": None})
    assert [r["ceo"] for r in rows] == [c - m for c, m in zip(CEO, MEDIATOR, strict=True)]
    assert all(r["candidate"] is None and r["candidate_rating"] is None for r in rows)
    # the PDF's rows over the sessions come from the same function, labels added
    summary = {
        "dimension_means": {d.code: 3.5 for d in ipa.DIMENSIONS},
        "perception_gap_means": {"ceo": {ipa.DIMENSIONS[0].code: 0.5}},
    }
    pdf = rendering._dimension_rows(summary)
    assert [r["code"] for r in pdf] == [d.code for d in ipa.DIMENSIONS]
    assert pdf[0]["mediator"] == 3.5 and pdf[0]["ceo"] == 0.5 and pdf[1]["ceo"] is None and pdf[0]["label"]
    assert {k: v for k, v in pdf[0].items() if k != "label"} == compatibility.perception_table(
        summary["dimension_means"], summary["perception_gap_means"]
    )[0]
