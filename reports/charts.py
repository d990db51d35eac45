"""Server-made SVG charts (pygal) for pages and the PDF report.

No JavaScript and no remote resource: pygal's tooltip script is switched off (``js=[]``), so the
SVG renders the same in a browser and in WeasyPrint. Every function returns SVG markup (``str``)
safe to embed in a template.
"""

import pygal
from django.utils.safestring import mark_safe
from pygal.style import Style

STYLE = Style(
    background="transparent", plot_background="transparent", foreground="#212529",
    foreground_strong="#212529", foreground_subtle="#6c757d", opacity=".85", opacity_hover=".95",
    colors=("#0d6efd", "#6f42c1", "#198754", "#fd7e14", "#dc3545", "#20c997"),
    font_family="DejaVu Sans, Arial, sans-serif", label_font_size=12, major_label_font_size=12,
    value_font_size=11, legend_font_size=12, title_font_size=14,
)


def _config(**kwargs):
    base = {"style": STYLE, "js": [], "disable_xml_declaration": True, "show_legend": False,
            "width": 640, "height": 320, "print_values": True, "explicit_size": False}
    base.update(kwargs)
    return base


def _render(chart) -> str:
    return mark_safe(chart.render(is_unicode=True))  # noqa: S308 — pygal output, labels escaped by pygal


def balance_bars(years_by_label: dict, *, title: str = "") -> str:
    """Horizontal bars of years of experience per support domain (``{label: years}``)."""
    chart = pygal.HorizontalBar(**_config(title=title, height=40 + 32 * max(len(years_by_label), 1),
                                          value_formatter=lambda v: f"{v:g}"))
    chart.x_labels = list(years_by_label)
    chart.add("", [float(v) for v in years_by_label.values()])
    return _render(chart)


def role_bars(scores_by_label: dict, *, title: str = "", gate: float = 3.0) -> str:
    """Bars of role scores on the 1–5 scale (``{label: score or None}``), with the gate line value."""
    chart = pygal.Bar(**_config(title=title, range=(1, 5), include_x_axis=False,
                                value_formatter=lambda v: f"{v:.2f}"))
    chart.x_labels = list(scores_by_label)
    chart.add("", [None if v is None else float(v) for v in scores_by_label.values()])
    chart.add("gate", [{"value": gate, "label": "3.0"}] * len(scores_by_label), stroke=False)
    return _render(chart)


def criteria_radar(series: dict, labels: list, *, title: str = "") -> str:
    """Radar of criterion scores (1–5); ``series`` maps a name to scores in ``labels`` order."""
    chart = pygal.Radar(**_config(title=title, range=(1, 5), show_legend=len(series) > 1, print_values=False,
                                  fill=False, height=420))
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, [None if v is None else float(v) for v in values])
    return _render(chart)


def trend_line(values: list, labels: list, *, title: str = "") -> str:
    """Line of per-session compatibility means (1–5) over session order."""
    chart = pygal.Line(**_config(title=title, range=(1, 5), value_formatter=lambda v: f"{v:.2f}"))
    chart.x_labels = labels
    chart.add("", [None if v is None else float(v) for v in values])
    return _render(chart)
