"""Writes of the offers: terms, approver list, submission, ordered approvals, withdrawal and the
candidate's answer. Every function runs in one transaction and locks the application row, then
the offer row (``select_for_update``, the order ``candidates.services.application_move`` uses),
so that two approvers acting at once, or the same form sent twice, serialise: the second one
reads what the first one wrote.

Rules (issue 11):

* an offer exists and changes only while its application is at stage "offer"; a rejected or
  withdrawn application never gets one (checked again when an approver decides and when the
  candidate's answer is recorded);
* the terms and the approver list change only between rounds (draft, rejected, withdrawn or
  declined); submitting freezes them (the "submitted" step keeps a copy) and starts a round;
* the mandate's CEO is always an approver; approvers are the mandate's members (CEO, recruiters,
  mediators) and decide in order, once each; a rejection (with a comment) ends the round;
* the candidate's answer (accepted or declined, with its date) is recorded on an approved offer.

Errors: ``ValidationError`` keyed by field (``"__all__"`` for a rule of the whole offer);
``PermissionDenied`` when ``by`` may not manage the mandate.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from candidates.models import Application, Stage
from cso_recruit import access
from outbox.services import Message, email_enqueue

from .models import APPROVERS_MAX, EDITABLE_STATUSES, Offer, OfferApproval, OfferApprover, OfferEvent

#: The longest notes an offer keeps, in characters.
NOTES_MAX = 5000
TERMS_FIELDS = ("title", "start_date", "currency", "fixed_pay", "variable_pay", "trial_months", "notes")
#: Offer statuses a stage move out of "offer" withdraws (a draft was never sent: it stays a draft).
LIVE_STATUSES = (Offer.Status.PENDING, Offer.Status.REJECTED, Offer.Status.APPROVED, Offer.Status.ACCEPTED)


def _locked(application_id: int) -> tuple[Application, Offer | None]:
    application = Application.objects.select_for_update().select_related("mandate").get(pk=application_id)
    offer = Offer.objects.select_for_update().filter(application_id=application_id).first()
    return application, offer


def _require_manager(by, application) -> None:
    if not access.can_manage_mandate(by, application.mandate):
        raise PermissionDenied


def _require_offer_stage(application) -> None:
    if application.stage in (Stage.REJECTED, Stage.WITHDRAWN):
        raise ValidationError(
            _("This application is %(stage)s: it can never get an offer.")
            % {"stage": Stage(application.stage).label.lower()},
            code="closed",
        )
    if application.stage != Stage.OFFER:
        raise ValidationError(
            _("The offer can be changed only while the application is at stage “%(stage)s”.")
            % {"stage": Stage.OFFER.label},
            code="stage",
        )


def approver_choices(mandate):
    """Users who may approve an offer of ``mandate``: its CEO, recruiters and mediators (active),
    by name. A ``User`` queryset."""
    ids = {mandate.ceo_id}
    ids |= set(mandate.recruiters.values_list("pk", flat=True))
    ids |= set(mandate.mediators.values_list("pk", flat=True))
    return (
        get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name", "pk")
    )


#: How far from today a CSO's start date may be, in days (a year back: the demo's and real hires
#: recorded late; three years ahead): outside, it is a typing error, and the plan's dates would
#: leave the calendar.
START_DATE_PAST_DAYS, START_DATE_FUTURE_DAYS = 366, 3 * 366


def check_start_date(value: date, *, field: str = "start_date") -> None:
    """Raise ``ValidationError`` keyed ``field`` unless ``value`` lies within
    :data:`START_DATE_PAST_DAYS` before and :data:`START_DATE_FUTURE_DAYS` after today (site zone).
    The offer's start date and the start kit's (``onboarding``) are checked alike."""
    today = timezone.localdate()
    first, last = today - timedelta(days=START_DATE_PAST_DAYS), today + timedelta(days=START_DATE_FUTURE_DAYS)
    if value is not None and not first <= value <= last:
        raise ValidationError(
            {
                field: _("Give a start date between %(first)s and %(last)s.")
                % {"first": first.strftime("%d/%m/%Y"), "last": last.strftime("%d/%m/%Y")}
            },
            code="start_date_range",
        )


@transaction.atomic
def offer_save(*, application: Application, by, data: dict) -> Offer:
    """Create the offer of ``application`` or change its terms.

    ``data``: any of ``title`` (str), ``start_date`` (date), ``currency`` (ISO 4217 code, default
    EUR), ``fixed_pay`` and ``variable_pay`` (``Decimal``, gross per year; fixed > 0, variable ≥ 0),
    ``trial_months`` (int, 0–8), ``notes``. A new offer's approver list is the mandate's CEO.
    Refused unless the application is at stage "offer" and the terms are open (not during a round,
    nor once approved or accepted). Returns the saved offer.
    """
    application, offer = _locked(application.pk)
    _require_manager(by, application)
    _require_offer_stage(application)
    created = offer is None
    if created:
        offer = Offer(application=application, created_by=by)
    elif not offer.terms_open:
        raise ValidationError(
            _("The terms are frozen while the offer is “%(status)s”.")
            % {"status": offer.get_status_display()},
            code="frozen",
        )
    for name in TERMS_FIELDS:
        if name in data:
            value = data[name]
            setattr(offer, name, value.strip() if isinstance(value, str) else value)
    check_start_date(offer.start_date)
    if len(offer.notes or "") > NOTES_MAX:
        raise ValidationError(
            {"notes": _("Keep the notes under %(n)d characters.") % {"n": NOTES_MAX}}, code="too_long"
        )
    offer.full_clean()
    offer.save()
    if created:
        OfferApprover.objects.create(offer=offer, position=1, user=application.mandate.ceo)
    return offer


def _check_approvers(mandate, users) -> list:
    users = list(users)
    errors = []
    if not users:
        errors.append(_("Choose at least one approver."))
    if len(users) > APPROVERS_MAX:
        errors.append(_("At most %(n)d approvers.") % {"n": APPROVERS_MAX})
    if len({u.pk for u in users}) != len(users):
        errors.append(_("Each approver appears once."))
    if mandate.ceo_id not in {u.pk for u in users}:
        errors.append(
            _("The mandate’s CEO (%(name)s) must approve the offer.")
            % {"name": mandate.ceo.get_full_name() or mandate.ceo.username}
        )
    allowed = set(approver_choices(mandate).values_list("pk", flat=True))
    if any(u.pk not in allowed for u in users):
        errors.append(_("Approvers are chosen among the mandate’s CEO, recruiters and mediators."))
    if errors:
        raise ValidationError({"approvers": errors})
    return users


@transaction.atomic
def offer_approvers_set(*, offer: Offer, by, users) -> list[OfferApprover]:
    """Replace the approver list of ``offer`` by ``users`` (a sequence of ``User``, first acts
    first): 1 to ``APPROVERS_MAX`` distinct members of the mandate, its CEO among them. Only while
    the terms are open. Returns the new list."""
    application, offer = _locked(offer.application_id)
    _require_manager(by, application)
    _require_offer_stage(application)
    if not offer.terms_open:
        raise ValidationError(
            {
                "approvers": _("The approvers cannot change while the offer is “%(status)s”.")
                % {"status": offer.get_status_display()}
            }
        )
    users = _check_approvers(application.mandate, users)
    offer.approvers.all().delete()
    return OfferApprover.objects.bulk_create(
        OfferApprover(offer=offer, position=i, user=user) for i, user in enumerate(users, start=1)
    )


def _request(approval: OfferApproval, now) -> None:
    """It is ``approval``'s turn: stamp it and e-mail its approver (after the commit, once)."""
    OfferApproval.objects.filter(pk=approval.pk).update(requested_at=now)
    approval.requested_at = now
    user = approval.approver
    if not user.email:
        return
    email_enqueue([_approval_message(approval)])


