"""The offer page of an application and its forms (thin: rules in ``offers.services``).

GET ``/applications/<pk>/offer/``: terms, approver list, timeline, and the forms the reader may
use. Each POST goes to its own URL; a refused one shows the page again with what was typed and
the error (status 400), an accepted one redirects to the page with a message. Out of scope: 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from candidates.models import Stage
from cso_recruit import access
from cso_recruit.forms import add_service_errors

from . import selectors, services
from .forms import ApproversForm, DecisionForm, OfferTermsForm, ResponseForm, WithdrawForm
from .models import Offer


def _application(request, pk):
    return access.get_visible_or_404(
        access.offer_applications_visible_to(request.user).select_related(
            "candidate", "mandate__company", "mandate__ceo"
        ),
        pk=pk,
    )


def _managed(request, pk):
    application = _application(request, pk)
    if not access.can_manage_offer(request.user, application):
        raise Http404
    return application


def _offer(application) -> Offer:
    offer = Offer.objects.filter(application=application).first()
    if offer is None:
        raise Http404
    return offer


def _whole(exc: ValidationError) -> str | None:
    """The message of a rule of the whole offer (stage, frozen terms), said above the page — the
    form that carried it may not be shown any more."""
    return None if hasattr(exc, "error_dict") else " ".join(exc.messages)


def _render(request, application, status=200, **forms):
    page = selectors.offer_page(application)
    offer = page.offer
    manages = access.can_manage_offer(request.user, application)
    at_offer = application.stage == Stage.OFFER
    context = {
        "application": application,
        "page": page,
        "offer": offer,
        "manages": manages,
        "at_offer": at_offer,
        "closed": application.stage in (Stage.REJECTED, Stage.WITHDRAWN),
        "my_turn": page.current is not None and page.current.approver_id == request.user.pk,
    }
    if manages and at_offer and (offer is None or offer.terms_open):
        context["terms_form"] = forms.get("terms_form") or OfferTermsForm(instance=offer)
        if offer is not None:
            context["approvers_form"] = forms.get("approvers_form") or ApproversForm(
                choices=services.approver_choices(application.mandate),
                initial_users=[a.user for a in page.approvers],
            )
    if context["my_turn"] and at_offer:
        context["decision_form"] = forms.get("decision_form") or DecisionForm()
    if manages and at_offer and offer is not None and offer.status == Offer.Status.APPROVED:
        context["response_form"] = forms.get("response_form") or ResponseForm()
    if manages and offer is not None and offer.status in services.LIVE_STATUSES:
        context["withdraw_form"] = forms.get("withdraw_form") or WithdrawForm()
    context["error"] = forms.get("error")
    return render(request, "offers/offer.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def offer_page(request, pk):
    """GET: the offer page. POST (recruiters of the mandate, staff): create the offer or save
    its terms."""
    application = _application(request, pk)
    if request.method == "GET":
        return _render(request, application)
    if not access.can_manage_offer(request.user, application):
        raise Http404
    offer = Offer.objects.filter(application=application).first()
    form = OfferTermsForm(request.POST, instance=offer)
    error = None
    if form.is_valid():
        try:
            services.offer_save(
                application=application,
                by=request.user,
                data={name: form.cleaned_data[name] for name in services.TERMS_FIELDS},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            error = _whole(exc)
        else:
            messages.success(request, _("The terms of the offer are saved."))
            return redirect("offers:offer", pk=application.pk)
    return _render(request, application, status=400, terms_form=form, error=error)


@login_required
@require_POST
def offer_approvers(request, pk):
    """POST: the ordered approver list (recruiters of the mandate, staff)."""
    application = _managed(request, pk)
    offer = _offer(application)
    form = ApproversForm(request.POST, choices=services.approver_choices(application.mandate))
    error = None
    if form.is_valid():
        try:
            services.offer_approvers_set(offer=offer, by=request.user, users=form.users())
        except ValidationError as exc:
            add_service_errors(form, exc)
            error = _whole(exc)
        else:
            messages.success(request, _("The approvers are saved."))
            return redirect("offers:offer", pk=application.pk)
    return _render(request, application, status=400, approvers_form=form, error=error)


def _act(request, application, action, success, form_name=None, form=None):
    try:
        action()
    except ValidationError as exc:
        if form is not None and hasattr(exc, "error_dict"):
            add_service_errors(form, exc)
            return _render(request, application, status=400, **{form_name: form})
        # A rule of the whole offer (not your turn, not pending…): said above the page.
        forms = {form_name: form} if form is not None else {}
        return _render(request, application, status=400, error=" ".join(exc.messages), **forms)
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, success)
    return redirect("offers:offer", pk=application.pk)


@login_required
@require_POST
def offer_submit(request, pk):
    """POST: submit the offer for approval (recruiters of the mandate, staff)."""
    application = _managed(request, pk)
    offer = _offer(application)
    return _act(
        request,
        application,
        lambda: services.offer_submit(offer=offer, by=request.user),
        _("The offer is submitted for approval."),
    )


@login_required
@require_POST
def offer_decide(request, pk):
    """POST: the approver whose turn it is approves or rejects (with a comment)."""
    application = _application(request, pk)
    offer = _offer(application)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render(request, application, status=400, decision_form=form)
    return _act(
        request,
        application,
        lambda: services.approval_decide(
            offer=offer,
            by=request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        ),
        _("Your decision is recorded."),
        "decision_form",
        form,
    )


@login_required
@require_POST
def offer_withdraw(request, pk):
    """POST: withdraw the offer (recruiters of the mandate, staff)."""
    application = _managed(request, pk)
    offer = _offer(application)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render(request, application, status=400, withdraw_form=form)
    return _act(
        request,
        application,
        lambda: services.offer_withdraw(offer=offer, by=request.user, comment=form.cleaned_data["comment"]),
        _("The offer is withdrawn."),
        "withdraw_form",
        form,
    )


@login_required
@require_POST
def offer_respond(request, pk):
    """POST: record the candidate's answer to the approved offer (recruiters, staff)."""
    application = _managed(request, pk)
    offer = _offer(application)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        return _render(request, application, status=400, response_form=form)
    return _act(
        request,
        application,
        lambda: services.offer_respond(
            offer=offer,
            by=request.user,
            accepted=form.cleaned_data["answer"] == "accepted",
            on_date=form.cleaned_data["on_date"],
            comment=form.cleaned_data["comment"],
        ),
        _("The candidate’s answer is recorded."),
        "response_form",
        form,
    )
