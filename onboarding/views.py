"""Pages of the start kit: the kit page and its edits (the mandate's CEO and recruiters, staff),
the CEO's check-ins, the CSO's page reached by the signed link, predicted versus observed
compatibility. Thin: access in ``cso_recruit.access``, rules in ``onboarding.services``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cso_recruit import access, links
from cso_recruit.forms import add_service_errors

from . import documents, selectors, services
from .forms import CharterForm, CheckInForm, PlanLineAddForm, PlanLineForm, StartDateForm
from .models import MILESTONES, Party, PlanLine, StartKit


def _name(user) -> str:
    return user.get_full_name() or user.username


def _with_selected(dimensions, form):
    """The dimension rows with the level typed in ``form`` (kept when the form is shown again)."""
    data = form.data if form.is_bound else {}
    return [{**d, "selected": str(data.get(f"rating_{d['code']}", ""))} for d in dimensions]


def _kit_context(kit, *, language=None):
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    lines = list(kit.plan_lines.all())
    return {
        "kit": kit,
        "application": kit.application,
        "inventory": [line for line in lines if line.kind == PlanLine.Kind.INVENTORY],
        "actions": [line for line in lines if line.kind == PlanLine.Kind.DEVELOPMENT],
        "charter": selectors.charter_state(kit),
        "milestones": selectors.milestones(kit),
        "dimensions": selectors.dimension_rows(language),
    }


def _source_shown(kit) -> str:
    """The start-date form's "From" choice: the kit's source when the form offers it ("offer",
    "manual"); a date still taken from the move to "Hired" is replaced by hand."""
    offered = {StartKit.StartDateSource.OFFER, StartKit.StartDateSource.MANUAL}
    return kit.start_date_source if kit.start_date_source in offered else StartKit.StartDateSource.MANUAL


@login_required
@require_GET
def kit_page(request, application_pk):
    """The start kit: plan, development actions, charter and its sign-offs, check-ins."""
    kit = selectors.kit_for(application_pk=application_pk, user=request.user)
    context = _kit_context(kit)
    context.update(
        {
            "is_ceo": access.is_ceo_of(request.user, kit.application.mandate),
            "charter_form": CharterForm(initial=_charter_initial(kit.charter)),
            "start_form": StartDateForm(initial={"start_date": kit.start_date, "source": _source_shown(kit)}),
            "add_form": PlanLineAddForm(),
            "documents": list(kit.documents.order_by("-version")[:5]),
        }
    )
    return render(request, "onboarding/kit.html", context)


def _charter_initial(charter):
    return {
        "decision_rights": charter.decision_rights,
        "disagreement": charter.disagreement,
        "cadence": charter.cadence,
        "version": charter.version,
    }


@login_required
@require_http_methods(["GET", "POST"])
def plan_line_edit(request, pk, line_pk):
    """Edit one line of the plan (owner, current state, target, date)."""
    kit = selectors.kit_by_pk(pk=pk, user=request.user)
    line = get_object_or_404(PlanLine, pk=line_pk, kit=kit)
    form = PlanLineForm(request.POST or None, instance=line)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_line_update(
                line=line,
                title=form.cleaned_data.get("title"),
                owner=form.cleaned_data["owner"],
                current_state=form.cleaned_data["current_state"],
                target=form.cleaned_data["target"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The plan line is saved."))
            return redirect(kit.get_absolute_url() + "#plan")
    return render(request, "onboarding/plan_line.html", {"kit": kit, "line": line, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def plan_line_add(request, pk):
    """Add a development action by hand."""
    kit = selectors.kit_by_pk(pk=pk, user=request.user)
    form = PlanLineAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_line_add(kit=kit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The action is added to the plan."))
            return redirect(kit.get_absolute_url() + "#actions")
    return render(request, "onboarding/plan_line.html", {"kit": kit, "line": None, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def charter_edit(request, pk):
    """Amend the charter (voids the sign-offs given before, the page says so)."""
    kit = selectors.kit_by_pk(pk=pk, user=request.user)
    form = CharterForm(request.POST or None, initial=_charter_initial(kit.charter))
    if request.method == "POST" and form.is_valid():
        try:
            services.charter_amend(
                kit=kit,
                by_name=_name(request.user),
                decision_rights=form.cleaned_data["decision_rights"],
                disagreement=form.cleaned_data["disagreement"],
                cadence=form.cleaned_data["cadence"],
                seen_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The charter is saved."))
            return redirect(kit.get_absolute_url() + "#charter")
    return render(
        request,
        "onboarding/charter_form.html",
        {"kit": kit, "form": form, "charter": selectors.charter_state(kit)},
    )


@login_required
@require_POST
def charter_sign(request, pk):
    """The mandate's CEO signs the charter as shown (others: 404)."""
    kit = selectors.kit_by_pk(pk=pk, user=request.user)
    if not access.is_ceo_of(request.user, kit.application.mandate):
        raise Http404
    try:
        services.charter_sign(
            kit=kit,
            party=Party.CEO,
            shown_sha256=request.POST.get("shown", ""),
            signer_name=_name(request.user),
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You signed the charter."))
    return redirect(kit.get_absolute_url() + "#charter")


@login_required
@require_POST
def kit_share(request, pk):
    """E-mail the new CSO a fresh signed link to their kit."""
    kit = selectors.kit_by_pk(pk=pk, user=request.user)
    services.kit_share(kit=kit, by=request.user)
    messages.success(
        request, _("The link is on its way to %(email)s.") % {"email": kit.application.candidate.email}
    )
    return redirect(kit.get_absolute_url())


@login_required
@require_POST
def start_date(request, pk):
    """Set the CSO's start date (the check-ins fall 30 and 90 days after it)."""
    kit = selectors.kit_by_pk(pk=pk, user=request.user)
    form = StartDateForm(request.POST)
    if form.is_valid():
        try:
            services.kit_start_date_set(
                kit=kit, start_date=form.cleaned_data["start_date"], source=form.cleaned_data["source"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The start date is saved."))
    else:
        messages.error(request, _("Give a valid start date."))
    return redirect(kit.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request, pk, milestone):
    """The CEO's check-in at 30 or 90 days (the mandate's CEO only; others: 404)."""
    kit = selectors.kit_by_pk(pk=pk, user=request.user)
    if milestone not in MILESTONES or not access.is_ceo_of(request.user, kit.application.mandate):
        raise Http404
    state = next(s for s in selectors.milestones(kit) if s.milestone == milestone)
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and state.ceo is None and form.is_valid():
        try:
            services.check_in_submit(
                kit=kit,
                milestone=milestone,
                party=Party.CEO,
                ratings=form.ratings(),
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your check-in is recorded. Thank you."))
            return redirect(kit.get_absolute_url() + "#check-ins")
    language = translation.get_language() or settings.LANGUAGE_CODE
    return render(
        request,
        "onboarding/check_in.html",
        {
            "kit": kit,
            "state": state,
            "form": form,
            "dimensions": _with_selected(selectors.dimension_rows(language), form),
            "mine": state.ceo,
        },
    )


@login_required
@require_GET
def compatibility_page(request):
    """Predicted (sessions) versus observed (check-ins) compatibility of the hires the user may
    read, per mandate and across them (``?mandate=slug`` narrows to one)."""
    data = selectors.predicted_vs_observed(user=request.user, mandate_slug=request.GET.get("mandate", ""))
    return render(request, "onboarding/compatibility.html", {"data": data})


# ------------------------------------------------------------------------------------ the CSO's page


def _link_language(request, kit) -> str:
    asked = request.POST.get("lang") or request.GET.get("lang") or ""
    return asked if asked in dict(settings.LANGUAGES) else kit.language


@never_cache
@require_http_methods(["GET", "POST"])
def cso_kit(request, token):
    """The new CSO's page (signed link, no account): read the kit, amend and sign the charter, give
    the check-ins. A bad or expired link shows a clear page and nothing else."""
    try:
        kit = services.kit_check(token)
    except links.LinkError as exc:
        return render(
            request,
            "sessions/debrief_link_error.html",
            {"reason": exc.reason},
            status=410 if exc.reason == "expired" else 404,
        )
    language = _link_language(request, kit)
    candidate = kit.application.candidate
    with translation.override(language):
        charter_form = CharterForm(initial=_charter_initial(kit.charter))
        check_in_form, check_in_milestone, error = CheckInForm(), None, ""
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "sign":
                    services.charter_sign(
                        kit=kit,
                        party=Party.CSO,
                        shown_sha256=request.POST.get("shown", ""),
                        signer_name=candidate.full_name,
                    )
                    messages.success(request, _("You signed the charter."))
                elif action == "amend":
                    charter_form = CharterForm(request.POST)
                    if not charter_form.is_valid():
                        raise ValidationError(_("Fill in the three sections of the charter."))
                    services.charter_amend(
                        kit=kit,
                        by_name=candidate.full_name,
                        decision_rights=charter_form.cleaned_data["decision_rights"],
                        disagreement=charter_form.cleaned_data["disagreement"],
                        cadence=charter_form.cleaned_data["cadence"],
                        seen_version=charter_form.cleaned_data["version"],
                    )
                    messages.success(request, _("The charter is saved."))
                elif action == "check_in":
                    check_in_milestone = int(request.POST.get("milestone") or 0)
                    check_in_form = CheckInForm(request.POST)
                    if not check_in_form.is_valid():
                        raise ValidationError(_("Rate every dimension from 1 to 5."))
                    services.check_in_submit(
                        kit=kit,
                        milestone=check_in_milestone,
                        party=Party.CSO,
                        ratings=check_in_form.ratings(),
                        comment=check_in_form.cleaned_data["comment"],
                    )
                    messages.success(request, _("Your check-in is recorded. Thank you."))
                else:
                    raise ValidationError(_("Unknown action."))
            except (ValidationError, ValueError) as exc:
                error = " ".join(getattr(exc, "messages", [str(exc)]))
            else:
                return redirect(f"{request.path}?lang={language}")
        context = _kit_context(selectors.kit_loaded(kit), language=language)
        context.update(
            {
                "token": token,
                "language": language,
                "error": error,
                "charter_form": charter_form,
                "check_in_form": check_in_form,
                "check_in_milestone": check_in_milestone,
                "dimensions": _with_selected(selectors.dimension_rows(language), check_in_form),
                "candidate": candidate,
            }
        )
        return render(request, "onboarding/cso_kit.html", context)


# ---------------------------------------------------------------------------------- the PDF


@login_required
@require_POST
def kit_pdf_request(request, pk):
    """POST: freeze the kit into a new PDF version, rendered by the Celery worker; back to the kit
    page, which lists the versions with their status (reload to follow)."""
    kit = selectors.kit_by_pk(pk=pk, user=request.user)
    document = documents.kit_pdf_request(
        kit=kit, by=request.user, language=translation.get_language() or "fr"
    )
    if document.already_pending:
        messages.info(request, _("PDF version %(v)d is already being prepared.") % {"v": document.version})
    else:
        messages.success(request, _("PDF version %(v)d requested.") % {"v": document.version})
    return redirect(kit.get_absolute_url() + "#kit-pdf")


@login_required
@require_GET
def kit_pdf_download(request, pk):
    """GET: a ready start-kit PDF as an attachment, never cached; 404 when out of scope, not ready or
    the file is missing."""
    document = get_object_or_404(
        access.start_kit_documents_visible_to(request.user).select_related("kit__application__candidate"),
        pk=pk,
    )
    if not document.is_ready or not document.pdf:
        raise Http404
    try:
        handle = document.pdf.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=documents.start_kit_filename(document),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def kit_pdf_retry(request, pk):
    """POST: queue a failed (or stuck) start-kit PDF again; back to the kit page."""
    document = get_object_or_404(access.start_kit_documents_visible_to(request.user), pk=pk)
    try:
        documents.kit_pdf_retry(document=document, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, _("The PDF is queued again."))
    return redirect(document.get_absolute_url() + "#kit-pdf")
