"""The start kit's access matrix: every ``onboarding`` URL × every role, GET and POST. The
mandate's CEO and recruiters (and staff) read and edit the kit; only the CEO signs for the CEO and
gives the CEO's check-in; mediators and other mandates' members get 404 (as for a missing kit);
anonymous users go to the login. The CSO's page answers its signed link only: expired 410,
tampered 404, another kit's link opens that kit and nothing of this one.

Adding a URL means adding a row to ``MATRIX``; ``test_every_onboarding_url_is_in_the_matrix``
fails until it is there."""

import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import get_resolver, reverse
from django.utils import timezone

from onboarding import documents, services
from onboarding.models import CharterSignOff, CheckIn, PlanLine, StartKit, StartKitDocument
from sessions import ipa
from tests.factories import hired_application

pytestmark = pytest.mark.django_db

ANONYMOUS, RECRUITER, RECRUITER_OTHER, CEO, CEO_OTHER, MEDIATOR, STAFF = (
    "anonymous", "recruiter", "recruiter_other", "ceo", "ceo_other", "mediator", "staff",
)  # fmt: skip
ROLES = (ANONYMOUS, RECRUITER, RECRUITER_OTHER, CEO, CEO_OTHER, MEDIATOR, STAFF)
EVERYONE = frozenset(ROLES) - {ANONYMOUS}
EDITORS = frozenset({RECRUITER, CEO, STAFF})
THE_CEO = frozenset({CEO})
ALL4 = {f"rating_{code}": "4" for code in ipa.DIMENSION_CODES}


@dataclass(frozen=True)
class Row:
    name: str
    ok: frozenset
    method: str = "get"
    data: object = None
    ok_status: int = 200
    state: object = None

    @property
    def id(self):
        return f"{self.name}:{self.method}"


def _kit(world):
    return StartKit.objects.get(application=world.application)


MATRIX = [
    Row("kit", EDITORS),
    Row("compatibility", EVERYONE),
    Row("plan_add", EDITORS),
    Row(
        "plan_add",
        EDITORS,
        "post",
        lambda w: {"title": "Nouvelle action"},
        302,
        lambda w: PlanLine.objects.count(),
    ),
    Row("plan_line", EDITORS),
    Row(
        "plan_line",
        EDITORS,
        "post",
        lambda w: {
            "title": "x",
            "owner": "Nouvelle responsable",
            "current_state": "",
            "target": "",
            "due_on": "",
        },
        302,
        lambda w: list(PlanLine.objects.order_by("pk").values_list("owner", flat=True)),
    ),
    Row("charter", EDITORS),
    Row(
        "charter",
        EDITORS,
        "post",
        lambda w: {"decision_rights": "A", "disagreement": "B", "cadence": "C", "version": "1"},
        302,
        lambda w: _kit(w).charter.version,
    ),
    Row(
        "charter_sign",
        THE_CEO,
        "post",
        lambda w: {"shown": services.charter_sha256(_kit(w).charter)},
        302,
        lambda w: CharterSignOff.objects.count(),
    ),
    Row("share", EDITORS, "post", lambda w: {}, 302, lambda w: _kit(w).shared_at),
    Row(
        "start_date",
        EDITORS,
        "post",
        lambda w: {"start_date": "2027-01-04", "source": "offer"},
        302,
        lambda w: _kit(w).start_date,
    ),
    Row("check_in", THE_CEO),
    Row("check_in", THE_CEO, "post", lambda w: ALL4, 302, lambda w: CheckIn.objects.count()),
    Row("pdf_request", EDITORS, "post", lambda w: {}, 302, lambda w: StartKitDocument.objects.count()),
    Row("pdf_download", EDITORS),
    Row(
        "pdf_retry",
        EDITORS,
        "post",
        lambda w: {},
        302,
        lambda w: StartKitDocument.objects.get(version=2).status,
    ),
]
CASES = [pytest.param(row, role, id=f"{row.id}|{role}") for row in MATRIX for role in ROLES]


@pytest.fixture
def kits(world):
    hired_application(world.application, by=world.recruiter)
    hired_application(world.other_application, by=world.other_recruiter)
    kit = _kit(world)
    services.kit_start_date_set(kit=kit, start_date=timezone.localdate() - timedelta(days=31))
    # Version 1 ready (a stored file stands for the rendered PDF), version 2 failed.
    ready = documents.kit_pdf_request(kit=kit, by=world.ceo, enqueue=False)
    name = default_storage.save(f"start-kits/test/{ready.pk}.pdf", ContentFile(b"%PDF-1.7 test"))
    StartKitDocument.objects.filter(pk=ready.pk).update(
        status="ready", pdf=name, sha256="0" * 64, page_count=1
    )
    failed = documents.kit_pdf_request(kit=kit, by=world.ceo, enqueue=False)
    StartKitDocument.objects.filter(pk=failed.pk).update(status="failed", error="fonts missing")
    return world


