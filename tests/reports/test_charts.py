"""One chart vocabulary for the pages and the PDF (issue 15, item 4): the role bars carry the 3.0
gate line and red bars below it on the summary page as in the PDF; the years axis is common to
every candidate of a mandate (page and PDF) and titled; overlaid radar lines stay distinguishable."""

import re
import xml.etree.ElementTree as ET

from django.urls import reverse

from candidates.selectors import mandate_years_ceiling
from reports import charts
from reports.rendering import _charts, _role_labels
from reports.snapshot import build_snapshot

SVG = "{http://www.w3.org/2000/svg}"


def _tree(svg: str):
    return ET.fromstring(svg)  # noqa: S314 — our own pygal output, in a test


def _axis_ticks(svg: str, axis: str) -> list[str]:
    """Tick labels of one pygal axis (``"x"`` or ``"y"``), in document order."""
    root = _tree(svg)
    for group in root.iter(f"{SVG}g"):
        if group.get("class", "").split()[:2] == ["axis", axis]:
            return [t.text for t in group.iter(f"{SVG}text") if t.text]
    return []


def _bar_colours(svg: str) -> list[str]:
    """Fill colour of each bar, in series order (pygal sets a per-value colour on the bar's group)."""
    colours = []
    for group in _tree(svg).iter(f"{SVG}g"):
        if "bar" in group.get("class", "").split():
            match = re.search(r"fill:\s*(#[0-9a-fA-F]{6})", group.get("style", ""))
            colours.append(match.group(1).lower() if match else "")
    return colours


def test_the_years_axis_is_the_mandates_on_the_page_and_in_the_pdf(bare_world, client):
    world = bare_world
    # Éloïse has at most 3 years in a domain; another candidate of the mandate has 9 in HR.
    veteran = world.candidate_application("Victor", "Vétéran", years_hr=9, years_finance=1)
    assert mandate_years_ceiling(world.mandate) == 9.0
    other = world.other_application.candidate.years_by_domain()
    assert mandate_years_ceiling(world.other_mandate) == float(
        max(other[code] for code in world.other_mandate.support_domains)
    )

    client.force_login(world.recruiter)
    pages = [
        client.get(reverse("assessments:summary", args=[application.pk])).context["balance_chart"]
        for application in (world.application, veteran)
    ]
    ticks = [_axis_ticks(svg, "x") for svg in pages]  # horizontal bars: the values run along x
    assert ticks[0] == ticks[1] and float(ticks[0][-1]) >= 9
    assert all("Années" in "".join(_tree(svg).itertext()) for svg in pages)  # the axis title

    snapshot = build_snapshot(application=world.application, version=1, language="fr")
    assert snapshot["mandate"]["years_axis_top"] == 9.0
    svg = _charts(snapshot, _role_labels())["balance"]  # the SVG the PDF embeds as an image
    assert _axis_ticks(svg, "x") == ticks[0]


def test_the_summary_page_role_bars_show_the_gate_and_red_below_it(bare_world, client):
    world = bare_world
    weak = world.candidate_application("Wanda", "Faible", levels=(2, 4, 4))  # conductor 2.0 < 3.0
    client.force_login(world.recruiter)
    svg = client.get(reverse("assessments:summary", args=[weak.pk])).context["role_chart"]
    colours = _bar_colours(svg)
    assert len(colours) == 4  # three roles and posture
    assert colours.count(charts.FAIL.lower()) == 1 and colours.count(charts.PASS.lower()) == 3
    # One major guide, at 3 (the gate), on the value axis.
    root = _tree(svg)
    majors = [t.text for t in root.iter(f"{SVG}text") if "major" in t.get("class", "")]
    assert [float(text.replace(",", ".")) for text in majors] == [3.0], majors


