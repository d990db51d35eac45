"""Snapshot → HTML → PDF (WeasyPrint). Reads nothing but the snapshot and local static files.

* ``report_context(snapshot)`` turns the frozen data into what ``templates/reports/report.html``
  shows: labels in the report's language, the product's reading (:func:`reading`), the SWOT
  (:func:`swot_from_scores`), the four SVG charts (pygal, ``reports.charts``).
* ``render_html(snapshot)`` renders the template in the report's language (``lang`` attribute set,
  French typography applied by the ``typo`` filter of ``report_tags``).
* ``render_pdf(snapshot)`` lays the HTML out with WeasyPrint through :class:`LocalStaticFetcher`:
  the only resources it can load are the project's static files (``reports/report.css``) and
  ``data:`` URIs — never an HTTP call back to the site, never a remote file. A resource that cannot
  be loaded stops the render (``RenderError``) instead of producing a PDF without it. WeasyPrint's
  own log lines (logger ``weasyprint``) at WARNING or above are collected and returned.

Fonts come from fontconfig: the stylesheet asks for "DejaVu Sans" (Debian ``fonts-dejavu-core``),
which covers é, œ, « », ’ and the narrow no-break space; WeasyPrint embeds the subset used. The
tests check the embedded font names and the extracted text.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import mimetypes
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _

from assessments.scoring import ROLE_GATE
from candidates.models import Stage, SupportDomain
from figures import reading as readings
from figures.models import FORMULAS_VERSION
from sessions import i18n, ipa
from sessions.compatibility import perception_table

from . import charts
from .templatetags.report_tags import num

TEMPLATE = "reports/report.html"
STYLESHEET = "reports/report.css"
ROLE_CODES = ("conductor", "business_partner", "entrepreneur")
GATE = ROLE_GATE  # the same gate as the scoring (assessments.scoring)
#: How many criteria the SWOT lists as strengths and as weaknesses.
SWOT_SIZE = 3


class RenderError(Exception):
    """The PDF could not be produced (missing resource, layout error…); the message is readable."""


# ---------------------------------------------------------------------------------- URL fetcher


def static_base_url() -> str:
    """``file://`` URL under which the report's relative links are resolved (STATIC_ROOT, which
    need not exist: files are found through the staticfiles finders)."""
    return Path(settings.STATIC_ROOT).resolve().as_uri() + "/"


def _weasyprint():
    import weasyprint  # imported lazily: pango loads only in processes that render

    return weasyprint


_FONT_CONFIG = None


def font_config():
    """The process's WeasyPrint ``FontConfiguration``, made once and reused by every render.

    A new configuration per document (WeasyPrint's default) costs about 0.25 MB of memory that is
    never given back (fontconfig/pango); reused, 200 renders grow the worker by a few MB instead of
    60. The report declares no ``@font-face``, so nothing accumulates in it.
    """
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalStaticFetcher(URLFetcher):
        """Serves ``data:`` URIs and the project's static files; refuses everything else.

        A ``file:`` URL is accepted only under :func:`static_base_url`; the path below it is looked
        up with Django's staticfiles finders (then in STATIC_ROOT, for collected files). ``http``,
        ``https``, ``ftp`` and any other file on disk raise ``ValueError`` (a fatal fetch error:
        the render stops).
        """

        def __init__(self):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, fail_on_errors=True)
            self._base = static_base_url()

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if not url.startswith(self._base):
                raise ValueError(
                    f"Only the application's static files may be loaded in a report, not {url!r}"
                )
            relative = unquote(urlsplit(url).path)[len(urlsplit(self._base).path) :]
            if not relative or ".." in Path(relative).parts:
                raise ValueError(f"Invalid static path {relative!r}")
            path = finders.find(relative) or (Path(settings.STATIC_ROOT) / relative)
            path = Path(path)
            if not path.is_file():
                raise ValueError(f"Static file not found: {relative}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return LocalStaticFetcher


def local_fetcher():
    """A new WeasyPrint URL fetcher limited to static files and ``data:`` URIs."""
    return _fetcher_class()()


# ---------------------------------------------------------------------------------- pure readings


def reading(summary: dict) -> dict:
    """The product's mechanical reading of one snapshot's summary (``figures.reading``).

    Args:
        summary: the snapshot's ``summary`` (``figures.selectors.AssessmentSummary.to_dict``).
            Since snapshot schema 2 it carries the reading computed from the stored figures, which
            is returned as is; a schema-1 snapshot (older versions) has none and gets the same rules
            applied to what it holds (no reliability then: it was not recorded).

    Returns:
        ``{"level": "unfavourable" | "incomplete" | "reserved" | "favourable", "reasons": [codes]}``
        (codes and levels in ``figures.reading``).
    """
    if summary.get("reading"):
        return dict(summary["reading"])
    balance = summary.get("balance") or {}
    compatibility = summary.get("compatibility") or {}
    return readings.reading(
        submitted_scorecards=summary.get("submitted_scorecards") or 0,
        gate_passed=(summary.get("gate") or {}).get("passed"),
        verdict=compatibility.get("verdict"),
        band=balance.get("band"),
        concentration_band=balance.get("concentration_band", balance.get("band")),
        breadth_ok=balance.get("breadth_ok", True),
        depth_ok=balance.get("depth_ok", True),
        red_count=sum(c.get("level") == "red" for c in summary.get("criteria", [])),
        reliability_level="legacy",
    ).to_dict()


def swot_from_scores(criteria: list[dict], size: int = SWOT_SIZE) -> dict:
    """Strengths and weaknesses of the SWOT, derived from the criterion scores.

    One boundary, the scoring's gate (``assessments.scoring.ROLE_GATE``, 3.0), so that the two
    sides never overlap: a criterion scored **at or above 3.0** can only be a strength, one scored
    **below 3.0** can only be a weakness (3.67 is a strength candidate, never a weakness).

    Args:
        criteria: the summary's criteria (dicts with ``code``, ``label``, ``group``, ``score`` on
            1–5 or ``None`` for no evidence).
        size: how many criteria each side lists at most (3 by default).

    Returns:
        ``{"strengths": [...], "weaknesses": [...]}``: the ``size`` best-scored criteria with a
        score ≥ 3.0 (highest first) and the ``size`` lowest-scored criteria with a score < 3.0
        (lowest first); criteria without evidence are left out. Ties are broken by the framework
        order.
    """
    scored = [c for c in criteria if c.get("score") is not None]
    ranked = sorted(enumerate(scored), key=lambda item: (-item[1]["score"], item[0]))
    strengths = [c for _i, c in ranked if c["score"] >= GATE][:size]
    lowest = sorted(enumerate(scored), key=lambda item: (item[1]["score"], item[0]))
    weaknesses = [c for _i, c in lowest if c["score"] < GATE][:size]
    return {"strengths": strengths, "weaknesses": weaknesses}


def lines(text: str) -> list[str]:
    """Bullet items of a free-text field: one per non-empty line, leading "-", "•" or "*" removed."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip().lstrip("-•*–").strip()
        if line:
            items.append(line)
    return items


