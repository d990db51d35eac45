"""Scorecard screens and the application's assessment summary. Thin: rules live in services,
reads and the independence rule in selectors, access in ``cso_recruit.access``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from candidates.models import SupportDomain
from cso_recruit import access
from reports import charts

from . import selectors, services
from .forms import RevisionForm, ScorecardForm, ScorecardStartForm
from .models import RoleGroup


@login_required
def my_scorecards(request):
    return render(request, "assessments/my_scorecards.html", {"scorecards": selectors.my_scorecards(request.user)})


@login_required
@require_POST
def scorecard_start(request, application_pk):
    application = access.get_visible_or_404(access.applications_visible_to(request.user), pk=application_pk)
    form = ScorecardStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("assessments:summary", pk=application.pk)
    scorecard = services.scorecard_start(application=application, rater=request.user,
                                         context=form.cleaned_data["context"],
                                         session_number=form.cleaned_data.get("session_number") or 0)
    return redirect(scorecard)


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_edit(request, pk):
    scorecard = selectors.scorecard_for_rater(pk=pk, user=request.user)
    form = ScorecardForm(request.POST or None, scorecard=scorecard)
    if request.method == "POST" and not scorecard.is_submitted and form.is_valid():
        try:
            services.scorecard_save(scorecard=scorecard, ratings=form.ratings_data(),
                                    recommendation=form.cleaned_data["recommendation"],
                                    summary=form.cleaned_data["summary"], by=request.user)
            if "submit" in request.POST:
                services.scorecard_submit(scorecard=scorecard, by=request.user)
                messages.success(request, _("Scorecard submitted. The panel's figures are now visible."))
                return redirect("assessments:summary", pk=scorecard.application_id)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Draft saved."))
            return redirect(scorecard)
    return render(request, "assessments/scorecard_form.html", {
        "scorecard": scorecard, "form": form, "revision_form": RevisionForm(),
        "problems": services.scorecard_problems(scorecard) if not scorecard.is_submitted else {},
    })


@login_required
@require_POST
def scorecard_revise(request, pk):
    scorecard = selectors.scorecard_for_rater(pk=pk, user=request.user)
    form = RevisionForm(request.POST)
    if form.is_valid():
        try:
            revision = services.scorecard_revise(scorecard=scorecard, by=request.user,
                                                 reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.info(request, _("Revision %(n)d opened as a draft.") % {"n": revision.revision})
            return redirect(revision)
    else:
        messages.error(request, _("A reason is required to revise a submitted scorecard."))
    return redirect(scorecard)


@login_required
def summary(request, pk):
    application = access.get_visible_or_404(
        access.applications_visible_to(request.user).select_related("candidate", "mandate__company"), pk=pk)
    data = selectors.assessment_summary(application=application, user=request.user)
    context = {"application": application, "summary": data, "start_form": ScorecardStartForm(),
               "my_cards": selectors.my_scorecards(request.user).filter(application=application)}
    years = application.candidate.years_by_domain()
    # Labels as str: pygal JSON-encodes them and cannot take lazy translation proxies.
    context["balance_chart"] = charts.balance_bars(
        {str(SupportDomain(code).label): years[code] for code in application.mandate.support_domains})
    if data is not None:
        role_labels = {g.value: g.label for g in RoleGroup}
        context["role_chart"] = charts.role_bars(
            {str(role_labels[key]): value["score"] for key, value in data["roles"].items()})
        context["role_labels"] = role_labels
        context["domain_labels"] = {d.value: d.label for d in SupportDomain}
    return render(request, "assessments/summary.html", context)
