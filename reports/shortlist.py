"""The shortlist PDF: the 2 to 4 finalists of a mandate side by side (kind ``"shortlist"`` of the
PDF pipeline, ``reports.pipeline``).

``build_snapshot`` reads the database once, at request time, from the **stored figures**
(``figures.selectors.application_summary``, ``sessions.selectors.coverage_for``) — nothing is
recomputed — under the same rules as the compatibility report (``reports.snapshot``): the CEO's
reading of the sessions, the mandate statistics only when the requester has no open scorecard in
the mandate. ``render_html`` / ``render_pdf`` read nothing but the snapshot, in its language, and
draw with the report's chart functions (``reports.charts``).

The decision status of each finalist has one place: :func:`finalist_decision`. Today it is the
application's stage; the decision meeting's status (``decisions.selectors``) goes there.
"""

import dataclasses
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import RoleGroup
from assessments.scoring import ROLE_GATE
from decisions import selectors as decision_selectors
from figures.models import FORMULAS_VERSION
from figures.selectors import application_summary, mandate_statistics, stored_row, viewer_for
from sessions import i18n, ipa
from sessions.compatibility import perception_table
from sessions.coverage import GROUPS as COVERAGE_GROUPS
from sessions.selectors import coverage_for

from . import charts, pipeline, rendering
from .templatetags.report_tags import num

#: Bump when the snapshot's shape changes (the renderer adapts old versions).
SCHEMA = 2
TEMPLATE = "reports/shortlist.html"
ROLE_CODES = ("conductor", "business_partner", "entrepreneur")
#: How many finalists a shortlist compares (the comparison page's bounds).
MIN_FINALISTS, MAX_FINALISTS = 2, 4


def _name(user):
    if user is None:
        return None
    return user.get_full_name() or user.username


def finalist_decision(application) -> dict:
    """The decision status of one finalist, as frozen in the shortlist — THE one place for it.

    ``{"source": "decision", "code": "none" | "open" | "decided", "stage": <stage code>,
    "decision": "hire" | "no_hire" | "more_evidence" | None, "differs_from_reading": bool | None,
    "votes_cast": int, "panel_size": int, "label": str}`` from
    ``decisions.selectors.decision_status`` (no vote's content: the votes stay the panel's), with
    ``label`` in the active language: the final decision (and whether it differs from the
    product's reading), or the open meeting's count of votes, or the stage when no meeting was
    held. Three queries.
    """
    status = decision_selectors.decision_status(application)
    if status["status"] == "decided":
        label = status["decision_label"]
        if status["differs_from_reading"]:
            label = _("%(decision)s — differs from the product’s reading") % {"decision": label}
    elif status["status"] == "open":
        label = _("Decision meeting open: %(n)d of %(m)d votes") % {
            "n": status["votes_cast"],
            "m": status["panel_size"],
        }
    else:
        label = _("%(stage)s — no decision meeting yet") % {"stage": _stage_label(application.stage)}
    return {
        "source": "decision",
        "code": status["status"],
        "stage": application.stage,
        "decision": status["decision"],
        "differs_from_reading": status["differs_from_reading"],
        "votes_cast": status["votes_cast"],
        "panel_size": status["panel_size"],
        "label": label,
    }


def _flags(application, summary, role_labels):
    """The comparison page's flags of one finalist (``reports.selectors.row_flags``), from the same
    stored figures, as ``[{"level", "text"}]`` in the active language."""
    from .selectors import DashboardRow, row_flags

    row = DashboardRow(
        application=application,
        hidden=False,
        figures=stored_row(application),
        compatibility=summary.compatibility,
        reading=summary.reading,
        reliability=summary.reliability,
    )
    return [{"level": level, "text": str(text)} for level, text in row_flags(row, role_labels)]