def test_overlaid_radar_lines_have_their_own_dash_pattern():
    svg = charts.criteria_radar({"A": [3, 4, 5, 4], "B": [3, 4, 5, 2], "C": [2, 2, 2, 2]}, list("1234"))
    dashes = re.findall(r"\.serie-(\d)\{[^}]*stroke-dasharray:([^;}]+)", svg)
    assert dict(dashes) == {"0": "none", "1": "8,4", "2": "2,4"}


def test_ceiling_counts_only_the_mandates_support_domains(bare_world):
    world = bare_world
    world.mandate.support_domains = ["finance", "hr"]
    world.mandate.save()
    world.candidate_application("Iris", "Informatique", years_it=12, years_finance=4)
    assert mandate_years_ceiling(world.mandate) == 4.0  # 12 years of IT are outside this mandate


SPOKES = ["Outils du support", "Posture entrepreneuriale", "Catalogue de services", "Sens et cap"]


def _spoke_texts(svg):
    """The radar's spoke names: ``(full text, anchor class, x)`` per spoke, in order."""
    root = _tree(svg)
    web = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "axis x web")
    out = []
    for text in web.iter(f"{SVG}text"):
        words = " ".join((span.text or "") for span in text.iter(f"{SVG}tspan"))
        out.append((words, text.get("class", ""), float(text.get("x"))))
    return out


def test_radar_spokes_carry_the_short_names_in_full_level_and_away_from_the_centre():
    svg = charts.criteria_radar({"Panel": [3, 4, 2, 5]}, SPOKES)
    spokes = _spoke_texts(svg)
    assert [s[0] for s in spokes] == SPOKES  # wrapped on lines, never cut
    assert "…" not in svg and "rotate(" not in svg.split('class="axis x web"')[1].split("</g></g>")[0]
    # Four spokes, counter-clockwise from the top (pygal's order): top (centred), left (the name
    # ends at the spoke), bottom (centred), right (it starts there).
    assert [s[1] for s in spokes] == ["", "spoke-end", "", "spoke-start"]
    assert spokes[3][2] > spokes[0][2] > spokes[1][2]


def test_the_radar_web_is_round_whatever_the_box():
    """pygal stretches the web to its box; ours stays a circle, the room going to the names."""
    svg = charts.criteria_radar({"Panel": [5, 5, 5, 5]}, SPOKES, width=760, height=420)
    root = _tree(svg)
    outer = next(
        p for g in root.iter(f"{SVG}g") if g.get("class") == "axis y web" for p in g.iter(f"{SVG}path")
    )
    points = [tuple(map(float, pair.split())) for pair in re.findall(r"[\d.]+ [\d.]+", outer.get("d"))]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert abs((max(xs) - min(xs)) - (max(ys) - min(ys))) < 1.0


def test_the_report_radar_is_labelled_with_the_criteria_short_names(world):
    from assessments.models import Criterion

    snapshot = build_snapshot(application=world.application, version=1, language="fr")
    svg = _charts(snapshot, _role_labels())["radar"]
    names = [s[0] for s in _spoke_texts(svg)]
    expected = [
        c.short_label_fr
        for c in Criterion.objects.filter(framework__is_active=True).order_by("order", "code")
        if c.code in {x["code"] for x in snapshot["summary"]["criteria"]}
    ]
    assert names == expected and "Outils du support" in names and "Goût de l’innovation" in names


def test_compared_candidates_keep_their_dot_plot_colour_and_full_name_in_the_radar():
    names = {"Anne-Sophie Roux-Lambert": [3, 4, 2, 5], "Claire Dubois": [4, 4, 3, 3]}
    svg = charts.criteria_radar(names, SPOKES)
    assert "Anne-Sophie Roux-Lambert" in svg and "Anne-Sophie…" not in svg
    colours = re.findall(r"\.color-(\d)[^{]*\{[^}]*?(?:stroke|fill):\s*(#[0-9A-Fa-f]{6})", svg)
    assert dict(colours)["0"].lower() == charts.DOT_MARKERS[0][1].lower()
    assert dict(colours)["1"].lower() == charts.DOT_MARKERS[1][1].lower()
