"""The role dot plot (``reports.charts.role_dot_plot``) and the dashboard's cards: one marker per
candidate per role at the score's place on the 1–5 axis, the 3.0 gate line, values below it in
red, full names; on the dashboard and the comparison, the cards and the chart carry the table's
figures (checked against values worked out here from the ratings)."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from reports import charts

ROLES = [
    ("conductor", "Chef d’orchestre"),
    ("business_partner", "Business partner"),
    ("entrepreneur", "Entrepreneur"),
    ("posture", "Posture"),
]
#: The plot's 1–5 axis runs from x = 150 (score 1) to x = 440 − 24 = 416 (score 5): 66.5 px a point.
X_AT_1, X_AT_5 = 150.0, 416.0


def expected_x(score):
    return X_AT_1 + (score - 1) * (X_AT_5 - X_AT_1) / 4


def plot(candidates):
    with translation.override("fr"):
        return str(
            charts.role_dot_plot(
                candidates,
                ROLES,
                gate=3.0,
                title="Notes des rôles",
                axis_title="Note (1 à 5)",
                gate_label="seuil 3,0",
                no_evidence="pas de preuve",
            )
        )


def markers(svg):
    """``{(candidate index, role): (x, score)}`` of every data marker of the plot."""
    found = {}
    for tag in re.findall(r"<(?:circle|rect|polygon)\b[^>]*data-candidate[^>]*>", svg):
        index = int(re.search(r'data-candidate="(\d+)"', tag).group(1))
        role = re.search(r'data-role="([^"]+)"', tag).group(1)
        score = float(re.search(r'data-score="([^"]+)"', tag).group(1))
        if tag.startswith("<circle"):
            x = float(re.search(r'cx="([^"]+)"', tag).group(1))
        elif tag.startswith("<rect"):
            left = float(re.search(r' x="([^"]+)"', tag).group(1))
            x = left + float(re.search(r'width="([^"]+)"', tag).group(1)) / 2
        else:  # triangle (apex first) or diamond (top first): the first point is on the centre line
            x = float(re.search(r'points="([\d.]+),', tag).group(1))
        found[(index, role)] = (x, score)
    return found


def test_one_marker_per_candidate_and_role_at_its_score():
    svg = plot(
        [
            (
                "Éloïse Lœwenbrück-Ngô",
                {"conductor": 4.0, "business_partner": 3.5, "entrepreneur": 5.0, "posture": 1.0},
            ),
            (
                "Alice Forte",
                {"conductor": 2.0, "business_partner": 3.0, "entrepreneur": 4.25, "posture": 4.0},
            ),
            (
                "Bruno Bancal",
                {"conductor": 4.0, "business_partner": 4.0, "entrepreneur": 2.0, "posture": 4.0},
            ),
        ]
    )
    found = markers(svg)
    assert len(found) == 3 * 4
    assert found[(0, "conductor")] == (pytest.approx(349.5, abs=0.1), 4.0)  # 150 + 3 × 66.5
    assert found[(0, "entrepreneur")][0] == pytest.approx(X_AT_5, abs=0.1)
    assert found[(0, "posture")][0] == pytest.approx(X_AT_1, abs=0.1)
    assert found[(1, "business_partner")][0] == pytest.approx(283.0, abs=0.1)  # on the gate
    assert found[(1, "entrepreneur")][0] == pytest.approx(expected_x(4.25), abs=0.1)
    assert found[(2, "entrepreneur")][0] == pytest.approx(expected_x(2.0), abs=0.1)
    # Each candidate has its own shape (colour is not the only cue).
    assert len(re.findall(r'<circle\b[^>]*data-candidate="0"', svg)) == 4
    assert len(re.findall(r'<rect\b[^>]*data-candidate="1"', svg)) == 4
    assert len(re.findall(r'<polygon\b[^>]*data-candidate="2"', svg)) == 4


def test_gate_line_and_values_below_it_in_red():
    svg = plot(
        [("Bruno Bancal", {"conductor": 4.0, "business_partner": 2.75, "entrepreneur": 2.0, "posture": 3.0})]
    )
    gate = re.search(r'<line class="gate" x1="([\d.]+)"[^>]*data-gate="3.0000"', svg)
    assert gate and float(gate.group(1)) == pytest.approx(283.0, abs=0.1)
    assert "seuil 3,0" in svg
    red = re.findall(r'fill="#b02a37" font-weight="bold">([^<]+)</text>', svg)
    assert sorted(red) == ["2,00", "2,75"]  # 3,00 is at the gate: passed, not red
    assert ">4,00</text>" in svg and ">3,00</text>" in svg


def test_full_names_wrapped_never_cut_and_no_evidence_named():
    svg = plot(
        [
            ("Marie-Christine Delacroix-Vandenberghe", {"conductor": 4.0, "business_partner": None}),
            ("Ana Li", {"conductor": 3.0, "business_partner": 3.0, "entrepreneur": 3.0, "posture": 3.0}),
        ]
    )
    lines = [unescape(t) for t in re.findall(r'text-anchor="end" fill="#212529">([^<]+)</text>', svg)]
    words = "".join(lines[:3])
    assert "Marie-Christine" in words.replace(" ", "") or "Marie-" in lines[0]
    assert "".join(lines).replace(" ", "").count("Delacroix-Vandenberghe") == 4  # one per panel
    assert all(len(line) <= 22 for line in lines)
    assert svg.count(">pas de preuve</text>") == 3  # business partner, entrepreneur and posture of Marie
    assert (
        'role="img"' in svg
        and "<title" in svg
        and "Marie-Christine Delacroix-Vandenberghe, Chef d’orchestre" in unescape(svg)
    )


def test_no_style_attribute_nor_script():
    svg = plot([("A B", {"conductor": 4.0})])
    assert not re.search(r"\sstyle=", svg) and "<script" not in svg and "<style" not in svg


# ---------------------------------------------------------------------------------- the pages


@pytest.fixture
def pool(world):
    """Two more rated candidates: Alice Forte 5/5/5 (posture 4), Bruno Bancal 4/4/2 (posture 4),
    each rated by both recruiters with the same levels."""
    world.forte = world.candidate_application("Alice", "Forte", levels=(5, 5, 5), years_finance=3, years_hr=3)
    world.bancal = world.candidate_application(
        "Bruno", "Bancal", levels=(4, 4, 2), years_finance=14, years_hr=1
    )
    return world


def text(html):
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip(" ")


def card_of(page, pk):
    start = page.index(f'<li class="col" data-application="{pk}">')
    return page[start : page.index("</li>", start)]


def card_figure(card, name):
    match = re.search(rf'data-figure="{name}"><dt>[^<]*</dt><dd[^>]*>(.*?)</dd>', card, re.DOTALL)
    return text(match.group(1))


def table_cells(page, pk):
    start = page.index(f'<tr data-application="{pk}">')
    row = page[start : page.index("</tr>", start)]
    return [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]


def ceo_page(world, url):
    client = Client()
    client.force_login(world.ceo)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_dashboard_cards_carry_the_table_figures(pool):
    page = ceo_page(pool, reverse("reports:dashboard", args=[pool.mandate.slug]))
    # Worked out from the ratings: fit = geometric mean of the three roles.
    expected = {
        pool.forte.pk: {
            "fit": "5,00",
            "gate": "Seuil atteint",
            "conductor": "5,00",
            "entrepreneur": "5,00",
            "posture": "4,00",
        },
        pool.bancal.pk: {
            "fit": f"{(4 * 4 * 2) ** (1 / 3):.2f}".replace(".", ","),
            "gate": "Seuil non atteint",
            "conductor": "4,00",
            "entrepreneur": "2,00",
            "posture": "4,00",
        },
    }
    assert expected[pool.bancal.pk]["fit"] == "3,17"
    for pk, figures in expected.items():
        card = card_of(page, pk)
        for name, value in figures.items():
            assert card_figure(card, name) == value, (pk, name)
        cells = table_cells(page, pk)
        assert cells[3] == figures["conductor"] and cells[5] == figures["entrepreneur"]
        assert cells[6] == figures["posture"]
        assert cells[7].startswith(figures["fit"]) and figures["gate"] in cells[7]
        # Balance, compatibility and flags: the same texts in the card and in the table.
        assert card_figure(card, "balance") == cells[8]
        assert card_figure(card, "compatibility") == cells[9]
        flags = re.search(r'data-figure="flags">(.*?)</div>', card, re.DOTALL).group(1)
        assert text(flags).startswith("Alertes\u00a0:")  # for screen readers
        assert text(re.sub(r'<span class="visually-hidden">.*?</span>', "", flags)) == cells[10]
    bancal = card_of(page, pool.bancal.pk)
    assert "seuil non atteint" in bancal and "Entrepreneur" in text(bancal)
    assert 'class="text-danger fw-semibold">2,00</dd>' in bancal


def test_dashboard_dot_plot_has_the_first_four_rows_with_their_figures(pool):
    for n in range(3):
        pool.candidate_application("Extra", f"Candidat{n}", levels=(3, 3, 3))
    page = ceo_page(pool, reverse("reports:dashboard", args=[pool.mandate.slug]))
    svg = page[page.index('class="dot-plot"') :]
    svg = svg[: svg.index("</svg>")]
    found = markers(svg)
    assert len(found) == 4 * 4  # four candidates (the default order: fit, highest first) × 4 groups
    # Alice Forte first (fit 5.00): candidate 0, conductor at 5.
    assert found[(0, "conductor")] == (pytest.approx(X_AT_5, abs=0.1), 5.0)
    # Forte 5.00, Lœwenbrück-Ngô 3.99, Bancal 3.17, then the first of the three at 3.00 (name order).
    assert all(name in svg for name in ("Alice Forte", "Bruno Bancal", "Extra Candidat0"))
    assert "Candidat1" not in svg and "Candidat2" not in svg
    assert 'nonce="' not in svg  # presentation attributes only: nothing for the CSP to allow


def test_compare_page_dot_plot_and_cards(pool):
    url = reverse("reports:compare", args=[pool.mandate.slug]) + f"?a={pool.bancal.pk}&a={pool.forte.pk}"
    page = ceo_page(pool, url)
    svg = page[page.index('class="dot-plot"') :]
    svg = svg[: svg.index("</svg>")]
    found = markers(svg)
    assert len(found) == 2 * 4
    # In the order asked for: Bancal first.
    assert found[(0, "entrepreneur")] == (pytest.approx(expected_x(2.0), abs=0.1), 2.0)
    assert found[(1, "entrepreneur")] == (pytest.approx(X_AT_5, abs=0.1), 5.0)
    cards = page[page.index('id="compare-cards"') :]
    assert card_figure(card_of(cards, pool.bancal.pk), "fit") == "3,17"
    assert card_figure(card_of(cards, pool.forte.pk), "gate") == "Seuil atteint"
