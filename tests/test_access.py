"""THE access matrix (DESIGN.md §3): every URL of ``candidates/urls.py`` × every role, inside and
outside the mandate's scope. Anonymous → login; out of scope → 404 (never 403, and the same 404 as
a missing object); the CEO reads but never changes; a mediator sees the mandate in the list only.

Adding a URL means adding a row to ``MATRIX``; ``test_every_candidates_url_is_in_the_matrix``
fails until it is there."""

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import get_resolver, reverse

from candidates import services
from candidates.models import Application, Candidate, ExportJob, ImportJob, Stage, StageTransition
from tests.candidates.documents import make_pdf, upload
from tests.conftest import sample_path
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory

ANONYMOUS = "anonymous"
RECRUITER = "recruiter of the mandate"
RECRUITER_OTHER = "recruiter of another mandate"
CEO = "CEO of the mandate"
CEO_OTHER = "CEO of another mandate"
MEDIATOR = "mediator of the mandate"
STAFF = "staff"
ROLES = (ANONYMOUS, RECRUITER, RECRUITER_OTHER, CEO, CEO_OTHER, MEDIATOR, STAFF)

EVERYONE = frozenset(ROLES) - {ANONYMOUS}
READERS = frozenset({RECRUITER, CEO, STAFF})  # the pipeline and its applications, candidates, export
MANAGERS = frozenset({RECRUITER, STAFF})  # create, edit, move, import

CANDIDATE_POST = {
    "first_name": "Nina",
    "last_name": "Nouvelle",
    "email": "nina.nouvelle@example.org",
    "city": "Rennes",
    **{
        f"years_{code}": "1"
        for code in (
            "finance",
            "hr",
            "legal",
            "it",
            "sales_admin",
            "purchasing",
            "general_services",
            "communication",
            "quality",
        )
    },
}


@dataclass
class World:
    """A mandate in scope (with a candidate, their CV and application) and another mandate."""

    users: dict
    mandate: object
    candidate: object
    application: object
    other_mandate: object
    other_application: object
    import_job: object = None
    other_import_job: object = None
    export_job: object = None
    other_export_job: object = None


@dataclass(frozen=True)
class Row:
    """One URL (and method) of the matrix: the roles that get it and what they get.

    ``target``: which object fills the URL (``"mandate"``, ``"candidate"``, ``"application"``,
    ``"import_job"`` (a done preview), ``"export_job"`` (a done export of the recruiter of the
    mandate; another mandate's for "other") or ``None``); ``data``: POST data (a callable for a file upload); ``ok_status``: what an allowed
    role gets; ``state``: snapshot of the data a POST may change — must not move for refused
    roles (and must move for allowed ones when ``changes``)."""

    name: str
    target: str | None
    ok: frozenset
    method: str = "get"
    data: object = None
    ok_status: int = 200
    state: object = None
    changes: bool = False
    label: str = field(default="")
    extra: tuple = ()  # more URL kwargs, as (name, value) pairs
    lands: frozenset = frozenset()  # roles sent on to their landing page ("To do") instead

    @property
    def id(self):
        return f"{self.name}:{self.method}{'-' + self.label if self.label else ''}"


def counts(world):
    return (Candidate.objects.count(), Application.objects.count(), StageTransition.objects.count())


def candidate_state(world):
    return tuple(
        Candidate.objects.filter(pk=world.candidate.pk).values_list("first_name", "city", "email").get()
    )


def stage_state(world):
    application = Application.objects.get(pk=world.application.pk)
    return application.stage, application.transitions.count()


def import_jobs(world):
    return ImportJob.objects.count()


def export_jobs(world):
    return ExportJob.objects.count()


#: An export job is its requester's alone (its file holds what they can see).
EXPORTER = frozenset({RECRUITER})


def sample_upload():
    return {
        "file": upload("candidats.csv", sample_path("candidates_fr_utf8_bom.csv").read_bytes(), "text/csv"),
        "preview": "",
    }


