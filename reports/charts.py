"""Server-made SVG charts (pygal) for pages and the PDF report.

No JavaScript and no remote resource: pygal's tooltip script is switched off (``js=[]``), so the
SVG renders the same in a browser and in WeasyPrint. Every function returns SVG markup (``str``)
safe to embed in a template. Scores are on the 1–5 scale; ``None`` means "no evidence" and leaves
the point or bar out. Values printed on the charts use the active language's decimal separator.
"""

import copy
import math
import re
import textwrap

import pygal
from django.template.defaultfilters import floatformat
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from pygal.style import Style

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    opacity=".85",
    opacity_hover=".95",
    colors=("#0d6efd", "#6f42c1", "#198754", "#fd7e14", "#dc3545", "#20c997"),
    font_family="DejaVu Sans, Arial, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    legend_font_size=12,
    title_font_size=14,
)
#: Bar colours: at or above the gate, below it, and a highlighted bar (dominant domain).
PASS, FAIL, HIGHLIGHT = "#198754", "#dc3545", "#fd7e14"
#: Style for print (PDF report): larger type for a chart printed about 8 cm wide, light dotted
#: guides and a solid red major guide (the gate).
PRINT_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    opacity=".9",
    opacity_hover=".9",
    colors=("#0d6efd", "#6f42c1", "#198754", "#fd7e14", "#dc3545", "#20c997"),
    font_family="DejaVu Sans",
    label_font_size=17,
    major_label_font_size=17,
    value_font_size=16,
    legend_font_size=17,
    title_font_size=18,
    tooltip_font_size=14,
    guide_stroke_color="#adb5bd",
    guide_stroke_dasharray="2,4",
    major_guide_stroke_color="#dc3545",
    major_guide_stroke_dasharray="8,0",
)
#: The same without a highlighted major guide (balance bars), and with a light fill (radar).
PRINT_STYLE_PLAIN = Style(
    **{**PRINT_STYLE.to_dict(), "major_guide_stroke_color": "#adb5bd", "major_guide_stroke_dasharray": "2,4"}
)
PRINT_STYLE_RADAR = Style(**{**PRINT_STYLE_PLAIN.to_dict(), "opacity": ".3"})
#: Dash patterns of overlaid radar lines (solid, dashed, dotted, dash-dot), in series order.
DASHES = ("none", "8,4", "2,4", "10,4,2,4")
#: Size (pixels of the SVG's view box) of a print chart.
PRINT_SIZE = {"width": 560, "height": 400}


def _config(**kwargs):
    base = {
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "show_legend": False,
        "width": 640,
        "height": 320,
        "print_values": True,
        "explicit_size": False,
    }
    base.update(kwargs)
    return base


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _render(chart) -> str:
    """The chart's SVG without what a Content-Security-Policy would refuse in a page: pygal's
    configuration ``<script>`` (unused: no tooltip script, ``js=[]``) is removed and its hidden
    tooltip's ``style="opacity: 0"`` becomes the presentation attribute ``opacity="0"``. The SVG's
    own ``<style>`` element stays: a page gives it the request's CSP nonce (``page_chart`` filter,
    ``reports/templatetags/report_tags.py``); the PDF takes the SVG as an image."""
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    svg = svg.replace('style="opacity: 0"', 'opacity="0"')
    return mark_safe(svg)  # noqa: S308 — pygal output, labels escaped by pygal


def _decimal(digits):
    """Formatter printing a number with ``digits`` decimals, rounded half up and with the active
    decimal separator — the same rounding as the ``floatformat`` filter of the tables, so a chart
    and a table never disagree (4.125 → 4,13 in both)."""
    return lambda v: floatformat(v, digits)


