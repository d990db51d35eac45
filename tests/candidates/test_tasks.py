"""Tests of the CSV import in the background: the ``ImportJob`` services (create, confirm, run,
fail) and the Celery task ``candidates.tasks.run_import`` — progress, idempotence (a done job is
not run again, a save cannot import twice), time limit, messages in the job's language, and the
progress seen from another connection while a save's transaction is open (PostgreSQL)."""

import re
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidates import csv_format, services, tasks
from candidates.models import IMPORT_SOFT_TIME_LIMIT, Application, Candidate, ImportJob, StageTransition
from tests.conftest import require_service, sample_path
from tests.factories import MandateFactory, UserFactory

from .documents import upload
from .samples import EXPECTED, SAMPLE_FILES, all_candidate_values

pytestmark = pytest.mark.django_db

PROGRESS_UPDATE = re.compile(r'^UPDATE "candidates_importjob" SET "rows_done" = ', re.IGNORECASE)


def counts():
    return (Candidate.objects.count(), Application.objects.count(), StageTransition.objects.count())


def generated_csv(rows: int) -> bytes:
    """A French Excel CSV of ``rows`` fictional candidates (example.org addresses)."""
    return csv_format.write_candidates_csv(
        [
            {
                "last_name": f"Essai{i:05d}",
                "first_name": "Camille",
                "email": f"camille.essai{i:05d}@example.org",
                "city": "Lyon",
                "gdpr_consent": False,
                **{name: Decimal(1) for name in csv_format.YEARS_FIELDS},
            }
            for i in range(rows)
        ]
    )


def new_job(mandate, by, data=None, *, name="candidats.csv", language="en"):
    data = sample_path(SAMPLE_FILES[0]).read_bytes() if data is None else data
    return services.import_job_create(
        mandate=mandate, by=by, upload=upload(name, data, "text/csv"), language=language
    )


def done_preview(mandate, by, data=None):
    job = services.import_job_run(job_id=new_job(mandate, by, data).pk)
    assert job.status == ImportJob.Status.DONE, job.error
    return job


def test_create_stores_the_file_privately_and_queues_the_task(
    mandate, recruiter, django_capture_on_commit_callbacks, monkeypatch, settings
):
    sent = []
    monkeypatch.setattr(
        tasks.run_import, "apply_async", lambda *args, **kwargs: sent.append(kwargs["kwargs"])
    )
    data = sample_path(SAMPLE_FILES[0]).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        job = new_job(mandate, recruiter, data, name="../../Mes candidats.csv")
    assert sent == [{"job_id": job.pk}]
    assert job.status == ImportJob.Status.QUEUED and job.original_name == "Mes candidats.csv"
    assert re.fullmatch(r"imports/[0-9a-f]{32}\.csv", job.file.name)
    assert (settings.MEDIA_ROOT / job.file.name).read_bytes() == data
    assert job.size == len(data) and len(job.sha256) == 64


def test_a_preview_reports_and_saves_nothing(mandate, recruiter):
    job = done_preview(mandate, recruiter)
    assert counts() == (0, 0, 0)
    result = job.result
    assert result["ok"] and result["dry_run"] and not result["saved"]
    assert (result["rows"], result["created"], result["updated"], result["unchanged"]) == (8, 8, 0, 0)
    assert (result["encoding"], result["delimiter"], result["dialect"]) == ("utf-8-sig", ";", "fr")
    assert [row["email"] for row in result["preview"]] == list(EXPECTED)
    assert result["preview"][0] == {
        "line": 2,
        "first_name": "Claire",
        "last_name": "Dubois",
        "email": "claire.dubois@example.org",
        "city": "Lyon",
        "education": "École de commerce (généraliste)",
        "gdpr_consent": True,
    }
    assert (job.rows_done, job.rows_total, job.attempts) == (8, 8, 1)
    assert job.started_at and job.finished_at and job.file  # kept for the confirmation


def test_preview_then_confirm_imports_exactly_the_rows(mandate, recruiter):
    preview = done_preview(mandate, recruiter)
    save = services.import_job_confirm(preview=preview, by=recruiter)
    assert (
        not save.already_confirmed
        and save.mode == ImportJob.Mode.SAVE
        and save.file.name == preview.file.name
    )

    save = services.import_job_run(job_id=save.pk)

    assert save.status == ImportJob.Status.DONE and save.result["saved"] and save.result["created"] == 8
    assert all_candidate_values() == EXPECTED
    assert counts() == (8, 8, 8)


