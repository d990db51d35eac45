"""Tests of the recruiter and CEO screens: pipeline board, candidate form and CV upload, stage
moves, the CSV import (upload → preview in the background → confirm → save in the background, the
job's page and its live fragment), the export download, query counts of the list pages and the
language switch."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from candidates import csv_format, services
from candidates.models import (
    Application,
    Candidate,
    ExportJob,
    ImportJob,
    RejectionReason,
    Stage,
    StageTransition,
)
from outbox.models import TaskRequest
from tests.conftest import sample_path
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory

from .documents import make_docx, make_ole2, make_pdf, make_png, make_xlsx, make_zip, upload
from .samples import EXPECTED, SAMPLE_FILES, all_candidate_values

pytestmark = pytest.mark.django_db

#: The refusal of an e-mail address another candidate the user can see already uses.
TAKEN = "Another candidate already uses this e-mail address."


def counts():
    return (Candidate.objects.count(), Application.objects.count(), StageTransition.objects.count())


@pytest.fixture
def as_recruiter(client, recruiter):
    client.force_login(recruiter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def text(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- pipeline board


def test_pipeline_board_columns_counts_and_time_in_stage(as_recruiter, mandate):
    now = timezone.now()
    layout = [
        (Stage.SOURCED, 0, "Aline"),
        (Stage.SOURCED, 1, "Bruno"),
        (Stage.SCREENING, 3, "Chloé"),
        (Stage.ASSESSMENT, 12, "Denis"),
        (Stage.OFFER, 2, "Emma"),
    ]
    for stage, days, first_name in layout:
        ApplicationFactory(
            mandate=mandate,
            stage=stage,
            stage_entered_at=now - datetime.timedelta(days=days, hours=1),
            candidate=CandidateFactory(first_name=first_name, last_name="Test"),
        )
    ApplicationFactory(
        mandate=mandate,
        stage=Stage.REJECTED,
        rejection_reason=RejectionReason.POSTURE,
        candidate=CandidateFactory(first_name="Fanny", last_name="Test"),
    )
    ApplicationFactory(
        mandate=mandate, stage=Stage.WITHDRAWN, candidate=CandidateFactory(first_name="Gaston")
    )
    ApplicationFactory(stage=Stage.SOURCED, candidate=CandidateFactory(first_name="Intrus"))  # other mandate

    response = as_recruiter.get(mandate.get_absolute_url())

    assert response.status_code == 200
    columns = response.context["columns"]
    assert [(c.stage.value, c.count) for c in columns] == [
        ("sourced", 2),
        ("screening", 1),
        ("assessment", 1),
        ("working_sessions", 0),
        ("decision", 0),
        ("offer", 1),
        ("hired", 0),
    ]
    assert [a.candidate.first_name for a in columns[0].applications] == ["Bruno", "Aline"]  # oldest first
    assert {a.candidate.first_name: a.days_in_stage for c in columns for a in c.applications} == {
        "Aline": 0,
        "Bruno": 1,
        "Chloé": 3,
        "Denis": 12,
        "Emma": 2,
    }
    assert sorted(a.candidate.first_name for a in response.context["closed"].applications) == [
        "Fanny",
        "Gaston",
    ]
    assert response.context["total"] == 7
    html = text(response)
    assert "7 applications" in html
    assert "Intrus" not in html
    assert "12 days in stage" in html and "1 day in stage" in html and "0 days in stage" in html
    sourced = re.search(
        r'id="col-sourced">\s*<span>Sourced</span><span class="badge[^"]*">(\d+)</span>', html
    )
    assert sourced and sourced.group(1) == "2"
    assert "Fanny Test</a> — Rejected (Posture and mindset)" in html
    assert reverse("candidates:candidate_create", kwargs={"slug": mandate.slug}) in html


def test_the_ceo_sees_the_board_without_the_change_buttons(client, mandate):
    ApplicationFactory(mandate=mandate, candidate=CandidateFactory(first_name="Aline"))
    client.force_login(mandate.ceo)
    response = client.get(mandate.get_absolute_url())
    assert response.status_code == 200 and response.context["can_manage"] is False
    html = text(response)
    assert "Aline" in html
    assert reverse("candidates:candidate_create", kwargs={"slug": mandate.slug}) not in html
    assert reverse("candidates:import", kwargs={"slug": mandate.slug}) not in html
    assert f'action="{reverse("candidates:export", kwargs={"slug": mandate.slug})}"' in html


def test_mandate_list_shows_counts_and_links_only_where_the_pipeline_is_readable(client, mandate):
    ApplicationFactory(mandate=mandate)
    ApplicationFactory(mandate=mandate, stage=Stage.WITHDRAWN)
    mediator = UserFactory(groups=["mediator"])
    mandate.mediators.add(mediator)

    mandate.recruiters.add(mandate.ceo)  # a CEO who also recruits keeps the list as her landing page
    client.force_login(mandate.ceo)
    response = client.get(reverse("candidates:mandate_list"))
    (row,) = response.context["mandates"]
    assert (row, row.open_applications, row.total_applications) == (mandate, 1, 2)
    assert f'href="{mandate.get_absolute_url()}"' in text(response)

    client.force_login(mediator)
    response = client.get(reverse("candidates:mandate_list"))
    assert list(response.context["mandates"]) == [mandate]
    assert mandate.title in text(response)
    assert f'href="{mandate.get_absolute_url()}"' not in text(response)


def test_mandate_list_puts_open_mandates_first_then_on_hold_then_closed(as_recruiter, recruiter):
    from candidates.models import Mandate

    older_open = MandateFactory(recruiters=[recruiter], title="Ouvert ancien", status=Mandate.Status.OPEN)
    closed = MandateFactory(recruiters=[recruiter], title="Clos", status=Mandate.Status.CLOSED)
    on_hold = MandateFactory(recruiters=[recruiter], title="En pause", status=Mandate.Status.ON_HOLD)
    newer_open = MandateFactory(recruiters=[recruiter], title="Ouvert récent", status=Mandate.Status.OPEN)
    response = as_recruiter.get(reverse("candidates:mandate_list"))
    assert list(response.context["mandates"]) == [newer_open, older_open, on_hold, closed]


def build_pipeline(mandate, n):
    for i in range(n):
        ApplicationFactory(
            mandate=mandate,
            stage=list(Stage)[i % len(Stage)],
            rejection_reason=RejectionReason.OTHER if list(Stage)[i % len(Stage)] == Stage.REJECTED else "",
        )


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_pipeline_query_count_is_constant(as_recruiter, mandate):
    build_pipeline(mandate, 3)
    small = queries_for(as_recruiter, mandate.get_absolute_url())
    build_pipeline(mandate, 9)
    assert Application.objects.filter(mandate=mandate).count() == 12
    large = queries_for(as_recruiter, mandate.get_absolute_url())
    assert small == large


def test_pipeline_query_count_is_constant_for_the_ceo(client, mandate):
    client.force_login(mandate.ceo)
    build_pipeline(mandate, 3)
    small = queries_for(client, mandate.get_absolute_url())
    build_pipeline(mandate, 9)
    assert queries_for(client, mandate.get_absolute_url()) == small


def test_mandate_list_query_count_is_constant(as_recruiter, recruiter):
    MandateFactory(recruiters=[recruiter])
    small = queries_for(as_recruiter, reverse("candidates:mandate_list"))
    for _ in range(5):
        build_pipeline(MandateFactory(recruiters=[recruiter]), 2)
    assert queries_for(as_recruiter, reverse("candidates:mandate_list")) == small


def test_application_detail_query_count_does_not_grow_with_history(as_recruiter, recruiter, mandate):
    application = ApplicationFactory(mandate=mandate)
    url = application.get_absolute_url()
    application = services.application_move(application=application, to_stage=Stage.SCREENING, by=recruiter)
    small = queries_for(as_recruiter, url)
    for stage in (Stage.ASSESSMENT, Stage.SCREENING, Stage.ASSESSMENT, Stage.WORKING_SESSIONS):
        application = services.application_move(
            application=application, to_stage=stage, by=UserFactory(groups=["recruiter"])
        )
    assert queries_for(as_recruiter, url) == small


# --------------------------------------------------------------------------- candidate create / edit


def form_data(**overrides):
    data = {
        "first_name": "Zoé",
        "last_name": "Lambert",
        "email": "zoe.lambert@example.org",
        "phone": "",
        "city": "Grenoble",
        "linkedin_url": "",
        "source": "Chasse",
        "consent_date": "",
        "education": "HEC",
        **{
            f"years_{code}": "0"
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
    data.update(years_finance="2.5", years_hr="4")
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_candidate_create_saves_and_redirects_to_the_application(as_recruiter, recruiter, mandate):
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate.slug})
    response = as_recruiter.post(url, form_data(gdpr_consent="on", consent_date="2026-11-03"))

    candidate = Candidate.objects.get()
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == application.get_absolute_url()
    assert (candidate.first_name, candidate.years_finance, candidate.consent_date) == (
        "Zoé",
        Decimal("2.5"),
        datetime.date(2026, 11, 3),
    )
    assert (application.mandate, application.stage) == (mandate, Stage.SOURCED)
    assert application.transitions.get().by == recruiter
    followed = as_recruiter.get(response["Location"])
    assert "Zoé Lambert was added to the pipeline." in text(followed)


def test_candidate_create_with_bad_input_keeps_typed_values_and_shows_the_errors(as_recruiter, mandate):
    ApplicationFactory(mandate=mandate, candidate=CandidateFactory(email="deja.pris@example.org"))
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate.slug})
    response = as_recruiter.post(
        url,
        form_data(
            first_name="Zoé-Éléonore",
            email="DEJA.pris@example.org",
            years_it="abc",
            years_legal="61",
            linkedin_url="pas une url",
            gdpr_consent="on",
            consent_date="",
            city="Saint-Étienne",
        ),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"email", "years_it", "years_legal", "linkedin_url", "consent_date"}
    assert form.errors["email"] == [TAKEN]  # a candidate of this mandate, whatever the case
    assert form.errors["consent_date"] == ["Give the date the candidate consented."]
    assert form.errors["years_legal"] == ["Between 0 and 50 years."]
    html = text(response)
    assert 'value="Zoé-Éléonore"' in html and 'value="Saint-Étienne"' in html
    assert 'value="DEJA.pris@example.org"' in html and 'value="pas une url"' in html
    assert "is-invalid" in html
    assert TAKEN in html
    assert "Constraint" not in html
    assert Candidate.objects.count() == 1 and Application.objects.count() == 1


def test_candidate_create_rejects_a_cv_that_is_not_a_pdf_or_docx(as_recruiter, mandate):
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate.slug})
    response = as_recruiter.post(url, {**form_data(), "cv_upload": upload("cv.pdf", make_png())})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "cv_upload": ["The CV must be a PDF or a Word (.docx) document."]
    }
    assert "The CV must be a PDF or a Word (.docx) document." in text(response)
    assert 'value="Zoé"' in text(response)
    assert counts() == (0, 0, 0)


def test_candidate_create_rejects_a_cv_over_five_megabytes(as_recruiter, mandate):
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate.slug})
    big = make_pdf() + b"%" * (5 * 1024 * 1024)
    response = as_recruiter.post(url, {**form_data(), "cv_upload": upload("cv.pdf", big)})
    assert response.status_code == 200
    assert response.context["form"].errors["cv_upload"] == ["The CV is 5.01 MB, over the 5 MB limit."]
    assert counts() == (0, 0, 0)


def test_candidate_create_with_a_pdf_cv_stores_it_under_a_server_name(as_recruiter, mandate):
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate.slug})
    pdf = make_pdf("Zoé")
    response = as_recruiter.post(url, {**form_data(), "cv_upload": upload("Mon CV.pdf", pdf)})
    assert response.status_code == 302
    candidate = Candidate.objects.get()
    assert re.fullmatch(r"cv/[0-9a-f]{32}\.pdf", candidate.cv.name)
    assert candidate.cv_original_name == "Mon CV.pdf"

    download = as_recruiter.get(reverse("candidates:candidate_cv", kwargs={"pk": candidate.pk}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf
    assert download["Content-Disposition"] == 'attachment; filename="Mon CV.pdf"'


def test_a_cv_downloads_with_the_extension_of_its_content(as_recruiter, recruiter, mandate):
    candidate = services.candidate_create(
        mandate=mandate, by=recruiter, data=form_data_values(), cv=upload("mon-cv.pdf", make_docx())
    ).candidate
    download = as_recruiter.get(reverse("candidates:candidate_cv", kwargs={"pk": candidate.pk}))
    assert download["Content-Disposition"] == 'attachment; filename="mon-cv.docx"'
    assert (
        download["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert b"".join(download.streaming_content) == make_docx()


def form_data_values():
    return {"first_name": "Zoé", "last_name": "Lambert", "email": "zoe.lambert@example.org"}


def test_what_the_form_saves_exports_and_imports_back(
    as_recruiter, recruiter, mandate, django_capture_on_commit_callbacks
):
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate.slug})
    response = as_recruiter.post(url, form_data(linkedin_url="ftp://example.org/cv"))
    assert list(response.context["form"].errors) == ["linkedin_url"]

    response = as_recruiter.post(
        url,
        form_data(
            linkedin_url="www.linkedin.com/in/zoe-example",
            phone="+33 6 00 00 00 00",
            city='Lyon; "Presqu\'île"',
            gdpr_consent="on",
            consent_date="2026-02-28",
            years_quality="0.5",
        ),
    )
    assert response.status_code == 302
    candidate = Candidate.objects.get()
    assert candidate.linkedin_url == "https://www.linkedin.com/in/zoe-example"
    expected = all_candidate_values()

    data = exported(as_recruiter, mandate, django_capture_on_commit_callbacks)
    report = services.candidates_import(mandate=mandate, data=data, by=recruiter)
    assert report.ok and report.unchanged == ["zoe.lambert@example.org"]
    assert all_candidate_values() == expected


def test_a_forged_clear_checkbox_is_not_a_server_error(as_recruiter, mandate):
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate.slug})
    response = as_recruiter.post(url, {**form_data(), "cv_upload-clear": "on"})
    assert response.status_code == 302
    assert not Candidate.objects.get().cv


def test_candidate_edit_shows_values_and_saves_changes(as_recruiter, recruiter, mandate):
    candidate = services.candidate_create(
        mandate=mandate,
        by=recruiter,
        data={
            "first_name": "Zoé",
            "last_name": "Lambert",
            "email": "zoe@example.org",
            "years_it": Decimal("2.5"),
        },
        cv=upload("v1.pdf", make_pdf()),
    ).candidate
    url = reverse("candidates:candidate_edit", kwargs={"pk": candidate.pk})

    response = as_recruiter.get(url)
    assert response.status_code == 200
    assert 'value="Zoé"' in text(response) and 'value="2.5"' in text(response)

    response = as_recruiter.post(
        url,
        {**form_data(email="zoe@example.org", city="Annecy"), "cv_upload": upload("v2.docx", make_docx())},
    )
    assert response.status_code == 302 and response["Location"] == candidate.get_absolute_url()
    candidate.refresh_from_db()
    assert (candidate.city, candidate.years_finance, candidate.cv_original_name) == (
        "Annecy",
        Decimal("2.5"),
        "v2.docx",
    )
    assert candidate.cv.name.endswith(".docx")
    assert Candidate.objects.count() == 1


def test_candidate_edit_keeps_its_own_email_but_refuses_another_one(as_recruiter, mandate):
    candidate = ApplicationFactory(mandate=mandate).candidate
    ApplicationFactory(mandate=mandate, candidate=CandidateFactory(email="autre@example.org"))
    url = reverse("candidates:candidate_edit", kwargs={"pk": candidate.pk})
    response = as_recruiter.post(url, form_data(email="AUTRE@example.org"))
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": [TAKEN]}
    assert Candidate.objects.get(pk=candidate.pk).email == candidate.email


def test_candidate_detail_shows_years_and_applications(as_recruiter, mandate):
    candidate = CandidateFactory(
        first_name="Élodie",
        last_name="Garnier",
        years_communication=Decimal("2.5"),
        city="Lyon; Villeurbanne",
    )
    ApplicationFactory(mandate=mandate, candidate=candidate, stage=Stage.SCREENING)
    ApplicationFactory(candidate=candidate, mandate=MandateFactory(title="Autre mandat secret"))
    response = as_recruiter.get(candidate.get_absolute_url())
    html = text(response)
    assert "Élodie Garnier" in html and "Lyon; Villeurbanne" in html
    assert re.search(r"<td>Communication</td><td class=\"text-end\">2.5</td>", html)
    assert [a.mandate for a in response.context["applications"]] == [mandate]
    assert "Autre mandat secret" not in html
    assert response.context["can_edit"] is True


# --------------------------------------------------------------------------- stage moves


def test_the_move_form_offers_only_the_allowed_targets(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.ASSESSMENT)
    response = as_recruiter.get(application.get_absolute_url())
    choices = [value for value, _label in response.context["form"].fields["to_stage"].widget.choices]
    assert choices == ["screening", "working_sessions", "rejected", "withdrawn"]
    assert 'value="working_sessions"' in text(response) and 'value="offer"' not in text(response)


def test_moving_an_application_records_history_shown_on_the_page(as_recruiter, recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SOURCED)
    response = as_recruiter.post(
        application.get_absolute_url(), {"to_stage": "screening", "reason": "Profil large"}
    )
    assert response.status_code == 302 and response["Location"] == application.get_absolute_url()
    application.refresh_from_db()
    assert application.stage == Stage.SCREENING
    transition = application.transitions.get()
    assert (transition.from_stage, transition.to_stage, transition.by, transition.reason) == (
        "sourced",
        "screening",
        recruiter,
        "Profil large",
    )
    html = text(as_recruiter.get(application.get_absolute_url()))
    assert "Sourced → <strong>Screening</strong>" in html and "Profil large" in html
    assert f"{application.candidate.full_name} moved to “Screening”." in html


def test_rejecting_without_reasons_shows_both_errors_and_changes_nothing(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SCREENING)
    response = as_recruiter.post(application.get_absolute_url(), {"to_stage": "rejected", "reason": " "})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "rejection_reason": ["Choose why the application is rejected."],
        "reason": ["A written reason is required to reject an application."],
    }
    application.refresh_from_db()
    assert application.stage == Stage.SCREENING and not application.transitions.exists()


def test_rejecting_with_reasons(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SCREENING)
    response = as_recruiter.post(
        application.get_absolute_url(),
        {"to_stage": "rejected", "rejection_reason": "missing_role", "reason": "Pas d'entrepreneur"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.stage, application.rejection_reason) == ("rejected", "missing_role")
    assert application.transitions.get().reason == "Pas d'entrepreneur"


def test_a_move_that_is_not_offered_is_refused(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SOURCED)
    response = as_recruiter.post(application.get_absolute_url(), {"to_stage": "hired"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["to_stage"]
    application.refresh_from_db()
    assert application.stage == Stage.SOURCED


# --------------------------------------------------------------------------- import page


def import_url(mandate):
    return reverse("candidates:import", kwargs={"slug": mandate.slug})


def preview(client, mandate, name=SAMPLE_FILES[0], content=None):
    """Upload a file; the preview job runs when the request's transaction commits (eager here)."""
    content = sample_path(name).read_bytes() if content is None else content
    return client.post(import_url(mandate), {"file": upload(name, content, "text/csv"), "preview": ""})


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``committed(call, *args)``: make a request, then run what it asked for on commit (the
    outbox sends the task; in the embedded default it runs at once, in-process)."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def confirm_url(job):
    return reverse("candidates:import_job_confirm", kwargs={"pk": job.pk})


