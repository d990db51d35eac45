"""The offers' admin is read-only (writes go through ``offers.services``): lists and object pages
open, with their joins done; adding, changing and deleting are refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candidates.models import Stage
from offers.models import Offer, OfferEvent
from tests.factories import ApplicationFactory, CandidateFactory, UserFactory, approved_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_admin(client):
    client.force_login(UserFactory(username="admin-offres", is_staff=True, is_superuser=True))
    return client


def offers(w, count, start=0):
    for n in range(start, start + count):
        application = ApplicationFactory(
            mandate=w.mandate, stage=Stage.OFFER, candidate=CandidateFactory(email=f"offre{n}@example.org")
        )
        approved_offer(application, approvers=[w.second])


@pytest.mark.parametrize("model", ["offer", "offerevent"])
def test_the_lists_make_the_same_queries_for_one_and_five_rows(as_admin, w, model):
    url = reverse(f"admin:offers_{model}_changelist")
    offers(w, 1)
    as_admin.get(url)
    with CaptureQueriesContext(connection) as one:
        assert as_admin.get(url).status_code == 200
    offers(w, 4, start=1)
    with CaptureQueriesContext(connection) as five:
        assert as_admin.get(url).status_code == 200
    assert len(five.captured_queries) == len(one.captured_queries)


def test_object_pages_open_and_nothing_can_be_written(as_admin, w):
    offer = approved_offer(w.application)
    event = offer.events.first()
    for model, obj in (("offer", offer), ("offerevent", event)):
        change = reverse(f"admin:offers_{model}_change", args=[obj.pk])
        assert as_admin.get(change).status_code == 200
        assert as_admin.get(reverse(f"admin:offers_{model}_add")).status_code == 403
        assert (
            as_admin.post(reverse(f"admin:offers_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code
            == 403
        )
        as_admin.post(change, {"title": "Changé", "comment": "Changé"})
    offer.refresh_from_db()
    assert offer.title == "Chief Support Officer"
    assert (
        Offer.objects.count() == 1 and OfferEvent.objects.filter(offer=offer).count() == 2
    )  # submitted, approved
