"""Demo offer for ``seed_demo``: Anne-Sophie Roux-Lambert (four held and observed sessions) is
moved on to "decision" then "offer"; the recruiter ``recruteur`` prepares her offer with two
approvers — ``recruteur2`` first, then the CEO ``dg`` —, submits it, and ``recruteur2`` approves:
it waits for the CEO, who finds it in "À faire". Idempotent (nothing is done when the mandate
already has an offer). Deterministic terms, fictional."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import Stage

from . import services
from .models import Offer

CANDIDATE = "as.roux-lambert@example.org"


def seed_offers(*, mandate, users) -> int:
    """Create the demo offer (once). Returns the number of offers created (0 or 1).

    Once the decision meeting requires a recorded hire decision before "offer", that decision
    must be seeded first (``decisions``' demo)."""
    if Offer.objects.filter(application__mandate=mandate).exists():
        return 0
    application = mandate.applications.filter(candidate__email=CANDIDATE).first()
    if application is None:
        return 0
    recruiter, second, ceo = users["recruteur"], users["recruteur2"], users["dg"]
    for stage in (Stage.DECISION, Stage.OFFER):
        if application.stage != stage:
            application = candidate_services.application_move(
                application=application, to_stage=stage, by=recruiter
            )
    today = timezone.localdate()
    start = date(today.year, today.month, 1) + timedelta(days=92)  # the first of a month, three months on
    offer = services.offer_save(
        application=application,
        by=recruiter,
        data={
            "title": "Chief Support Officer — Directrice des fonctions support",
            "start_date": start.replace(day=1),
            "currency": "EUR",
            "fixed_pay": Decimal("148000.00"),
            "variable_pay": Decimal("22000.00"),
            "trial_months": 4,
            "notes": "Période d’essai de 4 mois renouvelable une fois ; véhicule de fonction.",
        },
    )
    services.offer_approvers_set(offer=offer, by=recruiter, users=[second, ceo])
    services.offer_submit(offer=offer, by=recruiter)
    services.approval_decide(
        offer=offer, by=second, decision="approved", comment="Dans la fourchette validée avec le comité."
    )
    return 1
