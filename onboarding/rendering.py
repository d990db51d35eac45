"""The start kit's PDF, in two pure steps for the shared PDF pipeline: :func:`kit_snapshot`
freezes every input the document shows into a JSON-serialisable dict (what a report's
``snapshot.json`` holds), and :func:`render_kit_html` turns such a snapshot into the HTML that
WeasyPrint renders (``templates/onboarding/kit_pdf.html``: no remote resource, no script, its
one stylesheet ``onboarding/static/onboarding/kit.css`` as a relative link, ``lang`` set). Nothing here renders a PDF in a web request, nor queues anything:
the lead plugs these two functions into the reports' Celery pipeline.

Snapshot shape (``schema`` ``"onboarding.start_kit/1"``)::

    {"schema", "language", "generated_at" (ISO 8601),
     "kit": {"id", "application_id", "start_date", "start_date_source", "shared_at"},
     "candidate": {"full_name"}, "mandate": {"title", "company", "slug", "ceo"},
     "plan": {"inventory": [line], "actions": [line]},   # line: kind, source, reference, evidence,
                                                         # title, owner, current_state, target, due_on
     "charter": {"version", "decision_rights", "disagreement", "cadence", "sha256", "amended_at",
                 "amended_by", "sign_offs": [{"party", "version", "signer_name", "signed_at",
                 "text_sha256", "voided_at"}]},
     "check_ins": [{"milestone", "due", "opens", "observed", "given": {party: {"ratings",
                    "comment", "submitted_at"}}}],
     "dimensions": [codes of sessions.ipa.DIMENSIONS],
     "compatibility": {"predicted", "observed", "milestone", "gap"}}

Dates are ISO strings; ``predicted`` is the stored compatibility index in the CEO's reading
(``ApplicationFigures.ceo_compatibility_index``: the kit is read by the CEO and the CSO, so no
observation still sealed for the CEO enters it); ``observed`` and ``gap`` follow
``onboarding.evidence``.
"""

from datetime import date, datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from figures.models import ApplicationFigures
from sessions import ipa

from . import evidence, selectors
from .models import Party, PlanLine, StartKit

SCHEMA = "onboarding.start_kit/1"
TEMPLATE = "onboarding/kit_pdf.html"


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _line(line: PlanLine) -> dict:
    return {
        "kind": line.kind,
        "source": line.source,
        "reference": line.reference,
        "evidence": dict(line.evidence or {}),
        "title": line.title,
        "owner": line.owner,
        "current_state": line.current_state,
        "target": line.target,
        "due_on": _iso(line.due_on),
    }


def kit_snapshot(kit: StartKit, *, now=None) -> dict:
    """Every input the kit's PDF shows, frozen (shape in the module docstring). A handful of
    queries; JSON-serialisable (``json.dumps`` needs no default)."""
    kit = selectors.kit_loaded(kit)
    application, mandate = kit.application, kit.application.mandate
    lines = list(kit.plan_lines.all())
    charter = selectors.charter_state(kit)
    states = selectors.milestones(kit)
    row = ApplicationFigures.objects.filter(pk=application.pk).only("ceo_compatibility_index").first()
    predicted = row.ceo_compatibility_index if row is not None else None
    milestone, observed = selectors.observed_for(kit)
    return {
        "schema": SCHEMA,
        "language": kit.language or settings.LANGUAGE_CODE,
        "generated_at": _iso(now or timezone.now()),
        "kit": {
            "id": kit.pk,
            "application_id": application.pk,
            "start_date": _iso(kit.start_date),
            "start_date_source": kit.start_date_source,
            "shared_at": _iso(kit.shared_at),
        },
        "candidate": {"full_name": application.candidate.full_name},
        "mandate": {
            "title": mandate.title,
            "company": mandate.company.name,
            "slug": mandate.slug,
            "ceo": mandate.ceo.get_full_name() or mandate.ceo.username,
        },
        "plan": {
            "inventory": [_line(line) for line in lines if line.kind == PlanLine.Kind.INVENTORY],
            "actions": [_line(line) for line in lines if line.kind == PlanLine.Kind.DEVELOPMENT],
        },
        "charter": {
            "version": charter["charter"].version,
            "decision_rights": charter["charter"].decision_rights,
            "disagreement": charter["charter"].disagreement,
            "cadence": charter["charter"].cadence,
            "sha256": charter["sha256"],
            "amended_at": _iso(charter["charter"].amended_at),
            "amended_by": charter["charter"].amended_by,
            "sign_offs": [
                {
                    "party": s.party,
                    "version": s.version,
                    "signer_name": s.signer_name,
                    "signed_at": _iso(s.signed_at),
                    "text_sha256": s.text_sha256,
                    "voided_at": _iso(s.voided_at),
                }
                for s in kit.charter.sign_offs.all()
            ],
        },
        "check_ins": [
            {
                "milestone": s.milestone,
                "due": _iso(s.due),
                "opens": _iso(s.opens),
                "observed": s.observed,
                "given": {
                    party: {
                        "ratings": dict(c.ratings),
                        "comment": c.comment,
                        "submitted_at": _iso(c.submitted_at),
                    }
                    for party, c in s.given.items()
                },
            }
            for s in states
        ],
        "dimensions": list(ipa.DIMENSION_CODES),
        "compatibility": {
            "predicted": predicted,
            "observed": observed,
            "milestone": milestone,
            "gap": evidence.gap(predicted, observed),
        },
    }