def status_url(job):
    return reverse("candidates:import_job_status", kwargs={"pk": job.pk})


def error_rows(html):
    return re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>", html)


def test_the_upload_returns_at_once_and_the_task_makes_the_preview(
    as_recruiter, mandate, django_capture_on_commit_callbacks
):
    assert 'type="file"' in text(as_recruiter.get(import_url(mandate)))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = preview(as_recruiter, mandate)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == ImportJob.Status.QUEUED and job.mode == ImportJob.Mode.PREVIEW
    assert job.original_name == SAMPLE_FILES[0] and job.requested_by.username == "recruteur-test"
    assert job.file.name.startswith("imports/") and SAMPLE_FILES[0] not in job.file.name  # a server-made name
    assert job.language == "en"
    assert TaskRequest.objects.get().kwargs == {"job_id": job.pk}
    assert counts() == (0, 0, 0) and len(callbacks) == 1
    page = as_recruiter.get(job.get_absolute_url())
    html = text(page)
    assert "Waiting for a worker to start the import…" in html
    assert f'data-live-url="{status_url(job)}"' in html and "data-live-pending" in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert page["Cache-Control"] == "private, no-store" and "js/live.js" in html
    assert 'name="confirm"' not in html

    callbacks[0]()  # the commit: the outbox sends the task, which runs the preview (eager)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and (job.rows_done, job.rows_total) == (8, 8)
    assert counts() == (0, 0, 0)  # a preview saves nothing
    html = text(as_recruiter.get(job.get_absolute_url()))
    assert "Élodie Garnier" in html and "Thomas N&#x27;Diaye" in html and "Lyon; Villeurbanne" in html
    assert "encoding UTF-8 (Excel), separator “;”." in html and "utf-8-sig" not in html
    assert "On saving: 8 new candidates, 0 updated, 0 unchanged." in html
    assert 'name="confirm"' in html and f'action="{confirm_url(job)}"' in html
    assert "data-live-pending" not in html and "http-equiv" not in html