def _approval_message(approval: OfferApproval) -> Message:
    user = approval.approver
    profile = getattr(user, "profile", None)
    language = getattr(profile, "language", "") or settings.LANGUAGE_CODE
    offer = approval.offer
    context = {
        "user": user,
        "offer": offer,
        "approval": approval,
        "count": offer.approvals.filter(round=approval.round).count(),
        "candidate": offer.application.candidate.full_name,
        "link": settings.SITE_URL.rstrip("/") + reverse("offers:offer", kwargs={"pk": offer.application_id}),
    }
    with translation.override(language):
        subject = " ".join(render_to_string("offers/email/approval_subject.txt", context).split())
        body = str.__str__(render_to_string("offers/email/approval_body.txt", context)).strip() + "\n"
        html = render_to_string(
            "email/message.html", {"subject": subject, "body": body, "language": language}
        )
    key = f"offer-approval:{offer.pk}:{approval.round}:{approval.order}"
    return Message(key=key, to=user.email, subject=subject, body=body, html=html)


@transaction.atomic
def offer_submit(*, offer: Offer, by) -> Offer:
    """Submit ``offer`` for approval: freeze its terms (a "submitted" step keeps them), start round
    ``round + 1`` with one approval per approver of the list, in its order, and ask the first
    approver (e-mail). Refused outside stage "offer", while a round runs or once approved, and when
    the list no longer holds the CEO or a member (the mandate changed). Returns the offer."""
    application, offer = _locked(offer.application_id)
    _require_manager(by, application)
    _require_offer_stage(application)
    if not offer.terms_open:
        raise ValidationError(
            _("This offer is “%(status)s”: it cannot be submitted again.")
            % {"status": offer.get_status_display()},
            code="status",
        )
    users = _check_approvers(application.mandate, [a.user for a in offer.approvers.select_related("user")])
    now = timezone.now()
    offer.round += 1
    offer.status = Offer.Status.PENDING
    offer.responded_on = None
    offer.full_clean()
    offer.save()
    approvals = OfferApproval.objects.bulk_create(
        OfferApproval(offer=offer, round=offer.round, order=i, approver=user)
        for i, user in enumerate(users, start=1)
    )
    OfferEvent.objects.create(
        offer=offer, kind=OfferEvent.Kind.SUBMITTED, round=offer.round, by=by, at=now, terms=offer.terms()
    )
    _request(approvals[0], now)
    return offer