# ---------------------------------------------------------------------------------- context


def _role_labels():
    from assessments.models import RoleGroup

    return {g.value: str(g.label) for g in RoleGroup}


def _domain_label(code):
    try:
        return str(SupportDomain(code).label)
    except ValueError:
        return code


def _verdict_label(code):
    from sessions.models import Observation

    if not code:
        return ""
    try:
        return str(Observation.Verdict(code).label)
    except ValueError:
        return code


def _parse_dt(value, tz_name=None):
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    try:
        zone = ZoneInfo(tz_name or settings.TIME_ZONE)
    except (KeyError, ValueError):
        zone = ZoneInfo(settings.TIME_ZONE)
    return moment.astimezone(zone)


def _dimension_rows(compatibility):
    """The perception-gap table over the sessions (``sessions.compatibility.perception_table``, the
    same rows as the session page's), each row with its dimension's label."""
    rows = perception_table(compatibility.get("dimension_means"), compatibility.get("perception_gap_means"))
    labels = {
        d.code: d.label_en if translation.get_language() == "en" else d.label_fr for d in ipa.DIMENSIONS
    }
    return [{**row, "label": labels[row["code"]]} for row in rows]


def _session_rows(snapshot):
    compatibility = snapshot["summary"].get("compatibility") or {}
    figures = {s["order"]: s for s in compatibility.get("sessions", [])}
    rows = []
    for session in snapshot.get("sessions", []):
        starts = _parse_dt(session["starts_at"], session.get("timezone"))
        ends = _parse_dt(session["ends_at"], session.get("timezone"))
        figure = figures.get(session["order"]) if session["status"] != "cancelled" else None
        observation = session.get("observation")
        ipa_figures = (figure or {}).get("ipa") or {}
        participation = ipa_figures.get("participation_share") or {}
        incidents = []
        for incident in (observation or {}).get("incidents", []):
            incidents.append(
                {
                    **incident,
                    "who_label": {"ceo": _("CEO"), "candidate": _("Candidate"), "both": _("Both")}.get(
                        incident["who"], incident["who"]
                    ),
                    "tag_label": _incident_tag(incident["tag"]),
                }
            )
        rows.append(
            {
                "order": session["order"],
                "status": session["status"],
                "status_label": _session_status(session["status"]),
                "starts": starts,
                "ends": ends,
                "timezone": session.get("timezone"),
                "location": session.get("location", ""),
                "problem": session.get("problem", ""),
                "mediator": session.get("mediator"),
                # Schema 3 on: the roles the session's plan targeted (labels in the report's language).
                "target_roles": [
                    _role_labels().get(code, code) for code in (session.get("plan") or {}).get("roles", [])
                ],
                "sealed": session.get("sealed", False),
                "observation": observation,
                "verdict_label": _verdict_label((observation or {}).get("verdict")),
                "mean_rating": (figure or {}).get("mean_rating") if observation else None,
                "participation_ceo": participation.get(ipa.CEO),
                "participation_candidate": participation.get(ipa.CANDIDATE),
                "pos_neg": (ipa_figures.get("overall") or {}).get("positive_negative_ratio"),
                "acts": (ipa_figures.get("overall") or {}).get("total"),
                "incidents": incidents,
                # The punctuation: each party's account and the mediator's (Watzlawick et al. 1967).
                "punctuation_ceo": ((session.get("debriefs") or {}).get(ipa.CEO) or {}).get(
                    "punctuation", ""
                ),
                "punctuation_candidate": ((session.get("debriefs") or {}).get(ipa.CANDIDATE) or {}).get(
                    "punctuation", ""
                ),
                "punctuation_mediator": (observation or {}).get("punctuation", ""),
                "ceo_comment": ((session.get("debriefs") or {}).get(ipa.CEO) or {}).get("comment", ""),
                "candidate_comment": ((session.get("debriefs") or {}).get(ipa.CANDIDATE) or {}).get(
                    "comment", ""
                ),
            }
        )
    return rows


