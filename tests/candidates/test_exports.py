"""The mandate's CSV export as a background job (``ExportJob``, ``candidates.tasks.run_export``).

The request only queues the job (a task request in the outbox, sent on commit); the task writes a
private file the requester downloads from the job's page, which follows the progress. A second
click returns the export already under way; a run may be repeated (redelivery, sweeper) and never
writes two files; expired files are deleted.
"""

import csv
import hashlib
import io
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from candidates import services, tasks
from candidates.models import EXPORT_SOFT_TIME_LIMIT, ExportJob
from outbox.models import TaskRequest
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory

pytestmark = pytest.mark.django_db

NAMES = [("Zoé", "Ardent"), ("Marc", "Bélanger"), ("Ana", "Cruz"), ("Lina", "Dupré"), ("Yves", "Estève")]


@pytest.fixture
def filled(mandate):
    """The mandate with five candidates, and one more in another mandate."""
    for first, last in NAMES:
        ApplicationFactory(
            mandate=mandate,
            candidate=CandidateFactory(
                first_name=first, last_name=last, email=f"{first.lower()}.{last.lower()}@example.org"
            ),
        )
    ApplicationFactory(candidate=CandidateFactory(last_name="Ailleurs"))
    return mandate


@pytest.fixture
def as_recruiter(client, recruiter):
    client.force_login(recruiter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def export_url(mandate):
    return reverse("candidates:export", kwargs={"slug": mandate.slug})


def rows_of(data: bytes) -> list[list[str]]:
    """The CSV file read by the standard library (not by the product's parser)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_request_returns_at_once_and_the_task_writes_the_file(
    as_recruiter, filled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_recruiter.post(export_url(filled))

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == ExportJob.Status.QUEUED and not job.file and job.language == "en"
    request = TaskRequest.objects.get()
    assert (request.task, request.kwargs) == ("candidates.tasks.run_export", {"job_id": job.pk})
    page = as_recruiter.get(job.get_absolute_url())
    html = page.content.decode()
    assert "Waiting for a worker to write the file…" in html and "data-live-pending" in html
    assert 'data-live-url="{}"'.format(reverse("candidates:export_job_status", kwargs={"pk": job.pk})) in html
    assert page["Cache-Control"] == "private, no-store"
    download = reverse("candidates:export_job_download", kwargs={"pk": job.pk})
    assert download not in html and as_recruiter.get(download).status_code == 404

    callbacks[0]()  # the commit: the outbox sends the task (eager here)

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and (job.rows_done, job.rows_total) == (5, 5)
    assert job.file.name.startswith("exports/") and job.attempts == 1
    status = as_recruiter.get(reverse("candidates:export_job_status", kwargs={"pk": job.pk})).content.decode()
    assert "5 candidates in the file." in status and download in status and "data-live-pending" not in status
    data = b"".join(as_recruiter.get(download).streaming_content)
    rows = rows_of(data)
    assert [row[:2] for row in rows[1:]] == [[last, first] for first, last in NAMES]
    assert job.size == len(data)
    assert job.sha256 == hashlib.sha256(data).hexdigest()


def test_a_second_click_returns_the_export_under_way(
    as_recruiter, filled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = as_recruiter.post(export_url(filled))
        second = as_recruiter.post(export_url(filled), follow=True)

    assert ExportJob.objects.count() == 1 and TaskRequest.objects.count() == 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "An export of this mandate is already under way: here it is." in second.content.decode()


def test_each_requester_has_their_own_export_of_what_they_see(filled, recruiter):
    ceo = filled.ceo
    mine = services.export_job_request(mandate=filled, by=recruiter)
    theirs = services.export_job_request(mandate=filled, by=ceo)
    assert mine.pk != theirs.pk and not theirs.already_pending


def test_a_run_repeated_writes_one_file_and_changes_nothing(filled, recruiter):
    job = services.export_job_request(mandate=filled, by=recruiter)
    done = services.export_job_run(job_id=job.pk, task_id="first")
    again = services.export_job_run(job_id=job.pk, task_id="second")

    assert done.status == again.status == ExportJob.Status.DONE
    assert again.file.name == done.file.name and again.attempts == 1
    assert len(default_storage.listdir("exports")[1]) >= 1
    assert default_storage.exists(done.file.name)


def test_a_live_run_is_left_to_its_worker_and_a_dead_one_is_taken_over(filled, recruiter):
    job = services.export_job_request(mandate=filled, by=recruiter)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now(), task_id="alive", attempts=1
    )
    left = services.export_job_run(job_id=job.pk, task_id="another")
    assert left.status == ExportJob.Status.RUNNING and left.task_id == "alive"

    # The same message delivered again (its worker was killed): it takes its own run over.
    again = services.export_job_run(job_id=job.pk, task_id="alive")
    assert again.status == ExportJob.Status.DONE and again.attempts == 2 and again.rows_total == 5


def test_a_run_overtaken_meanwhile_drops_its_file(filled, recruiter, django_capture_on_commit_callbacks):
    job = services.export_job_request(mandate=filled, by=recruiter)
    real_export = services.candidates_export

    def overtaken(**kwargs):
        data = real_export(**kwargs)
        ExportJob.objects.filter(pk=job.pk).update(attempts=9)  # another run started meanwhile
        return data

    before = set(default_storage.listdir("exports")[1]) if default_storage.exists("exports") else set()
    with (
        mock.patch.object(services, "candidates_export", overtaken),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = services.export_job_run(job_id=job.pk, task_id="slow")
    assert result.status == ExportJob.Status.RUNNING and not result.file
    # The file the overtaken run wrote is deleted on commit.
    assert set(default_storage.listdir("exports")[1]) == before


def test_a_requester_who_lost_access_gets_a_failed_export(filled, recruiter):
    job = services.export_job_request(mandate=filled, by=recruiter)
    filled.recruiters.remove(recruiter)

    failed = services.export_job_run(job_id=job.pk)

    assert failed.status == ExportJob.Status.FAILED and not failed.file
    assert failed.error == "Le demandeur ne peut plus lire le pipeline de ce mandat."  # job language: fr


def test_the_soft_time_limit_fails_the_job_with_its_own_message(filled, recruiter):
    job = services.export_job_request(mandate=filled, by=recruiter, language="en")
    with mock.patch.object(services, "candidates_export", side_effect=SoftTimeLimitExceeded()):
        outcome = tasks.run_export.apply(kwargs={"job_id": job.pk}).get()

    job.refresh_from_db()
    assert outcome == {"job": job.pk, "status": "failed"}
    assert job.error == f"The export took longer than {EXPORT_SOFT_TIME_LIMIT} seconds and was stopped."


def test_an_unexpected_error_fails_the_job_and_says_why(filled, recruiter):
    job = services.export_job_request(mandate=filled, by=recruiter, language="en")
    with mock.patch.object(services, "candidates_export", side_effect=OSError("disk full")):
        failed = services.export_job_run(job_id=job.pk)
    assert failed.status == ExportJob.Status.FAILED
    assert failed.error == "The export stopped on an unexpected error (OSError: disk full)."


def test_progress_is_written_while_the_rows_are_written(mandate, recruiter):
    for i in range(2 * services.EXPORT_PROGRESS_EVERY + 7):
        ApplicationFactory(mandate=mandate, candidate=CandidateFactory(last_name=f"Nom{i:04d}"))
    job = services.export_job_request(mandate=mandate, by=recruiter)
    seen = []
    real_progress = services._export_progress

    def progress(job_id, total):
        write = real_progress(job_id, total)

        def both(done):
            write(done)
            seen.append(ExportJob.objects.values_list("rows_done", "rows_total").get(pk=job_id))

        return both

    with mock.patch.object(services, "_export_progress", progress):
        done = services.export_job_run(job_id=job.pk)
    assert seen == [(0, 407), (200, 407), (400, 407)]  # what the job's page reads meanwhile
    assert (done.rows_done, done.rows_total) == (407, 407)


def test_the_sweeper_sends_again_gives_up_and_deletes_expired_files(filled, recruiter):
    now = timezone.now()
    lifetime = ExportJob.lifetime()
    stale = ExportJob.objects.create(
        mandate=filled,
        requested_by=recruiter,
        status=ExportJob.Status.RUNNING,
        started_at=now - lifetime - timedelta(seconds=5),
        attempts=1,
    )
    hopeless = ExportJob.objects.create(
        mandate=filled,
        requested_by=recruiter,
        status=ExportJob.Status.RUNNING,
        started_at=now - lifetime - timedelta(seconds=5),
        attempts=services.EXPORT_MAX_ATTEMPTS,
        language="en",
    )
    forgotten = ExportJob.objects.create(
        mandate=filled,
        requested_by=recruiter,
        created_at=now - timedelta(seconds=settings.EXPORT_RESEND_AFTER + 1),
    )
    fresh = ExportJob.objects.create(mandate=filled, requested_by=recruiter)
    old = services.export_job_run(
        job_id=services.export_job_request(mandate=MandateFactory(recruiters=[recruiter]), by=recruiter).pk
    )
    ExportJob.objects.filter(pk=old.pk).update(
        finished_at=now - timedelta(hours=settings.EXPORT_FILE_RETENTION_HOURS, seconds=1)
    )
    TaskRequest.objects.all().delete()

    counts = services.export_jobs_sweep(now=now)

    assert counts == {"failed": 1, "resent": 2, "files_deleted": 1}
    assert sorted(r.kwargs["job_id"] for r in TaskRequest.objects.all()) == sorted([stale.pk, forgotten.pk])
    hopeless.refresh_from_db()
    assert hopeless.status == ExportJob.Status.FAILED
    assert hopeless.error == "The export was interrupted 3 times (the worker stopped); ask for it again."
    fresh.refresh_from_db()
    assert fresh.status == ExportJob.Status.QUEUED
    old.refresh_from_db()
    assert old.expired and not default_storage.exists(old.file.name or "exports/none")
    # The stale run is taken over by the re-sent task.
    assert services.export_job_run(job_id=stale.pk, task_id="resent").status == ExportJob.Status.DONE


def test_an_expired_export_says_so_and_is_no_longer_downloadable(as_recruiter, filled, recruiter):
    job = services.export_job_run(job_id=services.export_job_request(mandate=filled, by=recruiter).pk)
    services.export_jobs_sweep(
        now=timezone.now() + timedelta(hours=settings.EXPORT_FILE_RETENTION_HOURS, minutes=1)
    )

    html = as_recruiter.get(job.get_absolute_url()).content.decode()
    assert "This export's file was deleted at the end of its retention period." in html
    assert (
        as_recruiter.get(reverse("candidates:export_job_download", kwargs={"pk": job.pk})).status_code == 404
    )


def test_the_export_page_lists_only_my_exports(as_recruiter, filled, recruiter):
    mine = services.export_job_run(job_id=services.export_job_request(mandate=filled, by=recruiter).pk)
    other = UserFactory(groups=["recruiter"])
    filled.recruiters.add(other)
    theirs = services.export_job_request(mandate=filled, by=other)

    html = as_recruiter.get(export_url(filled)).content.decode()
    assert mine.get_absolute_url() in html and theirs.get_absolute_url() not in html
    assert "deleted after 24 hours" in html
    assert as_recruiter.get(theirs.get_absolute_url()).status_code == 404
