"""What every background job (``models.BackgroundJob``: CSV imports and exports, access exports)
does the same way: failing with a reason in the requester's language, and the periodic sweep that
leaves nothing pending for ever and no private file kept for ever."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation

from outbox.services import task_request

#: Longest error text kept on a job (characters).
JOB_ERROR_MAX = 2000


def job_fail(model, *, job_id: int, error, params: dict | None = None, on_failed=None):
    """Mark pending job ``job_id`` of ``model`` (a ``BackgroundJob`` subclass) failed with ``error``
    (a string or a lazy translation, rendered in the job's language with ``params``): a task's
    last word when its time runs out, or the sweeper's. Finished jobs are left alone.
    ``on_failed(job)``, if given, runs in the same transaction once the job is failed (e.g. to
    release its file). Returns the job, ``None`` if it does not exist."""
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_pending:
            return job
        with translation.override(job.language):
            message = str(error) % params if params else str(error)
        job.status = model.Status.FAILED
        job.error = message[:JOB_ERROR_MAX] or "?"
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        if on_failed is not None:
            on_failed(job)
        return job


def file_jobs_sweep(
    model,
    *,
    task: str,
    max_attempts: int,
    resend_after: timedelta,
    file_retention: timedelta,
    interrupted,
    now=None,
) -> dict:
    """Sweep the jobs of ``model`` whose done runs leave a private file to download (CSV exports,
    access exports); beat, every few minutes; safe to run twice.

    * A job "running" past its task's lifetime (``model.lifetime()``) lost its worker: ``task``
      (a registered Celery task name, called with ``job_id``) is requested again — the run is
      repeatable — or, after ``max_attempts`` runs, the job is failed with ``interrupted`` (a lazy
      translation taking ``%(attempts)d``).
    * A job "queued" for longer than ``resend_after`` (its message lost with the broker's data):
      ``task`` is requested again.
    * The file of a done job is deleted ``file_retention`` after the job finished (personal data,
      kept no longer than the download needs); the job stays, "expired". The file goes on commit.

    Returns ``{"failed": n, "resent": m, "files_deleted": k}``.
    """
    now = now or timezone.now()
    counts = {"failed": 0, "resent": 0, "files_deleted": 0}
    lost = model.objects.filter(status=model.Status.RUNNING, started_at__lt=now - model.lifetime())
    for pk, attempts in list(lost.values_list("pk", "attempts")):
        if attempts >= max_attempts:
            job = job_fail(model, job_id=pk, error=interrupted, params={"attempts": attempts})
            counts["failed"] += int(job is not None and job.status == model.Status.FAILED)
        else:
            task_request(task, job_id=pk)
            counts["resent"] += 1
    forgotten = model.objects.filter(status=model.Status.QUEUED, created_at__lt=now - resend_after)
    for pk in list(forgotten.values_list("pk", flat=True)):
        task_request(task, job_id=pk)
        counts["resent"] += 1
    expired = model.objects.filter(status=model.Status.DONE, finished_at__lt=now - file_retention).exclude(
        file=""
    )
    for job in list(expired):
        name, storage = job.file.name, job.file.storage
        model.objects.filter(pk=job.pk).update(file="")
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        counts["files_deleted"] += 1
    return counts
