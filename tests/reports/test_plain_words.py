"""Plain words first (issue 15, item 5): the assessment summary and the CEO's dashboard say
"concentration", "evenness" and "agreement between raters" (French: « Concentration »,
« Régularité », « Accord entre évaluateurs »), each a focusable button described by its short
explanation (``templates/_term.html``), and no longer "HHI*", "Pielou's J" or "Krippendorff's α";
the formulas stay in the PDF's methodology."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from reports import rendering

pytestmark = pytest.mark.django_db

JARGON = ("HHI", "Pielou", "Krippendorff", "α")
EXPLANATIONS = {
    "concentration": "How much of the experience sits in one or a few support domains",
    "evenness": "How evenly the years are shared between the support domains",
    "agreement": "How far the mandate’s raters give the same ratings to the same candidates",
}


def html_of(user, url, language):
    client = Client()
    client.cookies["django_language"] = language
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def visible_text(html):
    """The page's text without its tags, scripts and styles (attributes included in nothing)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def term(html, term_id):
    """(the button's text, its title, the description it points to) of a plain word on the page."""
    button = re.search(
        rf'<button type="button" class="term" data-bs-toggle="tooltip" title="([^"]+)" '
        rf'aria-describedby="{term_id}-help">([^<]+)</button>',
        html,
    )
    assert button, term_id
    described = re.search(rf'<span class="visually-hidden" id="{term_id}-help">([^<]+)</span>', html)
    return button.group(2), button.group(1), described.group(1)


def summary_url(world):
    return reverse("assessments:summary", args=[world.application.pk])


def dashboard_url(world):
    return reverse("reports:dashboard", args=[world.mandate.slug])


def test_the_summary_says_plain_words_with_their_explanation(world):
    html = html_of(world.recruiter, summary_url(world), "en")
    for term_id, word in (
        ("term-concentration", "Concentration"),
        ("term-evenness", "Evenness"),
        ("term-agreement", "Agreement between raters"),
    ):
        text, title, described = term(html, term_id)
        assert text == word
        assert title.replace("&#x27;", "'") == described.replace("&#x27;", "'")
        assert described.startswith(EXPLANATIONS[term_id.removeprefix("term-")].replace("’", "’"))
        assert "methodology" in described
    page_text = visible_text(html)
    for jargon in JARGON:
        assert jargon not in page_text, jargon


def test_the_summary_in_french(world):
    html = html_of(world.recruiter, summary_url(world), "fr")
    assert term(html, "term-concentration")[0] == "Concentration"
    assert term(html, "term-evenness")[0] == "Régularité"
    assert term(html, "term-agreement")[0] == "Accord entre évaluateurs"
    assert term(html, "term-evenness")[2].startswith("La régularité de la répartition des années")
    page_text = visible_text(html)
    for jargon in (*JARGON, "J de Pielou", "α de Krippendorff"):
        assert jargon not in page_text, jargon


@pytest.mark.parametrize(
    ("language", "word"), [("en", "Agreement between raters"), ("fr", "Accord entre évaluateurs")]
)
def test_the_dashboard_says_agreement_between_raters(world, language, word):
    html = html_of(world.ceo, dashboard_url(world), language)
    panel = html.split('id="panel-agreement"', 1)[1].split("</div>", 1)[0]
    assert term(panel, "term-agreement")[0] == word
    assert ("(mandate):" if language == "en" else "(mandat)\u00a0:") in panel
    page_text = visible_text(html)
    for jargon in JARGON:
        assert jargon not in page_text, jargon


def test_the_formulas_stay_in_the_methodology(world):
    from django.utils import translation

    from reports import snapshot

    with translation.override("en"):
        html = rendering.render_html(
            snapshot.build_snapshot(application=world.application, version=1, by=world.ceo, language="en")
        )
    methodology = html.split('id="method"', 1)[1]
    assert "HHI* = (HHI − 1/n) / (1 − 1/n)" in methodology
    assert "Pielou" in methodology and "Krippendorff" in methodology