def balance_bars(
    years_by_label: dict,
    *,
    title: str = "",
    highlight: str | None = None,
    axis_top: float | None = None,
    axis_title: str = "",
    **options,
) -> str:
    """Horizontal bars of years of experience per support domain (``{label: years}``).

    ``highlight``: label of one domain drawn in the warning colour (the dominant domain, say);
    ``None`` draws every bar alike. ``axis_top``: the largest value the axis must hold — pass the
    mandate's (``candidates.selectors.mandate_years_ceiling``) so every candidate of a mandate is
    drawn on the same scale, on the page and in the PDF; ``None`` uses this chart's own largest
    value. ``axis_title`` names the value axis (years). The axis runs from 0 to the next tick
    above the top. ``options`` override pygal settings (e.g. ``style=PRINT_STYLE``).
    """
    top = max([float(v) for v in years_by_label.values()] + [1.0, float(axis_top or 0)])
    step = 1 if top <= 8 else 2 if top <= 16 else 5
    ticks = list(range(0, int(top) + step + 1, step))
    config = _config(
        title=title,
        height=40 + 32 * max(len(years_by_label), 1),
        range=(0, ticks[-1]),
        y_labels=ticks,
        truncate_label=-1,
        value_formatter=lambda v: f"{v:g}".replace(".", get_format("DECIMAL_SEPARATOR")),
        y_title=str(axis_title) or None,  # the value axis (drawn horizontally)
    )
    config.update(options)
    chart = pygal.HorizontalBar(**config)
    chart.x_labels = list(years_by_label)
    chart.add(
        "",
        [
            {"value": float(v), "color": HIGHLIGHT} if highlight and label == highlight else float(v)
            for label, v in years_by_label.items()
        ],
    )
    return _render(chart)


def role_bars(
    scores_by_label: dict, *, title: str = "", gate: float | None = None, horizontal: bool = False, **options
) -> str:
    """Bars of role scores on the 1–5 scale (``{label: score or None}``); the y axis starts at 1.

    With ``gate`` (e.g. 3.0, the role gate of ``assessments.scoring``), the gate is the one major
    guide line and each bar is green at or above it, red below it; ``horizontal=True`` lays the
    bars out horizontally (room for long role names); ``options`` override pygal settings.
    """
    if gate is None and not horizontal and not options:
        chart = pygal.Bar(
            **_config(title=title, range=(1, 5), include_x_axis=False, value_formatter=_decimal(2))
        )
        chart.x_labels = list(scores_by_label)
        chart.add("", [None if v is None else float(v) for v in scores_by_label.values()])
        return _render(chart)
    config = _config(
        title=title,
        range=(1, 5),
        include_x_axis=False,
        y_labels=[1, 2, 3, 4, 5],
        y_labels_major=[gate] if gate is not None else [],
        truncate_label=-1,
        value_formatter=_decimal(2),
    )
    config.update(options)
    chart = (pygal.HorizontalBar if horizontal else pygal.Bar)(**config)
    chart.x_labels = list(scores_by_label)
    chart.add(
        "",
        [
            None
            if v is None
            else {"value": float(v), "color": PASS if gate is None or float(v) >= gate else FAIL}
            for v in scores_by_label.values()
        ],
    )
    return _render(chart)


#: Characters per line of a radar spoke's name before it wraps (at most three lines); narrower
#: for the spokes near the top and the bottom, whose neighbours stand close beside them.
SPOKE_LINE = 16
SPOKE_LINE_NARROW = 11
#: pygal's own style sheets plus the anchoring of the radar's level spoke names (``_Radar``).
RADAR_CSS = [
    "file://style.css",
    "file://graph.css",
    # pygal does not prefix inline rules with the chart's id, whose rule they must beat.
    "inline:.axis.x text.spoke-start { text-anchor: start !important; }"
    " .axis.x text.spoke-end { text-anchor: end !important; }",
]


