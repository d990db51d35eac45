"""Access export pages (request, live status, download) and the read journal ("Journal des
accès").

Thin views: access through ``cso_recruit.access`` (out of scope → the same 404 as a missing
object), reads through ``audit.selectors``, writes through ``audit.services``. Every answer is
``Cache-Control: private, no-store`` (they name people).
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments import selectors as assessment_selectors
from cso_recruit import access

from . import selectors, services
from .models import ReadEvent

logger = logging.getLogger(__name__)

#: Seconds between two reloads of a running export's page when JavaScript is off.
REFRESH = 3
#: Milliseconds between two updates of a running export's status with JavaScript.
LIVE_INTERVAL_MS = 1000


def _language():
    code = (get_language() or "fr")[:2]
    return code if code in ("fr", "en") else "fr"


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def access_export_request(request, pk):
    """A candidate's access exports (GDPR art. 15 and 20): GET lists the user's latest with the
    button, POST queues one (a second click returns the one under way) and leads to its page.
    Recruiters of the candidate's mandates and staff only (``access.access_export_scope``)."""
    candidate = access.get_visible_or_404(access.candidates_visible_to(request.user), pk=pk)
    scope = list(access.access_export_scope(request.user, candidate))
    if not scope:
        raise Http404
    if request.method == "POST":
        try:
            job = services.access_export_request(candidate=candidate, by=request.user, language=_language())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("audit:access_export_request", pk=candidate.pk)
        if job.already_pending:
            messages.info(request, _("An access export of this candidate is already under way: here it is."))
        return redirect(job)
    return _private(
        render(
            request,
            "audit/access_export_request.html",
            {
                "candidate": candidate,
                "scope": scope,
                "jobs": selectors.recent_access_exports(candidate=candidate, user=request.user),
                "retention_hours": settings.ACCESS_EXPORT_FILE_RETENTION_HOURS,
            },
        )
    )


def _job_page(request, template, job):
    live = job.is_pending and not job.is_stale
    context = {"job": job, "candidate": job.candidate, "live": live, "refresh": REFRESH if live else None}
    context["interval_ms"] = LIVE_INTERVAL_MS
    return _private(render(request, template, context))


@login_required
def access_export(request, pk):
    """An access export's page: progress while the task writes the ZIP (updated in place by
    ``static/js/live.js`` from :func:`access_export_status`), then the download button."""
    return _job_page(
        request, "audit/access_export_job.html", selectors.access_export_detail(pk=pk, user=request.user)
    )


@login_required
def access_export_status(request, pk):
    """The live part of an access export's page alone (the fragment ``live.js`` asks for)."""
    return _job_page(
        request, "audit/_access_export_status.html", selectors.access_export_detail(pk=pk, user=request.user)
    )


@login_required
def access_export_download(request, pk):
    """The access export's ZIP (404 before it is written, once expired, or while the user has an
    unsubmitted scorecard for one of the applications it covers: independence rule). Recorded in
    the read journal and logged."""
    job = selectors.access_export_detail(pk=pk, user=request.user)
    if job.status != job.Status.DONE or not job.file:
        raise Http404("access export not available")
    mandate_ids = list(job.mandates.values_list("pk", flat=True))
    covered = job.candidate.applications.filter(mandate_id__in=mandate_ids)
    if assessment_selectors.applications_with_open_draft(request.user, covered):
        raise Http404("independence rule")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("access export file gone") from exc
    services.read_record(
        request,
        kind=ReadEvent.Kind.ACCESS_EXPORT,
        object_id=job.pk,
        label=_("Access export of %(name)s") % {"name": job.candidate.full_name},
        candidate=job.candidate,
        mandates=mandate_ids,
    )
    logger.info(
        "access export downloaded",
        extra={"job": job.pk, "candidate": job.candidate_id, "by": request.user.pk},
    )
    response = FileResponse(
        handle, as_attachment=True, filename=job.download_name, content_type="application/zip"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response)


@login_required
def journal(request):
    """The read journal ("Journal des accès"): who downloaded which CV, report, CSV export or
    access export, when and from where; staff see every event, recruiters those about their
    mandates; everyone else 404. ``?candidate=<id>`` filters on one person (an id the user may not
    filter on gives an empty page, never an error), ``?page=<n>`` pages."""
    if not access.may_read_journal(request.user):
        raise Http404
    raw = request.GET.get("candidate", "")
    candidate_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
    data = selectors.journal_page(
        user=request.user, candidate_id=candidate_id, page=request.GET.get("page", 1)
    )
    return _private(render(request, "audit/journal.html", {"journal": data, "page": data.page}))