def test_preview_then_confirm_imports_exactly_the_rows(as_recruiter, recruiter, mandate, committed):
    job = ImportJob.objects.get(
        pk=int(committed(preview, as_recruiter, mandate)["Location"].strip("/").split("/")[-1])
    )
    assert job.status == ImportJob.Status.DONE  # embedded default: the task ran on commit

    response = committed(as_recruiter.post, confirm_url(job))

    save = ImportJob.objects.get(mode=ImportJob.Mode.SAVE)
    assert save.preview == job and save.status == ImportJob.Status.DONE and save.result["saved"]
    assert response.status_code == 302 and response["Location"] == save.get_absolute_url()
    assert all_candidate_values() == EXPECTED
    assert Application.objects.filter(mandate=mandate).count() == 8
    assert set(StageTransition.objects.values_list("by", flat=True)) == {recruiter.pk}
    assert "Import done: 8 created, 0 updated, 0 unchanged." in text(as_recruiter.get(response["Location"]))
    assert as_recruiter.get(mandate.get_absolute_url()).context["total"] == 8
    # The preview now links to its import instead of offering to save again.
    html = text(as_recruiter.get(job.get_absolute_url()))
    assert 'name="confirm"' not in html and save.get_absolute_url() in html


@pytest.mark.django_db(transaction=True)  # commits as in production: the eager task runs inside the request
def test_the_embedded_default_runs_each_job_within_its_request(client):
    recruiter = UserFactory(groups=["recruiter"])
    mandate = MandateFactory(recruiters=[recruiter])
    client.force_login(recruiter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = preview(client, mandate)

    job = ImportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.status == ImportJob.Status.DONE  # already, when the redirect is answered
    html = text(client.get(response["Location"]))
    assert "On saving: 8 new candidates, 0 updated, 0 unchanged." in html and 'name="confirm"' in html
    assert "data-live-pending" not in html

    response = client.post(confirm_url(job))

    assert response.status_code == 302 and response["Location"] == mandate.get_absolute_url()
    board = client.get(response["Location"])
    assert "Import done: 8 created, 0 updated, 0 unchanged." in text(board)
    assert board.context["total"] == 8 and all_candidate_values() == EXPECTED
    save = ImportJob.objects.get(mode=ImportJob.Mode.SAVE)
    assert not save.file and not ImportJob.objects.get(pk=job.pk).file  # the uploaded file is deleted
    assert not any((settings.MEDIA_ROOT / "imports").iterdir())


def test_confirm_in_the_background_shows_the_outcome_on_the_save_job_page(
    as_recruiter, mandate, committed, django_capture_on_commit_callbacks
):
    committed(preview, as_recruiter, mandate)
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_recruiter.post(confirm_url(job))
    save = ImportJob.objects.get(mode=ImportJob.Mode.SAVE)
    assert response.status_code == 302 and response["Location"] == save.get_absolute_url()
    assert save.status == ImportJob.Status.QUEUED and counts() == (0, 0, 0)
    assert "Waiting for a worker to start the import…" in text(as_recruiter.get(save.get_absolute_url()))

    for callback in callbacks:
        callback()

    assert counts() == (8, 8, 8)
    html = text(as_recruiter.get(status_url(save)))
    assert "Import done: 8 created, 0 updated, 0 unchanged." in html
    assert mandate.get_absolute_url() in html and "data-live-pending" not in html


def test_confirming_twice_gives_the_same_save_job(as_recruiter, mandate, committed):
    committed(preview, as_recruiter, mandate)
    job = ImportJob.objects.get()
    committed(as_recruiter.post, confirm_url(job))
    response = as_recruiter.post(confirm_url(job), follow=True)
    save = ImportJob.objects.get(mode=ImportJob.Mode.SAVE)
    assert response.redirect_chain == [(save.get_absolute_url(), 302)]
    assert "This file was already confirmed: here is its import." in text(response)
    assert counts() == (8, 8, 8)


def test_import_of_an_invalid_file_shows_the_errors_with_line_numbers_and_no_confirm_button(
    as_recruiter, committed, mandate
):
    lines = sample_path(SAMPLE_FILES[0]).read_bytes().decode("utf-8-sig").split("\r\n")
    lines[2] = lines[2].replace(";14;0;1;", ";14,55;0;1;")
    lines[6] = lines[6].replace(";Oui;12/11/2026;", ";Oui;12-11-2026;")
    response = committed(preview, as_recruiter, mandate, content="\r\n".join(lines).encode("utf-8-sig"))

    job = ImportJob.objects.get()
    assert response["Location"] == job.get_absolute_url() and job.status == ImportJob.Status.DONE
    html = text(as_recruiter.get(job.get_absolute_url()))
    assert error_rows(html) == [("3", "Finance (ans)"), ("7", "Date du consentement")]
    assert "2 problems found — nothing will be saved." in html
    assert 'name="confirm"' not in html
    assert counts() == (0, 0, 0)
    # Forcing the confirmation does not save it either.
    response = as_recruiter.post(confirm_url(job), follow=True)
    assert "Only a preview without problems can be saved." in text(response)
    assert not ImportJob.objects.filter(mode=ImportJob.Mode.SAVE).exists() and counts() == (0, 0, 0)


def test_a_row_failing_at_save_time_imports_nothing_and_the_page_gives_its_line(
    as_recruiter, recruiter, mandate, committed
):
    """Between the preview and the save, one e-mail of the file went to a candidate the recruiter
    can see but may not edit (of a mandate where they sit as CEO): the save refuses that row, so
    nothing at all is imported, and its page says which line."""
    committed(preview, as_recruiter, mandate)
    job = ImportJob.objects.get()
    seen = MandateFactory(ceo=recruiter)
    ApplicationFactory(mandate=seen, candidate=CandidateFactory(email="julien.moreau@example.org"))
    before = counts()

    response = committed(as_recruiter.post, confirm_url(job))

    save = ImportJob.objects.get(mode=ImportJob.Mode.SAVE)
    assert response["Location"] == save.get_absolute_url()
    assert save.status == ImportJob.Status.DONE and not save.result["saved"]
    assert counts() == before
    html = text(as_recruiter.get(save.get_absolute_url()))
    assert "1 problem found — nothing was saved." in html
    assert error_rows(html) == [("5", "E-mail")]
    assert TAKEN in html
    assert "another mandate" not in html


def test_import_warnings_are_readable_sentences(as_recruiter, mandate, committed):
    lines = sample_path(SAMPLE_FILES[0]).read_bytes().decode("utf-8-sig").split("\r\n")
    lines = [line + (";Remarques" if i == 0 else ";") if line else line for i, line in enumerate(lines)]
    committed(preview, as_recruiter, mandate, content="\r\n".join(lines).encode("utf-8"))
    job = ImportJob.objects.get()
    assert job.result["ok"]
    html = text(as_recruiter.get(job.get_absolute_url()))
    assert "Line 1, column “Remarques”: Unknown column “Remarques”: it is ignored." in html
    assert "RowWarning" not in html
    assert 'name="confirm"' in html


def test_a_file_without_a_header_row_fails_its_job_with_the_reason(as_recruiter, mandate, committed):
    committed(preview, as_recruiter, mandate, content=b"a;b;c\r\n1;2;3\r\n")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    html = text(as_recruiter.get(job.get_absolute_url()))
    assert "The file could not be checked." in html and "is not a header row" in html
    assert import_url(mandate) in html and "data-live-pending" not in html


def test_import_of_an_unreadable_file_is_a_form_error(as_recruiter, mandate):
    response = preview(as_recruiter, mandate, content="Nom;Prénom\r\n".encode("utf-16"))
    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert response.context["form"].errors["file"][0].startswith("This file is in UTF-16")


def test_import_of_a_file_over_two_megabytes_is_a_form_error(as_recruiter, mandate):
    big = sample_path(SAMPLE_FILES[0]).read_bytes() + b"\r\n" * (1024 * 1024)
    response = preview(as_recruiter, mandate, content=big)
    assert response.context["form"].errors == {"file": ["The file is too large (2 MB at most)."]}
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "make", "kind"),
    [
        ("candidats.xlsx", make_xlsx, "an Excel workbook"),
        ("candidats.xls", make_ole2, "an Excel workbook"),
        ("candidats.zip", make_zip, "an archive"),
        ("candidats.docx", make_docx, "an archive"),
        ("candidats.png", make_png, "an image"),
        ("candidats.pdf", make_pdf, "a PDF"),
    ],
)
def test_a_non_text_file_is_named_for_what_it_looks_like(as_recruiter, mandate, name, make, kind):
    response = preview(as_recruiter, mandate, name=name, content=make())
    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert response.context["form"].errors == {
        "file": [f"This is not a CSV file (it looks like {kind}): export it from Excel as CSV UTF-8."]
    }


