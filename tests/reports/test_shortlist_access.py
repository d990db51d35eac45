"""Access matrix of the shortlist PDF (``reports.urls``, the ``shortlist_*`` names): every URL ×
every role, GET and POST, inside and outside the mandate. The rule is the compatibility report's:
the mandate's pipeline members (its CEO, its recruiters) and staff; mediators and the other
mandate's members get the same 404 as a missing object; anonymous users go to the login page.
POST-only URLs answer 405 to a GET and read-only URLs 405 to a POST, whoever asks.

Adding a shortlist URL means adding rows to ``MATRIX``; ``test_every_shortlist_url_is_in_the_matrix``
fails until they are there."""

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse
from django.utils import timezone

from audit.models import ReadEvent
from reports.models import Shortlist
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory
from tests.test_access import (
    ANONYMOUS,
    CEO,
    CEO_OTHER,
    EVERYONE,
    MEDIATOR,
    RECRUITER,
    RECRUITER_OTHER,
    ROLES,
    STAFF,
    Row,
    masked,
)

pytestmark = pytest.mark.django_db

#: Who reads the comparison and the reports of the mandate: the shortlist's readers.
READERS = frozenset({RECRUITER, CEO, STAFF})


def shortlists(world):
    return Shortlist.objects.count()


def failed_status(world):
    return Shortlist.objects.get(pk=world["failed"].pk).status


def request_data(world):
    return {"a": [a.pk for a in world["applications"]]}


MATRIX = [
    Row("shortlist_list", "mandate", READERS),
    Row("shortlist_list", "mandate", EVERYONE, method="post", ok_status=405),
    Row("shortlist_request", "mandate", EVERYONE, ok_status=405),
    Row(
        "shortlist_request",
        "mandate",
        READERS,
        method="post",
        data=request_data,
        ok_status=302,
        state=shortlists,
        changes=True,
    ),
    Row("shortlist_status", "shortlist", READERS),
    Row("shortlist_status", "shortlist", EVERYONE, method="post", ok_status=405),
    Row("shortlist_status_fragment", "shortlist", READERS),
    Row("shortlist_status_fragment", "shortlist", EVERYONE, method="post", ok_status=405),
    Row("shortlist_download", "shortlist", READERS),
    Row("shortlist_download", "shortlist", EVERYONE, method="post", ok_status=405),
    Row("shortlist_retry", "failed", EVERYONE, ok_status=405),
    Row(
        "shortlist_retry",
        "failed",
        READERS,
        method="post",
        ok_status=302,
        state=failed_status,
        changes=True,
    ),
]

CASES = [pytest.param(row, role, id=f"{row.id}|{role}") for row in MATRIX for role in ROLES]

PDF = b"%PDF-1.7\n% shortlist stand-in: these tests are about who gets it\n%%EOF\n"


def stored_shortlist(mandate, applications, *, status=Shortlist.Status.READY):
    """A shortlist row as the pipeline leaves it (ready with its file, or failed)."""
    names = [a.candidate.full_name for a in applications]
    shortlist = Shortlist(
        mandate=mandate,
        version=Shortlist.objects.filter(mandate=mandate).count() + 1,
        status=status,
        snapshot={
            "statistics": {"visible": True},
            "finalists": [{"candidate": {"full_name": n}} for n in names],
        },
        finished_at=timezone.now(),
    )
    if status == Shortlist.Status.READY:
        shortlist.pdf.save("x.pdf", ContentFile(PDF), save=False)
        shortlist.sha256 = hashlib.sha256(PDF).hexdigest()
        shortlist.size = len(PDF)
        shortlist.page_count = 1
    else:
        shortlist.error = "RenderError: stand-in"
    shortlist.save()
    shortlist.finalists.set(applications)
    return shortlist


@pytest.fixture
def world():
    users = {
        RECRUITER: UserFactory(groups=["recruiter"]),
        RECRUITER_OTHER: UserFactory(groups=["recruiter"]),
        CEO: UserFactory(groups=["ceo"]),
        CEO_OTHER: UserFactory(groups=["ceo"]),
        MEDIATOR: UserFactory(groups=["mediator"]),
        STAFF: UserFactory(is_staff=True),
    }
    mandate = MandateFactory(ceo=users[CEO], recruiters=[users[RECRUITER]], mediators=[users[MEDIATOR]])
    other_mandate = MandateFactory(ceo=users[CEO_OTHER], recruiters=[users[RECRUITER_OTHER]])
    applications = [
        ApplicationFactory(mandate=mandate, candidate=CandidateFactory(first_name=n, last_name="Finaliste"))
        for n in ("Claire", "Denis")
    ]
    others = [ApplicationFactory(mandate=other_mandate) for _ in range(2)]
    return {
        "users": users,
        "mandate": mandate,
        "other_mandate": other_mandate,
        "applications": applications,
        "shortlist": stored_shortlist(mandate, applications),
        "other_shortlist": stored_shortlist(other_mandate, others),
        "failed": stored_shortlist(mandate, applications, status=Shortlist.Status.FAILED),
        "other_failed": stored_shortlist(other_mandate, others, status=Shortlist.Status.FAILED),
    }


