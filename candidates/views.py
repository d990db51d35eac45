"""Recruiter and CEO screens: mandates, pipeline board, candidates, stage moves, import/export.
The CSV import runs in the background (``ImportJob``, ``candidates.tasks.run_import``), and so
does the CSV export (``ExportJob``, ``candidates.tasks.run_export``).

Thin views: access through ``cso_recruit.access`` (out of scope → 404), reads through
``selectors``, writes through ``services``.
"""

from pathlib import PurePosixPath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit import services as audit_services
from audit.models import ReadEvent
from cso_recruit import access
from cso_recruit.forms import add_service_errors
from figures import selectors as figures_selectors

from . import selectors, services
from .forms import CandidateForm, ImportUploadForm, StageMoveForm
from .models import RejectionReason, Stage

#: Seconds between two reloads of a running import's page when JavaScript is off.
IMPORT_REFRESH = 3
#: Milliseconds between two updates of a running import's status with JavaScript.
LIVE_INTERVAL_MS = 1000


@login_required
def mandate_list(request):
    """The user's mandates. A CEO or a mediator who does not recruit lands on "To do" instead
    (what they owe after the sessions, ``sessions.todo``)."""
    roles = access.roles_of(request.user)
    if not (roles.recruiter or roles.staff) and (
        roles.ceo or access.sessions_assigned_to(request.user).exists()
    ):
        return redirect("working_sessions:todo")
    return render(
        request,
        "candidates/mandate_list.html",
        {
            "mandates": selectors.mandate_list(request.user),
            "pipeline_ids": set(access.pipeline_mandates(request.user).values_list("pk", flat=True)),
        },
    )


def _with_cards(applications, *, mandate, user):
    """Attach what a board card shows to ``applications``: the stored figures (``card``), the days
    in stage, and its moves — ``next_stage`` (with ``next_stage_label``) and ``move_targets``
    (``(code, label)`` pairs, ``services.allowed_targets``)."""
    viewer = figures_selectors.viewer_for(user, mandate)
    cards = figures_selectors.card_figures(application_ids=[a.pk for a in applications], viewer=viewer)
    now = timezone.now()
    for application in applications:
        application.mandate = mandate
        application.card = cards.get(application.pk)
        application.days_in_stage = (now - application.stage_entered_at).days
        application.next_stage = services.next_stage(application.stage)
        application.next_stage_label = Stage(application.next_stage).label if application.next_stage else ""
        application.move_targets = [(s, Stage(s).label) for s in services.allowed_targets(application.stage)]


@login_required
def pipeline(request, slug):
    """The pipeline board: each stage's count and its first cards (``selectors.CARDS_PER_COLUMN``),
    each column linking to its full, paginated list."""
    mandate = access.get_visible_or_404(access.pipeline_mandates(request.user), slug=slug)
    columns, closed = selectors.pipeline_board(mandate=mandate, user=request.user)
    _with_cards(
        [a for column in [*columns, closed] for a in column.applications], mandate=mandate, user=request.user
    )
    return render(
        request,
        "candidates/pipeline.html",
        {
            "mandate": mandate,
            "columns": columns,
            "closed": closed,
            "can_manage": access.can_manage_mandate(request.user, mandate),
            "total": sum(c.count for c in columns) + closed.count,
            "drop_stages": [(s, Stage(s).label) for s in selectors.CLOSED_BOARD_STAGES],
            "rejection_reasons": RejectionReason.choices,
        },
    )