def test_the_non_csv_message_is_translated(client, recruiter, mandate):
    client.force_login(recruiter)  # French by default
    response = preview(client, mandate, name="candidats.xlsx", content=make_xlsx())
    with translation.override("fr"):
        expected = gettext(
            "This is not a CSV file (it looks like an Excel workbook): export it from Excel as CSV UTF-8."
        )
    assert (
        expected
        != "This is not a CSV file (it looks like an Excel workbook): export it from Excel as CSV UTF-8."
    )
    assert response.context["form"].errors == {"file": [expected]}


def test_the_status_fragment_is_the_live_part_only(as_recruiter, mandate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        preview(as_recruiter, mandate)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), rows_total=8, rows_done=3
    )

    response = as_recruiter.get(status_url(job))

    html = text(response)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert html.lstrip().startswith('<div class="import-job-status" data-live-pending>')
    assert "<html" not in html and "<nav" not in html and "<script" not in html and "<h1" not in html
    assert "Checking the rows: 3 of 8." in html
    assert '<progress class="w-100" aria-label="Import progress" max="8" value="3">37 %</progress>' in html


def test_a_stuck_import_stops_polling_and_says_so(as_recruiter, mandate, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        preview(as_recruiter, mandate)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    html = text(as_recruiter.get(job.get_absolute_url()))
    assert "The import seems stuck" in html and "Stuck" in html
    assert "data-live-pending" not in html and "http-equiv" not in html


def test_another_mandates_recruiter_gets_404_on_the_job_page_fragment_and_confirm(
    as_recruiter, mandate, client, committed
):
    committed(preview, as_recruiter, mandate)
    job = ImportJob.objects.get()
    other = UserFactory(groups=["recruiter"])
    MandateFactory(recruiters=[other])
    client.force_login(other)
    for url in (job.get_absolute_url(), status_url(job)):
        assert client.get(url).status_code == 404
    assert client.post(confirm_url(job)).status_code == 404
    assert not ImportJob.objects.filter(mode=ImportJob.Mode.SAVE).exists()


def test_the_ceo_of_the_mandate_cannot_follow_an_import(as_recruiter, mandate, client):
    preview(as_recruiter, mandate)
    client.force_login(mandate.ceo)
    assert client.get(ImportJob.objects.get().get_absolute_url()).status_code == 404


def test_the_import_page_lists_the_latest_imports(as_recruiter, mandate):
    preview(as_recruiter, mandate)
    job = ImportJob.objects.get()
    html = text(as_recruiter.get(import_url(mandate)))
    assert "Latest imports" in html and job.get_absolute_url() in html and SAMPLE_FILES[0] in html


# --------------------------------------------------------------------------- export


def exported(client, mandate, capture):
    """Ask for the mandate's export (its task runs on commit, eager here: ``capture`` is the
    ``django_capture_on_commit_callbacks`` fixture) and download it: the file's bytes."""
    with capture(execute=True):
        response = client.post(reverse("candidates:export", kwargs={"slug": mandate.slug}))
    assert response.status_code == 302
    job = ExportJob.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))
    assert job.status == ExportJob.Status.DONE, job.error
    download = client.get(reverse("candidates:export_job_download", kwargs={"pk": job.pk}))
    assert download.status_code == 200
    return b"".join(download.streaming_content)


