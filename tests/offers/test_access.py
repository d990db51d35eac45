"""THE access matrix of the offers: every URL of ``offers/urls.py`` × every role of
``tests/test_access.py`` plus an approver who is a mediator of the mandate, GET and POST.

Anonymous → login; out of scope → 404 (as a missing object); the CEO and the approvers read the
offer page but only the recruiters of the mandate (and staff) write the offer; an approver decides
only at their turn (a reader whose turn it is not gets the page back with the error, 400, and
nothing changes). POST-only URLs answer 405 to a GET.

Adding a URL means adding a row to ``MATRIX``; ``test_every_offers_url_is_in_the_matrix`` fails
until it is there."""

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import get_resolver, reverse
from django.utils import timezone

from candidates.models import Stage
from offers import services
from offers.models import Offer, OfferApproval, OfferEvent
from tests.factories import ApplicationFactory, MandateFactory, UserFactory, approved_offer, offer_terms
from tests.test_access import ANONYMOUS, CEO, CEO_OTHER, MEDIATOR, RECRUITER, RECRUITER_OTHER, STAFF

APPROVER = "mediator of the mandate, approver of the offer"
ROLES = (ANONYMOUS, RECRUITER, RECRUITER_OTHER, CEO, CEO_OTHER, MEDIATOR, APPROVER, STAFF)
SIGNED_IN = frozenset(ROLES) - {ANONYMOUS}
READERS = frozenset({RECRUITER, CEO, STAFF})
MANAGERS = frozenset({RECRUITER, STAFF})


def setup_none(w):
    return None


def setup_draft(w):
    offer = services.offer_save(application=w.application, by=w.users[RECRUITER], data=offer_terms())
    services.offer_approvers_set(offer=offer, by=w.users[RECRUITER], users=[w.users[APPROVER], w.users[CEO]])
    return offer


def setup_pending_ceo(w):
    offer = services.offer_save(application=w.application, by=w.users[RECRUITER], data=offer_terms())
    return services.offer_submit(offer=offer, by=w.users[RECRUITER])  # the CEO alone


def setup_pending_approver(w):
    return services.offer_submit(offer=setup_draft(w), by=w.users[RECRUITER])


def setup_approved(w):
    return approved_offer(w.application)


def state(w):
    """Everything a POST may change."""
    offer = Offer.objects.filter(application=w.application).first()
    if offer is None:
        return None
    return (
        offer.title,
        offer.status,
        offer.round,
        tuple(offer.approvers.values_list("position", "user")),
        OfferApproval.objects.filter(offer=offer).exclude(decision="").count(),
        OfferEvent.objects.filter(offer=offer).count(),
    )


@dataclass(frozen=True)
class Row:
    name: str
    setup: object
    ok: frozenset
    method: str = "get"
    data: dict | None = None
    ok_status: int = 200
    refused: frozenset = frozenset()  # see the page but the rule refuses: 400, nothing changed
    label: str = ""

    @property
    def id(self):
        return f"{self.name}:{self.method}{'-' + self.label if self.label else ''}"


TERMS_POST = {
    "title": "Directeur des fonctions support",
    "start_date": "2027-04-01",
    "currency": "EUR",
    "fixed_pay": "150000",
    "variable_pay": "20000",
    "trial_months": "4",
    "notes": "",
}
POST_ONLY = ("offer_approvers", "offer_submit", "offer_decide", "offer_withdraw", "offer_respond")