@login_required
def pipeline_column(request, slug, column):
    """Every application of one board column (``?page=``, ``selectors.STAGE_PAGE_SIZE`` a page)."""
    mandate = access.get_visible_or_404(access.pipeline_mandates(request.user), slug=slug)
    try:
        applications = selectors.column_applications(mandate=mandate, user=request.user, column=column)
    except ValueError as exc:
        raise Http404 from exc
    page = Paginator(applications, selectors.STAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    cards = list(page.object_list)
    _with_cards(cards, mandate=mandate, user=request.user)
    label = _("Closed applications") if column == selectors.CLOSED_COLUMN else Stage(column).label
    return render(
        request,
        "candidates/pipeline_column.html",
        {
            "mandate": mandate,
            "column": column,
            "label": label,
            "page": page,
            "applications": cards,
            "can_manage": access.can_manage_mandate(request.user, mandate),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidate_create(request, slug):
    mandate = access.get_visible_or_404(access.managed_mandates(request.user), slug=slug)
    form = CandidateForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.candidate_create(
                mandate=mandate,
                data=form.candidate_data(),
                by=request.user,
                cv=form.cleaned_data.get("cv_upload"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s was added to the pipeline.") % {"name": application.candidate}
            )
            return redirect(application)
    return render(request, "candidates/candidate_form.html", {"form": form, "mandate": mandate})


@login_required
def candidate_detail(request, pk):
    candidate = access.get_visible_or_404(access.candidates_visible_to(request.user), pk=pk)
    return render(
        request,
        "candidates/candidate_detail.html",
        {
            "candidate": candidate,
            "applications": selectors.candidate_applications(candidate=candidate, user=request.user),
            "can_edit": access.candidates_managed_by(request.user).filter(pk=pk).exists(),
            "can_export_access": access.may_request_access_export(request.user, candidate),
            "can_read_journal": access.may_read_journal(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidate_edit(request, pk):
    candidate = access.get_visible_or_404(access.candidates_managed_by(request.user), pk=pk)
    form = CandidateForm(request.POST or None, request.FILES or None, instance=candidate, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_update(
                candidate=candidate,
                data=form.candidate_data(),
                by=request.user,
                cv=form.cleaned_data.get("cv_upload"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The candidate was saved."))
            return redirect(candidate)
    return render(request, "candidates/candidate_form.html", {"form": form, "candidate": candidate})


@login_required
def candidate_cv(request, pk):
    candidate = access.get_visible_or_404(access.candidates_visible_to(request.user), pk=pk)
    if not candidate.cv:
        raise Http404
    # The client's name, but the extension of what the content was recognised as (a .docx sent
    # as "cv.pdf" downloads as "cv.docx"); it also sets the Content-Type.
    extension = candidate.cv.name.rsplit(".", 1)[-1]
    stem = PurePosixPath(candidate.cv_original_name).stem or f"cv-{candidate.pk}"
    audit_services.read_record(
        request,
        kind=ReadEvent.Kind.CV,
        object_id=candidate.pk,
        label=_("CV of %(name)s") % {"name": candidate.full_name},
        candidate=candidate,
        mandates=access.pipeline_mandates(request.user).filter(applications__candidate=candidate),
    )
    return FileResponse(candidate.cv.open("rb"), as_attachment=True, filename=f"{stem}.{extension}")


def _moved_message(application) -> str:
    return _("%(name)s moved to “%(stage)s”.") % {
        "name": application.candidate.full_name,
        "stage": application.get_stage_display(),
    }


def _move(request, application, form):
    """Run the stage move of a valid-or-not ``form`` through ``services.application_move``.

    Returns ``(moved, message)``: ``moved`` is ``True`` when the application is now at the asked
    stage (moved, or already there after a double submit), ``False`` when refused; the form then
    carries the errors (typed text kept)."""
    if not form.is_valid():
        return False, " ".join(e for errors in form.errors.values() for e in errors)
    data = form.cleaned_data
    try:
        application = services.application_move(
            application=application,
            to_stage=data["to_stage"],
            by=request.user,
            reason=data["reason"],
            rejection_reason=data["rejection_reason"],
            from_stage=data["from_stage"],
        )
    except services.AlreadyInStage:
        application.refresh_from_db()
        return True, _("%(name)s already is in “%(stage)s”; nothing was changed.") % {
            "name": application.candidate.full_name,
            "stage": application.get_stage_display(),
        }
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False, " ".join(exc.messages)
    return True, _moved_message(application)


@login_required
@require_http_methods(["GET", "POST"])
def application_detail(request, pk):
    """One application: header, history; its recruiters (and staff) move it to another stage."""
    application = selectors.application_detail(pk=pk, user=request.user)
    can_manage = access.can_manage_mandate(request.user, application.mandate)
    form = None
    if can_manage:
        form = StageMoveForm(request.POST or None, application=application)
        if request.method == "POST":
            moved, message = _move(request, application, form)
            if moved:
                messages.success(request, message)
                return redirect(application)
    elif request.method == "POST":
        raise Http404
    return _application_page(request, application, form)


def _application_page(request, application, form):
    return render(
        request,
        "candidates/application_detail.html",
        {
            "application": application,
            "form": form,
            "can_manage": access.can_manage_mandate(request.user, application.mandate),
            "now": timezone.now(),
        },
    )


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@login_required
@require_POST
def application_move(request, pk):
    """POST: a stage move from the board — a card's "Move to next stage" or "Move to…" form, or a
    drag-and-drop (``static/js/board.js``, which asks for JSON).

    Same form and service as the application page (``StageMoveForm``,
    ``services.application_move``): a move the rules refuse changes nothing and says why. JSON:
    ``{"ok", "message", "stage", "errors"}`` (400 when refused). Otherwise: back to ``next`` (the
    board) with the message; a refused rejection (no reason) shows the application page's form
    with what was typed, so that it can be completed there. Out of scope: 404.
    """
    application = access.get_visible_or_404(
        access.applications_managed_by(request.user).select_related("candidate", "mandate"), pk=pk
    )
    form = StageMoveForm(request.POST, application=application)
    moved, message = _move(request, application, form)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = application.mandate.get_absolute_url()
    if _wants_json(request):
        application.refresh_from_db()
        card = ""
        # Moved, or refused because the application moved meanwhile: the card's fresh rendering,
        # so that the board shows it where it now is (its later moves start from there).
        stale = application.stage != request.POST.get("from_stage")
        if (moved or stale) and application.stage in {s.value for s in selectors.BOARD_STAGES}:
            _with_cards([application], mandate=application.mandate, user=request.user)
            card = render_to_string(
                "candidates/_board_card.html",
                {"application": application, "can_manage": True, "board_next": target},
                request=request,
            )
        return JsonResponse(
            {
                "ok": moved,
                "message": message,
                "stage": application.stage,
                "errors": form.errors,
                "card": card,
            },
            status=200 if moved else 400,
        )
    rejection_errors = {"rejection_reason", "reason"} & set(form.errors)
    if not moved and rejection_errors:
        messages.error(request, message)
        return _application_page(
            request, selectors.application_detail(pk=application.pk, user=request.user), form
        )
    (messages.success if moved else messages.error)(request, message)
    return redirect(target)


def _language():
    code = (get_language() or "fr")[:2]
    return code if code in ("fr", "en") else "fr"


@login_required
@require_http_methods(["GET", "POST"])
def candidate_import(request, slug):
    """Upload a CSV file: it is stored and its preview (nothing saved) runs in the background;
    the answer is at once a redirect to the job's page, which follows it and offers the
    confirmation. The mandate's latest imports are listed under the form."""
    mandate = access.get_visible_or_404(access.managed_mandates(request.user), slug=slug)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                mandate=mandate, by=request.user, upload=form.cleaned_data["file"], language=_language()
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect(job)
    return render(
        request,
        "candidates/import.html",
        {
            "mandate": mandate,
            "form": form,
            "jobs": selectors.recent_import_jobs(mandate=mandate, user=request.user),
        },
    )


def _job_page(request, template, job):
    """A background job's page or its live fragment (``template``), for an ``ImportJob`` or an
    ``ExportJob``: never cached (it changes every second and names people)."""
    live = job.is_pending and not job.is_stale
    context = {
        "job": job,
        "mandate": job.mandate,
        "result": getattr(job, "result", None) or {},
        "live": live,
        "refresh": IMPORT_REFRESH if live else None,
        "interval_ms": LIVE_INTERVAL_MS,
    }
    response = render(request, template, context)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def import_job(request, pk):
    """An import job's page: progress while it runs (updated in place by ``static/js/live.js``
    from :func:`import_job_status`; without JavaScript the page reloads itself), then the
    preview with its problems and the "save" button, or the outcome of the save."""
    return _job_page(
        request, "candidates/import_job.html", selectors.import_job_detail(pk=pk, user=request.user)
    )


@login_required
def import_job_status(request, pk):
    """The live part of an import job's page alone (the fragment ``live.js`` asks for every second)."""
    return _job_page(
        request, "candidates/_import_job_status.html", selectors.import_job_detail(pk=pk, user=request.user)
    )


@login_required
@require_POST
def import_job_confirm(request, pk):
    """Save a preview without problems: a save job on the same stored file, in the background.
    Done already (embedded default, eager tasks): back to the board with the counts; otherwise to
    the save job's page. Confirming twice leads to the same save job."""
    preview = selectors.import_job_detail(pk=pk, user=request.user)
    try:
        job = services.import_job_confirm(preview=preview, by=request.user, language=_language())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(preview)
    if job.already_confirmed:
        messages.info(request, _("This file was already confirmed: here is its import."))
        return redirect(job)
    job.refresh_from_db()
    result = job.result or {}
    if job.status == job.Status.DONE and result.get("saved"):
        messages.success(
            request,
            _("Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"created": result["created"], "updated": result["updated"], "unchanged": result["unchanged"]},
        )
        return redirect(preview.mandate)
    return redirect(job)


@login_required
@require_http_methods(["GET", "POST"])
def candidate_export(request, slug):
    """The mandate's CSV export: POST queues it (a background task writes the file; a second
    click returns the export already under way) and leads to its page; GET lists the user's
    latest exports of the mandate with the button."""
    mandate = access.get_visible_or_404(access.pipeline_mandates(request.user), slug=slug)
    if request.method == "POST":
        job = services.export_job_request(mandate=mandate, by=request.user, language=_language())
        if job.already_pending:
            messages.info(request, _("An export of this mandate is already under way: here it is."))
        return redirect(job)
    return render(
        request,
        "candidates/export.html",
        {
            "mandate": mandate,
            "jobs": selectors.recent_export_jobs(mandate=mandate, user=request.user),
            "retention_hours": settings.EXPORT_FILE_RETENTION_HOURS,
        },
    )


@login_required
def export_job(request, pk):
    """An export's page: progress while the task writes the file (updated in place by
    ``static/js/live.js`` from :func:`export_job_status`), then the download button."""
    return _job_page(
        request, "candidates/export_job.html", selectors.export_job_detail(pk=pk, user=request.user)
    )


@login_required
def export_job_status(request, pk):
    """The live part of an export's page alone (the fragment ``live.js`` asks for every second)."""
    return _job_page(
        request, "candidates/_export_job_status.html", selectors.export_job_detail(pk=pk, user=request.user)
    )


@login_required
def export_job_download(request, pk):
    """The export's CSV file (its requester only; 404 before it is written, or once expired)."""
    job = selectors.export_job_detail(pk=pk, user=request.user)
    if job.status != job.Status.DONE or not job.file:
        raise Http404("export not available")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("export file gone") from exc
    audit_services.read_record(
        request,
        kind=ReadEvent.Kind.CSV_EXPORT,
        object_id=job.pk,
        label=_("CSV export of %(mandate)s") % {"mandate": job.mandate.title},
        mandates=[job.mandate_id],
    )
    response = FileResponse(handle, as_attachment=True, filename=job.download_name, content_type="text/csv")
    response["Content-Type"] = "text/csv; charset=utf-8"
    response["Cache-Control"] = "private, no-store"
    return response