def _session_status(code):
    from sessions.models import WorkingSession

    try:
        return str(WorkingSession.Status(code).label)
    except ValueError:
        return code


def _incident_tag(code):
    from sessions.models import CriticalIncident

    try:
        return str(CriticalIncident.Tag(code).label)
    except ValueError:
        return code


def _charts(snapshot, role_labels):
    """The four report charts as SVG strings (pygal, print style); a chart without data is left out."""
    summary = snapshot["summary"]
    criteria = list(summary.get("criteria", []))
    printed = {"style": charts.PRINT_STYLE, **charts.PRINT_SIZE}
    result = {}
    if summary.get("submitted_scorecards"):
        labels = [c.get("short_label") or c["label"] for c in criteria]
        result["radar"] = charts.criteria_radar(
            {_("Panel"): [c["score"] for c in criteria]},
            labels,
            fill=True,
            **{**printed, "style": charts.PRINT_STYLE_RADAR, "width": 720, "height": 460},
        )
        result["roles"] = charts.role_bars(
            {
                role_labels[code]: (summary["roles"].get(code) or {}).get("score")
                for code in (*ROLE_CODES, "posture")
            },
            gate=GATE,
            horizontal=True,
            **printed,
        )
    years = snapshot["candidate"]["years"]
    domains = snapshot["mandate"]["support_domains"]
    dominant = (summary.get("balance") or {}).get("dominant_domain")
    result["balance"] = charts.balance_bars(
        {_domain_label(code): years.get(code, 0) for code in domains},
        highlight=_domain_label(dominant) if dominant else None,
        axis_top=snapshot["mandate"].get("years_axis_top"),  # absent from snapshots before it existed
        axis_title=_("Years of experience"),
        style=charts.PRINT_STYLE_PLAIN,
        width=560,
        height=60 + 38 * max(len(domains), 1),
    )
    compatibility = summary.get("compatibility") or {}
    counted = [
        s for s in compatibility.get("sessions", []) if s.get("counted") and s.get("mean_rating") is not None
    ]
    if counted:
        result["trend"] = charts.trend_line(
            [s["mean_rating"] for s in counted],
            [_("Session %(n)d") % {"n": s["order"]} for s in counted],
            margin_right=50,
            margin_left=10,
            **printed,
        )
    return result