def current_approval(offer: Offer) -> OfferApproval | None:
    """The approval whose turn it is (the first undecided one of the running round), or ``None``
    when no round is running."""
    if offer.status != Offer.Status.PENDING:
        return None
    return (
        offer.approvals.filter(round=offer.round, decision="")
        .select_related("approver")
        .order_by("order")
        .first()
    )


@transaction.atomic
def approval_decide(*, offer: Offer, by, decision: str, comment: str = "") -> OfferApproval:
    """Record ``by``'s decision on ``offer``: ``decision`` is ``"approved"`` or ``"rejected"``
    (a rejection needs a ``comment``). Only the approver whose turn it is acts (approver 2 not
    before approver 1), once; the same decision sent twice is refused the second time. The last
    approval makes the offer approved; a rejection ends the round (the offer goes back to the
    recruiter, who may revise and submit again). The next approver is e-mailed. Refused when the
    application has left stage "offer" (rejected, withdrawn…). Returns the decided approval."""
    comment = (comment or "").strip()
    application, offer = _locked(offer.application_id)
    if offer is None:
        raise ValidationError(_("There is no offer."), code="missing")
    _require_offer_stage(application)
    if decision not in OfferApproval.Decision.values:
        raise ValidationError({"decision": _("Approve or reject.")})
    if decision == OfferApproval.Decision.REJECTED and not comment:
        raise ValidationError({"comment": _("Say why the offer is rejected.")})
    mine = offer.approvals.filter(round=offer.round, approver=by).first() if offer.round else None
    if mine is not None and mine.is_decided:  # the same form sent twice, say
        raise ValidationError(_("Your decision is already recorded."), code="already")
    current = current_approval(offer)
    if current is None:
        raise ValidationError(_("No approval is awaited on this offer."), code="not_pending")
    if current.approver_id != by.pk:
        if mine is not None:
            raise ValidationError(
                _("Approver %(n)d (%(name)s) decides first.")
                % {"n": current.order, "name": current.approver.get_full_name() or current.approver.username},
                code="order",
            )
        raise ValidationError(_("You are not an approver of this offer."), code="not_approver")
    now = timezone.now()
    current.decision = decision
    current.comment = comment
    current.decided_at = now
    current.full_clean()
    current.save()
    OfferEvent.objects.create(
        offer=offer, kind=decision, round=offer.round, order=current.order, by=by, at=now, comment=comment
    )
    if decision == OfferApproval.Decision.REJECTED:
        offer.status = Offer.Status.REJECTED
        offer.save(update_fields=["status", "updated_at"])
        return current
    following = offer.approvals.filter(round=offer.round, order__gt=current.order).order_by("order").first()
    if following is None:
        offer.status = Offer.Status.APPROVED
        offer.save(update_fields=["status", "updated_at"])
    else:
        _request(following, now)
    return current


def _withdraw(offer: Offer, by, comment: str) -> None:
    offer.status = Offer.Status.WITHDRAWN
    offer.responded_on = None
    offer.save(update_fields=["status", "responded_on", "updated_at"])
    OfferEvent.objects.create(
        offer=offer, kind=OfferEvent.Kind.WITHDRAWN, round=offer.round, by=by, comment=comment
    )


