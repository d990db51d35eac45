"""Access matrix of the audit app (issue 12, items 2 and 4): every URL of ``audit/urls.py`` ×
every role, inside and outside the scope. Anonymous → login; out of scope → the same 404 as a
missing object (never 403). Access exports are for the recruiters of the candidate's mandates and
staff; the journal for recruiters (their mandates' events) and staff.

Adding a URL means adding a row to ``MATRIX``; ``test_every_audit_url_is_in_the_matrix`` fails
until it is there."""

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse
from django.utils import timezone

from audit.models import AccessExport
from tests.candidates.documents import make_pdf, upload
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory
from tests.test_access import (
    ANONYMOUS,
    CEO,
    CEO_OTHER,
    MEDIATOR,
    RECRUITER,
    RECRUITER_OTHER,
    ROLES,
    STAFF,
    Row,
    masked,
)

pytestmark = pytest.mark.django_db

EXPORTERS = frozenset({RECRUITER, STAFF})
#: The journal lists the events of the user's own mandates: every recruiter opens it.
JOURNAL_READERS = frozenset({RECRUITER, RECRUITER_OTHER, STAFF})


def access_exports(world):
    return AccessExport.objects.count()


MATRIX = [
    Row("access_export_request", "candidate", EXPORTERS),
    Row(
        "access_export_request",
        "candidate",
        EXPORTERS,
        method="post",
        ok_status=302,
        state=access_exports,
        changes=True,
    ),
    Row("access_export", "access_export", EXPORTERS),
    Row("access_export_status", "access_export", EXPORTERS),
    Row("access_export_download", "access_export", EXPORTERS),
    Row("journal", None, JOURNAL_READERS),
]

CASES = [pytest.param(row, role, id=f"{row.id}|{role}") for row in MATRIX for role in ROLES]


def done_export(candidate, mandate, by):
    """A written access export (its file a stand-in: these tests are about who gets it)."""
    data = b"PK\x05\x06" + b"\0" * 18
    job = AccessExport.objects.create(
        candidate=candidate,
        requested_by=by,
        status=AccessExport.Status.DONE,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
    job.file.save("x.zip", ContentFile(data))
    job.mandates.set([mandate])
    return job


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
    candidate = CandidateFactory(first_name="Claire", last_name="Cible")
    candidate.cv.save("cv.pdf", upload("cv.pdf", make_pdf()))
    ApplicationFactory(mandate=mandate, candidate=candidate)
    other = CandidateFactory(first_name="Autre")
    ApplicationFactory(mandate=other_mandate, candidate=other)
    return {
        "users": users,
        "candidate": candidate,
        "other_candidate": other,
        "access_export": done_export(candidate, mandate, users[RECRUITER]),
        "other_access_export": done_export(other, other_mandate, users[RECRUITER_OTHER]),
    }


def url_for(row, world, *, other=False):
    if row.target is None:
        return reverse(f"audit:{row.name}")
    obj = world[f"other_{row.target}" if other else row.target]
    return reverse(f"audit:{row.name}", kwargs={"pk": obj.pk})


def request(client, row, url):
    return client.post(url, row.data or {}) if row.method == "post" else client.get(url)


@pytest.mark.parametrize(("row", "role"), CASES)
def test_access_matrix(client, world, row, role):
    if role != ANONYMOUS:
        client.force_login(world["users"][role])
    url = url_for(row, world)
    before = row.state(world) if row.state else None

    response = request(client, row, url)

    if role == ANONYMOUS:
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse(settings.LOGIN_URL)
        assert parse_qs(location.query) == {"next": [url]}
    elif role in row.ok:
        assert response.status_code == row.ok_status, response.content[:500]
        if row.method == "get":
            assert response["Cache-Control"] == "private, no-store"
    else:
        assert response.status_code == 404
    if row.state:
        after = row.state(world)
        if role in row.ok and row.changes:
            assert after != before
        else:
            assert after == before


def test_every_audit_url_is_in_the_matrix():
    _prefix, resolver = get_resolver().namespace_dict["audit"]
    names = {pattern.name for pattern in resolver.url_patterns}
    assert None not in names, "every audit URL needs a name"
    assert names == {row.name for row in MATRIX}


def test_the_matrix_has_one_row_per_get_url_and_every_role():
    gets = [row.name for row in MATRIX if row.method == "get"]
    assert len(gets) == len(set(gets))
    assert len(CASES) == len(MATRIX) * len(ROLES)


@pytest.mark.parametrize("row", [row for row in MATRIX if row.target], ids=lambda row: row.id)
def test_out_of_scope_looks_exactly_like_missing(client, world, row):
    """The recruiter of the mandate asks for the other mandate's candidate and export, then for
    objects that do not exist: the two answers are the same 404 page."""
    client.force_login(world["users"][RECRUITER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    hidden_url = url_for(row, world, other=True)
    hidden = request(client, row, hidden_url)
    missing_url = reverse(f"audit:{row.name}", kwargs={"pk": 987654})
    missing = request(client, row, missing_url)
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden, hidden_url) == masked(missing, missing_url)


def test_the_candidate_page_shows_the_buttons_to_exporters_only(client, world):
    candidate = world["candidate"]
    export_url = reverse("audit:access_export_request", kwargs={"pk": candidate.pk})
    journal_url = reverse("audit:journal")
    for role, sees in ((RECRUITER, True), (STAFF, True), (CEO, False)):
        client.force_login(world["users"][role])
        html = client.get(candidate.get_absolute_url()).content.decode()
        assert (export_url in html) is sees, role
        assert (f"{journal_url}?candidate={candidate.pk}" in html) is sees, role


# ------------------------------------------------- the CEO rule is about the person, not the role


@pytest.mark.parametrize("other_role", ["recruiter", "staff"])
def test_a_ceo_of_the_mandate_never_exports_whatever_other_role(client, world, other_role):
    """The export holds every submitted observation and the other raters' scorecards: the CEO of
    a mandate it covers neither requests nor downloads it, even as a recruiter or staff."""
    ceo = world["users"][CEO]
    job = world["access_export"]
    if other_role == "recruiter":
        job.mandates.get().recruiters.add(ceo)
    else:
        ceo.is_staff = True
        ceo.save()
    client.force_login(ceo)
    candidate = world["candidate"]
    assert client.get(reverse("audit:access_export_request", kwargs={"pk": candidate.pk})).status_code == 404
    assert client.post(reverse("audit:access_export_request", kwargs={"pk": candidate.pk})).status_code == 404
    assert client.get(reverse("audit:access_export_download", kwargs={"pk": job.pk})).status_code == 404
    assert AccessExport.objects.count() == 2


def test_an_export_covering_two_mandates_is_not_for_the_recruiter_of_one(client, world):
    """A staff export of a candidate of two mandates holds both: the recruiter of one gets 404."""
    candidate, staff = world["candidate"], world["users"][STAFF]
    other_mandate = world["other_access_export"].mandates.get()
    ApplicationFactory(mandate=other_mandate, candidate=candidate)
    job = done_export(candidate, world["access_export"].mandates.get(), staff)
    job.mandates.add(other_mandate)
    for role, status in ((RECRUITER, 404), (RECRUITER_OTHER, 404), (STAFF, 200)):
        client.force_login(world["users"][role])
        assert client.get(job.get_absolute_url()).status_code == status, role