def test_export_download_is_french_excel_csv(
    as_recruiter, recruiter, mandate, django_capture_on_commit_callbacks
):
    services.candidates_import(mandate=mandate, data=sample_path(SAMPLE_FILES[0]).read_bytes(), by=recruiter)
    ApplicationFactory(candidate=CandidateFactory(last_name="Ailleurs"))  # another mandate: not exported

    with django_capture_on_commit_callbacks(execute=True):
        asked = as_recruiter.post(reverse("candidates:export", kwargs={"slug": mandate.slug}))
    job = ExportJob.objects.get()
    response = as_recruiter.get(reverse("candidates:export_job_download", kwargs={"pk": job.pk}))

    assert asked.status_code == 302 and asked["Location"] == job.get_absolute_url()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="candidats-{mandate.slug}-{stamp}.csv"'
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0].split(";") == list(csv_format.FR_HEADERS.values())
    assert len([line for line in lines[1:] if line]) == 8
    assert "Ailleurs" not in data.decode("utf-8-sig")
    report = services.candidates_import(mandate=mandate, data=data, by=recruiter)
    assert (len(report.created), len(report.updated), len(report.unchanged)) == (0, 0, 8)


# --------------------------------------------------------------------------- language


def test_french_by_default_and_the_switch_to_english_works(client, recruiter):
    client.force_login(recruiter)
    page = client.get(reverse("candidates:mandate_list"))
    assert '<html lang="fr">' in text(page)
    client.logout()
    login = client.get(reverse("login"))
    assert '<html lang="fr">' in text(login) and "Nom d’utilisateur" in text(login)

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    login = client.get(reverse("login"))
    assert '<html lang="en">' in text(login)
    assert "Username" in text(login) and "Nom d’utilisateur" not in text(login)
    client.force_login(recruiter)
    assert '<html lang="en">' in text(client.get(reverse("candidates:mandate_list")))


