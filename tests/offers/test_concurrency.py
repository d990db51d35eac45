"""Two approvals at once serialise on the offer's row lock (``select_for_update`` in
``offers.services``): the same approval sent twice from two threads records one decision; approver
1 and approver 2 acting at the same moment never leave approver 2's decision before approver 1's.

PostgreSQL only (row locks; each thread has its own connection, closed at the end). Marked
``services``: with ``CSO_REQUIRE_SERVICES=1`` it fails instead of skipping without PostgreSQL.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from offers import services
from offers.models import Offer, OfferEvent
from tests.conftest import require_service
from tests.factories import offer_terms

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def race(calls):
    """Run each ``(user, decision)`` in its own thread, released together; the outcomes in order:
    ``"ok"`` or the ``ValidationError`` (or other exception) raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, offer_id, user, decision):
        try:
            barrier.wait(timeout=10)
            offer = Offer.objects.get(pk=offer_id)
            services.approval_decide(offer=offer, by=user, decision=decision, comment="Vu.")
            outcomes[index] = "ok"
        except Exception as exc:  # noqa: BLE001 — reported by the assertions
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def submitted(w, users):
    offer = services.offer_save(application=w.application, by=w.recruiter, data=offer_terms())
    services.offer_approvers_set(offer=offer, by=w.recruiter, users=users)
    return services.offer_submit(offer=offer, by=w.recruiter)


@pytest.mark.parametrize("decision", ["approved", "rejected"])
def test_the_same_approval_sent_twice_at_once_is_recorded_once(w, decision):
    require_service(connection.vendor == "postgresql", "PostgreSQL")
    offer = submitted(w, [w.second, w.ceo])
    outcomes = race([(offer.pk, w.second, decision)] * 2)
    assert outcomes.count("ok") == 1, outcomes
    (loser,) = [o for o in outcomes if o != "ok"]
    assert isinstance(loser, ValidationError) and loser.code == "already", repr(loser)
    assert OfferEvent.objects.filter(offer=offer, kind=decision).count() == 1
    approval = offer.approvals.get(order=1)
    assert approval.decision == decision and approval.decided_at is not None


def test_two_approvers_at_once_keep_the_order(w):
    require_service(connection.vendor == "postgresql", "PostgreSQL")
    for _attempt in range(3):
        offer = Offer.objects.filter(application=w.application).first()
        if offer is not None:  # a fresh round for each attempt
            if offer.status == Offer.Status.PENDING:
                services.offer_withdraw(offer=offer, by=w.recruiter)
            services.offer_submit(offer=offer, by=w.recruiter)
            offer.refresh_from_db()
        else:
            offer = submitted(w, [w.second, w.ceo])
        outcomes = race([(offer.pk, w.second, "approved"), (offer.pk, w.ceo, "approved")])
        assert outcomes[0] == "ok", outcomes
        # The CEO either waited for approver 1 (then approved after them) or came first (refused).
        if outcomes[1] != "ok":
            assert isinstance(outcomes[1], ValidationError) and outcomes[1].code == "order", repr(outcomes[1])
        decisions = list(
            offer.approvals.filter(round=offer.round, decided_at__isnull=False).order_by("decided_at")
        )
        assert [a.order for a in decisions] == list(range(1, len(decisions) + 1))
        offer.refresh_from_db()
        assert offer.status == ("approved" if outcomes[1] == "ok" else "pending")
        if offer.status == "approved":
            services.offer_withdraw(offer=offer, by=w.recruiter)
