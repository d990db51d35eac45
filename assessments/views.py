"""Scorecard screens and the application's assessment summary. Thin: rules live in services,
reads and the independence rule in selectors (the summary's in ``figures.selectors``, which reads the
stored figures), access in ``cso_recruit.access``. Views sit at the top of the app graph."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from candidates import selectors as candidate_selectors
from candidates.models import SupportDomain
from cso_recruit import access
from cso_recruit.forms import RevisionForm
from figures import selectors as figures_selectors
from reports import charts
from sessions import selectors as session_selectors

from . import selectors, services
from .forms import ScorecardForm, ScorecardStartForm
from .models import RoleGroup, Scorecard
from .scoring import ROLE_GATE
from .summary import context_key


@login_required
def my_scorecards(request):
    return render(
        request, "assessments/my_scorecards.html", {"scorecards": selectors.my_scorecards(request.user)}
    )


@login_required
@require_POST
def scorecard_start(request, application_pk):
    application = access.get_visible_or_404(access.applications_visible_to(request.user), pk=application_pk)
    form = ScorecardStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("assessments:summary", pk=application.pk)
    try:
        scorecard = services.scorecard_start(
            application=application,
            rater=request.user,
            context=form.cleaned_data["context"],
            session_number=form.cleaned_data.get("session_number") or 0,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("assessments:summary", pk=application.pk)
    return redirect(scorecard)


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_edit(request, pk):
    scorecard = selectors.scorecard_for_rater(pk=pk, user=request.user)
    form = ScorecardForm(request.POST or None, scorecard=scorecard)
    if request.method == "POST" and not scorecard.is_submitted and form.is_valid():
        try:
            services.scorecard_save(
                scorecard=scorecard,
                ratings=form.ratings_data(),
                recommendation=form.cleaned_data["recommendation"],
                summary=form.cleaned_data["summary"],
                by=request.user,
            )
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
    targeted_rows, other_rows = [], []
    if scorecard.context == Scorecard.Context.WORKING_SESSION:
        # A session scorecard opens with the criteria its session's plan targets; the others follow.
        codes = session_selectors.targeted_criterion_codes(
            application=scorecard.application, session_number=scorecard.session_number
        )
        if codes:
            targeted_rows, other_rows = form.split_rows(codes)
    return render(
        request,
        "assessments/scorecard_form.html",
        {
            "scorecard": scorecard,
            "form": form,
            "revision_form": RevisionForm(),
            "problems": services.scorecard_problems(scorecard) if not scorecard.is_submitted else {},
            "targeted_rows": targeted_rows,
            "other_rows": other_rows,
        },
    )


@login_required
@require_POST
def scorecard_revise(request, pk):
    scorecard = selectors.scorecard_for_rater(pk=pk, user=request.user)
    form = RevisionForm(request.POST)
    if form.is_valid():
        try:
            revision = services.scorecard_revise(
                scorecard=scorecard, by=request.user, reason=form.cleaned_data["reason"]
            )
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
    """The assessment summary of one application, read from the stored figures
    (``figures.selectors.application_summary``: independence, sealing and the mandate-statistics
    rule applied there)."""
    application = access.get_visible_or_404(
        access.applications_visible_to(request.user).select_related("candidate", "mandate__company"), pk=pk
    )
    data = figures_selectors.application_summary(application=application, user=request.user)
    context = {
        "application": application,
        "summary": data,
        "start_form": ScorecardStartForm(),
        "my_cards": selectors.my_scorecards(request.user).filter(application=application),
        "role_labels": {g.value: g.label for g in RoleGroup},
        "domain_labels": {d.value: d.label for d in SupportDomain},
        "context_labels": context_labels(),
        "coverage": session_selectors.coverage_display_for(application=application, summary=data),
    }
    years = application.candidate.years_by_domain()
    # Labels as str: pygal JSON-encodes them and cannot take lazy translation proxies.
    # The same charts as the PDF's: years on the mandate's common axis, role bars with the gate.
    context["balance_chart"] = charts.balance_bars(
        {str(SupportDomain(code).label): years[code] for code in application.mandate.support_domains},
        axis_top=candidate_selectors.mandate_years_ceiling(application.mandate),
        axis_title=_("Years of experience"),
    )
    if data is not None:
        context.update(summary_context(data, context["role_labels"], context["context_labels"]))
        context["role_chart"] = charts.role_bars(
            {str(context["role_labels"][key]): role.score for key, role in data.assessment.roles.items()},
            gate=ROLE_GATE,
            horizontal=True,
        )
    return render(request, "assessments/summary.html", context)


def summary_context(data, role_labels, context_labels) -> dict:
    """Labels the summary page shows for ``data`` (a ``figures.selectors.AssessmentSummary``):
    criterion names (never codes), roles below the gate, the dominant domain, recommendations."""
    a = data.assessment
    labels = {c.code: c.label for c in a.criteria}
    recommendation_labels = dict(Scorecard.Recommendation.choices)
    return {
        "failing_criteria": [labels.get(code, code) for code in a.gate.failing_criteria],
        "missing_roles": [role_labels[code] for code in a.gate.missing_roles],
        "dominant_domain": SupportDomain(data.balance.dominant_domain).label
        if data.balance.dominant_domain
        else "",
        "balance": data.balance.to_dict(),
        "reliability": data.reliability.to_dict(),
        "rater_names": {r.id: r.name for r in a.raters},
        "recommendations": [
            {
                "rater": r.rater,
                "label": recommendation_labels.get(r.recommendation, r.recommendation),
                "context_label": context_labels.get(context_key(r.context, r.session_number), ""),
            }
            for r in a.recommendations
        ],
    }


def context_labels() -> dict:
    """Evidence context code (``assessments.summary.context_key``) → label."""
    labels = {
        code: label for code, label in Scorecard.Context.choices if code != Scorecard.Context.WORKING_SESSION
    }
    for number in range(1, 5):
        labels[f"session_{number}"] = _("Working session %(n)d") % {"n": number}
    return labels
