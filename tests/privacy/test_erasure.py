"""Erasure that erases (GDPR art. 17; issue 12): one service, ``privacy.services.candidate_erase``,
used by the admin's delete and ``manage.py erase_candidate``.

THE test (``test_nothing_of_the_person_is_left_in_the_database_or_the_media_folder``) gives a
candidate a distinctive name, e-mail and phone, applications, scorecards, observed sessions with
both debriefs, a rendered report, a CV and e-mails; erases them from the admin; then reads every
row of every table of the database as text and every file of MEDIA_ROOT (names and contents,
PDF text included) and finds none of them.
"""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AccessExport, ReadEvent
from candidates import services as candidate_services
from candidates.models import Candidate, ImportJob, Stage
from figures import compute
from figures.models import MandateStatistics
from outbox.models import OutboundEmail
from privacy.models import Erasure
from reports import services as report_services
from reports.models import Report
from sessions.models import WorkingSession
from tests.candidates.documents import make_pdf, upload
from tests.conftest import sample_path
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zéphyrine", "Quintavalle-Brézé"
EMAIL = "zephyrine.qbreze@example.org"
PHONE = "+33 6 41 52 63 74"
#: What the row held before (``make_world``'s candidate): its history copies hold it too.
OLD_LAST, OLD_EMAIL = "Lœwenbrück-Ngô", "eloise.lng@example.org"
TERMS = (FIRST, LAST, EMAIL, PHONE, "41 52 63 74", OLD_LAST, OLD_EMAIL)


def _superuser_client(client):
    client.force_login(UserFactory(username="root-test", is_staff=True, is_superuser=True))
    return client


def _give_identity(world, *, cv=True):
    candidate = world.application.candidate
    data = {"first_name": FIRST, "last_name": LAST, "email": EMAIL, "phone": PHONE}
    cv_file = (
        upload("CV Zéphyrine Quintavalle-Brézé.pdf", make_pdf(f"CV {FIRST} {LAST} {PHONE}")) if cv else None
    )
    candidate_services.candidate_update(candidate=candidate, data=data, by=world.recruiter, cv=cv_file)
    candidate.refresh_from_db()
    return candidate


def _render_report(world, capture):
    with capture(execute=True):
        requested = report_services.report_request(application=world.application, by=world.ceo)
    report = Report.objects.get(pk=requested.pk)
    assert report.is_ready, report.error
    return report