class _Radar(pygal.Radar):
    """pygal's radar whose spoke names are written level, anchored away from the centre (left of a
    left spoke, right of a right one) and wrapped on up to two lines — pygal turns them along the
    circle, where sixteen names collide and read upside down."""

    def _set_view(self):
        # A round web: the plot area made square (pygal stretches it to the box, an ellipse), the
        # room left on the sides going to the level spoke names.
        extra = (self.width - self.margin_box.x) - (self.height - self.margin_box.y)
        if extra > 0:
            self.margin_box.left += extra / 2
            self.margin_box.right += extra / 2
        else:
            self.margin_box.top -= extra / 2
            self.margin_box.bottom -= extra / 2
        super()._set_view()

    def _x_axis(self, draw_axes=True):
        if not self._x_labels or not self.show_x_labels:
            return
        axis = self.svg.node(self.nodes["plot"], class_="axis x web")
        cx, cy = self.view((0, 0))
        r_text = (1 - self._box.__class__.margin) * self._box.ymax
        for label, theta in self._x_labels:
            guides = self.svg.node(axis, class_="guides")
            ex, ey = self.view((self._rmax, theta))
            self.svg.node(guides, "path", d=f"M{cx:f} {cy:f} L{ex:f} {ey:f}", class_="line")
            x, y = self.view((r_text, theta))
            side = "" if abs(x - cx) < 1 else ("spoke-start" if x > cx else "spoke-end")
            # Near the top and the bottom, neighbours are close side by side: narrower lines.
            upright = abs(ex - cx) < 0.5 * math.hypot(ex - cx, ey - cy)  # within 30° of vertical
            width = SPOKE_LINE_NARROW if upright else SPOKE_LINE
            lines = textwrap.wrap(label, width, break_long_words=False)[:3] or [""]
            # Above the centre the lines grow upwards, below it downwards; level: in the middle.
            first_dy = (
                -(len(lines) - 1) * 1.1 if y < cy - 1 else (0.8 if y > cy + 1 else -(len(lines) - 1) * 0.55)
            )
            text = self.svg.node(guides, "text", x=x, y=y, class_=side)
            for index, line in enumerate(lines):
                span = self.svg.node(text, "tspan", x=x, dy=f"{first_dy if index == 0 else 1.1:.2f}em")
                span.text = line
            self.svg.node(guides, "title").text = label


def criteria_radar(series: dict, labels: list, *, title: str = "", fill: bool = False, **options) -> str:
    """Radar of criterion scores (1–5); ``series`` maps a name to scores in ``labels`` order.

    ``labels``: the spokes' names, the criteria's short labels (``CriterionFigures.short_label``,
    two or three words), written in full (never truncated). Several series overlay (candidate
    comparison), with a legend under the radar; ``options`` override pygal settings.
    """
    config = _config(
        title=title,
        range=(1, 5),
        y_labels=[1, 2, 3, 4, 5],
        css=RADAR_CSS,
        margin_top=40,
        margin_bottom=20,
        width=760,  # room beside the circle for the level spoke names
        show_legend=len(series) > 1,
        print_values=False,
        fill=fill,
        height=420,
        legend_at_bottom=True,
        legend_at_bottom_columns=min(max(len(series), 1), 4),
    )
    config.update(options)
    if len(series) > 1:
        # The compared candidates in the dot plot's colours, in the same order (one candidate, one
        # colour on the comparison page), their names in full in the legend.
        style = copy.copy(config["style"])
        style.colors = tuple(colour for _shape, colour in DOT_MARKERS)
        config.update(style=style, truncate_legend=-1)
    chart = _Radar(**config)
    chart.x_labels = labels
    for index, (name, values) in enumerate(series.items()):
        # Overlaid candidates (comparison): each line has its own dash pattern and dot size, so one
        # never hides another where their scores coincide (and colour is not the only cue).
        stroke = {"width": 2.5, "dasharray": DASHES[index % len(DASHES)]} if len(series) > 1 else {}
        chart.add(
            name,
            [None if v is None else float(v) for v in values],
            stroke_style=stroke or None,
            dots_size=3 + 1.5 * (len(series) - 1 - index) if len(series) > 1 else 3,
        )
    return _render(chart)


def trend_line(values: list, labels: list, *, title: str = "", **options) -> str:
    """Line of per-session compatibility means (1–5) over session order (3 is the major guide);
    ``options`` override pygal settings."""
    config = _config(
        title=title,
        range=(1, 5),
        y_labels=[1, 2, 3, 4, 5],
        y_labels_major=[3],
        dots_size=5,
        value_formatter=_decimal(2),
    )
    config.update(options)
    chart = pygal.Line(**config)
    chart.x_labels = labels
    chart.add("", [None if v is None else float(v) for v in values])
    return _render(chart)


# ---------------------------------------------------------------------------------- dot plot

