"""Recruiter and CEO screens: mandates, pipeline board, candidates, stage moves, import/export.

Thin views: access through ``cso_recruit.access`` (out of scope → 404), reads through
``selectors``, writes through ``services``.
"""

import base64
import hashlib
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cso_recruit import access
from figures import selectors as figures_selectors

from . import csv_format, selectors, services
from .forms import CandidateForm, ImportUploadForm, StageMoveForm
from .models import Stage

IMPORT_SESSION_KEY = "candidate_import"


def _apply_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def mandate_list(request):
    """The user's mandates. A mediator who reads no pipeline lands on their sessions instead."""
    from sessions.models import WorkingSession

    if (not access.pipeline_mandates(request.user).exists()
            and WorkingSession.objects.filter(mediator=request.user).exists()):
        return redirect("working_sessions:mine")
    return render(request, "candidates/mandate_list.html", {
        "mandates": selectors.mandate_list(request.user),
        "pipeline_ids": set(access.pipeline_mandates(request.user).values_list("pk", flat=True)),
    })


def _with_cards(applications, *, mandate, user):
    """Attach the stored figures a board card shows (``application.card``) to ``applications``."""
    viewer = figures_selectors.viewer_for(user, mandate)
    cards = figures_selectors.card_figures(application_ids=[a.pk for a in applications], viewer=viewer)
    now = timezone.now()
    for application in applications:
        application.mandate = mandate
        application.card = cards.get(application.pk)
        application.days_in_stage = (now - application.stage_entered_at).days


@login_required
def pipeline(request, slug):
    """The pipeline board: each stage's count and its first cards (``selectors.CARDS_PER_COLUMN``),
    each column linking to its full, paginated list."""
    mandate = access.get_visible_or_404(access.pipeline_mandates(request.user), slug=slug)
    columns, closed = selectors.pipeline_board(mandate=mandate, user=request.user)
    _with_cards([a for column in [*columns, closed] for a in column.applications], mandate=mandate,
                user=request.user)
    return render(request, "candidates/pipeline.html", {
        "mandate": mandate, "columns": columns, "closed": closed,
        "can_manage": access.can_manage_mandate(request.user, mandate),
        "total": sum(c.count for c in columns) + closed.count,
    })


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
    return render(request, "candidates/pipeline_column.html", {
        "mandate": mandate, "column": column, "label": label, "page": page, "applications": cards,
    })


@login_required
@require_http_methods(["GET", "POST"])
def candidate_create(request, slug):
    mandate = access.get_visible_or_404(access.managed_mandates(request.user), slug=slug)
    form = CandidateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.candidate_create(mandate=mandate, data=form.candidate_data(),
                                                    by=request.user, cv=form.cleaned_data.get("cv_upload"))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was added to the pipeline.") % {"name": application.candidate})
            return redirect(application)
    return render(request, "candidates/candidate_form.html", {"form": form, "mandate": mandate})


@login_required
def candidate_detail(request, pk):
    candidate = access.get_visible_or_404(access.candidates_visible_to(request.user), pk=pk)
    return render(request, "candidates/candidate_detail.html", {
        "candidate": candidate,
        "applications": selectors.candidate_applications(candidate=candidate, user=request.user),
        "can_edit": access.candidates_managed_by(request.user).filter(pk=pk).exists(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def candidate_edit(request, pk):
    candidate = access.get_visible_or_404(access.candidates_managed_by(request.user), pk=pk)
    form = CandidateForm(request.POST or None, request.FILES or None, instance=candidate)
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_update(candidate=candidate, data=form.candidate_data(), by=request.user,
                                      cv=form.cleaned_data.get("cv_upload"))
        except ValidationError as exc:
            _apply_errors(form, exc)
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
    return FileResponse(candidate.cv.open("rb"), as_attachment=True, filename=f"{stem}.{extension}")


@login_required
@require_http_methods(["GET", "POST"])
def application_detail(request, pk):
    application = selectors.application_detail(pk=pk, user=request.user)
    can_manage = access.can_manage_mandate(request.user, application.mandate)
    form = None
    if can_manage:
        form = StageMoveForm(request.POST or None, application=application)
        if request.method == "POST" and form.is_valid():
            try:
                services.application_move(application=application, to_stage=form.cleaned_data["to_stage"],
                                          by=request.user, reason=form.cleaned_data["reason"],
                                          rejection_reason=form.cleaned_data["rejection_reason"])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("The application moved to a new stage."))
                return redirect(application)
    elif request.method == "POST":
        raise Http404
    return render(request, "candidates/application_detail.html", {
        "application": application, "form": form, "can_manage": can_manage,
        "now": timezone.now(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def candidate_import(request, slug):
    """Upload → preview (nothing saved) → confirm. The uploaded bytes wait in the user's session,
    bound to a digest so the confirmed file is exactly the previewed one."""
    mandate = access.get_visible_or_404(access.managed_mandates(request.user), slug=slug)
    form = ImportUploadForm()
    report = None
    if request.method == "POST" and "confirm" in request.POST:
        pending = request.session.get(IMPORT_SESSION_KEY) or {}
        if pending.get("mandate") != mandate.pk or pending.get("digest") != request.POST.get("digest"):
            messages.error(request, _("The preview has expired; upload the file again."))
            return redirect("candidates:import", slug=mandate.slug)
        data = base64.b64decode(pending["data"])
        report = services.candidates_import(mandate=mandate, data=data, by=request.user)
        if report.saved:
            del request.session[IMPORT_SESSION_KEY]
            messages.success(request, _("Import done: %(created)d created, %(updated)d updated, "
                                        "%(unchanged)d unchanged.") % {
                "created": len(report.created), "updated": len(report.updated),
                "unchanged": len(report.unchanged)})
            return redirect(mandate)
    elif request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data["file"].read()
            try:
                report = services.candidates_import(mandate=mandate, data=data, by=request.user, dry_run=True)
            except csv_format.CsvFormatError as exc:
                form.add_error("file", str(exc))
            else:
                digest = hashlib.sha256(data).hexdigest()
                request.session[IMPORT_SESSION_KEY] = {
                    "mandate": mandate.pk, "digest": digest, "data": base64.b64encode(data).decode("ascii"),
                    "name": form.cleaned_data["file"].name[:200],
                }
    pending = request.session.get(IMPORT_SESSION_KEY) or {}
    return render(request, "candidates/import.html", {
        "mandate": mandate, "form": form, "report": report,
        "digest": pending.get("digest"), "file_name": pending.get("name"),
    })


@login_required
def candidate_export(request, slug):
    mandate = access.get_visible_or_404(access.pipeline_mandates(request.user), slug=slug)
    data = services.candidates_export(applications=selectors.export_applications(mandate=mandate,
                                                                                 user=request.user))
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="candidats-{mandate.slug}-{stamp}.csv"'
    return response


@login_required
@require_POST
def import_cancel(request, slug):
    access.get_visible_or_404(access.managed_mandates(request.user), slug=slug)
    request.session.pop(IMPORT_SESSION_KEY, None)
    return redirect("candidates:import", slug=slug)
