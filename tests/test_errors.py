"""The four 500s of issue 12 (item 8) become clear 4xx answers, and the error pages: a 404 and a
500 in the site's layout, never Django's technical page with DEBUG off."""

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path, reverse

from candidates.models import Application, Candidate, ImportJob
from tests.candidates.documents import upload
from tests.factories import ApplicationFactory, UserFactory, WorkingSessionFactory

pytestmark = pytest.mark.django_db


# ----------------------------------------------------------------------- 1. a very long user name


@pytest.mark.parametrize("login_url", ["/login/", "/admin/login/"])
@pytest.mark.parametrize("length", [151, 256, 5000])
def test_a_login_with_a_user_name_longer_than_any_account_is_a_form_error(client, length, login_url):
    """Django's login forms (the site's and the admin's) never checked the name's length:
    django-axes then stored it in a 255-character column (a 500 on PostgreSQL). Now a form
    error, and no attempt recorded."""
    from axes.models import AccessAttempt

    response = client.post(login_url, {"username": "a" * length, "password": "x"})
    assert response.status_code == 200
    [error] = response.context["form"].errors["username"]
    assert error == f"Assurez-vous que cette valeur comporte au plus 150 caractères (actuellement {length})."
    assert not AccessAttempt.objects.exists()


def test_a_login_with_a_normal_wrong_name_still_counts_as_a_failure(client):
    from axes.models import AccessAttempt

    response = client.post(reverse("login"), {"username": "nobody", "password": "x"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert AccessAttempt.objects.filter(username="nobody").exists()


def test_the_login_still_works(client):
    user = UserFactory(username="ok-login")
    response = client.post(reverse("login"), {"username": "ok-login", "password": "pw-test-1234"})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


# ------------------------------------------------------------------------ 2. NUL in a calendar URL


@pytest.mark.parametrize("token", ["%00", "abc%00def", "a%20b", "x" * 65, "%C3%A9"])
def test_a_calendar_address_that_cannot_be_a_token_is_a_404(client, token):
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 404


def test_a_real_calendar_feed_still_answers(client):
    from sessions.models import CalendarFeed

    session = WorkingSessionFactory()
    feed = CalendarFeed.objects.create(user=session.mediator)
    response = client.get(f"/calendar/{feed.token}.ics")
    assert response.status_code == 200 and b"BEGIN:VCALENDAR" in response.content


def test_a_nul_in_a_debrief_link_is_the_bad_link_page(client):
    response = client.get("/debrief/%00/")
    assert response.status_code == 404


# ------------------------------------------------------------------- 3. a CSV cell over the limit


HEADER = "Nom;Prénom;E-mail;" + ";".join(
    f"{d} (ans)"
    for d in (
        "Finance",
        "RH",
        "Juridique",
        "IT",
        "ADV",
        "Achats",
        "Services généraux",
        "Communication",
        "Qualité",
    )
)


def row(last, email, extra=""):
    return f"{last};Camille;{email};" + ";".join(["1"] * 9) + extra


@pytest.fixture
def as_recruiter(client, recruiter):
    client.force_login(recruiter)
    return client


@pytest.mark.parametrize("quoted", [True, False])
def test_a_csv_cell_over_the_field_limit_fails_the_import_with_its_line(
    as_recruiter, mandate, django_capture_on_commit_callbacks, quoted
):
    """Python's CSV reader refuses a cell over 131,072 characters (``csv.Error``), which stopped
    the import on an "unexpected error". Now the job fails with the line where the record starts
    and nothing is imported (all-or-nothing)."""
    big = "x" * 140_000
    cell = f'"{big}"' if quoted else big
    lines = [
        HEADER,
        row("Un", "un@example.org"),
        row("Deux", "deux@example.org"),
        f"Trois;{cell};trois@example.org",
    ]
    content = "\r\n".join(lines).encode("utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_recruiter.post(
            reverse("candidates:import", kwargs={"slug": mandate.slug}),
            {"file": upload("big.csv", content, "text/csv"), "preview": ""},
        )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith("Ligne 4\u00a0: une cellule dépasse 131\u00a0072 caractères"), job.error
    assert "unexpected" not in job.error
    page = as_recruiter.get(job.get_absolute_url())
    assert page.status_code == 200 and "Ligne 4\u00a0: une cellule dépasse" in page.content.decode()
    assert not Candidate.objects.exists() and not Application.objects.exists()


def test_an_unclosed_quote_running_over_the_limit_names_its_line_in_french():
    from django.utils import translation

    from candidates import csv_format

    text = "\r\n".join([HEADER, row("Un", "un@example.org"), 'Deux;"' + "y" * 140_000]).encode("utf-8")
    with translation.override("fr"), pytest.raises(csv_format.CsvFormatError) as excinfo:
        csv_format.parse_candidates_csv(text)
    assert str(excinfo.value).startswith("Ligne 3\u00a0: une cellule dépasse 131\u00a0072 caractères")


def test_a_sep_line_shifts_the_line_number():
    from django.utils import translation

    from candidates import csv_format

    text = "\r\n".join(["sep=;", HEADER, row("Un", "un@example.org"), 'Deux;"' + "y" * 140_000]).encode()
    with translation.override("en"), pytest.raises(csv_format.CsvFormatError) as excinfo:
        csv_format.parse_candidates_csv(text)
    assert str(excinfo.value).startswith("Line 4: a cell is longer than 131,072 characters")


# --------------------------------------------------------- 4. simple-history with a non-numeric id


@pytest.fixture
def as_superuser(client):
    client.force_login(UserFactory(username="root-errors", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "model",
    ["candidates/candidate", "candidates/mandate", "sessions/workingsession"],
)
@pytest.mark.parametrize(
    "suffix", ["abc/history/", "abc/history/1/", "1/history/abc/", "99999999999999999999/history/"]
)
def test_history_admin_pages_with_an_id_that_cannot_be_one_are_404(as_superuser, model, suffix):
    response = as_superuser.get(f"/admin/{model}/{suffix}")
    assert response.status_code == 404


def test_history_admin_pages_still_work(as_superuser):
    candidate = ApplicationFactory().candidate
    history = as_superuser.get(reverse("admin:candidates_candidate_history", args=[candidate.pk]))
    assert history.status_code == 200
    version = candidate.history.first()
    response = as_superuser.get(
        reverse("admin:candidates_candidate_simple_history", args=[candidate.pk, version.history_id])
    )
    assert response.status_code == 200


# --------------------------------------------------------------------------------- error pages


def boom(request):
    raise RuntimeError("boom")


def fine(request):
    return HttpResponse("ok")


urlpatterns = [path("boom/", boom), path("fine/", fine), path("", include("cso_recruit.urls"))]


@override_settings(DEBUG=False, ROOT_URLCONF="tests.test_errors")
def test_an_error_shows_the_friendly_500_page_in_the_site_layout(client):
    client.raise_request_exception = False
    client.force_login(UserFactory(username="sees-500"))
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Une erreur est survenue" in html and "L’équipe technique a été prévenue." in html
    assert "navbar" in html and "css/app.css" in html  # the site's layout
    assert "Traceback" not in html and "RuntimeError" not in html and "boom" not in html
    assert response["Content-Security-Policy"] and "no-store" in response["Cache-Control"]


@override_settings(DEBUG=False, ROOT_URLCONF="tests.test_errors")
def test_an_anonymous_error_is_the_same_page(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500 and "Une erreur est survenue" in response.content.decode()


@override_settings(DEBUG=False)
def test_a_missing_page_is_the_friendly_404_in_the_site_layout(client):
    client.force_login(UserFactory(username="sees-404"))
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html and "navbar" in html and "Retour à mes mandats" in html
    assert "Using the URLconf" not in html  # Django's technical 404