def users(world):
    return {
        RECRUITER: world.recruiter,
        RECRUITER_OTHER: world.other_recruiter,
        CEO: world.ceo,
        CEO_OTHER: world.other_ceo,
        MEDIATOR: world.mediator,
        STAFF: world.staff,
    }


def url_for(row, world):
    kit = _kit(world)
    kwargs = {
        "kit": {"application_pk": world.application.pk},
        "compatibility": {},
        "plan_add": {"pk": kit.pk},
        "plan_line": {"pk": kit.pk, "line_pk": kit.plan_lines.order_by("pk").first().pk},
        "check_in": {"pk": kit.pk, "milestone": 30},
        "pdf_download": {"pk": StartKitDocument.objects.get(version=1).pk},
        "pdf_retry": {"pk": StartKitDocument.objects.get(version=2).pk},
    }.get(row.name, {"pk": kit.pk})
    return reverse(f"onboarding:{row.name}", kwargs=kwargs)


@pytest.mark.parametrize(("row", "role"), CASES)
def test_access_matrix(client, kits, row, role):
    world = kits
    if role != ANONYMOUS:
        client.force_login(users(world)[role])
    url = url_for(row, world)
    before = row.state(world) if row.state else None
    if row.method == "post":
        response = client.post(url, row.data(world))
    else:
        response = client.get(url)
    if role == ANONYMOUS:
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse(settings.LOGIN_URL) and parse_qs(location.query) == {"next": [url]}
    elif role in row.ok:
        assert response.status_code == row.ok_status, response.content[:400]
    else:
        assert response.status_code == 404
    if row.state:
        after = row.state(world)
        assert (after != before) == (role in row.ok), (before, after)


def test_every_onboarding_url_is_in_the_matrix():
    _prefix, resolver = get_resolver().namespace_dict["onboarding"]
    names = {pattern.name for pattern in resolver.url_patterns}
    assert names == {row.name for row in MATRIX} | {"cso_kit"}  # the signed link: tests below


def test_the_compatibility_view_lists_only_the_kits_in_scope(client, kits):
    world = kits
    for user, sees, hidden in (
        (world.ceo, world.candidate, world.other_candidate),
        (world.other_recruiter, world.other_candidate, world.candidate),
    ):
        client.force_login(user)
        html = client.get(reverse("onboarding:compatibility")).content.decode()
        assert sees.full_name in html and hidden.full_name not in html
    client.force_login(world.mediator)
    html = client.get(reverse("onboarding:compatibility")).content.decode()
    assert world.candidate.full_name not in html and world.other_candidate.full_name not in html


# ------------------------------------------------------------------------------- the signed link


def test_the_link_opens_the_kit_without_an_account(client, kits):
    world = kits
    kit = _kit(world)
    response = client.get(reverse("onboarding:cso_kit", args=[services.kit_token(kit)]))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.candidate.first_name in html and world.mandate.company.name in html
    assert "no-store" in response["Cache-Control"]


def test_an_expired_link_is_410_and_changes_nothing(client, kits, monkeypatch):
    kit = _kit(kits)
    token = services.kit_token(kit)
    real = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: real + services.KIT_LINK_MAX_AGE + 60)
    url = reverse("onboarding:cso_kit", args=[token])
    assert client.get(url).status_code == 410
    response = client.post(url, {"action": "sign", "shown": services.charter_sha256(kit.charter)})
    assert response.status_code == 410 and not CharterSignOff.objects.exists()


@pytest.mark.parametrize(
    "make",
    [
        lambda kit: services.kit_token(kit)[:-1] + ("A" if services.kit_token(kit)[-1] != "A" else "B"),
        lambda kit: signing.dumps({"n": kit.nonce}, salt="working_sessions.notice", compress=True),
        lambda kit: signing.dumps({"n": "no-such-kit"}, salt=services.KIT_SALT, compress=True),
        lambda kit: "not-a-token",
    ],
    ids=["tampered", "other-salt", "unknown-kit", "garbage"],
)
def test_a_bad_link_is_404_and_changes_nothing(client, kits, make):
    kit = _kit(kits)
    url = reverse("onboarding:cso_kit", args=[make(kit)])
    assert client.get(url).status_code == 404
    response = client.post(url, {"action": "sign", "shown": services.charter_sha256(kit.charter)})
    assert response.status_code == 404 and not CharterSignOff.objects.exists()


def test_another_kits_link_opens_that_kit_only(client, kits):
    world = kits
    other = StartKit.objects.get(application=world.other_application)
    url = reverse("onboarding:cso_kit", args=[services.kit_token(other)])
    html = client.get(url).content.decode()
    assert world.other_candidate.first_name in html and world.candidate.full_name not in html
    client.post(url, {"action": "sign", "shown": services.charter_sha256(other.charter)})
    assert list(CharterSignOff.objects.values_list("charter__kit", "party")) == [(other.pk, "cso")]