def url_for(row, world, *, other=False):
    obj = world[f"other_{row.target}" if other else row.target]
    if row.target == "mandate":
        return reverse(f"reports:{row.name}", kwargs={"slug": obj.slug})
    return reverse(f"reports:{row.name}", kwargs={"pk": obj.pk})


def request(client, row, url, world):
    if row.method == "post":
        data = row.data(world) if callable(row.data) else (row.data or {})
        return client.post(url, data)
    return client.get(url)


@pytest.mark.parametrize(("row", "role"), CASES)
def test_access_matrix(client, world, row, role, django_capture_on_commit_callbacks):
    if role != ANONYMOUS:
        client.force_login(world["users"][role])
    url = url_for(row, world)
    before = row.state(world) if row.state else None

    with django_capture_on_commit_callbacks(execute=False):  # nothing is rendered here
        response = request(client, row, url, world)

    if role == ANONYMOUS:
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse(settings.LOGIN_URL)
        assert parse_qs(location.query) == {"next": [url]}
    elif role in row.ok:
        assert response.status_code == row.ok_status, response.content[:500]
    else:
        assert response.status_code == 404
    if row.state:
        after = row.state(world)
        if role in row.ok and row.changes:
            assert after != before
        else:
            assert after == before


def test_every_shortlist_url_is_in_the_matrix():
    _prefix, resolver = get_resolver().namespace_dict["reports"]
    names = {pattern.name for pattern in resolver.url_patterns if pattern.name.startswith("shortlist")}
    assert names == {row.name for row in MATRIX}
    assert {(row.name, row.method) for row in MATRIX} == {(n, m) for n in names for m in ("get", "post")}


def test_the_matrix_has_every_role():
    assert len(CASES) == len(MATRIX) * len(ROLES) == len(MATRIX) * 7


@pytest.mark.parametrize("row", [row for row in MATRIX if row.ok_status != 405], ids=lambda row: row.id)
def test_out_of_scope_looks_exactly_like_missing(client, world, row):
    """The recruiter of the mandate asks for the other mandate's shortlists, then for ones that do
    not exist: the two answers are the same 404 page."""
    client.force_login(world["users"][RECRUITER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    hidden_url = url_for(row, world, other=True)
    hidden = request(client, row, hidden_url, world)
    missing_url = reverse(
        f"reports:{row.name}", kwargs={"slug": "n-existe-pas"} if row.target == "mandate" else {"pk": 987654}
    )
    missing = request(client, row, missing_url, world)
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden, hidden_url) == masked(missing, missing_url)


def test_a_finalist_outside_the_users_scope_is_404_and_nothing_is_made(client, world):
    """A member of the mandate cannot slip another mandate's application into a shortlist."""
    client.force_login(world["users"][RECRUITER])
    other = ApplicationFactory(mandate=world["other_mandate"])
    before = Shortlist.objects.count()
    response = client.post(
        reverse("reports:shortlist_request", kwargs={"slug": world["mandate"].slug}),
        {"a": [world["applications"][0].pk, other.pk]},
    )
    assert response.status_code == 404 and Shortlist.objects.count() == before


def test_the_download_is_the_pdf_and_every_finalist_is_journaled(client, world):
    client.force_login(world["users"][CEO])
    shortlist = world["shortlist"]
    response = client.get(reverse("reports:shortlist_download", kwargs={"pk": shortlist.pk}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    assert (
        f'filename="shortlist-{shortlist.mandate.slug}-v{shortlist.version}.pdf"'
        in response["Content-Disposition"]
    )
    events = ReadEvent.objects.filter(kind=ReadEvent.Kind.SHORTLIST_PDF, object_id=shortlist.pk)
    assert {e.candidate for e in events} == {a.candidate for a in world["applications"]}


def test_an_open_scorecard_for_one_finalist_closes_the_download(client, world):
    from tests.assessments.helpers import rate

    rate(world["applications"][1], world["users"][RECRUITER], {}, submit=False)
    client.force_login(world["users"][RECRUITER])
    shortlist = world["shortlist"]
    assert client.get(reverse("reports:shortlist_download", kwargs={"pk": shortlist.pk})).status_code == 404
    page = client.get(reverse("reports:shortlist_status", kwargs={"pk": shortlist.pk}))
    assert page.status_code == 200 and not page.context["can_read"]
    assert reverse("reports:shortlist_download", kwargs={"pk": shortlist.pk}) not in page.content.decode()