def build_snapshot(*, mandate, applications, version, by=None, language="fr", now=None) -> dict:
    """Freeze every input of one shortlist version as a JSON-ready dict.

    Args:
        mandate: the ``Mandate`` (company and CEO loaded).
        applications: the finalists (2–4 ``Application`` of the mandate, candidate loaded), in the
            order they are compared.
        version: the shortlist version (≥ 1); by: the requester or ``None``; language: "fr" | "en";
        now: request time (aware), defaults to now.

    Returns ``{"schema", "document": {kind: "shortlist", version, language, requested_at,
    requested_by}, "mandate": {id, title, slug, company, ceo, support_domains, years_axis_top},
    "statistics": (mandate statistics as the requester may read them), "finalists": [{
    "application": {id, public_id, stage, stage_entered_at}, "candidate": {full_name, city,
    career_years, years: {domain: float}}, "summary": (``AssessmentSummary.to_dict()``, the CEO's
    reading of compatibility), "coverage": ``Coverage.to_dict()``, "flags": [{level, text}],
    "decision": :func:`finalist_decision`}]}`` — JSON types only (one round trip).
    """
    from candidates.selectors import mandate_years_ceiling

    now = now or timezone.now()
    viewer = dataclasses.replace(viewer_for(by, mandate), compatibility_view="ceo")
    role_labels = {g.value: g.label for g in RoleGroup}
    finalists = []
    with translation.override(language):
        for application in applications:
            application.mandate = mandate
            summary_obj = application_summary(application=application, viewer=viewer)
            summary = summary_obj.to_dict()
            candidate = application.candidate
            finalists.append(
                {
                    "application": {
                        "id": application.pk,
                        "public_id": str(application.public_id),
                        "stage": application.stage,
                        "stage_entered_at": application.stage_entered_at.isoformat(),
                    },
                    "candidate": {
                        "full_name": candidate.full_name,
                        "city": candidate.city,
                        "career_years": None
                        if candidate.career_years is None
                        else float(candidate.career_years),
                        "years": {code: float(years) for code, years in candidate.years_by_domain().items()},
                    },
                    "summary": summary,
                    "coverage": coverage_for(application=application, summary=summary).to_dict(),
                    "flags": _flags(application, summary_obj, role_labels),
                    # ↓ the decision status: see finalist_decision (decisions.selectors after the merge)
                    "decision": finalist_decision(application),
                }
            )
        statistics = mandate_statistics(mandate_id=mandate.pk, viewer=viewer).to_dict()
    data = {
        "schema": SCHEMA,
        "document": {
            "kind": "shortlist",
            "version": version,
            "language": language,
            "requested_at": now.isoformat(),
            "requested_by": _name(by),
        },
        "mandate": {
            "id": mandate.pk,
            "title": mandate.title,
            "slug": mandate.slug,
            "company": mandate.company.name,
            "ceo": _name(mandate.ceo),
            "support_domains": list(mandate.support_domains),
            "years_axis_top": mandate_years_ceiling(mandate),
        },
        "statistics": statistics,
        "finalists": finalists,
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# ---------------------------------------------------------------------------------- rendering


def _stage_label(code):
    from candidates.models import Stage

    try:
        return str(Stage(code).label)
    except ValueError:
        return code


def _decision_label(decision):
    if decision.get("label"):
        return decision["label"]
    if decision.get("source") == "stage":
        return _stage_label(decision.get("code"))
    return decision.get("code") or "—"


def _counted_sessions(compatibility):
    return [
        s for s in compatibility.get("sessions", []) if s.get("counted") and s.get("mean_rating") is not None
    ]


def _dimension_labels():
    english = translation.get_language() == "en"
    return {d.code: d.label_en if english else d.label_fr for d in ipa.DIMENSIONS}


def shortlist_context(snapshot: dict) -> dict:
    """Template context of ``reports/shortlist.html`` (call it with the snapshot's language active).
    Pure: reads no database. The charts are the report's (``reports.charts``): the role dot plot of
    the finalists and one compatibility trend line per finalist."""
    role_labels = {g.value: str(g.label) for g in RoleGroup}
    finalists = []
    for index, finalist in enumerate(snapshot["finalists"]):
        summary = finalist["summary"]
        compatibility = summary.get("compatibility") or {}
        counted = _counted_sessions(compatibility)
        trend = None
        if counted:
            trend = rendering.svg_data_uri(
                charts.trend_line(
                    [s["mean_rating"] for s in counted],
                    [str(s["order"]) for s in counted],
                    style=charts.PRINT_STYLE,
                    x_title=_("Session number"),
                    width=560,
                    height=340,
                    margin_right=30,
                    margin_left=10,
                )
            )
        has_scores = bool(summary.get("submitted_scorecards"))
        finalists.append(
            {
                **finalist,
                "index": index + 1,
                "marker": charts.DOT_MARKERS[index % len(charts.DOT_MARKERS)],
                "has_scores": has_scores,
                "roles": [
                    {
                        "code": code,
                        "label": role_labels[code],
                        "score": (summary.get("roles", {}).get(code) or {}).get("score")
                        if has_scores
                        else None,
                        "below_gate": code in (summary.get("gate") or {}).get("missing_roles", []),
                    }
                    for code in (*ROLE_CODES, "posture")
                ],
                "balance": summary.get("balance") or {},
                "compatibility": compatibility,
                "verdict_label": rendering._verdict_label(compatibility.get("verdict")),
                "trend_points": [(s["order"], s["mean_rating"]) for s in counted],
                "trend_chart": trend,
                "trend_text": _("Mean of the mediator's ratings per session, 1 to 5: %(values)s.")
                % {
                    "values": "; ".join(
                        f"{_('Session %(n)d') % {'n': s['order']}} {num(s['mean_rating'], 2)}"
                        for s in counted
                    )
                    or "—"
                },
                "perception": perception_table(
                    compatibility.get("dimension_means"), compatibility.get("perception_gap_means")
                ),
                "coverage_warnings": i18n.coverage_view(finalist["coverage"], {}, name_criteria=False)[
                    "warnings"
                ]
                if finalist.get("coverage")
                else [],
                "reliability": summary.get("reliability") or {},
                "rater_names": {r["id"]: r["name"] for r in summary.get("raters", []) if "id" in r},
                "reading": rendering.reading(summary),
                "decision_label": _decision_label(finalist.get("decision") or {}),
            }
        )
    scored = [f for f in finalists if f["has_scores"]]
    dot_plot = None
    if scored:
        dot_plot = rendering.svg_data_uri(
            charts.role_dot_plot(
                [(f["candidate"]["full_name"], {r["code"]: r["score"] for r in f["roles"]}) for f in scored],
                [(code, role_labels[code]) for code in (*ROLE_CODES, "posture")],
                gate=ROLE_GATE,
                title=_("Role scores of the candidates (1 to 5) against the %(gate)s gate")
                % {"gate": num(ROLE_GATE, 1)},
                axis_title=_("Score (1 to 5)"),
                gate_label=_("gate %(gate)s") % {"gate": num(ROLE_GATE, 1)},
                no_evidence=_("no evidence"),
                chart_id="shortlist-dot-plot",
            )
        )
    domains = snapshot["mandate"]["support_domains"]
    dimension_labels = _dimension_labels()
    document = snapshot["document"]
    return {
        "snapshot": snapshot,
        "language": document.get("language", "fr"),
        "version": document["version"],
        "requested_at": rendering._parse_dt(document["requested_at"]),
        "requested_by": document.get("requested_by"),
        "mandate": snapshot["mandate"],
        "statistics": snapshot.get("statistics") or {"visible": True},
        "finalists": finalists,
        "role_labels": role_labels,
        "dot_plot": dot_plot,
        "dot_plot_text": _("Role scores on 1 to 5, gate at 3.0: %(values)s.")
        % {
            "values": " / ".join(
                f"{f['candidate']['full_name']}: "
                + "; ".join(f"{r['label']} {num(r['score'], 2)}" for r in f["roles"])
                for f in scored
            )
        },
        "years_rows": [
            (
                rendering._domain_label(code),
                [f["candidate"]["years"].get(code, 0) for f in finalists],
            )
            for code in domains
        ],
        "dimension_rows": [
            (
                dimension_labels[code],
                [next(r for r in f["perception"] if r["code"] == code) for f in finalists],
            )
            for code in ipa.DIMENSION_CODES
        ],
        "coverage_rows": [
            (
                role_labels.get(group, group),
                [
                    ((f.get("coverage") or {}).get("roles") or {}).get(group)
                    or {"targeting": [], "evidencing": None}
                    for f in finalists
                ],
            )
            for group in COVERAGE_GROUPS
        ],
        "unreliable": any(
            f["reliability"].get("level") == "unreliable" for f in finalists if f["has_scores"]
        ),
    }


def render_html(snapshot: dict) -> str:
    """The shortlist's HTML (``templates/reports/shortlist.html``) in the snapshot's language."""
    language = (snapshot.get("document") or {}).get("language") or settings.LANGUAGE_CODE
    with translation.override(language):
        return render_to_string(TEMPLATE, shortlist_context(snapshot))


def identifier(snapshot: dict) -> str:
    """``shortlist-<mandate slug>-v<version>``: the PDF's identifier (trailer /ID, XMP)."""
    return f"shortlist-{snapshot['mandate']['slug']}-v{snapshot['document']['version']}"


def readme(snapshot: dict) -> str:
    """The README embedded beside the snapshot in the PDF."""
    names = ", ".join(f["candidate"]["full_name"] for f in snapshot["finalists"])
    return (
        "CSO Recruit - shortlist\n"
        f"Shortlist: {identifier(snapshot)} (mandate {snapshot['mandate']['slug']}, version "
        f"{snapshot['document']['version']}, requested {snapshot['document'].get('requested_at', '')})\n"
        f"Finalists: {names}\n"
        f"Product version: {settings.PRODUCT_VERSION}; formulas version: {FORMULAS_VERSION}; "
        f"snapshot schema: {snapshot.get('schema', 1)}\n\n"
        f"{rendering.SNAPSHOT_NAME} is the frozen data this PDF was rendered from (the stored figures of "
        "each finalist when the shortlist was requested). Its SHA-256 is recorded by the product.\n"
    )


#: ``snapshot -> RenderedPdf`` (the kind's renderer in ``reports.kinds``).
render_pdf = pipeline.html_renderer(render_html, identifier=identifier, readme=readme)