#: Marker of each candidate of a dot plot, in order: shape and colour (Okabe & Ito's palette, told
#: apart with every common colour-vision deficiency; the shape alone tells candidates apart too).
DOT_MARKERS = (
    ("circle", "#0072B2"),
    ("square", "#D55E00"),
    ("triangle", "#009E73"),
    ("diamond", "#CC79A7"),
)
#: Colour of a value printed below the gate (dark red, 6.5:1 on white) and of the gate line.
DOT_FAIL_TEXT, DOT_GATE = "#b02a37", "#dc3545"
#: Geometry of the dot plot, in the SVG's view-box pixels: total width, the name column on the
#: left, the right margin, the height of one text line and the gap after each role.
DOT_WIDTH, DOT_LEFT, DOT_RIGHT, DOT_LINE, DOT_GAP = 440, 150, 24, 16, 12
#: Characters per line of a candidate's name in the name column (longer names wrap, never cut).
DOT_NAME_CHARS = 18
DOT_BOLD = ' font-weight="bold"'


def dot_x(score: float) -> float:
    """Horizontal position (view-box pixels) of ``score`` on the dot plot's 1–5 axis."""
    return DOT_LEFT + (float(score) - 1) / 4 * (DOT_WIDTH - DOT_LEFT - DOT_RIGHT)