def _listed(pairs) -> str:
    return "; ".join(f"{label} {value}" for label, value in pairs)


def chart_texts(snapshot: dict, role_labels: dict) -> dict:
    """Each chart's figures in words, its alternative text in the tagged PDF (a screen reader reads
    the values the picture shows): ``{"radar", "roles", "balance", "trend"}`` → text. Numbers are
    rounded as the tables round them (``report_tags.num``: half up)."""
    summary = snapshot["summary"]
    criteria = summary.get("criteria", [])
    roles = summary.get("roles", {})
    years = snapshot["candidate"]["years"]
    compatibility = summary.get("compatibility") or {}
    counted = [
        s for s in compatibility.get("sessions", []) if s.get("counted") and s.get("mean_rating") is not None
    ]
    none = _("no evidence")
    return {
        "radar": _("Criteria radar, panel mean on 1 to 5: %(values)s.")
        % {
            "values": _listed(
                (f"{i}. {c['label']}", none if c["score"] is None else num(c["score"], 2))
                for i, c in enumerate(criteria, start=1)
            )
        },
        "roles": _("Role scores on 1 to 5, gate at 3.0: %(values)s.")
        % {
            "values": _listed(
                (
                    role_labels[code],
                    none if (roles.get(code) or {}).get("score") is None else num(roles[code]["score"], 2),
                )
                for code in (*ROLE_CODES, "posture")
                if code in roles
            )
        },
        "balance": _("Years of experience per support domain: %(values)s.")
        % {
            "values": _listed(
                (_domain_label(code), num(years.get(code, 0), 1))
                for code in snapshot["mandate"]["support_domains"]
            )
        },
        "trend": _("Mean of the mediator's ratings per session, 1 to 5: %(values)s.")
        % {
            "values": _listed(
                (_("Session %(n)d") % {"n": s["order"]}, num(s["mean_rating"], 2)) for s in counted
            )
        },
    }


def data_uri(content: bytes, mime: str) -> str:
    """``data:<mime>;base64,…`` of ``content`` (how WeasyPrint takes in-memory resources)."""
    return f"data:{mime};base64," + base64.b64encode(content).decode("ascii")