def test_a_failing_row_imports_nothing_and_keeps_its_line_number(mandate, recruiter):
    lines = sample_path(SAMPLE_FILES[0]).read_bytes().decode("utf-8-sig").split("\r\n")
    lines[4] = lines[4].replace("julien.moreau@example.org", "pas-une-adresse")
    job = done_preview(mandate, recruiter, "\r\n".join(lines).encode("utf-8-sig"))
    assert not job.result["ok"] and job.result["error_count"] == 1
    assert job.result["errors"] == [
        {"line": 5, "column": "E-mail", "message": "“pas-une-adresse” is not a valid e-mail address."}
    ]
    with pytest.raises(ValidationError) as caught:
        services.import_job_confirm(preview=job, by=recruiter)
    assert caught.value.code == "not_confirmable"
    assert counts() == (0, 0, 0)


def test_progress_advances_every_hundred_rows(mandate, recruiter):
    job = new_job(mandate, recruiter, generated_csv(2000))
    with CaptureQueriesContext(connection) as queries:
        job = services.import_job_run(job_id=job.pk)
    assert (job.status, job.rows_total, job.rows_done) == (ImportJob.Status.DONE, 2000, 2000)
    updates = [q["sql"] for q in queries.captured_queries if PROGRESS_UPDATE.match(q["sql"])]
    assert len(updates) == 1 + 19 + 1  # counted, every 100 rows, all done

    save = services.import_job_run(job_id=services.import_job_confirm(preview=job, by=recruiter).pk)
    assert (save.rows_total, save.rows_done, save.result["created"]) == (2000, 2000, 2000)
    assert Candidate.objects.count() == 2000


def test_progress_is_reported_while_the_rows_are_saved(mandate, recruiter, monkeypatch):
    """The job's counters move during the save itself (patched step: every 500 rows)."""
    monkeypatch.setattr(services, "PROGRESS_EVERY", 500)
    seen = []
    original = services._ProgressWriter.__call__

    def spy(self, done, total):
        seen.append((done, total, Candidate.objects.count()))
        original(self, done, total)

    monkeypatch.setattr(services._ProgressWriter, "__call__", spy)
    preview = done_preview(mandate, recruiter, generated_csv(2000))
    seen.clear()
    services.import_job_run(job_id=services.import_job_confirm(preview=preview, by=recruiter).pk)
    assert [(done, total) for done, total, _ in seen] == [
        (0, 2000),
        (500, 2000),
        (1000, 2000),
        (1500, 2000),
        (2000, 2000),
    ]
    assert [created for _, _, created in seen] == [0, 500, 1000, 1500, 2000]  # saved as it goes


def test_a_done_job_is_not_run_again(mandate, recruiter):
    preview = done_preview(mandate, recruiter)
    save = services.import_job_run(job_id=services.import_job_confirm(preview=preview, by=recruiter).pk)
    finished_at = save.finished_at
    assert counts() == (8, 8, 8)

    again = services.import_job_run(job_id=save.pk)  # the outbox's sweeper sent the task twice
    assert tasks.run_import.apply(kwargs={"job_id": save.pk}).get() == {"job": save.pk, "status": "done"}

    assert again.status == ImportJob.Status.DONE and again.attempts == 1 and again.finished_at == finished_at
    assert counts() == (8, 8, 8)
    assert services.import_job_run(job_id=preview.pk).attempts == 1  # a preview neither


def test_a_preview_is_saved_at_most_once(mandate, recruiter):
    preview = done_preview(mandate, recruiter)
    first = services.import_job_confirm(preview=preview, by=recruiter)
    second = services.import_job_confirm(preview=preview, by=UserFactory(is_staff=True))
    assert second.pk == first.pk and second.already_confirmed
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportJob.objects.create(mandate=mandate, mode=ImportJob.Mode.SAVE, preview=preview, sha256="0" * 64)


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"mode": "save"}, "importjob_save_confirms_a_preview"),
        ({"status": "paused", "started_at": timezone.now()}, "importjob_status_valid"),
        ({"rows_done": 5, "rows_total": 4}, "importjob_rows_done_within_total"),
        ({"status": "done", "started_at": timezone.now()}, "importjob_done_has_result"),
        ({"status": "failed", "finished_at": timezone.now()}, "importjob_failed_has_error"),
        ({"status": "running"}, "importjob_started_has_start"),
    ],
)
def test_the_database_holds_the_job_invariants(mandate, fields, name):
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        ImportJob.objects.create(mandate=mandate, sha256="0" * 64, **fields)


def test_a_job_another_worker_is_running_is_left_to_it(mandate, recruiter):
    job = new_job(mandate, recruiter)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), task_id="outbox-1-1", attempts=1
    )
    job = services.import_job_run(job_id=job.pk, task_id="outbox-1-2")
    assert job.status == ImportJob.Status.RUNNING and job.attempts == 1


