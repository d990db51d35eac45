"""Reads of the offers, for the pages, the to-do list, the command and the other apps.

Public: :func:`offer_status` (a small JSON-ready dict, for anyone), :func:`offer_page` (the offer
page's data), :func:`approvals_owed` and :func:`approvals_owed_todo` (the "À faire" items).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import CLOSED_STAGES
from sessions.todo import ExtraTodoItem

from .models import Offer, OfferApproval, OfferEvent


def approval_due_after() -> timedelta:
    """How long an approver has once their turn comes (``OFFERS_APPROVAL_DUE_HOURS``, default 48)."""
    return timedelta(hours=getattr(settings, "OFFERS_APPROVAL_DUE_HOURS", 48))


def _name(user) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


def offer_status(application) -> dict:
    """The offer of ``application`` in a few JSON-ready values (two queries):

    ``{"status": str | None`` (``Offer.Status`` code; ``None`` without an offer),
    ``"status_label": str | None``, ``"round": int`` (0: never submitted), ``"approved": bool``
    (approved or accepted), ``"accepted": bool``, ``"responded_on": "YYYY-MM-DD" | None``,
    ``"current_approver": {"username", "name", "order"} | None`` (whose turn it is),
    ``"approvals": [{"order", "username", "name", "decision"`` ("approved", "rejected" or
    ``None``), ``"decided_at"`` (ISO 8601 or ``None``), ``"comment"}]`` (the latest round's, in
    order)``}``.
    """
    offer = Offer.objects.filter(application_id=application.pk).first()
    if offer is None:
        return {
            "status": None,
            "status_label": None,
            "round": 0,
            "approved": False,
            "accepted": False,
            "responded_on": None,
            "current_approver": None,
            "approvals": [],
        }
    approvals = list(offer.approvals.filter(round=offer.round).select_related("approver").order_by("order"))
    current = None
    if offer.status == Offer.Status.PENDING:
        current = next((a for a in approvals if not a.decision), None)
    return {
        "status": offer.status,
        "status_label": str(offer.get_status_display()),
        "round": offer.round,
        "approved": offer.status in (Offer.Status.APPROVED, Offer.Status.ACCEPTED),
        "accepted": offer.status == Offer.Status.ACCEPTED,
        "responded_on": offer.responded_on.isoformat() if offer.responded_on else None,
        "current_approver": (
            {"username": current.approver.username, "name": _name(current.approver), "order": current.order}
            if current
            else None
        ),
        "approvals": [
            {
                "order": a.order,
                "username": a.approver.username,
                "name": _name(a.approver),
                "decision": a.decision or None,
                "decided_at": a.decided_at.isoformat() if a.decided_at else None,
                "comment": a.comment,
            }
            for a in approvals
        ],
    }


@dataclass
class OfferPage:
    """What the offer page shows: the ``offer`` (or ``None``), its draft ``approvers`` list,
    ``rounds`` (``[(round, [OfferApproval…])]``, latest first), the ``events`` timeline (oldest
    first) and the ``current`` approval (whose turn it is, or ``None``)."""

    offer: Offer | None
    approvers: list
    rounds: list
    events: list
    current: OfferApproval | None


def offer_page(application) -> OfferPage:
    """The data of the offer page of ``application``; four queries with an offer, one without."""
    offer = Offer.objects.filter(application_id=application.pk).first()
    if offer is None:
        return OfferPage(None, [], [], [], None)
    approvers = list(offer.approvers.select_related("user").order_by("position"))
    approvals = list(offer.approvals.select_related("approver").order_by("-round", "order"))
    rounds: dict[int, list] = {}
    for approval in approvals:
        rounds.setdefault(approval.round, []).append(approval)
    events = list(offer.events.select_related("by").order_by("at", "pk"))
    current = None
    if offer.status == Offer.Status.PENDING:
        current = next((a for a in rounds.get(offer.round, []) if not a.decision), None)
    return OfferPage(offer, approvers, list(rounds.items()), events, current)


def approvals_owed(user):
    """The approvals waiting for ``user`` now: their turn in a running round (every earlier
    approver has approved), on an application still open. An ``OfferApproval`` queryset, with
    the offer, application, candidate and company."""
    if not (user and user.is_authenticated):
        return OfferApproval.objects.none()
    earlier_open = OfferApproval.objects.filter(
        offer=OuterRef("offer"), round=OuterRef("round"), order__lt=OuterRef("order"), decision=""
    )
    return (
        OfferApproval.objects.filter(
            approver=user, decision="", offer__status=Offer.Status.PENDING, round=F("offer__round")
        )
        .exclude(offer__application__stage__in=CLOSED_STAGES)
        .exclude(Exists(earlier_open))
        .select_related("offer__application__candidate", "offer__application__mandate__company")
        .order_by("requested_at", "pk")
    )


def approvals_owed_todo(user, now=None) -> list[ExtraTodoItem]:
    """:func:`approvals_owed` as to-do items, due ``approval_due_after()`` after the approver's
    turn came. One query."""
    now = now or timezone.now()
    items = []
    for approval in approvals_owed(user):
        offer = approval.offer
        application = offer.application
        due = (approval.requested_at or offer.updated_at) + approval_due_after()
        items.append(
            ExtraTodoItem(
                kind="offer_approval",
                label=str(_("Your approval of the offer")),
                candidate=application.candidate.full_name,
                company=application.mandate.company.name,
                detail=str(_("%(title)s — approver %(n)d") % {"title": offer.title, "n": approval.order}),
                due=due,
                url=reverse("offers:offer", kwargs={"pk": application.pk}),
                action=str(_("Review the offer")),
                overdue=due <= now,
            )
        )
    return items


def events_of(offer) -> list[OfferEvent]:
    """The timeline of ``offer``, oldest first, with who acted."""
    return list(offer.events.select_related("by").order_by("at", "pk"))


def accepted_start_date(application):
    """The start date (``datetime.date``) of the offer the candidate of ``application`` accepted,
    or ``None`` when no offer was accepted. One query. The start kit dates its plan and check-ins
    from it (``onboarding.services.kit_create``)."""
    return (
        Offer.objects.filter(application=application, status=Offer.Status.ACCEPTED)
        .values_list("start_date", flat=True)
        .first()
    )