def svg_data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,…`` URI of an SVG document. Charts go into the PDF as images:
    WeasyPrint's SVG renderer reads pygal's style attributes (``fill``, ``stroke``), which its
    HTML CSS parser would reject with warnings if the SVG were inline."""
    return data_uri(svg.encode("utf-8"), "image/svg+xml")


def report_context(snapshot: dict) -> dict:
    """Template context of ``reports/report.html`` for one snapshot (call it with the report's
    language active). Pure: reads no database."""
    summary = snapshot["summary"]
    role_labels = _role_labels()
    compatibility = summary.get("compatibility") or {}
    balance = summary.get("balance") or {}
    criteria = []
    for index, criterion in enumerate(summary.get("criteria", []), start=1):
        criteria.append(
            {**criterion, "number": index, "group_label": role_labels.get(criterion["group"], "")}
        )
    schema = snapshot.get("schema", 1)
    roles = [
        {
            "code": code,
            "label": role_labels[code],
            **(summary["roles"].get(code) or {}),
            # Posture is gated since schema 2 (it was scored but not gated before).
            "gated": code in ROLE_CODES or schema >= 2,
            "below_gate": code in summary["gate"]["missing_roles"],
        }
        for code in (*ROLE_CODES, "posture")
        if code in summary.get("roles", {})
    ]
    labels_by_code = {c["code"]: c["label"] for c in criteria}
    recommendations = {}
    for item in summary.get("recommendations", []):
        recommendations.setdefault(item["recommendation_label"], []).append(item["rater"])
    years = snapshot["candidate"]["years"]
    report = snapshot["report"]
    return {
        "snapshot": snapshot,
        "language": report.get("language", "fr"),
        "version": report["version"],
        "requested_at": _parse_dt(report["requested_at"]),
        "requested_by": report.get("requested_by"),
        "candidate": snapshot["candidate"],
        "mandate": snapshot["mandate"],
        "application": snapshot["application"],
        "stage_label": _stage_label(snapshot["application"]["stage"]),
        "framework": snapshot.get("framework"),
        "summary": summary,
        "has_scores": bool(summary.get("submitted_scorecards")),
        "roles": roles,
        "missing_roles": [role_labels[c] for c in summary["gate"]["missing_roles"]],
        "failing_criteria": [labels_by_code.get(c, c) for c in summary["gate"]["failing_criteria"]],
        "criteria": criteria,
        "balance": balance,
        "dominant_domain": _domain_label(balance["dominant_domain"])
        if balance.get("dominant_domain")
        else "",
        "years_rows": [
            (_domain_label(code), years.get(code, 0), (balance.get("shares") or {}).get(code))
            for code in snapshot["mandate"]["support_domains"]
        ],
        "compatibility": compatibility,
        "verdict_label": _verdict_label(compatibility.get("verdict")),
        "reading": reading(summary),
        "decision": _decision_view(snapshot.get("decision")),
        "recommendations": sorted(recommendations.items()),
        "swot": swot_from_scores(criteria),
        "opportunities": lines(snapshot["application"].get("swot_opportunities", "")),
        "threats": lines(snapshot["application"].get("swot_threats", "")),
        "sessions": _session_rows(snapshot),
        "dimensions": _dimension_rows(compatibility),
        "charts": {name: svg_data_uri(svg) for name, svg in _charts(snapshot, role_labels).items()},
        "chart_texts": chart_texts(snapshot, role_labels),
        "raters": summary.get("raters", []),
        "rater_names": {r["id"]: r["name"] for r in summary.get("raters", []) if "id" in r},
        "alpha": summary.get("alpha") or {},
        "statistics": summary.get("mandate_statistics") or {"visible": True},
        "reliability": summary.get("reliability") or {},
        "schema": schema,
        "red_count": sum(c["level"] == "red" for c in criteria),
        "amber_count": sum(c["level"] == "amber" for c in criteria),
        # Schema 3 on; older versions have no coverage and show none.
        "coverage": i18n.coverage_view(snapshot["coverage"], labels_by_code, name_criteria=False)
        if snapshot.get("coverage")
        else None,
        "ipa_categories": [
            (c.number, c.label_en if translation.get_language() == "en" else c.label_fr)
            for c in ipa.IPA_CATEGORIES
        ],
    }


def _decision_view(decision: dict | None) -> dict | None:
    """The decision block of page 1 from the snapshot's ``decision`` (schema 4,
    ``decisions.selectors.decision_snapshot``); ``None`` for older versions, which show none.
    Labels come from the codes, in the report's language."""
    if not decision:
        return None
    from decisions.models import Choice, ReadingLevel

    def label(choices, code):
        try:
            return str(choices(code).label) if code else ""
        except ValueError:
            return code

    return {
        **decision,
        "decision_label": label(Choice, decision.get("decision")),
        "reading_label": label(ReadingLevel, decision.get("reading_level")),
        "dissent": [
            {**vote, "choice_label": label(Choice, vote.get("choice"))}
            for vote in decision.get("dissent") or []
        ],
    }


def _stage_label(code):
    try:
        return str(Stage(code).label)
    except ValueError:
        return code


# ---------------------------------------------------------------------------------- HTML and PDF


def render_html(snapshot: dict) -> str:
    """The report's HTML (``templates/reports/report.html``) in the snapshot's language."""
    language = (snapshot.get("report") or {}).get("language") or settings.LANGUAGE_CODE
    with translation.override(language):
        return render_to_string(TEMPLATE, report_context(snapshot))