@transaction.atomic
def offer_withdraw(*, offer: Offer, by, comment: str = "") -> Offer:
    """Withdraw ``offer`` (submitted at least once and not already withdrawn or declined): a
    running round stops, an approval or an acceptance no longer stands. The terms may then be
    revised and submitted again while the application is at stage "offer"."""
    application, offer = _locked(offer.application_id)
    _require_manager(by, application)
    if application.stage == Stage.HIRED:
        raise ValidationError(
            _("The candidate is hired on this offer: it can no longer be withdrawn."), code="hired"
        )
    if offer.status not in LIVE_STATUSES:
        raise ValidationError(
            _("This offer is “%(status)s”: there is nothing to withdraw.")
            % {"status": offer.get_status_display()},
            code="status",
        )
    _withdraw(offer, by, (comment or "").strip())
    return offer


def offer_withdraw_on_move(*, application, by, to_stage: str) -> bool:
    """Called inside ``application_move`` (application locked) when ``application`` leaves stage
    "offer" other than to "hired", or is rejected or withdrawn: its live offer is withdrawn, the
    step recorded with the mover. Returns whether an offer was withdrawn."""
    offer = Offer.objects.select_for_update().filter(application_id=application.pk).first()
    if offer is None or offer.status not in LIVE_STATUSES:
        return False
    _withdraw(offer, by, _("The application moved to “%(stage)s”.") % {"stage": Stage(to_stage).label})
    return True


@transaction.atomic
def offer_respond(*, offer: Offer, by, accepted: bool, on_date: date, comment: str = "") -> Offer:
    """Record the candidate's answer to the approved ``offer``: ``accepted`` (bool) and the date
    they gave it (``on_date``, not in the future). Only on an approved offer of an application at
    stage "offer". An accepted offer opens the move to "hired"; a declined one may be revised and
    submitted again."""
    application, offer = _locked(offer.application_id)
    _require_manager(by, application)
    _require_offer_stage(application)
    if offer.status != Offer.Status.APPROVED:
        raise ValidationError(
            _("The candidate’s answer is recorded on an approved offer; this one is “%(status)s”.")
            % {"status": offer.get_status_display()},
            code="status",
        )
    if on_date is None:
        raise ValidationError({"on_date": _("Give the date of the candidate’s answer.")})
    if on_date > timezone.localdate():
        raise ValidationError({"on_date": _("The date of the answer cannot be in the future.")})
    submitted = (
        OfferEvent.objects.filter(offer=offer, round=offer.round, kind=OfferEvent.Kind.SUBMITTED)
        .values_list("at", flat=True)
        .first()
    )
    if submitted is not None and on_date < timezone.localdate(submitted):
        raise ValidationError(
            {
                "on_date": _("The candidate cannot have answered before the offer was submitted (%(date)s).")
                % {"date": timezone.localdate(submitted).strftime("%d/%m/%Y")}
            }
        )
    kind = OfferEvent.Kind.ACCEPTED if accepted else OfferEvent.Kind.DECLINED
    offer.status = Offer.Status.ACCEPTED if accepted else Offer.Status.DECLINED
    offer.responded_on = on_date
    offer.full_clean()
    offer.save()
    OfferEvent.objects.create(
        offer=offer, kind=kind, round=offer.round, by=by, on_date=on_date, comment=(comment or "").strip()
    )
    return offer


def hired_refusal(application) -> str | None:
    """Why ``application`` may not move to "hired" (a message), or ``None`` when its offer is
    approved and accepted by the candidate."""
    offer = Offer.objects.filter(application_id=application.pk).first()
    if offer is not None and offer.status == Offer.Status.ACCEPTED:
        return None
    if offer is None:
        return _(
            "Hiring needs an offer approved by its approvers and accepted by the candidate: there is no offer yet."
        )
    if offer.status == Offer.Status.APPROVED:
        return _("The offer is approved; record the candidate’s acceptance before moving to “Hired”.")
    return _(
        "Hiring needs an offer approved by its approvers and accepted by the candidate (now: “%(status)s”)."
    ) % {"status": offer.get_status_display()}


__all__ = [
    "EDITABLE_STATUSES",
    "approval_decide",
    "approver_choices",
    "current_approval",
    "hired_refusal",
    "offer_approvers_set",
    "offer_respond",
    "offer_save",
    "offer_submit",
    "offer_withdraw",
    "offer_withdraw_on_move",
]