MATRIX = [
    # A CEO who does not recruit lands on "To do" (sessions.todo); everyone else gets the list.
    Row("mandate_list", None, EVERYONE - {CEO, CEO_OTHER}, lands=frozenset({CEO, CEO_OTHER})),
    Row("pipeline", "mandate", READERS),
    Row("pipeline_column", "mandate", READERS, extra=(("column", "sourced"),)),
    Row("candidate_create", "mandate", MANAGERS),
    Row(
        "candidate_create",
        "mandate",
        MANAGERS,
        method="post",
        data=CANDIDATE_POST,
        ok_status=302,
        state=counts,
        changes=True,
    ),
    Row("import", "mandate", MANAGERS),
    Row(
        "import",
        "mandate",
        MANAGERS,
        method="post",
        data=sample_upload,
        ok_status=302,
        state=import_jobs,
        changes=True,
        label="preview",
    ),
    Row("import_job", "import_job", MANAGERS),
    Row("import_job_status", "import_job", MANAGERS),
    Row(
        "import_job_confirm",
        "import_job",
        MANAGERS,
        method="post",
        ok_status=302,
        state=import_jobs,
        changes=True,
    ),
    Row("export", "mandate", READERS),
    Row(
        "export",
        "mandate",
        READERS,
        method="post",
        ok_status=302,
        state=export_jobs,
        changes=True,
    ),
    Row("export_job", "export_job", EXPORTER),
    Row("export_job_status", "export_job", EXPORTER),
    Row("export_job_download", "export_job", EXPORTER),
    Row("candidate_detail", "candidate", READERS),
    Row("candidate_edit", "candidate", MANAGERS),
    Row(
        "candidate_edit",
        "candidate",
        MANAGERS,
        method="post",
        data={**CANDIDATE_POST, "email": "claire.cible@example.org"},
        ok_status=302,
        state=candidate_state,
        changes=True,
    ),
    Row("candidate_cv", "candidate", READERS),
    Row("application_detail", "application", READERS),
    Row(
        "application_detail",
        "application",
        MANAGERS,
        method="post",
        data={"to_stage": "screening"},
        ok_status=302,
        state=stage_state,
        changes=True,
        label="move",
    ),
    Row(
        "application_move",
        "application",
        MANAGERS,
        method="post",
        data={"from_stage": "sourced", "to_stage": "screening"},
        ok_status=302,
        state=stage_state,
        changes=True,
        label="board",
    ),
]

CASES = [pytest.param(row, role, id=f"{row.id}|{role}") for row in MATRIX for role in ROLES]


@pytest.fixture
def world(db):
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
    application = services.candidate_create(
        mandate=mandate,
        by=users[RECRUITER],
        cv=upload("cv-claire.pdf", make_pdf()),
        data={
            "first_name": "Claire",
            "last_name": "Cible",
            "email": "claire.cible@example.org",
            "city": "Lyon",
        },
    )
    other_application = ApplicationFactory(
        mandate=other_mandate, candidate=CandidateFactory(first_name="Autre")
    )
    jobs = []
    for target, user in ((mandate, users[RECRUITER]), (other_mandate, users[RECRUITER_OTHER])):
        job = services.import_job_create(mandate=target, by=user, upload=sample_upload()["file"])
        jobs.append(services.import_job_run(job_id=job.pk))  # the preview, done
    exports = []
    for target, user in ((mandate, users[RECRUITER]), (other_mandate, users[RECRUITER_OTHER])):
        job = services.export_job_request(mandate=target, by=user)
        exports.append(services.export_job_run(job_id=job.pk))  # written
    return World(
        users=users,
        mandate=mandate,
        candidate=application.candidate,
        application=application,
        other_mandate=other_mandate,
        other_application=other_application,
        import_job=jobs[0],
        other_import_job=jobs[1],
        export_job=exports[0],
        other_export_job=exports[1],
    )


def url_for(row, world, *, other=False):
    if row.target is None:
        return reverse(f"candidates:{row.name}")
    obj = {
        "mandate": world.other_mandate if other else world.mandate,
        "candidate": world.other_application.candidate if other else world.candidate,
        "application": world.other_application if other else world.application,
        "import_job": world.other_import_job if other else world.import_job,
        "export_job": world.other_export_job if other else world.export_job,
    }[row.target]
    kwargs = {"slug": obj.slug} if row.target == "mandate" else {"pk": obj.pk}
    kwargs.update(dict(row.extra))
    return reverse(f"candidates:{row.name}", kwargs=kwargs)


def request(client, row, url):
    data = row.data() if callable(row.data) else row.data
    if row.method == "post":
        return client.post(url, data or {})
    return client.get(url)


@pytest.mark.parametrize(("row", "role"), CASES)
def test_access_matrix(client, world, row, role):
    if role != ANONYMOUS:
        client.force_login(world.users[role])
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
    elif role in row.lands:
        assert response.status_code == 302 and response["Location"] == reverse("working_sessions:todo")
    else:
        assert response.status_code == 404
    if row.state:
        after = row.state(world)
        if role in row.ok and row.changes:
            assert after != before
        else:
            assert after == before