@pytest.mark.parametrize("takeover", ["same message", "stale"])
def test_a_run_whose_worker_died_is_taken_over(mandate, recruiter, takeover):
    job = new_job(mandate, recruiter)
    started = timezone.now() - (timedelta(hours=1) if takeover == "stale" else timedelta(seconds=5))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=started, task_id="outbox-1-1", attempts=1
    )
    job = services.import_job_run(job_id=job.pk, task_id="outbox-1-1" if takeover == "same message" else "x")
    assert job.status == ImportJob.Status.DONE and job.attempts == 2


def test_a_save_taken_over_while_it_runs_undoes_its_writes(mandate, recruiter, monkeypatch):
    """Another run claims the job halfway (the worker was thought dead): this run's rows are rolled
    back with it, so the file is imported by one run only."""
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    preview = done_preview(mandate, recruiter)
    save = services.import_job_confirm(preview=preview, by=recruiter)
    original = services._ProgressWriter.__call__

    def taken_over(self, done, total):
        original(self, done, total)
        if done == 4:
            ImportJob.objects.filter(pk=self.job_id).update(attempts=F("attempts") + 1)

    monkeypatch.setattr(services._ProgressWriter, "__call__", taken_over)
    job = services.import_job_run(job_id=save.pk)
    # Not done by this run, and nothing of it stays (here the takeover itself was in the rolled-back
    # transaction; in production the other run's claim is committed apart and it does the import).
    assert job.status == ImportJob.Status.RUNNING and job.result is None
    assert counts() == (0, 0, 0)


def test_the_time_limit_fails_the_job_and_saves_nothing(mandate, recruiter, monkeypatch):
    preview = done_preview(mandate, recruiter)
    save = services.import_job_confirm(preview=preview, by=recruiter, language="en")
    original = services.candidates_import

    def too_long(**kwargs):
        original(**kwargs)  # every row written…
        raise SoftTimeLimitExceeded()  # …then the soft limit strikes

    monkeypatch.setattr(services, "candidates_import", too_long)
    assert tasks.run_import.apply(kwargs={"job_id": save.pk}).get() == {"job": save.pk, "status": "failed"}
    job = ImportJob.objects.get(pk=save.pk)
    assert job.error == (
        f"The import took longer than {IMPORT_SOFT_TIME_LIMIT} seconds and was stopped; nothing was saved."
    )
    assert counts() == (0, 0, 0)


def test_the_task_is_rejected_back_to_the_queue_when_its_worker_is_lost():
    assert tasks.run_import.acks_late is True and tasks.run_import.reject_on_worker_lost is True
    assert tasks.run_import.soft_time_limit == IMPORT_SOFT_TIME_LIMIT


def test_an_unreadable_file_fails_the_job_with_the_reason_in_its_language(mandate, recruiter):
    job = new_job(mandate, recruiter, b"a;b\r\n1;2\r\n", language="fr")
    job = services.import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith("La première ligne du fichier")  # French, as the uploader's page was


def test_a_file_gone_or_changed_fails_the_job(mandate, recruiter, settings):
    job = new_job(mandate, recruiter)
    (settings.MEDIA_ROOT / job.file.name).write_bytes(b"Nom;Prenom\r\n")
    assert "not the one uploaded" in services.import_job_run(job_id=job.pk).error
    job = new_job(mandate, recruiter)
    (settings.MEDIA_ROOT / job.file.name).unlink()
    assert "no longer available" in services.import_job_run(job_id=job.pk).error


def test_the_file_is_deleted_once_its_save_is_over(
    mandate, recruiter, settings, django_capture_on_commit_callbacks
):
    preview = done_preview(mandate, recruiter)
    path = settings.MEDIA_ROOT / preview.file.name
    save = services.import_job_confirm(preview=preview, by=recruiter)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_job_run(job_id=save.pk)
    assert not path.exists()
    assert not ImportJob.objects.get(pk=save.pk).file and not ImportJob.objects.get(pk=preview.pk).file
    again = services.import_job_confirm(preview=preview, by=recruiter)
    assert again.pk == save.pk and again.already_confirmed


def test_a_preview_whose_file_is_gone_cannot_be_confirmed(mandate, recruiter):
    preview = done_preview(mandate, recruiter)
    ImportJob.objects.filter(pk=preview.pk).update(file="")
    with pytest.raises(ValidationError) as caught:
        services.import_job_confirm(preview=preview, by=recruiter)
    assert caught.value.code == "file_gone"


