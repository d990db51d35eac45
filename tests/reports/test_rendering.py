"""Snapshot → HTML → PDF: content, French typography, fonts, local resources only, pure helpers."""

import io
import logging
import urllib.request

import pytest
from pypdf import PdfReader

from reports import rendering
from reports.snapshot import build_snapshot
from reports.templatetags import report_tags
from tests.assessments.helpers import CODES, rate
from tests.reports.conftest import ACCENTED_NAME, LONG_URL, ROLE_NAMES_FR, hold_sessions


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def squash(text: str) -> str:
    """Text with every kind of space folded to one plain space (PDF extraction varies)."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def embedded_fonts(pdf: bytes) -> set:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for font in fonts.values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


@pytest.fixture
def snapshot(world):
    return build_snapshot(application=world.application, version=1, by=world.ceo, language="fr")


def test_pdf_has_the_accented_name_the_three_french_roles_and_french_typography(snapshot, strict_weasyprint):
    rendered = rendering.render_pdf(snapshot)
    text = squash(pdf_text(rendered.pdf))
    assert rendered.page_count >= 4
    assert len(PdfReader(io.BytesIO(rendered.pdf)).pages) == rendered.page_count
    assert " ".join(ACCENTED_NAME) in text
    for role in ROLE_NAMES_FR:
        assert role in text, role
    assert "œ" in text  # "Lœwenbrück", "cœur", "œuvrée"
    assert "« si je vous suis bien… »" in text  # guillemets with their narrow no-break spaces
    assert "’" in text  # typographic apostrophe ("Chef d’orchestre", "s’appuie")
    assert "Rapport de compatibilité" in text
    for section in (
        "Synthèse",
        "Graphiques",
        "Critères, écarts et alertes de désaccord",
        "Séances de travail",
        "Méta-communication et écarts de perception",
        "SWOT du candidat",
        "Annexe : méthodologie",
    ):
        assert section in text, section
    assert "Ouvrir l’offre de services aux filiales" in text and "contre-offre" in text  # SWOT O/T
    assert "Smith, P. C. & Kendall" in text and "Krippendorff, K. (2004)" in text
    assert "Bales, R. F. (1950)" in text and "Watzlawick" in text


def test_page_numbers_header_and_footer_on_every_page_but_the_cover(snapshot):
    reader = PdfReader(io.BytesIO(rendering.render_pdf(snapshot).pdf))
    pages = [squash(p.extract_text()) for p in reader.pages]
    total = len(pages)
    assert f"1 / {total}" not in pages[0]  # the cover has no header or footer
    for number, text in enumerate(pages[1:], start=2):
        assert f"{number} / {total}" in text
        assert "Rapport de compatibilité" in text and "Confidentiel" in text


def test_fonts_are_dejavu_and_embedded(snapshot):
    fonts = embedded_fonts(rendering.render_pdf(snapshot).pdf)
    assert fonts, "no font in the PDF"
    assert all("DejaVu" in name for name in fonts), fonts


def test_numbers_are_french_and_rounded_half_up(snapshot):
    from django.utils import translation

    text = squash(pdf_text(rendering.render_pdf(snapshot).pdf))
    fit = snapshot["summary"]["fit"]
    # Independent reference: the decimal written out by hand, rounded half up, with a decimal comma.
    whole, _, decimals = f"{fit:.10f}".partition(".")
    hundredths = int(whole) * 100 + int(decimals[:2]) + (decimals[2] >= "5")
    expected = f"{hundredths // 100},{hundredths % 100:02d}"
    assert expected in text
    with translation.override("fr"):
        assert report_tags.num(fit) == expected


def test_english_report(world, strict_weasyprint):
    snapshot = build_snapshot(application=world.application, version=1, language="en")
    html = rendering.render_html(snapshot)
    assert '<html lang="en">' in html
    text = squash(pdf_text(rendering.render_pdf(snapshot).pdf))
    assert "Compatibility report" in text and "Conductor" in text and "Executive summary" in text


def test_report_without_sessions_or_scores_still_renders(bare_world, strict_weasyprint):
    from candidates.models import Stage
    from tests.factories import ApplicationFactory, CandidateFactory

    application = ApplicationFactory(
        candidate=CandidateFactory(first_name="Zoé", last_name="Sans-Note"),
        mandate=bare_world.mandate,
        stage=Stage.SOURCED,
    )
    snapshot = build_snapshot(application=application, version=1)
    rendered = rendering.render_pdf(snapshot)
    text = squash(pdf_text(rendered.pdf))
    assert rendered.page_count >= 4
    assert "Aucune grille soumise" in text
    assert "Aucune séance de travail n’a encore été planifiée" in text
    assert "incomplète" in text


def test_long_words_and_urls_wrap_in_table_cells(world, strict_weasyprint):
    hold_sessions(
        world.other_application,
        mediator=_mediator_of(world.other_mandate),
        ceo=world.other_ceo,
        recruiter=world.other_recruiter,
        count=1,
        location=LONG_URL,
    )
    world.other_application.swot_threats = "Voir " + LONG_URL  # in a table cell (SWOT)
    world.other_application.save()
    snapshot = build_snapshot(application=world.other_application, version=1)
    html = rendering.render_html(snapshot)
    assert LONG_URL.replace("&", "&amp;")[:60] in html
    weasyprint = rendering._weasyprint()
    from weasyprint.formatting_structure import boxes

    document = weasyprint.HTML(
        string=html, base_url=rendering.static_base_url(), url_fetcher=rendering.local_fetcher()
    ).render()
    overflowing = []
    for page in document.pages[1:]:
        page_box = page._page_box
        right_edge = page_box.margin_width() - page_box.margin_right + 0.5
        for box in page_box.descendants():
            if isinstance(box, boxes.TextBox) and box.position_x + box.width > right_edge:
                overflowing.append(box.text[:40])
    assert not overflowing, overflowing
    css = rendering.finders.find(rendering.STYLESHEET)
    assert "overflow-wrap: anywhere" in open(css, encoding="utf-8").read()


def _mediator_of(mandate):
    from tests.factories import UserFactory

    mediator = UserFactory(username="med-autre", groups=["mediator"])
    mandate.mediators.add(mediator)
    return mediator


# ---------------------------------------------------------------------------------- resources


def test_weasyprint_errors_become_failures(strict_weasyprint):
    """The fixture itself works: a WeasyPrint warning is caught (here an unknown CSS property)."""
    weasyprint = rendering._weasyprint()
    weasyprint.HTML(
        string="<p style='colour: red'>x</p>",
        url_fetcher=rendering.local_fetcher(),
        base_url=rendering.static_base_url(),
    ).write_pdf()
    lines = [
        r
        for r in strict_weasyprint.records
        if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING
    ]
    assert lines, "the unknown property should have been logged"
    strict_weasyprint.clear()  # expected here: do not fail this test


def test_missing_static_file_stops_the_render():
    html = '<html><head><link rel="stylesheet" href="reports/does-not-exist.css"></head><body>x</body></html>'
    weasyprint = rendering._weasyprint()
    from weasyprint.urls import FatalURLFetchingError

    with pytest.raises(FatalURLFetchingError):
        weasyprint.HTML(
            string=html, base_url=rendering.static_base_url(), url_fetcher=rendering.local_fetcher()
        ).write_pdf()


def test_render_error_is_readable_for_a_missing_resource(monkeypatch, snapshot):
    monkeypatch.setattr(rendering, "STYLESHEET", "reports/missing.css")
    monkeypatch.setattr(
        rendering, "render_html", lambda snap: '<link rel="stylesheet" href="reports/missing.css">'
    )
    with pytest.raises(rendering.RenderError, match="could not be loaded"):
        rendering.render_pdf(snapshot)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/static/reports/report.css",
        "https://example.org/logo.png",
        "file:///etc/passwd",
        "ftp://example.org/x.css",
    ],
)
def test_fetcher_refuses_anything_but_static_files_and_data(url, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the report fetcher must never open a connection")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    with pytest.raises(ValueError):
        rendering.local_fetcher().fetch(url)


def test_fetcher_serves_the_stylesheet_and_data_uris():
    fetcher = rendering.local_fetcher()
    response = fetcher.fetch(rendering.static_base_url() + "reports/report.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    assert (
        fetcher.fetch(rendering.svg_data_uri("<svg xmlns='http://www.w3.org/2000/svg'/>"))
        .read()
        .startswith(b"<svg")
    )
    with pytest.raises(ValueError):
        fetcher.fetch(rendering.static_base_url() + "../settings.py")


def test_html_has_lang_and_no_remote_reference(snapshot):
    html = rendering.render_html(snapshot)
    assert '<html lang="fr">' in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org', "").replace(
        'xmlns:xlink="http://www.w3.org', ""
    )
    assert "<script" not in html


# ---------------------------------------------------------------------------------- pure helpers


def test_reading_levels():
    base = {
        "submitted_scorecards": 3,
        "gate": {"passed": True, "missing_roles": [], "failing_criteria": []},
        "balance": {"band": "balanced", "breadth_ok": True, "depth_ok": True},
        "criteria": [],
        "compatibility": {"verdict": "compatible"},
    }
    assert rendering.reading(base) == {"level": "favourable", "reasons": []}
    pending = {**base, "compatibility": {"verdict": None}}
    assert rendering.reading(pending)["level"] == "incomplete"
    failed = {**pending, "gate": {"passed": False, "missing_roles": ["entrepreneur"], "failing_criteria": []}}
    assert rendering.reading(failed) == {
        "level": "unfavourable",
        "reasons": ["gate_failed", "compatibility_pending"],
    }
    reserved = {
        **base,
        "balance": {"band": "concentrated", "breadth_ok": False, "depth_ok": True},
        "criteria": [{"level": "red"}],
    }
    assert rendering.reading(reserved) == {
        "level": "reserved",
        "reasons": ["concentrated", "breadth", "re_observe"],
    }
    assert rendering.reading({**base, "submitted_scorecards": 0})["reasons"][0] == "no_scorecards"
    assert (
        rendering.reading({**base, "compatibility": {"verdict": "not_compatible"}})["level"] == "unfavourable"
    )


def test_swot_from_scores():
    criteria = [
        {"code": c, "label": c, "group": "g", "score": s}
        for c, s in (("a", 4.5), ("b", 2.0), ("c", None), ("d", 3.5), ("e", 4.5), ("f", 3.9))
    ]
    swot = rendering.swot_from_scores(criteria, size=2)
    assert [c["code"] for c in swot["strengths"]] == ["a", "e"]
    assert [c["code"] for c in swot["weaknesses"]] == ["b"]  # 3.5 and 3.9 are at or above the gate
    low = rendering.swot_from_scores([{"code": "x", "label": "x", "group": "g", "score": 2.5}])
    assert low == {"strengths": [], "weaknesses": [{"code": "x", "label": "x", "group": "g", "score": 2.5}]}


@pytest.mark.parametrize(
    ("score", "side"), [(2.99, "weaknesses"), (3.0, "strengths"), (3.67, "strengths"), (1.0, "weaknesses")]
)
def test_swot_sides_never_overlap_at_the_gate(score, side):
    """One boundary, 3.0: a criterion lands on exactly one side, whatever the others."""
    criterion = {"code": "x", "label": "x", "group": "g", "score": score}
    others = [{"code": f"o{i}", "label": "o", "group": "g", "score": s} for i, s in enumerate((1.5, 4.8))]
    for criteria in ([criterion], [criterion, *others]):
        swot = rendering.swot_from_scores(criteria, size=3)
        sides = [name for name in ("strengths", "weaknesses") if criterion in swot[name]]
        assert sides == [side]


def test_lines():
    assert rendering.lines("- un\n\n• deux \n  * trois\n") == ["un", "deux", "trois"]
    assert rendering.lines("") == []


def test_french_typography_filter():
    from django.utils import translation

    with translation.override("fr"):
        out = str(report_tags.typo('Il dit "oui" : c\'est sûr ; vraiment ? <b>'))
        assert out == "Il dit «\u202foui\u202f»\u00a0: c’est sûr\u202f; vraiment\u202f? &lt;b&gt;"
        assert (
            str(report_tags.typo("https://visio.example.org/a?b=c: fin"))
            == "https://visio.example.org/a?b=c: fin"
        )
    with translation.override("en"):
        assert str(report_tags.typo("It's: fine?")) == "It&#x27;s: fine?"


def test_number_filters():
    from django.utils import translation

    with translation.override("fr"):
        assert report_tags.num(2.6666) == "2,67"
        assert report_tags.num(4.125) == "4,13"
        assert report_tags.num(None) == "—"
        assert (
            report_tags.signed(-0.5) == "−0,50"
            and report_tags.signed(1) == "+1,00"
            and report_tags.signed(0) == "0,00"
        )
        assert report_tags.pct(0.421) == "42\u00a0%"
    with translation.override("en"):
        assert report_tags.num(3.72) == "3.72" and report_tags.pct(0.5) == "50%"


# ---------------------------------------------------------------------------------- reliability on page 1


def _page_texts(pdf: bytes) -> list[str]:
    return [squash(page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages]


def _fr(message):
    from django.utils import translation

    with translation.override("fr"):
        return squash(translation.gettext(message))


def test_an_unreliable_panel_is_said_on_the_summary_page_and_the_reading_is_not_favourable(world):
    """Three more candidates on whom the two recruiters disagree completely push the mandate's α
    below .667: the executive summary (page 2, after the cover) says so next to the figures."""
    from figures.services import mandate_statistics_refresh

    for n in range(3):
        application = world.candidate_application(f"Désaccord{n}", "Test", levels=None)
        rate(application, world.recruiter, dict.fromkeys(CODES, 5))
        rate(application, world.recruiter2, dict.fromkeys(CODES, 1))
    mandate_statistics_refresh(mandate_id=world.mandate.pk)
    snapshot = build_snapshot(application=world.application, version=1, by=world.ceo, language="fr")
    summary = snapshot["summary"]
    assert summary["alpha"]["value"] < 0.667
    assert summary["reliability"]["level"] == "unreliable"
    assert summary["reading"]["level"] != "favourable" and "panel_unreliable" in summary["reading"]["reasons"]
    pages = _page_texts(rendering.render_pdf(snapshot).pdf)
    summary_page = pages[1]
    assert _fr("Panel agreement unreliable: discuss before deciding.") in summary_page
    assert _fr("favourable with reservations") in summary_page or _fr("unfavourable") in summary_page


def test_a_requester_with_an_open_scorecard_elsewhere_gets_a_version_without_mandate_statistics(world):
    other = world.candidate_application("Autre", "Candidat", levels=None)
    rate(other, world.ceo, {"cond_tools": 3}, submit=False)  # the CEO's scorecard in progress
    snapshot = build_snapshot(application=world.application, version=1, by=world.ceo, language="fr")
    summary = snapshot["summary"]
    assert summary["alpha"] is None
    assert summary["mandate_statistics"]["visible"] is False
    assert all(r["bias"] is None for r in summary["raters"])
    assert summary["reliability"]["level"] == "hidden" and summary["reading"]["level"] != "favourable"
    text = squash(pdf_text(rendering.render_pdf(snapshot).pdf))
    assert _fr("shown once you submit your open scorecards") in text
    # Another requester without a draft gets them.
    visible = build_snapshot(application=world.application, version=2, by=world.recruiter, language="fr")
    assert visible["summary"]["alpha"]["value"] is not None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3.0, "3"), (4, "4"), (2.5, "2,5"), (2.6667, "2,67"), (1.005, "1,01"), (0.333, "0,33"), (10.0, "10")],
)
def test_num_with_negative_digits_drops_trailing_zeros(value, expected):
    from django.utils import translation

    with translation.override("fr"):
        assert report_tags.num(value, -2) == expected