def _date(value):
    return date.fromisoformat(value) if value else None


def _datetime(value):
    return datetime.fromisoformat(value) if value else None


def kit_context(snapshot: dict) -> dict:
    """The template context of :func:`render_kit_html`, from a snapshot only (no query): labels in
    the active language, dates parsed back."""
    english = (translation.get_language() or "fr").startswith("en")
    sources = dict(PlanLine.Source.choices)
    parties = dict(Party.choices)
    labels = {d.code: (d.label_en if english else d.label_fr) for d in ipa.DIMENSIONS}

    def line(item):
        return {
            **item,
            "due_on": _date(item["due_on"]),
            "source_label": sources.get(item["source"], item["source"]),
        }

    sign_offs = [
        {
            **s,
            "party_label": parties.get(s["party"], s["party"]),
            "signed_at": _datetime(s["signed_at"]),
            "voided_at": _datetime(s["voided_at"]),
        }
        for s in snapshot["charter"]["sign_offs"]
    ]
    check_ins = []
    for item in snapshot["check_ins"]:
        rows = [
            {
                "label": labels[code],
                "ceo": (item["given"].get("ceo") or {}).get("ratings", {}).get(code),
                "cso": (item["given"].get("cso") or {}).get("ratings", {}).get(code),
            }
            for code in snapshot["dimensions"]
        ]
        check_ins.append({**item, "due": _date(item["due"]), "rows": rows, "any": bool(item["given"])})
    return {
        "language": snapshot["language"],
        "snapshot": snapshot,
        "start_date": _date(snapshot["kit"]["start_date"]),
        "generated_at": _datetime(snapshot["generated_at"]),
        "inventory": [line(i) for i in snapshot["plan"]["inventory"]],
        "actions": [line(i) for i in snapshot["plan"]["actions"]],
        "charter": snapshot["charter"],
        "live": [s for s in sign_offs if s["voided_at"] is None],
        "voided": [s for s in sign_offs if s["voided_at"] is not None],
        "check_ins": check_ins,
        "compatibility": snapshot["compatibility"],
    }


def render_kit_html(snapshot: dict) -> str:
    """The kit's HTML for WeasyPrint, in the snapshot's language (pure: reads only ``snapshot``).
    Render it with ``weasyprint.HTML(string=html, base_url=reports.rendering.static_base_url(),
    url_fetcher=reports.rendering.local_fetcher())`` — its only resource is the static stylesheet
    ``onboarding/kit.css``, which that fetcher serves."""
    with translation.override(snapshot.get("language") or settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, kit_context(snapshot))


__all__ = ["SCHEMA", "kit_context", "kit_snapshot", "render_kit_html"]
