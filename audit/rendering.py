"""The access export's readable summary: ``templates/audit/access_export.html`` laid out by
WeasyPrint with the report's URL fetcher (``reports.rendering.local_fetcher``: only the project's
static files and ``data:`` URIs can be loaded) and its shared font configuration.
"""

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from assessments.models import Scorecard
from candidates.models import RejectionReason, Stage
from reports import rendering as report_rendering

TEMPLATE = "audit/access_export_summary.html"


def _when(value):
    return parse_datetime(value) if value else None


def _stage(code):
    return Stage(code).label if code in Stage.values else code


def _context_label(card: dict) -> str:
    if card["context"] == Scorecard.Context.WORKING_SESSION:
        return _("Working session %(n)d") % {"n": card["session_number"]}
    if card["context"] in Scorecard.Context.values:
        return Scorecard.Context(card["context"]).label
    return card["context"]


def summary_context(data: dict) -> dict:
    """What the summary template shows, from the export's JSON (``access_export_data``): the
    same document, with dates parsed and stage codes turned into labels."""
    applications = []
    for application in data["applications"]:
        applications.append(
            {
                **application,
                "stage_label": _stage(application["stage"]),
                "rejection_label": (
                    RejectionReason(application["rejection_reason"]).label
                    if application["rejection_reason"] in RejectionReason.values
                    else ""
                ),
                "history": [
                    {**t, "at": _when(t["at"]), "from_label": _stage(t["from"]), "to_label": _stage(t["to"])}
                    for t in application["stage_history"]
                ],
                "sessions": [
                    {**s, "starts_at": _when(s["starts_at"])} for s in application["working_sessions"]
                ],
                "scorecards": [{**c, "context_label": _context_label(c)} for c in application["scorecards"]],
                "report_rows": [
                    {**r, "requested_at": _when(r["requested_at"])} for r in application["reports"]
                ],
            }
        )
    return {
        "data": data,
        "subject": data["subject"],
        "applications": applications,
        "emails": [{**e, "created_at": _when(e["created_at"])} for e in data["emails"]],
        "generated_at": _when(data["generated_at"]),
    }


def render_summary_pdf(data: dict, *, language: str) -> bytes:
    """The summary PDF (bytes) of an access export's JSON, in ``language``. Raises
    ``reports.rendering.RenderError`` when WeasyPrint cannot lay it out or a resource is missing."""
    weasyprint = report_rendering._weasyprint()
    from weasyprint.urls import FatalURLFetchingError

    with translation.override(language):
        html = render_to_string(TEMPLATE, summary_context(data))
    try:
        document = weasyprint.HTML(
            string=html,
            base_url=report_rendering.static_base_url(),
            url_fetcher=report_rendering.local_fetcher(),
        )
        pdf = document.write_pdf(font_config=report_rendering.font_config())
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint
        raise report_rendering.RenderError(f"A resource of the summary could not be loaded: {exc}") from None
    if not pdf:
        raise report_rendering.RenderError("WeasyPrint produced an empty file.")
    return pdf
