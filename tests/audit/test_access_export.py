"""The access export (GDPR art. 15 and 20; issue 12, item 2) on real values: the ZIP of the
report world's candidate holds a JSON with their profile, stage history, ratings and evidence,
sessions with observations and both debriefs, reports with snapshot and PDF, e-mails sent to
them — and nothing of another candidate; a PDF summary that names them; their CV.
"""

import io
import json
import logging
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import Rating
from audit import services
from audit.models import AccessExport
from audit.selectors import SCHEMA_VERSION
from candidates import services as candidate_services
from candidates.models import Stage
from outbox.models import OutboundEmail
from reports import services as report_services
from reports.models import Report
from tests.candidates.documents import make_pdf, upload
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

OTHER_EVIDENCE = "Témoignage confidentiel de Gaston Voisin"
OTHER_EMAIL = "gaston.voisin@example.org"


@pytest.fixture
def exported(world, client, django_capture_on_commit_callbacks):
    """The world's candidate with a CV, a phone, a ready report and a second candidate in the same
    mandate (whose data must not appear); the recruiter requests the export (run on commit)."""
    candidate = world.application.candidate
    candidate_services.candidate_update(
        candidate=candidate,
        data={"phone": "+33 6 11 22 33 44", "city": "Annecy"},
        by=world.recruiter,
        cv=upload("Mon CV.pdf", make_pdf("CV Eloise")),
    )
    candidate_services.application_move(
        application=world.application, to_stage=Stage.DECISION, by=world.recruiter, reason="Très bon échange"
    )
    other = world.candidate_application("Gaston", "Voisin", levels=(3, 3, 3))
    other.candidate.email = OTHER_EMAIL
    other.candidate.save()
    Rating.objects.filter(scorecard__application=other).update(evidence=OTHER_EVIDENCE)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(application=world.application, by=world.recruiter)
    assert Report.objects.get(pk=report.pk).is_ready
    client.force_login(world.recruiter)
    url = reverse("audit:access_export_request", kwargs={"pk": candidate.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = AccessExport.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == "done", job.error
    download = client.get(reverse("audit:access_export_download", kwargs={"pk": job.pk}))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {
        "job": job,
        "response": download,
        "archive": archive,
        "data": json.loads(archive.read("data.json")),
        "candidate": candidate,
        "report": Report.objects.get(pk=report.pk),
    }


def test_the_zip_holds_the_json_the_summary_the_cv_and_the_reports(exported):
    names = set(exported["archive"].namelist())
    report = exported["report"]
    pdf_name = f"reports/{report.application.public_id}-v{report.version}.pdf"
    assert names == {"data.json", "summary.pdf", "README.txt", "cv/cv.pdf", pdf_name}
    assert exported["archive"].read(pdf_name) == report.pdf.open("rb").read()
    assert b"CV Eloise" in exported["archive"].read("cv/cv.pdf")


def test_the_download_is_private_and_named_without_the_person(exported):
    response = exported["response"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "application/zip"
    disposition = response["Content-Disposition"]
    assert f"acces-donnees-candidat-{exported['candidate'].pk}-" in disposition
    assert "Eloise" not in disposition and "ngo" not in disposition.lower()


def test_the_json_holds_the_profile_history_ratings_sessions_reports_and_emails(exported):
    data, candidate = exported["data"], exported["candidate"]
    assert data["schema_version"] == SCHEMA_VERSION == 1
    subject = data["subject"]
    assert (subject["first_name"], subject["last_name"]) == ("Éloïse", "Lœwenbrück-Ngô")
    assert (subject["email"], subject["phone"], subject["city"]) == (
        "eloise.lng@example.org",
        "+33 6 11 22 33 44",
        "Annecy",
    )
    assert subject["years_by_domain"]["finance"] == 3.0
    assert subject["cv"] == {"original_name": "Mon CV.pdf", "file": "cv/cv.pdf"}
    assert data["export"]["complete"] is True and [m["slug"] for m in data["export"]["mandates"]] == [
        "cso-lumen"
    ]
    [application] = data["applications"]
    assert application["stage"] == "decision" and application["swot_threats"].startswith("Marché tendu")
    assert [(t["from"], t["to"]) for t in application["stage_history"]][-1] == (
        "working_sessions",
        "decision",
    )
    assert application["stage_history"][-1]["reason"] == "Très bon échange"
    # Three raters' submitted scorecards, their ratings and evidence.
    raters = sorted(card["rater"]["username"] for card in application["scorecards"])
    assert raters == ["dg-test", "rec-test", "rec2-test"]
    card = next(c for c in application["scorecards"] if c["rater"]["username"] == "rec2-test")
    rating = next(r for r in card["ratings"] if r["criterion"] == "cond_tools")
    assert (rating["value"], rating["evidence"]) == (5, "Preuve cond_tools niveau 5")
    # Four sessions, each with its observation, incident, tallies and both debriefs.
    sessions = application["working_sessions"]
    assert len(sessions) == 4
    observation = sessions[0]["observations"][0]
    assert observation["verdict"] == "to_confirm" and "si je vous suis bien" in observation["synthesis"]
    assert observation["critical_incidents"][0]["behaviour"].startswith("Conteste")
    assert {t["category"] for t in observation["ipa_tallies"]} >= {"agrees", "gives_opinion"}
    assert {d["party"] for d in sessions[0]["debriefs"]} == {"ceo", "candidate"}
    assert len(data["own_debriefs"]) == 4
    assert {d["comment"] for d in data["own_debriefs"]} == {"J’ai pu exposer ma démarche."}
    # The report with its snapshot and its PDF's place in the ZIP.
    [report] = application["reports"]
    assert report["status"] == "ready" and report["sha256"] == exported["report"].sha256
    assert report["snapshot"]["candidate"]["last_name"] == "Lœwenbrück-Ngô"
    assert report["file"].startswith("reports/")
    # E-mails sent to them (the debrief links), nobody else's.
    sent = OutboundEmail.objects.filter(to__iexact=candidate.email).count()
    assert sent and len(data["emails"]) == sent
    assert {e["to"] for e in data["emails"]} == {candidate.email}
    assert data["notices_acknowledged"] == []


def test_nothing_of_another_candidate_is_in_the_export(exported):
    text = exported["archive"].read("data.json").decode()
    assert "Gaston" not in text and "Voisin" not in text
    assert OTHER_EVIDENCE not in text and OTHER_EMAIL not in text


def test_the_summary_pdf_names_the_person_and_shows_their_evidence(exported):
    reader = PdfReader(io.BytesIO(exported["archive"].read("summary.pdf")))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Éloïse Lœwenbrück-Ngô" in text
    assert "Données personnelles détenues" in text  # French by default
    assert "Preuve cond_tools niveau 5" in text
    assert "Gaston" not in text


def test_a_recruiter_of_one_mandate_exports_that_mandate_only(world, django_capture_on_commit_callbacks):
    """The candidate also applied elsewhere: the other mandate's recruiter exports what their
    mandate holds, marked incomplete; the world's application is not in it."""
    candidate = world.application.candidate
    ApplicationFactory(mandate=world.other_mandate, candidate=candidate, stage=Stage.SCREENING)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.access_export_request(candidate=candidate, by=world.other_recruiter)
    job.refresh_from_db()
    assert job.status == "done", job.error
    data = json.loads(zipfile.ZipFile(job.file.open("rb")).read("data.json"))
    assert data["export"]["complete"] is False
    assert [a["mandate"]["slug"] for a in data["applications"]] == ["cso-autre"]
    assert "Preuve" not in json.dumps(data)
    # The e-mails the address received are all about the world's sessions: none is in this export.
    assert OutboundEmail.objects.filter(to__iexact=candidate.email, key__startswith="session:").exists()
    assert data["emails"] == []


def test_an_open_draft_scorecard_refuses_the_export(world, client):
    """Independence rule: a recruiter with an unsubmitted scorecard would read the others' first."""
    world.draft_for(world.recruiter)
    client.force_login(world.recruiter)
    url = reverse("audit:access_export_request", kwargs={"pk": world.application.candidate_id})
    response = client.post(url, follow=True)
    assert not AccessExport.objects.exists()
    assert "brouillon" in response.content.decode()


def test_a_second_click_returns_the_export_under_way(world):
    candidate = world.application.candidate
    first = services.access_export_request(candidate=candidate, by=world.recruiter)
    second = services.access_export_request(candidate=candidate, by=world.recruiter)
    assert second.pk == first.pk and second.already_pending and AccessExport.objects.count() == 1


def test_a_requester_who_lost_the_mandate_gets_a_failed_job(world):
    job = services.access_export_request(candidate=world.application.candidate, by=world.recruiter)
    world.mandate.recruiters.remove(world.recruiter)
    job = services.access_export_run(job_id=job.pk)
    assert job.status == "failed" and not job.file and job.error


def test_the_request_and_the_download_are_logged(world, client, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO, logger="audit")
    client.force_login(world.recruiter)
    url = reverse("audit:access_export_request", kwargs={"pk": world.application.candidate_id})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    job = AccessExport.objects.get()
    client.get(reverse("audit:access_export_download", kwargs={"pk": job.pk}), REMOTE_ADDR="203.0.113.9")
    records = {r.getMessage(): r for r in caplog.records if r.name.startswith("audit")}
    requested = records["access export requested"]
    assert (requested.job, requested.candidate, requested.by) == (
        job.pk,
        job.candidate_id,
        world.recruiter.pk,
    )
    assert records["access export written"].job == job.pk
    downloaded = records["access export downloaded"]
    assert (downloaded.job, downloaded.by) == (job.pk, world.recruiter.pk)
    read = records["read recorded"]
    assert (read.kind, read.object_id, read.ip) == ("access_export", job.pk, "203.0.113.9")


def test_the_sweep_deletes_expired_files_and_the_page_says_expired(
    world, client, settings, django_capture_on_commit_callbacks
):
    settings.ACCESS_EXPORT_FILE_RETENTION_HOURS = 72
    with django_capture_on_commit_callbacks(execute=True):
        job = services.access_export_request(candidate=world.application.candidate, by=world.recruiter)
    job.refresh_from_db()
    name = job.file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.access_exports_sweep(now=timezone.now() + timedelta(hours=71))["files_deleted"] == 0
        counts = services.access_exports_sweep(now=timezone.now() + timedelta(hours=73))
    assert counts == {"failed": 0, "resent": 0, "files_deleted": 1}
    assert not default_storage.exists(name)
    job.refresh_from_db()
    assert job.expired
    client.force_login(world.recruiter)
    assert client.get(reverse("audit:access_export_download", kwargs={"pk": job.pk})).status_code == 404
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "deleted at the end of its retention period" in client.get(job.get_absolute_url()).content.decode()


def test_the_sweep_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["access-exports-sweep"]
    assert entry["task"] == "audit.tasks.sweep_access_exports"
    from audit import tasks

    assert tasks.sweep_access_exports.name == entry["task"]
    assert tasks.run_access_export.name == services.ACCESS_EXPORT_TASK


def test_the_sweep_resends_a_lost_run_then_fails_it(world):
    job = services.access_export_request(candidate=world.application.candidate, by=world.recruiter)
    long_ago = timezone.now() - timedelta(hours=2)
    AccessExport.objects.filter(pk=job.pk).update(status="running", started_at=long_ago, attempts=1)
    assert services.access_exports_sweep()["resent"] == 1
    AccessExport.objects.filter(pk=job.pk).update(attempts=3)
    assert services.access_exports_sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and "3" in job.error


def test_deleting_a_mandate_deletes_the_access_exports_covering_it(world, django_capture_on_commit_callbacks):
    from privacy.services import mandate_delete
    from tests.audit.test_access import done_export

    candidate = world.application.candidate
    job = done_export(candidate, world.mandate, world.recruiter)
    kept = done_export(world.other_application.candidate, world.other_mandate, world.other_recruiter)
    name = job.file.name
    with django_capture_on_commit_callbacks(execute=True):
        mandate_delete(world.mandate)
    assert list(AccessExport.objects.all()) == [kept]
    assert not default_storage.exists(name) and default_storage.exists(kept.file.name)


def test_an_open_draft_also_withholds_the_download(world, client):
    """A written export, then the other recruiter of the mandate opens a draft: 404 for them
    until they submit it (they would read the other raters' scorecards first)."""
    from tests.audit.test_access import done_export

    job = done_export(world.application.candidate, world.mandate, world.recruiter)
    url = reverse("audit:access_export_download", kwargs={"pk": job.pk})
    client.force_login(world.recruiter2)
    assert client.get(url).status_code == 200
    world.draft_for(world.recruiter2)
    assert client.get(url).status_code == 404


def test_the_summary_is_in_english_for_an_english_request(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.access_export_request(
            candidate=world.application.candidate, by=world.staff, language="en"
        )
    job.refresh_from_db()
    archive = zipfile.ZipFile(job.file.open("rb"))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read("summary.pdf"))).pages)
    assert "Personal data held about Éloïse Lœwenbrück-Ngô" in text
    assert "Ratings and evidence" in text and "Stage history" in text
    assert json.loads(archive.read("data.json"))["export"]["language"] == "en"