@dataclass
class RenderedPdf:
    """A rendered report: ``pdf`` bytes, their ``sha256`` (hex), ``page_count``, and the WeasyPrint
    log lines (WARNING and above) emitted while rendering, as ``"LEVEL: message"`` strings."""

    pdf: bytes
    sha256: str
    page_count: int
    warnings: list[str] = field(default_factory=list)


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.lines = []

    def emit(self, record):
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


@contextmanager
def weasyprint_log():
    """Collect the ``weasyprint`` logger's lines at WARNING and above: ``with weasyprint_log() as
    lines: ...`` (a list of ``"LEVEL: message"`` strings)."""
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    logger.addHandler(collector)
    try:
        yield collector.lines
    finally:
        logger.removeHandler(collector)


def page_count(pdf: bytes) -> int:
    """Number of pages of a PDF (pypdf). Raises ``RenderError`` if the bytes are not a readable PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except (PdfReadError, ValueError) as exc:
        raise RenderError(f"The PDF produced is not readable: {exc}") from exc


#: The archival profile of every report (see :func:`render_pdf`).
PDF_VARIANT = "pdf/a-3b"
#: Names of the files embedded in the PDF (PDF/A-3 associated files).
SNAPSHOT_NAME = "snapshot.json"
README_NAME = "README.txt"


def report_identifier(snapshot: dict) -> str:
    """``<application public id>-v<version>``: the identifier written in the PDF's trailer (/ID)
    and, with the snapshot, what ``manage.py verify_report`` looks the report up by."""
    return f"{snapshot.get('application', {}).get('public_id', '')}-v{snapshot['report']['version']}"


def xmp_extra(snapshot: dict) -> bytes:
    """XMP properties WeasyPrint does not write: the document language (``dc:language``) and the
    report's identifier (``dc:identifier``), both from the Dublin Core schema that PDF/A accepts
    without an extension schema."""
    language = (snapshot.get("report") or {}).get("language") or settings.LANGUAGE_CODE
    return _xmp(language, report_identifier(snapshot))


def snapshot_bytes(snapshot: dict) -> bytes:
    """The snapshot as embedded in the PDF: UTF-8 JSON, keys sorted, two-space indents (a canonical
    form: the same snapshot always gives the same bytes)."""
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def evidence_readme(snapshot: dict) -> str:
    """The short README embedded beside the snapshot: what the file is and how to check it."""
    return (
        "CSO Recruit - compatibility report\n"
        f"Report: {report_identifier(snapshot)} (application {snapshot['application'].get('public_id', '')}, "
        f"version {snapshot['report']['version']}, requested {snapshot['report'].get('requested_at', '')})\n"
        f"Product version: {settings.PRODUCT_VERSION}; formulas version: {FORMULAS_VERSION}; "
        f"snapshot schema: {snapshot.get('schema', 1)}\n\n"
        f"{SNAPSHOT_NAME} is the frozen data this PDF was rendered from (the figures, the sessions and the "
        "candidate's file as they were when the report was requested). The PDF is a PDF/A-3b archive with "
        "tagged structure; its SHA-256 is recorded by the product. To check a copy: "
        "manage.py verify_report FILE.pdf (it compares the SHA-256 and the embedded snapshot with the "
        "stored ones, then recomputes the headline figures from the snapshot).\n"
    )


def evidence_attachments(snapshot: dict, attachment_class) -> list:
    """The PDF's associated files (PDF/A-3, ISO 19005-3): the snapshot (relationship Data) and the
    README (Supplement)."""
    return [
        attachment_class(
            string=snapshot_bytes(snapshot),
            name=SNAPSHOT_NAME,
            relationship="Data",
            description="Data snapshot the report was rendered from (JSON)",
        ),
        attachment_class(
            string=evidence_readme(snapshot).encode("utf-8"),
            name=README_NAME,
            relationship="Supplement",
            description="What this file is and how to verify it",
        ),
    ]


def render_pdf(snapshot: dict) -> RenderedPdf:
    """Render one report snapshot to PDF (A4, French typography when the language is French).

    The PDF is **PDF/A-3b** (ISO 19005-3, level B: the archival profile that allows associated
    files) **with tagged structure** (``pdf_tags``: headings, paragraphs, lists, tables and figures
    with their alternative text are in the structure tree, with the document language, title and
    author in the XMP metadata). WeasyPrint takes one ``pdf_variant``: PDF/UA-1 and PDF/A-3 are two
    variants of it and cannot both be claimed, and only PDF/A-3 allows the embedded evidence, so the
    file claims PDF/A-3b and carries PDF/UA's main requirement, the tags. The frozen snapshot and a
    README are embedded (:func:`evidence_attachments`), so the PDF carries its own evidence.

    Returns a :class:`RenderedPdf`. Raises ``RenderError`` with a readable message when a
    resource cannot be loaded or the layout fails; ``OSError`` (disk, fonts, memory maps) is
    left to propagate, since it is usually transient and the task retries it.
    """
    return html_to_pdf(
        render_html(snapshot),
        identifier=report_identifier(snapshot),
        language=(snapshot.get("report") or {}).get("language") or settings.LANGUAGE_CODE,
        snapshot=snapshot,
        readme=evidence_readme(snapshot),
    )


def _xmp(language: str, identifier: str) -> bytes:
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:language><rdf:Bag><rdf:li>{escape(language)}</rdf:li></rdf:Bag></dc:language>"
        f"<dc:identifier>{escape(identifier)}</dc:identifier>"
        "</rdf:Description></rdf:RDF>"
    ).encode()


def html_to_pdf(
    html: str, *, identifier: str, language: str, snapshot: dict, readme: str | None = None
) -> RenderedPdf:
    """Lay out one document's HTML as a PDF/A-3b, tagged, with its snapshot embedded — the engine of
    every kind of the pipeline (``reports.pipeline``).

    Args:
        html: the whole document (its stylesheets as relative links to the static files).
        identifier: written in the trailer (/ID) and the XMP ``dc:identifier``.
        language: the document's language code (XMP ``dc:language``).
        snapshot: embedded as ``snapshot.json`` (:func:`snapshot_bytes`).
        readme: embedded as ``README.txt`` beside it (optional).

    Resources come only from the static files and ``data:`` URIs (:func:`local_fetcher`). Returns a
    :class:`RenderedPdf`; raises ``RenderError`` (readable) or lets ``OSError`` and
    ``SoftTimeLimitExceeded`` through.
    """
    weasyprint = _weasyprint()
    from weasyprint.urls import FatalURLFetchingError

    attachments = [
        weasyprint.Attachment(
            string=snapshot_bytes(snapshot),
            name=SNAPSHOT_NAME,
            relationship="Data",
            description="Data snapshot the report was rendered from (JSON)",
        )
    ]
    if readme is not None:
        attachments.append(
            weasyprint.Attachment(
                string=readme.encode("utf-8"),
                name=README_NAME,
                relationship="Supplement",
                description="What this file is and how to verify it",
            )
        )
    with weasyprint_log() as log_lines:
        try:
            document = weasyprint.HTML(string=html, base_url=static_base_url(), url_fetcher=local_fetcher())
            pdf = document.write_pdf(
                font_config=font_config(),
                pdf_identifier=identifier.encode(),
                pdf_variant=PDF_VARIANT,
                pdf_tags=True,
                xmp_metadata=[data_uri(_xmp(language, identifier), "application/rdf+xml")],
                attachments=attachments,
            )
        except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: keep it from the worker
            cause = exc.__cause__ or exc
            raise RenderError(f"A resource of the report could not be loaded: {cause}") from None
        except (OSError, SoftTimeLimitExceeded):
            raise  # transient (retried), or the task's time is up (the task says so itself)
        except Exception as exc:
            raise RenderError(
                f"WeasyPrint could not lay the report out: {type(exc).__name__}: {exc}"
            ) from exc
    if not pdf:
        raise RenderError("WeasyPrint produced an empty file.")
    return RenderedPdf(
        pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), page_count=page_count(pdf), warnings=list(log_lines)
    )


def format_number(value, digits=2):
    """``value`` with ``digits`` decimals in the active language (3,72 in French), "—" for None."""
    if value is None:
        return "—"
    return formats.number_format(value, digits, use_l10n=True)