def test_career_years_cap_every_domain_in_the_form_and_keep_what_was_typed(as_recruiter, mandate):
    """Nine domains at 20 years with a 15-year career: each domain says it exceeds the career; 55
    years in one domain is over the 50-year cap; nothing is saved and every value stays typed."""
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate.slug})
    years = {
        f"years_{code}": "20"
        for code in (
            "finance",
            "hr",
            "legal",
            "it",
            "sales_admin",
            "purchasing",
            "general_services",
            "communication",
        )
    }
    response = as_recruiter.post(url, form_data(**years, years_quality="55", career_years="15"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {*years, "years_quality"}
    assert errors["years_finance"] == ["More than the career (15 years): no domain may exceed it."]
    assert errors["years_quality"] == ["Between 0 and 50 years."]
    html = text(response)
    assert 'value="15"' in html and 'value="55"' in html
    assert not Candidate.objects.filter(email="zoe.lambert@example.org").exists()

    response = as_recruiter.post(url, form_data(**years, career_years="20"))
    assert response.status_code == 302
    candidate = Candidate.objects.get(email="zoe.lambert@example.org")
    assert candidate.career_years == 20 and candidate.years_finance == 20
    page = text(as_recruiter.get(reverse("candidates:candidate_detail", args=[candidate.pk])))
    assert "Career (years)" in page or "Expérience professionnelle" in page