MATRIX = [
    Row("offer", setup_pending_approver, READERS | {APPROVER}),
    Row("offer", setup_none, READERS, label="no offer"),
    Row("offer", setup_none, MANAGERS, method="post", data=TERMS_POST, ok_status=302, label="create"),
    Row("offer", setup_draft, MANAGERS, method="post", data=TERMS_POST, ok_status=302, label="edit"),
    Row(
        "offer_approvers",
        setup_draft,
        MANAGERS,
        method="post",
        data={"approver_1": "CEO"},
        ok_status=302,
    ),
    Row("offer_submit", setup_draft, MANAGERS, method="post", ok_status=302),
    Row(
        "offer_decide",
        setup_pending_ceo,
        frozenset({CEO}),
        method="post",
        data={"decision": "approved", "comment": ""},
        ok_status=302,
        refused=MANAGERS,
    ),
    Row(
        "offer_decide",
        setup_pending_approver,
        frozenset({APPROVER}),
        method="post",
        data={"decision": "rejected", "comment": "Trop cher."},
        ok_status=302,
        refused=READERS,
        label="approver 1",
    ),
    Row("offer_withdraw", setup_pending_ceo, MANAGERS, method="post", data={"comment": ""}, ok_status=302),
    Row(
        "offer_respond",
        setup_approved,
        MANAGERS,
        method="post",
        data={"answer": "accepted", "on_date": timezone.localdate().isoformat(), "comment": ""},
        ok_status=302,
    ),
    *(Row(name, setup_pending_ceo, SIGNED_IN, ok_status=405) for name in POST_ONLY),
]

CASES = [pytest.param(row, role, id=f"{row.id}|{role}") for row in MATRIX for role in ROLES]


@dataclass
class World:
    users: dict
    application: object
    other_application: object


@pytest.fixture
def w(db):
    users = {
        RECRUITER: UserFactory(groups=["recruiter"]),
        RECRUITER_OTHER: UserFactory(groups=["recruiter"]),
        CEO: UserFactory(groups=["ceo"]),
        CEO_OTHER: UserFactory(groups=["ceo"]),
        MEDIATOR: UserFactory(groups=["mediator"]),
        APPROVER: UserFactory(groups=["mediator"]),
        STAFF: UserFactory(is_staff=True),
    }
    mandate = MandateFactory(
        ceo=users[CEO], recruiters=[users[RECRUITER]], mediators=[users[MEDIATOR], users[APPROVER]]
    )
    other = MandateFactory(ceo=users[CEO_OTHER], recruiters=[users[RECRUITER_OTHER]])
    return World(
        users=users,
        application=ApplicationFactory(mandate=mandate, stage=Stage.OFFER),
        other_application=ApplicationFactory(mandate=other, stage=Stage.OFFER),
    )


def _data(row, w):
    data = dict(row.data or {})
    if data.get("approver_1") == "CEO":
        data["approver_1"] = str(w.users[CEO].pk)
    return data


@pytest.mark.parametrize(("row", "role"), CASES)
def test_access_matrix(client, w, row, role):
    row.setup(w)
    if role != ANONYMOUS:
        client.force_login(w.users[role])
    url = reverse(f"offers:{row.name}", kwargs={"pk": w.application.pk})
    before = state(w)
    response = client.post(url, _data(row, w)) if row.method == "post" else client.get(url)
    if role == ANONYMOUS:
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse(settings.LOGIN_URL) and parse_qs(location.query) == {"next": [url]}
    elif role in row.ok:
        assert response.status_code == row.ok_status, response.content[:800]
    elif role in row.refused:
        assert response.status_code == 400
    else:
        assert response.status_code == 404
    after = state(w)
    if row.method == "post" and role in row.ok:
        assert after != before
    else:
        assert after == before


def test_every_offers_url_is_in_the_matrix():
    _prefix, resolver = get_resolver().namespace_dict["offers"]
    names = {pattern.name for pattern in resolver.url_patterns}
    assert names == {row.name for row in MATRIX}
    for name in names:
        assert {row.method for row in MATRIX if row.name == name} == {"get", "post"}


@pytest.mark.parametrize("name", ["offer", *POST_ONLY])
def test_another_mandates_offer_looks_like_a_missing_one(client, w, name):
    approved_offer(w.other_application)
    client.force_login(w.users[RECRUITER])
    method = client.get if name == "offer" else client.post
    hidden = method(reverse(f"offers:{name}", kwargs={"pk": w.other_application.pk}))
    missing = method(reverse(f"offers:{name}", kwargs={"pk": 987654}))
    assert hidden.status_code == missing.status_code == 404