def test_every_candidates_url_is_in_the_matrix():
    _prefix, resolver = get_resolver().namespace_dict["candidates"]
    names = {pattern.name for pattern in resolver.url_patterns}
    assert None not in names, "every candidates URL needs a name"
    assert names == {row.name for row in MATRIX}


def test_the_matrix_has_one_row_per_get_url_and_every_role():
    gets = [row.name for row in MATRIX if row.method == "get"]
    assert len(gets) == len(set(gets))
    assert len(CASES) == len(MATRIX) * len(ROLES) == len(MATRIX) * 7


def masked(response, url):
    """The page without what differs from one request to the next: its own address (language
    switch) and the per-request masked CSRF token."""
    html = response.content.decode().replace(url, "URL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)


@pytest.mark.parametrize("row", [row for row in MATRIX if row.target], ids=lambda row: row.id)
def test_out_of_scope_looks_exactly_like_missing(client, world, row):
    """The recruiter of the mandate asks for the other mandate's objects, then for objects that do
    not exist: the two answers are the same 404 page."""
    client.force_login(world.users[RECRUITER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    hidden_url = url_for(row, world, other=True)
    hidden = request(client, row, hidden_url)
    missing_url = reverse(
        f"candidates:{row.name}",
        kwargs={
            **({"slug": "n-existe-pas"} if row.target == "mandate" else {"pk": 987654}),
            **dict(row.extra),
        },
    )
    missing = request(client, row, missing_url)
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden, hidden_url) == masked(missing, missing_url)
    assert "This page does not exist or you do not have access to it." in hidden.content.decode()


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (RECRUITER, {"mandate"}),
        (CEO, {"mandate"}),
        (MEDIATOR, {"mandate"}),
        (RECRUITER_OTHER, {"other"}),
        (CEO_OTHER, {"other"}),
        (STAFF, {"mandate", "other"}),
    ],
)
def test_mandate_list_shows_exactly_the_member_mandates(client, world, role, sees):
    from candidates.selectors import mandate_list

    client.force_login(world.users[role])
    response = client.get(reverse("candidates:mandate_list"))
    expected = {{"mandate": world.mandate, "other": world.other_mandate}[key] for key in sees}
    assert set(mandate_list(world.users[role])) == expected
    if role in (CEO, CEO_OTHER):  # a CEO lands on "To do"; her dashboard is in the navigation
        assert response["Location"] == reverse("working_sessions:todo")
        return
    assert set(response.context["mandates"]) == expected
    html = response.content.decode()
    assert (f'href="{world.mandate.get_absolute_url()}"' in html) is (role in (RECRUITER, CEO, STAFF))


def test_a_shared_candidate_shows_only_the_applications_in_scope(client, world):
    """A candidate in both mandates: the other mandate's recruiter sees them, not our application."""
    ApplicationFactory(mandate=world.other_mandate, candidate=world.candidate)
    client.force_login(world.users[RECRUITER_OTHER])
    response = client.get(world.candidate.get_absolute_url())
    assert response.status_code == 200
    assert [a.mandate for a in response.context["applications"]] == [world.other_mandate]
    assert world.application.get_absolute_url() not in response.content.decode()
    assert client.get(world.application.get_absolute_url()).status_code == 404


def test_a_ceo_cannot_move_a_stage_even_with_a_valid_form(client, world):
    client.force_login(world.users[CEO])
    response = client.post(
        world.application.get_absolute_url(),
        {"to_stage": "rejected", "rejection_reason": "other", "reason": "Non"},
    )
    assert response.status_code == 404
    world.application.refresh_from_db()
    assert world.application.stage == Stage.SOURCED
    assert world.application.transitions.count() == 1
    page = client.get(world.application.get_absolute_url())
    assert page.context["form"] is None and 'name="to_stage"' not in page.content.decode()


def test_the_export_of_a_ceo_is_the_mandate_only(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.users[CEO])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidates:export", kwargs={"slug": world.mandate.slug}))
    job = ExportJob.objects.get(requested_by=world.users[CEO])
    assert response["Location"] == job.get_absolute_url() and job.status == ExportJob.Status.DONE
    download = client.get(reverse("candidates:export_job_download", kwargs={"pk": job.pk}))
    data = b"".join(download.streaming_content).decode("utf-8-sig")
    assert "claire.cible@example.org" in data and "Autre" not in data


def test_an_inactive_member_is_treated_as_anonymous(client, world):
    recruiter = world.users[RECRUITER]
    client.force_login(recruiter)
    recruiter.is_active = False
    recruiter.save()
    response = client.get(world.mandate.get_absolute_url())
    assert response.status_code == 302 and urlsplit(response["Location"]).path == reverse("login")
