"""Template filters of the report and the dashboards: French typography and number formats.

``typo`` — French typography for text typed by people (syntheses, incidents, SWOT lines), applied
when the active language is French: a narrow no-break space (U+202F) before ; ! ? and inside « »,
a no-break space (U+00A0) before :, typographic apostrophe (’) for ', and « » for "double quotes"
around words. Other languages: the text is only escaped. Output is escaped HTML.

``num`` — a number with a fixed number of decimals in the active locale (3,72 in French); "—" for
None. ``signed`` — the same with an explicit sign (+0,50 / −1,00, true minus sign). ``pct`` — a
fraction 0–1 as a percentage without decimals ("42 %" in French, with a no-break space).
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

NNBSP = "\u202f"  # narrow no-break space
NBSP = "\u00a0"

_BEFORE_TALL = re.compile(r"\s*([;!?])")
_BEFORE_COLON = re.compile(r"(?<=\S)\s*:(?=\s|$)")
_QUOTES = re.compile(r'"([^"\n]+)"')
_OPEN_GUILLEMET = re.compile(r"«\s*")
_CLOSE_GUILLEMET = re.compile(r"\s*»")


def french_typography(text: str) -> str:
    """Apply French typographic spacing and quotes to plain ``text`` (not escaped)."""
    text = _QUOTES.sub(lambda m: f"«{m.group(1)}»", text)
    text = text.replace("'", "’")
    text = _OPEN_GUILLEMET.sub("«" + NNBSP, text)
    text = _CLOSE_GUILLEMET.sub(NNBSP + "»", text)
    # URLs keep their "?" and ":" untouched.
    parts = re.split(r"(\bhttps?://\S+)", text)
    for index in range(0, len(parts), 2):
        part = _BEFORE_TALL.sub(lambda m: NNBSP + m.group(1), parts[index])
        parts[index] = _BEFORE_COLON.sub(NBSP + ":", part)
    return "".join(parts)


@register.filter
def typo(value):
    """Escaped ``value`` with French typography when the active language is French."""
    if value is None:
        return ""
    text = str(value)
    if (get_language() or "fr")[:2] == "fr":
        text = french_typography(text)
    return mark_safe(conditional_escape(text))  # noqa: S308 — escaped on the line above


def _rounded(value, digits):
    """``Decimal`` of ``value`` rounded half up to ``digits`` decimals (as ``floatformat`` does:
    2.6666 → 2.67, 4.125 → 4.13); ``None`` for a non-number."""
    try:
        exact = Decimal(repr(float(value)))
        return exact.quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)
    except (TypeError, ValueError, InvalidOperation):
        return None


@register.filter
def num(value, digits=2):
    """``value`` rounded half up to ``digits`` decimals, in the active locale ("3,72" in French);
    a negative ``digits`` (as ``floatformat``'s) keeps at most ``-digits`` decimals and drops
    trailing zeros (3.0 → "3", 2.5 → "2,5", 2.6667 → "2,67"); "—" for None or a non-number."""
    if value is None or value == "":
        return "—"
    digits = int(digits)
    rounded = _rounded(value, abs(digits))
    if rounded is None:
        return "—"
    if digits < 0:
        rounded = rounded.normalize() if rounded != rounded.to_integral() else rounded.to_integral()
        places = max(0, -rounded.as_tuple().exponent)
        return number_format(rounded, places, use_l10n=True)
    return number_format(rounded, digits, use_l10n=True)


@register.filter
def signed(value, digits=2):
    """``value`` rounded like ``num``, with an explicit sign (+ or the true minus sign −); "—" for None."""
    if value is None:
        return "—"
    rounded = _rounded(value, digits)
    if rounded is None:
        return "—"
    formatted = number_format(abs(rounded), int(digits), use_l10n=True)
    if rounded > 0:
        return f"+{formatted}"
    if rounded < 0:
        return f"−{formatted}"
    return formatted


@register.filter
def pct(value):
    """A fraction in [0, 1] as a whole percentage ("42 %"); "—" for None."""
    if value is None:
        return "—"
    sign = NBSP + "%" if (get_language() or "fr")[:2] == "fr" else "%"
    return f"{round(float(value) * 100)}{sign}"


@register.filter
def absval(value):
    """Absolute value (None stays None)."""
    return None if value is None else abs(value)


_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
_SVG_ID = re.compile(r'<svg\b[^>]*\sid="([^"]+)"')


def _important(declarations: str) -> str:
    return "".join(f"{d.strip()} !important;" for d in declarations.split(";") if d.strip())


@register.filter
def page_chart(svg, nonce):
    """A server-made SVG chart (``reports.charts``) for a page, under the Content-Security-Policy
    (no inline style attribute): each ``style="…"`` pygal gives a bar (its colour: pass, fail,
    highlight) becomes a ``data-chart-style`` attribute and a rule of the chart's own ``<style>``
    element, which gets the request's nonce (``{{ chart|page_chart:request.csp_nonce }}``). The
    PDF takes the charts as images and keeps pygal's attributes. Empty input gives ""."""
    if not svg:
        return ""
    styles: dict[str, int] = {}

    def _numbered(match):
        return f' data-chart-style="{styles.setdefault(match.group(1), len(styles))}"'

    svg = _STYLE_ATTR.sub(_numbered, str(svg))
    found = _SVG_ID.search(svg)
    scope = f"#{found.group(1)} " if found else ""
    rules = "".join(f'{scope}[data-chart-style="{n}"]{{{_important(d)}}}' for d, n in styles.items())
    svg = svg.replace("</style>", rules + "</style>", 1)
    return mark_safe(svg.replace("<style", f'<style nonce="{conditional_escape(nonce)}"', 1))  # noqa: S308