def test_a_recruiter_cannot_take_over_another_mandates_candidate_through_a_job(mandate, recruiter):
    """Addresses held only in another recruiter's mandate are new addresses for this one: the
    preview plans eight new candidates of this mandate, never an update of the other records."""
    other = MandateFactory()
    services.candidates_import(mandate=other, data=sample_path(SAMPLE_FILES[0]).read_bytes(), by=None)
    job = done_preview(mandate, recruiter)
    assert job.result["ok"] and job.result["error_count"] == 0
    assert (job.result["created"], job.result["updated"], job.result["unchanged"]) == (8, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_progress_of_a_save_is_visible_from_another_connection_before_it_commits(monkeypatch):
    """PostgreSQL: the save's transaction is open for the whole import, yet the job's page (another
    connection) sees the counters move — they are written through a connection of their own."""
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    recruiter = UserFactory(groups=["recruiter"])
    mandate = MandateFactory(recruiters=[recruiter])
    preview = done_preview(mandate, recruiter, generated_csv(300))
    monkeypatch.setattr(tasks.run_import, "apply_async", lambda *args, **kwargs: None)  # the worker is below
    save = services.import_job_confirm(preview=preview, by=recruiter)
    assert ImportJob.objects.get(pk=save.pk).status == ImportJob.Status.QUEUED
    seen = []
    original = services._ProgressWriter.__call__

    def watch(self, done, total):
        original(self, done, total)
        assert self.separate
        reader = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with reader.cursor() as cursor:
                cursor.execute(
                    "SELECT rows_done, rows_total FROM candidates_importjob WHERE id = %s", [self.job_id]
                )
                row = cursor.fetchone()
                cursor.execute("SELECT count(*) FROM candidates_candidate")
                visible = cursor.fetchone()[0]
        finally:
            reader.close()
        seen.append((*row, visible))

    services._ProgressWriter.__call__ = watch
    try:
        thread = threading.Thread(
            target=lambda: (services.import_job_run(job_id=save.pk), connection.close())
        )
        thread.start()  # a thread of its own: outside any transaction, as in the worker
        thread.join(60)
    finally:
        services._ProgressWriter.__call__ = original
    save.refresh_from_db()
    assert seen == [(0, 300, 0), (100, 300, 0), (200, 300, 0), (300, 300, 0)], (save.status, save.error)
    assert save.status == ImportJob.Status.DONE and Candidate.objects.count() == 300


# ------------------------------------------------------------------------------------ the sweep


def test_the_sweep_fails_a_lost_save_for_good_so_a_late_redelivery_imports_nothing(mandate, recruiter):
    """The worker died in the middle of a save (nothing saved). An hour later Redis would give the
    old message back: the job must be failed by then, whatever newer import happened meanwhile."""
    preview = done_preview(mandate, recruiter)
    save = services.import_job_confirm(preview=preview, by=recruiter, language="en")
    ImportJob.objects.filter(pk=save.pk).update(
        status=ImportJob.Status.RUNNING, task_id="outbox-7-1", started_at=timezone.now()
    )
    later = timezone.now() + tasks.services.import_job_lifetime() + timedelta(seconds=1)
    before = counts()
    assert services.import_jobs_sweep(now=later) == {"failed": 1, "resent": 0, "files_deleted": 0}
    save.refresh_from_db()
    assert save.status == ImportJob.Status.FAILED
    assert save.error == (
        "The import was interrupted (the worker stopped); nothing was saved. Upload the file again."
    )
    assert services.import_job_run(job_id=save.pk, task_id="outbox-7-1").status == ImportJob.Status.FAILED
    assert counts() == before  # the late redelivery did nothing


def test_the_sweep_requests_a_forgotten_queued_job_again(
    mandate, recruiter, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job = new_job(mandate, recruiter)
    assert services.import_jobs_sweep()["resent"] == 0  # young: left alone
    later = timezone.now() + timedelta(seconds=settings.IMPORT_RESEND_AFTER + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.import_jobs_sweep(now=later)["resent"] == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE  # eager here: the re-requested task ran it


def test_the_sweep_deletes_the_files_of_old_previews_never_confirmed(
    mandate, recruiter, settings, django_capture_on_commit_callbacks
):
    preview = done_preview(mandate, recruiter)
    path = preview.file.path
    assert preview.file and preview.file.storage.exists(preview.file.name)
    soon = timezone.now() + timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS - 1)
    assert services.import_jobs_sweep(now=soon)["files_deleted"] == 0
    later = timezone.now() + timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS, seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.import_jobs_sweep(now=later)["files_deleted"] == 1
    preview.refresh_from_db()
    assert preview.file.name == "" and not Path(path).exists()