def _wrap(text: str, width: int = DOT_NAME_CHARS) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken after spaces or hyphens (a word
    longer than ``width`` keeps its own line whole)."""
    words = re.findall(r"[^\s-]+-?|\s+", text)
    lines, line = [], ""
    for word in words:
        if word.isspace():
            word = " "
        if line and len(line.rstrip() + word.rstrip()) > width:
            lines.append(line.rstrip())
            line = "" if word == " " else word
        else:
            line += word
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _marker(shape: str, x: float, y: float, colour: str, size: float = 6.0) -> str:
    """One marker centred on (``x``, ``y``), filled with ``colour`` and outlined in dark grey."""
    common = f'fill="{colour}" stroke="#212529" stroke-width="1"'
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" {common}/>'
    if shape == "square":
        s = size * 0.9
        return f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" {common}/>'
    if shape == "triangle":
        s = size * 1.15
        points = f"{x:.1f},{y - s:.1f} {x + s:.1f},{y + s * 0.8:.1f} {x - s:.1f},{y + s * 0.8:.1f}"
        return f'<polygon points="{points}" {common}/>'
    s = size * 1.2  # diamond
    points = f"{x:.1f},{y - s:.1f} {x + s:.1f},{y:.1f} {x:.1f},{y + s:.1f} {x - s:.1f},{y:.1f}"
    return f'<polygon points="{points}" {common}/>'


def role_dot_plot(
    candidates: list,
    roles: list,
    *,
    gate: float = 3.0,
    title: str = "",
    axis_title: str = "",
    gate_label: str = "",
    no_evidence: str = "",
    chart_id: str = "dot-plot",
) -> str:
    """A dot plot of candidates on each role, on the 1–5 scale, with the gate as a dashed line.

    Args:
        candidates: ``[(name, {role code: score 1–5 or None})]`` in display order — the figures
            of the dashboard's rows (``reports.selectors.DashboardRow.role_scores``), so the chart
            and the table say the same. Meant for 2 to 4 candidates (each has its own marker shape
            and colour, :data:`DOT_MARKERS`; a fifth reuses the first).
        roles: ``[(code, label)]``, one panel each, in order (the three roles, then posture).
        gate: the gate on every panel (``assessments.scoring.ROLE_GATE``, 3.0): a dashed red
            vertical line, the zone below it tinted, and values below it printed in dark red.
        title, axis_title, gate_label, no_evidence: the texts (translated by the caller): the
            chart's accessible title, the axis title, the label of the gate line (e.g. "gate 3.0")
            and what is printed for a missing score.
        chart_id: prefix of the SVG's ``id`` attributes (unique in the page).

    Returns SVG markup (``str``, marked safe) sized by its view box (width :data:`DOT_WIDTH`).
    Each candidate gets one lane per panel, labelled with the full name (wrapped, never cut), its
    marker at :func:`dot_x` of the score and the score printed beside it with the tables'
    rounding. Markers carry ``data-candidate`` (index), ``data-role`` and ``data-score``. Only
    presentation attributes, no ``style``: the page's Content-Security-Policy needs no nonce.
    """
    names = [_wrap(str(name)) for name, _scores in candidates]
    lane_heights = [DOT_LINE * len(lines) + 6 for lines in names]
    top = 34
    x0, x1 = dot_x(1), dot_x(5)
    body, y = [], top
    summary = []
    for code, label in roles:
        body.append(
            f'<text x="8" y="{y + 13}" font-size="14" font-weight="bold" fill="#212529">{escape(label)}</text>'
        )
        y += 20
        panel_top, panel = y, body
        body = []
        for index, (name, scores) in enumerate(candidates):
            shape, colour = DOT_MARKERS[index % len(DOT_MARKERS)]
            height = lane_heights[index]
            middle = y + height / 2
            for n, line in enumerate(names[index]):
                first = middle - (len(names[index]) - 1) * DOT_LINE / 2 + 4
                body.append(
                    f'<text x="{DOT_LEFT - 22}" y="{first + n * DOT_LINE:.1f}" font-size="12" '
                    f'text-anchor="end" fill="#212529">{escape(line)}</text>'
                )
            body.append(_marker(shape, DOT_LEFT - 12, middle, colour, size=4.5))
            body.append(
                f'<line x1="{x0:.1f}" y1="{middle:.1f}" x2="{x1:.1f}" y2="{middle:.1f}" '
                'stroke="#dee2e6" stroke-width="1"/>'
            )
            score = scores.get(code)
            if score is None:
                body.append(
                    f'<text x="{x0 + 4:.1f}" y="{middle + 4:.1f}" font-size="11" font-style="italic" '
                    f'fill="#595f66">{escape(no_evidence)}</text>'
                )
                summary.append(f"{name}, {label}: {no_evidence}")
            else:
                x = dot_x(score)
                text = floatformat(score, 2)
                below = float(score) < gate
                marker = _marker(shape, x, middle, colour)
                body.append(
                    marker.replace(
                        "/>",
                        f' data-candidate="{index}" data-role="{escape(code)}" '
                        f'data-score="{float(score):.4f}"/>',
                        1,
                    )
                )
                right = x > dot_x(4.4)
                body.append(
                    f'<text x="{x - 10 if right else x + 10:.1f}" y="{middle + 4:.1f}" font-size="12" '
                    f'text-anchor="{"end" if right else "start"}" '
                    f'fill="{DOT_FAIL_TEXT if below else "#212529"}"'
                    f"{DOT_BOLD if below else ''}>{escape(text)}</text>"
                )
                summary.append(f"{name}, {label}: {text}")
            y += height
        # The zone below the gate, tinted behind the lanes of this panel.
        panel.append(
            f'<rect x="{x0:.1f}" y="{panel_top}" width="{dot_x(gate) - x0:.1f}" height="{y - panel_top}" '
            'fill="#f8d7da" fill-opacity="0.45"/>'
        )
        body = panel + body
        y += DOT_GAP
    bottom = y
    grid = []
    for tick in range(1, 6):
        x = dot_x(tick)
        grid.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#adb5bd" '
            'stroke-width="1" stroke-dasharray="2,3"/>'
        )
        grid.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" font-size="12" text-anchor="middle" fill="#212529">'
            f"{tick}</text>"
        )
    gx = dot_x(gate)
    gate_marks = (
        f'<line class="gate" x1="{gx:.1f}" y1="{top - 8}" x2="{gx:.1f}" y2="{bottom}" stroke="{DOT_GATE}" '
        f'stroke-width="2" stroke-dasharray="6,3" data-gate="{float(gate):.4f}"/>'
        f'<text x="{gx:.1f}" y="{top - 14}" font-size="12" text-anchor="middle" fill="{DOT_FAIL_TEXT}">'
        f"{escape(gate_label)}</text>"
    )
    axis = (
        f'<text x="{(x0 + x1) / 2:.1f}" y="{bottom + 34}" font-size="12" text-anchor="middle" '
        f'fill="#212529">{escape(axis_title)}</text>'
    )
    height = bottom + 44
    description = "; ".join(summary)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="dot-plot" '
        f'viewBox="0 0 {DOT_WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-family="DejaVu Sans, Arial, sans-serif">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
        + "".join(grid)
        + "".join(body)
        + gate_marks
        + axis
        + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 — every text escaped above
