"""The offer's rules (issue 11): terms only at stage "offer", the CEO always an approver,
approvals in order and once, immutable steps, rounds after a rejection, closed applications never
get an offer, automatic withdrawal, and "hired" only with an accepted offer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from candidates import services as candidate_services
from candidates.models import Stage
from offers import selectors, services
from offers.models import Offer, OfferApproval, OfferEvent
from outbox.models import OutboundEmail
from tests.factories import ApplicationFactory, accepted_offer, approved_offer, offer_terms

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def submitted(w, approvers=None):
    offer = services.offer_save(application=w.application, by=w.recruiter, data=offer_terms())
    services.offer_approvers_set(offer=offer, by=w.recruiter, users=approvers or [w.second, w.ceo])
    return services.offer_submit(offer=offer, by=w.recruiter)


def test_a_new_offer_has_its_terms_and_the_ceo_as_approver(w):
    offer = services.offer_save(
        application=w.application, by=w.recruiter, data=offer_terms(fixed_pay=Decimal("150000.50"))
    )
    offer.refresh_from_db()
    assert (offer.status, offer.round, offer.currency, offer.fixed_pay) == (
        "draft",
        0,
        "EUR",
        Decimal("150000.50"),
    )
    assert [(a.position, a.user) for a in offer.approvers.all()] == [(1, w.ceo)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("fixed_pay", Decimal("0")), ("variable_pay", Decimal("-1")), ("trial_months", 9)],
)
def test_bad_terms_are_refused_by_the_service(w, field, value):
    with pytest.raises(ValidationError) as excinfo:
        services.offer_save(application=w.application, by=w.recruiter, data=offer_terms(**{field: value}))
    assert field in excinfo.value.message_dict
    assert not Offer.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("fixed_pay", Decimal("0")), ("variable_pay", Decimal("-5")), ("trial_months", 12), ("currency", "XXX")],
)
def test_the_database_refuses_bad_terms_too(w, field, value):
    offer = services.offer_save(application=w.application, by=w.recruiter, data=offer_terms())
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.filter(pk=offer.pk).update(**{field: value})


@pytest.mark.parametrize("stage", [Stage.DECISION, Stage.REJECTED, Stage.WITHDRAWN, Stage.HIRED])
def test_no_offer_outside_the_offer_stage(w, stage):
    w.application.stage = stage
    w.application.rejection_reason = "other" if stage == Stage.REJECTED else ""
    w.application.save()
    with pytest.raises(ValidationError) as excinfo:
        services.offer_save(application=w.application, by=w.recruiter, data=offer_terms())
    assert excinfo.value.code == ("closed" if stage in (Stage.REJECTED, Stage.WITHDRAWN) else "stage")
    assert not Offer.objects.exists()


def test_only_a_recruiter_of_the_mandate_writes_the_offer(w):
    for user in (w.ceo, w.mediator, w.outsider):
        with pytest.raises(PermissionDenied):
            services.offer_save(application=w.application, by=user, data=offer_terms())
    assert not Offer.objects.exists()


def test_the_ceo_must_be_an_approver_and_approvers_are_members(w):
    offer = services.offer_save(application=w.application, by=w.recruiter, data=offer_terms())
    with pytest.raises(ValidationError) as excinfo:
        services.offer_approvers_set(offer=offer, by=w.recruiter, users=[w.second])
    assert excinfo.value.message_dict["approvers"] == [
        "The mandate’s CEO (Paul Girard) must approve the offer."
    ]
    with pytest.raises(ValidationError) as excinfo:
        services.offer_approvers_set(offer=offer, by=w.recruiter, users=[w.outsider, w.ceo])
    assert "recruiters and mediators" in excinfo.value.messages[0]
    with pytest.raises(ValidationError):
        services.offer_approvers_set(offer=offer, by=w.recruiter, users=[w.ceo, w.ceo])
    services.offer_approvers_set(offer=offer, by=w.recruiter, users=[w.mediator, w.second, w.ceo])
    assert [(a.position, a.user) for a in offer.approvers.all()] == [
        (1, w.mediator),
        (2, w.second),
        (3, w.ceo),
    ]


def test_submitting_freezes_the_terms_and_asks_the_first_approver(w):
    offer = submitted(w)
    assert (offer.status, offer.round) == ("pending", 1)
    approvals = list(offer.approvals.order_by("order"))
    assert [(a.order, a.approver, a.decision) for a in approvals] == [(1, w.second, ""), (2, w.ceo, "")]
    assert approvals[0].requested_at is not None and approvals[1].requested_at is None
    event = offer.events.get()
    assert (event.kind, event.by, event.round) == ("submitted", w.recruiter, 1)
    assert event.terms["fixed_pay"] == "145000.00" and event.terms["start_date"] == "2027-03-01"
    mail = OutboundEmail.objects.get()
    assert mail.to == w.second.email and "Claire Dubois" in mail.subject
    with pytest.raises(ValidationError) as excinfo:
        services.offer_save(application=w.application, by=w.recruiter, data=offer_terms(title="Autre"))
    assert excinfo.value.code == "frozen"
    with pytest.raises(ValidationError):
        services.offer_approvers_set(offer=offer, by=w.recruiter, users=[w.ceo])
    with pytest.raises(ValidationError):
        services.offer_submit(offer=offer, by=w.recruiter)


def test_approvers_decide_in_order_and_once(w):
    offer = submitted(w)
    with pytest.raises(ValidationError) as excinfo:
        services.approval_decide(offer=offer, by=w.ceo, decision="approved")
    assert excinfo.value.code == "order"
    assert excinfo.value.messages == ["Approver 1 (Hugo Petit) decides first."]
    with pytest.raises(ValidationError) as excinfo:
        services.approval_decide(offer=offer, by=w.mediator, decision="approved")
    assert excinfo.value.code == "not_approver"
    services.approval_decide(offer=offer, by=w.second, decision="approved", comment="Bon équilibre.")
    with pytest.raises(ValidationError) as excinfo:
        services.approval_decide(offer=offer, by=w.second, decision="approved")
    assert excinfo.value.code == "already"
    offer.refresh_from_db()
    assert offer.status == "pending"
    assert OutboundEmail.objects.filter(to=w.ceo.email).count() == 1
    services.approval_decide(offer=offer, by=w.ceo, decision="approved")
    offer.refresh_from_db()
    assert offer.status == "approved"
    assert list(offer.events.values_list("kind", "order", "by")) == [
        ("submitted", None, w.recruiter.pk),
        ("approved", 1, w.second.pk),
        ("approved", 2, w.ceo.pk),
    ]
    status = selectors.offer_status(w.application)
    assert status["status"] == "approved" and status["approved"] and not status["accepted"]
    assert [(a["order"], a["username"], a["decision"]) for a in status["approvals"]] == [
        (1, "rec2-offre", "approved"),
        (2, "dg-offre", "approved"),
    ]


def test_a_rejection_needs_a_comment_ends_the_round_and_a_new_round_keeps_the_history(w):
    offer = submitted(w)
    with pytest.raises(ValidationError) as excinfo:
        services.approval_decide(offer=offer, by=w.second, decision="rejected")
    assert "comment" in excinfo.value.message_dict
    services.approval_decide(offer=offer, by=w.second, decision="rejected", comment="Variable trop haut.")
    offer.refresh_from_db()
    assert offer.status == "rejected"
    with pytest.raises(ValidationError):  # the round is over: the CEO has nothing to decide
        services.approval_decide(offer=offer, by=w.ceo, decision="approved")
    services.offer_save(
        application=w.application, by=w.recruiter, data=offer_terms(variable_pay=Decimal("15000.00"))
    )
    services.offer_approvers_set(offer=offer, by=w.recruiter, users=[w.ceo])
    services.offer_submit(offer=offer, by=w.recruiter)
    offer.refresh_from_db()
    assert (offer.status, offer.round) == ("pending", 2)
    services.approval_decide(offer=offer, by=w.ceo, decision="approved")
    submissions = offer.events.filter(kind="submitted").order_by("round")
    assert [e.terms["variable_pay"] for e in submissions] == ["25000.00", "15000.00"]
    assert list(offer.approvals.values_list("round", "order", "approver", "decision")) == [
        (1, 1, w.second.pk, "rejected"),
        (1, 2, w.ceo.pk, ""),
        (2, 1, w.ceo.pk, "approved"),
    ]


def test_recorded_steps_are_immutable(w):
    offer = submitted(w)
    services.approval_decide(offer=offer, by=w.second, decision="approved")
    approval = offer.approvals.get(order=1)
    approval.decision = "rejected"
    approval.comment = "Changé"
    with pytest.raises(ValidationError):
        approval.save()
    with pytest.raises(ValidationError):
        approval.delete()
    event = offer.events.first()
    event.comment = "réécrit"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    assert offer.approvals.get(order=1).decision == "approved"
    assert offer.events.first().comment == ""


@pytest.mark.parametrize(
    ("update", "why"),
    [
        ({"decision": "approved"}, "decided without a time"),
        ({"decided_at": "now"}, "a time without a decision"),
        ({"decision": "rejected", "decided_at": "now"}, "rejected without a comment"),
    ],
)
def test_the_database_keeps_the_approval_invariants(w, update, why):
    offer = submitted(w)
    values = {k: (timezone.now() if v == "now" else v) for k, v in update.items()}
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferApproval.objects.filter(offer=offer, order=1).update(**values)


def test_the_database_refuses_a_second_approver_at_the_same_place(w):
    offer = submitted(w)
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferApproval.objects.bulk_create([OfferApproval(offer=offer, round=1, order=1, approver=w.mediator)])
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferEvent.objects.bulk_create(
            [OfferEvent(offer=offer, kind="approved", round=1, order=None, by=w.ceo)]
        )


def test_a_closed_application_gets_no_approval_nor_answer(w):
    offer = submitted(w, approvers=[w.ceo])
    # The application is withdrawn behind the services' back: the approval is refused all the same.
    type(w.application).objects.filter(pk=w.application.pk).update(stage=Stage.WITHDRAWN)
    with pytest.raises(ValidationError) as excinfo:
        services.approval_decide(offer=offer, by=w.ceo, decision="approved")
    assert excinfo.value.code == "closed"
    type(w.application).objects.filter(pk=w.application.pk).update(stage=Stage.OFFER)
    services.approval_decide(offer=offer, by=w.ceo, decision="approved")
    type(w.application).objects.filter(pk=w.application.pk).update(
        stage=Stage.REJECTED, rejection_reason="other"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.offer_respond(offer=offer, by=w.recruiter, accepted=True, on_date=timezone.localdate())
    assert excinfo.value.code == "closed"


@pytest.mark.parametrize("to_stage", [Stage.REJECTED, Stage.WITHDRAWN, Stage.DECISION])
def test_moving_the_application_away_withdraws_the_pending_offer(w, to_stage):
    offer = submitted(w)
    extra = {"rejection_reason": "other", "reason": "Autre choix."} if to_stage == Stage.REJECTED else {}
    candidate_services.application_move(application=w.application, to_stage=to_stage, by=w.recruiter, **extra)
    offer.refresh_from_db()
    assert offer.status == "withdrawn"
    event = offer.events.latest("at")
    assert (event.kind, event.by, event.round) == ("withdrawn", w.recruiter, 1)
    assert selectors.approvals_owed(w.second).count() == 0


def test_hired_needs_an_approved_offer_accepted_by_the_candidate(w):
    def move():
        candidate_services.application_move(application=w.application, to_stage=Stage.HIRED, by=w.recruiter)

    with pytest.raises(ValidationError) as excinfo:
        move()
    assert "there is no offer yet" in excinfo.value.message_dict["to_stage"][0]
    offer = submitted(w, approvers=[w.ceo])
    with pytest.raises(ValidationError) as excinfo:
        move()
    assert "Awaiting approval" in excinfo.value.message_dict["to_stage"][0]
    services.approval_decide(offer=offer, by=w.ceo, decision="approved")
    with pytest.raises(ValidationError) as excinfo:
        move()
    assert excinfo.value.message_dict["to_stage"] == [
        "The offer is approved; record the candidate’s acceptance before moving to “Hired”."
    ]
    w.application.refresh_from_db()
    assert w.application.stage == Stage.OFFER
    today = timezone.localdate()
    services.offer_respond(offer=offer, by=w.recruiter, accepted=True, on_date=today)
    move()
    w.application.refresh_from_db()
    offer.refresh_from_db()
    assert (w.application.stage, offer.status, offer.responded_on) == ("hired", "accepted", today)


def test_a_declined_offer_blocks_hiring_and_may_be_revised(w):
    offer = approved_offer(w.application)
    with pytest.raises(ValidationError):
        services.offer_respond(
            offer=offer, by=w.recruiter, accepted=True, on_date=timezone.localdate() + timedelta(days=1)
        )
    services.offer_respond(offer=offer, by=w.recruiter, accepted=False, on_date=timezone.localdate())
    with pytest.raises(ValidationError):
        candidate_services.application_move(application=w.application, to_stage=Stage.HIRED, by=w.recruiter)
    services.offer_save(
        application=w.application, by=w.recruiter, data=offer_terms(fixed_pay=Decimal("160000"))
    )
    services.offer_submit(offer=offer, by=w.recruiter)
    offer.refresh_from_db()
    assert (offer.status, offer.round, offer.responded_on) == ("pending", 2, None)


def test_the_answer_needs_an_approved_offer(w):
    offer = submitted(w)
    with pytest.raises(ValidationError) as excinfo:
        services.offer_respond(offer=offer, by=w.recruiter, accepted=True, on_date=timezone.localdate())
    assert excinfo.value.code == "status"


def test_accepted_offer_helper_opens_hiring(w):
    accepted_offer(w.application, approvers=[w.second])
    candidate_services.application_move(application=w.application, to_stage=Stage.HIRED, by=w.recruiter)
    assert selectors.offer_status(w.application)["accepted"] is True


def test_approvals_owed_are_the_approvers_turn_only(w):
    offer = submitted(w)
    assert list(selectors.approvals_owed(w.second)) == list(offer.approvals.filter(order=1))
    assert list(selectors.approvals_owed(w.ceo)) == []
    services.approval_decide(offer=offer, by=w.second, decision="approved")
    assert list(selectors.approvals_owed(w.second)) == []
    (item,) = selectors.approvals_owed_todo(w.ceo)
    approval = offer.approvals.get(order=2)
    assert item.due == approval.requested_at + timedelta(hours=48)
    assert (item.candidate, item.url) == ("Claire Dubois", f"/applications/{w.application.pk}/offer/")


def test_offer_status_without_an_offer():
    application = ApplicationFactory(stage=Stage.OFFER)
    assert selectors.offer_status(application) == {
        "status": None,
        "status_label": None,
        "round": 0,
        "approved": False,
        "accepted": False,
        "responded_on": None,
        "current_approver": None,
        "approvals": [],
    }


def test_erasing_the_candidate_erases_the_offer_and_its_steps(w):
    from privacy.services import candidate_erase

    offer = approved_offer(w.application, approvers=[w.second])
    candidate_erase(w.application.candidate, actor=w.recruiter, reason="Demande du candidat.")
    assert not Offer.objects.filter(pk=offer.pk).exists()
    assert not OfferEvent.objects.filter(offer_id=offer.pk).exists()
    assert not OfferApproval.objects.filter(offer_id=offer.pk).exists()


def test_the_approval_email_names_the_offer_and_links_to_it(w, settings):
    settings.SITE_URL = "https://recrutement.example.org"
    submitted(w)
    mail = OutboundEmail.objects.get(to=w.second.email)
    assert mail.subject == "Votre approbation de l’offre à Claire Dubois est attendue"  # the site's language
    assert "vous êtes l’approbateur 1 sur 2" in mail.body
    assert f"https://recrutement.example.org/applications/{w.application.pk}/offer/" in mail.body
