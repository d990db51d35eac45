"""The decision page of one application: agenda, votes, final decision and SWOT.

Thin views: access through ``cso_recruit.access`` (out of scope, or a POST the user may not make
→ 404, as for the other pages), reads through ``decisions.selectors``, writes through
``decisions.services``. A refused form shows the page again with what was typed and the errors.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from candidates.models import Stage
from cso_recruit import access
from cso_recruit.forms import add_service_errors
from reports.rendering import swot_from_scores

from . import selectors, services
from .forms import DecisionForm, SwotForm, VoteForm
from .models import DIFFERS, Choice


def _application(user, pk):
    qs = access.decision_applications_visible_to(user).select_related(
        "candidate", "mandate__company", "mandate__ceo"
    )
    return access.get_visible_or_404(qs, pk=pk)


def _differs_rules() -> list[tuple[str, list[str]]]:
    labels = dict(Choice.choices)
    return [
        (str(labels[choice]), [services.level_label(level) for level in sorted(levels)])
        for choice, levels in DIFFERS.items()
        if levels
    ]


def _page(request, application, *, vote_form=None, decision_form=None, swot_form=None):
    user = request.user
    state = selectors.meeting_state(application=application, user=user)
    meeting = state["meeting"]
    is_open = meeting is not None and meeting.is_open
    at_decision = application.stage == Stage.DECISION
    agenda = selectors.agenda(application=application, user=user)
    can_vote = is_open and at_decision and state["is_panel_member"]
    can_decide = is_open and at_decision and access.can_record_final_decision(user, application)
    can_edit_swot = access.can_edit_swot(user, application)
    if can_vote and vote_form is None:
        mine = state["my_vote"]
        vote_form = VoteForm(initial={"choice": mine.choice, "rationale": mine.rationale} if mine else None)
    if can_decide and decision_form is None:
        decision_form = DecisionForm()
    if can_edit_swot and swot_form is None:
        swot_form = SwotForm(
            initial={"opportunities": application.swot_opportunities, "threats": application.swot_threats}
        )
    swot = swot_from_scores(agenda.get("criteria_scores", [])) if not agenda["hidden"] else None
    return render(
        request,
        "decisions/meeting.html",
        {
            "application": application,
            "state": state,
            "meeting": meeting,
            "is_open": is_open,
            "at_decision": at_decision,
            "agenda": agenda,
            "can_open": at_decision
            and not is_open
            and selectors.decided_since_entry(application) is None
            and access.can_open_decision_meeting(user, application),
            "can_vote": can_vote,
            "can_decide": can_decide,
            "can_edit_swot": can_edit_swot,
            "vote_form": vote_form if can_vote else None,
            "decision_form": decision_form if can_decide else None,
            "swot_form": swot_form if can_edit_swot else None,
            "swot": swot,
            "reading_label": services.level_label(agenda["reading"]["level"]) if not agenda["hidden"] else "",
            "decided_reading_label": services.level_label(meeting.reading_level)
            if meeting and meeting.reading_level
            else "",
            "differs_rules": _differs_rules(),
            "votes_pending": [m for m in state["panel"] if m.pk not in state["voted_ids"]],
        },
    )


def _open_meeting(application):
    meeting = selectors.current_meeting(application)
    if meeting is None or not meeting.is_open:
        return None
    return meeting


@login_required
def meeting(request, pk):
    """GET: the decision page (agenda from the stored figures, the panel's votes as the
    independence rule lets the user read them, the final decision, the SWOT)."""
    application = _application(request.user, pk)
    return _page(request, application)


@login_required
@require_POST
def meeting_open(request, pk):
    """POST: open the decision meeting (recruiters of the mandate and staff; else 404)."""
    application = _application(request.user, pk)
    if not access.can_open_decision_meeting(request.user, application):
        raise Http404
    try:
        services.meeting_open(application=application, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The decision meeting is open: the panel may vote."))
    return redirect("decisions:meeting", pk=application.pk)


@login_required
@require_POST
def vote(request, pk):
    """POST: cast or change the user's vote (panel members: the mandate's CEO and recruiters;
    else 404). A refused vote shows the page again with what was typed."""
    application = _application(request.user, pk)
    if not access.is_panel_member(request.user, application):
        raise Http404
    form = VoteForm(request.POST)
    meeting = _open_meeting(application)
    if meeting is None:
        form.is_valid()
        form.add_error(None, _("No decision meeting is open for this application."))
        return _page(request, application, vote_form=form)
    if form.is_valid():
        try:
            services.vote_cast(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your vote is recorded."))
            return redirect("decisions:meeting", pk=application.pk)
    return _page(request, application, vote_form=form)


@login_required
@require_POST
def decide(request, pk):
    """POST: the CEO's final decision, which closes the meeting (the mandate's CEO only; else 404)."""
    application = _application(request.user, pk)
    if not access.can_record_final_decision(request.user, application):
        raise Http404
    form = DecisionForm(request.POST)
    meeting = _open_meeting(application)
    if meeting is None:
        form.is_valid()
        form.add_error(None, _("No decision meeting is open for this application."))
        return _page(request, application, decision_form=form)
    if form.is_valid():
        try:
            services.meeting_decide(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The final decision is recorded; the meeting is closed."))
            return redirect("decisions:meeting", pk=application.pk)
    return _page(request, application, decision_form=form)


@login_required
@require_POST
def swot(request, pk):
    """POST: the SWOT's opportunities and threats (recruiters of the mandate and staff; else 404)."""
    application = _application(request.user, pk)
    if not access.can_edit_swot(request.user, application):
        raise Http404
    form = SwotForm(request.POST)
    if form.is_valid():
        try:
            services.application_swot_update(application=application, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The SWOT is saved."))
            return redirect("decisions:meeting", pk=application.pk)
    return _page(request, application, swot_form=form)
