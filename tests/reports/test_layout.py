"""The PDF's layout as a CEO sees it, read off WeasyPrint's laid-out pages: no text past the page
box or into the margins, a table of contents whose page numbers are the pages the chapters really
start on, an author/version/date block, and no half-empty page (issue 15, item 9)."""

import io
import re

import pytest
from pypdf import PdfReader

from reports import rendering
from reports.snapshot import build_snapshot

CHAPTER_IDS = ("summary", "charts", "criteria", "sessions", "perception", "swot", "method", "sources")
TOLERANCE = 0.5  # CSS px: sub-pixel rounding of the layout


def _layout(snapshot):
    """WeasyPrint's laid-out document of the report (the same HTML, stylesheet and fetcher)."""
    from weasyprint import HTML

    html = rendering.render_html(snapshot)
    return HTML(
        string=html, base_url=rendering.static_base_url(), url_fetcher=rendering.local_fetcher()
    ).render()


def _body_boxes(page):
    """Every box of a page outside the margin boxes (running header, footer, page number)."""
    from weasyprint.formatting_structure import boxes

    stack = [child for child in page._page_box.children if not isinstance(child, boxes.MarginBox)]
    while stack:
        box = stack.pop()
        yield box
        stack.extend(getattr(box, "children", ()))


def _content_area(page):
    """(left, top, right, bottom) of the page's content box, in CSS px."""
    box = page._page_box
    left = box.margin_left
    top = box.margin_top
    return left, top, box.margin_width() - box.margin_right, box.margin_height() - box.margin_bottom


def _text_boxes(page):
    from weasyprint.formatting_structure import boxes

    return [b for b in _body_boxes(page) if isinstance(b, boxes.TextBox) and b.text.strip()]


@pytest.fixture(params=["fr", "en"])
def document(request, world):
    snapshot = build_snapshot(
        application=world.application, version=2, by=world.recruiter, language=request.param
    )
    return snapshot, _layout(snapshot)


def test_no_text_leaves_the_page_or_its_margins(document):
    _snapshot, laid_out = document
    escaped = []
    for number, page in enumerate(laid_out.pages, start=1):
        width, height = page.width, page.height
        left, top, right, bottom = _content_area(page) if number > 1 else (0, 0, width, height)
        for box in _text_boxes(page):
            x0, x1 = box.position_x, box.position_x + box.width
            y0, y1 = box.position_y, box.position_y + box.height
            if (
                x0 < left - TOLERANCE
                or x1 > right + TOLERANCE
                or y0 < top - TOLERANCE
                or y1 > bottom + TOLERANCE
            ):
                escaped.append((number, box.text[:30], round(x0), round(x1), round(y0), round(y1)))
    assert not escaped, escaped


def test_the_table_of_contents_gives_the_pages_the_chapters_start_on(document):
    snapshot, laid_out = document
    started = {}
    for number, page in enumerate(laid_out.pages, start=1):
        if number == 1:
            continue  # the cover holds the table of contents itself
        for box in _body_boxes(page):
            element = getattr(box, "element", None)
            anchor = element.get("id") if element is not None else None
            if anchor in CHAPTER_IDS:
                started.setdefault(anchor, number)
    assert set(started) == set(CHAPTER_IDS)
    # What the reader sees: the cover's text, "Title ....... N" per line, extracted from the PDF.
    pdf = laid_out.write_pdf()
    cover = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    printed = [int(n) for n in re.findall(r"\.{4,}\s*(\d+)\s*$", cover, flags=re.MULTILINE)]
    assert printed == [started[anchor] for anchor in CHAPTER_IDS]
    assert printed == sorted(printed) and printed[0] == 2


def test_the_cover_carries_author_version_and_date(world):
    snapshot = build_snapshot(application=world.application, version=3, by=world.recruiter, language="fr")
    pdf = rendering.render_pdf(snapshot).pdf
    cover = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Auteur" in cover and world.recruiter.get_full_name() in cover
    assert "3 (remplace la version 2)" in cover
    assert "Données arrêtées au" in cover
    assert "SOMMAIRE" in cover  # the heading is set in capitals (text-transform)


def test_no_half_empty_page_and_no_nearly_empty_last_page(document):
    _snapshot, laid_out = document
    pages = laid_out.pages
    fills = []
    for page in pages[1:]:
        _left, top, _right, bottom = _content_area(page)
        lowest = max(box.position_y + box.height for box in _text_boxes(page))
        fills.append(round((lowest - top) / (bottom - top), 2))
    # Every page but the last is at least half full; the last holds more than a stray line or two.
    assert all(fill >= 0.5 for fill in fills[:-1]), fills
    assert fills[-1] >= 0.25, fills
