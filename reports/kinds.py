"""The document kinds of the reports app, registered in the PDF pipeline (``reports.pipeline``):

* ``"report"``: the compatibility report of one application (``Report``), rendered by its own task
  ``reports.tasks.render_report`` (``report_id``), as before the pipeline existed;
* ``"shortlist"``: the shortlist of 2 to 4 finalists of one mandate (``Shortlist``), rendered by the
  generic task ``reports.tasks.render_document``.

Imported by ``ReportsConfig.ready`` (the worker and the web process both have the registry).
"""

from django.utils.text import slugify

from . import pipeline, rendering
from .models import Report, Shortlist
from .selectors import reports_visible_to, shortlists_visible_to

_TRANSLITERATE = str.maketrans(
    {
        "œ": "oe",
        "Œ": "Oe",
        "æ": "ae",
        "Æ": "Ae",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
    }
)


def ascii_slug(text: str, default: str) -> str:
    """``text`` as an ASCII slug for a file name (œ → oe, accents dropped), ``default`` if empty."""
    return slugify((text or "").translate(_TRANSLITERATE)) or default


def report_filename(report) -> str:
    """Download name: ``rapport-compatibilite-<candidate slug>-v<version>.pdf`` (ASCII; œ → oe)."""
    return f"rapport-compatibilite-{ascii_slug(report.application.candidate.full_name, 'candidat')}-v{report.version}.pdf"


def shortlist_filename(shortlist) -> str:
    """Download name: ``shortlist-<mandate slug>-v<version>.pdf`` (ASCII)."""
    return f"shortlist-{ascii_slug(shortlist.mandate.slug, 'mandat')}-v{shortlist.version}.pdf"


def _render_shortlist(snapshot):
    from . import shortlist

    return shortlist.render_pdf(snapshot)


REPORT = pipeline.register(
    pipeline.DocumentKind(
        code="report",
        model=Report,
        # Looked up at each call: the tests replace ``rendering.render_pdf``.
        render_pdf=lambda snapshot: rendering.render_pdf(snapshot),
        visible_to=reports_visible_to,
        filename=report_filename,
        task="reports.tasks.render_report",
        task_arg="report_id",
        label="Report",
        logger="reports.services",  # where its lines always went
    )
)

SHORTLIST = pipeline.register(
    pipeline.DocumentKind(
        code="shortlist",
        model=Shortlist,
        render_pdf=_render_shortlist,
        visible_to=shortlists_visible_to,
        filename=shortlist_filename,
        label="Shortlist",
    )
)