def _import_preview(world):
    """An import preview (not confirmed: its file is kept) whose rows hold the person."""
    header = sample_path("candidates_fr_utf8_bom.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    line = f"{LAST};{FIRST};{EMAIL};{PHONE};Lyon;;Annonce;Non;;2;2;2;2;2;2;2;2;2;Master"
    data = ("\ufeff" + header + "\r\n" + line + "\r\n").encode("utf-8")
    job = candidate_services.import_job_create(
        mandate=world.mandate, by=world.recruiter, upload=upload("import.csv", data, "text/csv")
    )
    job = candidate_services.import_job_run(job_id=job.pk)
    assert job.status == "done", job.error
    return job


def _tables_mentioning(term):
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(include_views=False):
            name = connection.ops.quote_name(table)  # a table name from the catalogue, quoted
            cursor.execute(f"SELECT count(*) FROM {name} AS row WHERE row::text ILIKE %s", [f"%{term}%"])  # noqa: S608
            count = cursor.fetchone()[0]
            if count:
                found[table] = count
    return found


def _media_mentioning(root: Path, term):
    hits = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if term.lower() in str(path.relative_to(root)).lower():
            hits.append(f"name: {path}")
        data = path.read_bytes()
        texts = [data.decode("utf-8", "ignore"), data.decode("cp1252", "ignore")]
        if path.suffix == ".pdf":
            texts.append("".join(page.extract_text() or "" for page in PdfReader(path).pages))
        if any(term.lower() in text.lower() for text in texts):
            hits.append(f"content: {path}")
    return hits


def _access_export_and_reads(world, candidate, report, capture):
    """An access export of the person (written: a ZIP in the media folder) and read events about
    them (their CV, their report and that export downloaded, labels naming them)."""
    from django.test import Client

    from audit import services as audit_services

    with capture(execute=True):
        job = audit_services.access_export_request(candidate=candidate, by=world.staff)
    job.refresh_from_db()
    assert job.status == "done", job.error
    reader = Client()
    reader.force_login(world.staff)
    for url in (
        reverse("candidates:candidate_cv", kwargs={"pk": candidate.pk}),
        reverse("reports:download", kwargs={"pk": report.pk}),
        reverse("audit:access_export_download", kwargs={"pk": job.pk}),
    ):
        assert reader.get(url).status_code == 200, url
    events = list(ReadEvent.objects.filter(candidate=candidate).order_by("pk"))
    assert len(events) == 3 and all(LAST in e.label for e in events)
    return job, events


@pytest.fixture
def erased_world(world, client, settings, django_capture_on_commit_callbacks):
    """The world's candidate with a distinctive identity, a second application, a CV, a report,
    e-mails; then erased from the admin (the superuser's delete)."""
    if connection.vendor != "postgresql":
        pytest.skip("the whole-database search reads rows as text (PostgreSQL)")
    candidate = _give_identity(world)
    second = candidate_services.application_create(
        candidate=candidate, mandate=world.other_mandate, by=world.staff
    )
    candidate_services.application_move(
        application=second, to_stage=Stage.SCREENING, by=world.staff, reason=f"Appel de {FIRST} au {PHONE}"
    )
    other = world.candidate_application("Aline", "Témoin", levels=(3, 3, 4))  # stays, and keeps its ratings
    preview = _import_preview(world)
    assert FIRST in str(preview.result) and preview.file
    report = _render_report(world, django_capture_on_commit_callbacks)
    other_report = _render_report(
        type("W", (), {"application": other, "ceo": world.ceo}), django_capture_on_commit_callbacks
    )
    access_export, events = _access_export_and_reads(
        world, candidate, report, django_capture_on_commit_callbacks
    )
    export_path = Path(settings.MEDIA_ROOT) / access_export.file.name
    emails = OutboundEmail.objects.filter(to__in=[EMAIL, OLD_EMAIL]).count()
    cv_path = Path(settings.MEDIA_ROOT) / candidate.cv.name
    pdf_path = Path(settings.MEDIA_ROOT) / report.pdf.name
    for term in TERMS[:4]:
        assert _tables_mentioning(term), term  # the search finds them before the erasure
    assert emails and cv_path.exists() and pdf_path.exists() and export_path.exists()
    assert _tables_mentioning(LAST).keys() >= {"audit_readevent"}
    assert _media_mentioning(Path(settings.MEDIA_ROOT), FIRST)  # the CV's file name

    units_before = compute.compute_mandate_statistics(world.mandate.pk).units
    url = reverse("admin:candidates_candidate_delete", args=[candidate.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = _superuser_client(client).post(url, {"post": "yes"})
    assert response.status_code == 302, response.status_code
    return {
        "candidate": candidate,
        "report": report,
        "other_report": other_report,
        "cv_path": cv_path,
        "pdf_path": pdf_path,
        "units_before": units_before,
        "access_export": access_export,
        "export_path": export_path,
        "read_events": events,
    }


def test_nothing_of_the_person_is_left_in_the_database_or_the_media_folder(erased_world, settings):
    for term in TERMS:
        assert _tables_mentioning(term) == {}, term
        assert _media_mentioning(Path(settings.MEDIA_ROOT), term) == [], term


def test_access_exports_are_deleted_and_read_events_kept_without_the_name(erased_world):
    """The access export's row and ZIP go; the journal keeps who read what, when and from where,
    about "Anonyme #<id>"."""
    candidate = erased_world["candidate"]
    assert not AccessExport.objects.exists()
    assert not erased_world["export_path"].exists()
    events = ReadEvent.objects.filter(pk__in=[e.pk for e in erased_world["read_events"]]).order_by("pk")
    assert [e.kind for e in events] == ["cv", "report_pdf", "access_export"]
    assert {e.label for e in events} == {f"Anonyme #{candidate.pk}"}
    assert all(e.user is not None and e.ip == "127.0.0.1" for e in events)


def test_report_rows_stay_as_tombstones_and_other_reports_are_untouched(erased_world):
    before, other = erased_world["report"], erased_world["other_report"]
    tomb = Report.objects.get(pk=before.pk)
    assert tomb.status == "erased"
    assert (tomb.version, tomb.sha256, tomb.page_count) == (before.version, before.sha256, before.page_count)
    assert tomb.snapshot == {} and not tomb.pdf
    assert not erased_world["pdf_path"].exists() and not erased_world["cv_path"].exists()
    kept = Report.objects.get(pk=other.pk)
    assert kept.status == "ready" and kept.sha256 == other.sha256 and kept.pdf.storage.exists(kept.pdf.name)


def test_the_mandate_statistics_are_recomputed_without_them(erased_world, world):
    row = MandateStatistics.objects.get(pk=world.mandate.pk)
    fresh = compute.compute_mandate_statistics(world.mandate.pk)
    # Three raters on each of the two candidates' 16 criteria before; only the other one's after.
    assert erased_world["units_before"] == 32
    assert row.units == fresh.units == 16


def test_the_erasure_is_recorded_once_and_a_second_erase_changes_nothing(erased_world):
    from privacy import services

    candidate = Candidate.objects.get(pk=erased_world["candidate"].pk)
    assert candidate.full_name == f"Anonyme #{candidate.pk}" and candidate.email.endswith(".invalid")
    erasure = Erasure.objects.get(candidate_number=candidate.pk)
    assert erasure.kind == "request" and erasure.actor.username == "root-test"
    again = services.candidate_erase(candidate, None, "again")
    assert again.pk == erasure.pk and Erasure.objects.count() == 1
    assert not WorkingSession.objects.filter(application__candidate=candidate).exists()


# --------------------------------------------------------------- the holes of issue 12, one by one


def test_the_superuser_can_delete_a_candidate_with_sessions_and_reports(
    world, client, django_capture_on_commit_callbacks
):
    """On main: 403 (the sessions' and reports' read-only admins forbid the cascade)."""
    _render_report(world, django_capture_on_commit_callbacks)
    url = reverse("admin:candidates_candidate_delete", args=[world.application.candidate_id])
    client = _superuser_client(client)
    page = client.get(url)
    assert page.status_code == 200 and not page.context["perms_lacking"]
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert Erasure.objects.filter(candidate_number=world.application.candidate_id).exists()


def test_staff_without_the_erase_permission_cannot_erase(world, client):
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="staff-admin", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="delete_candidate"))
    client.force_login(staff)
    url = reverse("admin:candidates_candidate_delete", args=[world.application.candidate_id])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert not Erasure.objects.exists()


def test_no_history_copy_keeps_the_name_email_or_phone(world):
    """On main: ``candidates_historicalcandidate`` keeps them after the delete."""
    from privacy import services

    candidate = _give_identity(world, cv=False)
    assert candidate.history.filter(last_name=LAST).exists()
    services.candidate_erase(candidate, world.staff, "request by e-mail")
    history = Candidate.history.filter(id=candidate.pk)
    assert not history.filter(last_name__in=[LAST, OLD_LAST]).exists()
    assert (
        not history.filter(email__in=[EMAIL, OLD_EMAIL]).exists() and not history.filter(phone=PHONE).exists()
    )
    assert not WorkingSession.history.filter(application_id=world.application.pk).exists()


def test_the_cv_file_is_deleted_from_disk(world, settings, django_capture_on_commit_callbacks):
    """On main: the CV stays on disk after the delete."""
    from privacy import services

    candidate = _give_identity(world)
    path = Path(settings.MEDIA_ROOT) / candidate.cv.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.candidate_erase(candidate, None, "")
    assert not path.exists()


def test_a_candidate_without_reports_is_deleted_outright(world, django_capture_on_commit_callbacks):
    from privacy import services

    application = world.other_application
    pk = application.candidate_id
    with django_capture_on_commit_callbacks(execute=True):
        erasure = services.candidate_erase(application.candidate, None, "")
    assert not Candidate.objects.filter(pk=pk).exists() and not Candidate.history.filter(id=pk).exists()
    erasure.refresh_from_db()
    assert erasure.candidate is None and erasure.candidate_number == pk and erasure.counts["deleted"]


def test_the_superuser_can_delete_a_mandate_with_sessions_and_reports(
    world, client, settings, django_capture_on_commit_callbacks
):
    """On main: 403 likewise; and the PDFs would stay on disk."""
    report = _render_report(world, django_capture_on_commit_callbacks)
    path = Path(settings.MEDIA_ROOT) / report.pdf.name
    preview = _import_preview(world)
    saved = candidate_services.import_job_confirm(preview=preview, by=world.recruiter)
    assert saved.preview_id == preview.pk  # a save holds its preview (RESTRICT): deleted in order
    url = reverse("admin:candidates_mandate_delete", args=[world.mandate.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = _superuser_client(client).post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Report.objects.filter(pk=report.pk).exists() and not path.exists()
    assert not ImportJob.objects.filter(pk__in=[preview.pk, saved.pk]).exists()
    assert not WorkingSession.history.filter(application_id=world.application.pk).exists()
    assert Candidate.objects.filter(pk=world.application.candidate_id).exists()  # people stay


def test_the_command_erases_through_the_same_service(world, capsys):
    pk = world.application.candidate_id
    call_command("erase_candidate", str(pk), "--yes", "--reason", "written request", "--by", "staff-test")
    erasure = Erasure.objects.get(candidate_number=pk)
    assert (erasure.reason, erasure.actor) == ("written request", world.staff)
    assert f"Candidate #{pk} erased" in capsys.readouterr().out


def test_the_command_refuses_an_unknown_candidate(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No candidate with id 999999"):
        call_command("erase_candidate", "999999", "--yes")


def test_the_pages_of_an_erased_candidate_answer_without_their_data(erased_world, world, client):
    report = erased_world["report"]
    client.force_login(world.ceo)
    pages = {
        reverse("reports:list", args=[world.application.pk]): 200,
        reverse("reports:status", args=[report.pk]): 200,
        reverse("reports:download", args=[report.pk]): 404,
        reverse("candidates:application_detail", args=[world.application.pk]): 200,
        reverse("candidates:candidate_detail", args=[world.application.candidate_id]): 200,
    }
    for url, status in pages.items():
        response = client.get(url)
        assert response.status_code == status, url
        assert LAST not in response.content.decode() and OLD_LAST not in response.content.decode()
