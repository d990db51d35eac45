"""Celery tasks of the candidates app: the CSV import (preview and save) of an ``ImportJob``, the
CSV export of an ``ExportJob``, and their sweepers.

``run_import`` takes the job id only (JSON), loads, calls ``candidates.services.import_job_run``.
It is requested through the outbox (``services.import_job_create`` / ``import_job_confirm``), so it
may arrive twice: the service never runs a done or failed job again, and a save writes its rows and
its "done" in one transaction. With ``acks_late`` and ``reject_on_worker_lost`` a message whose
worker died is delivered again and takes the job over; past the soft time limit the job fails with
a message (a save's transaction is rolled back: nothing imported).
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext_lazy as _

from . import services
from .models import EXPORT_SOFT_TIME_LIMIT, EXPORT_TIME_LIMIT, IMPORT_SOFT_TIME_LIMIT, IMPORT_TIME_LIMIT


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
    time_limit=IMPORT_TIME_LIMIT,
)
def run_import(self, job_id):
    """Run import job ``job_id`` (int). Returns ``{"job": id, "status": status}`` (JSON)."""
    try:
        job = services.import_job_run(job_id=job_id, task_id=self.request.id)
    except SoftTimeLimitExceeded:
        job = services.import_job_fail(
            job_id=job_id,
            error=_("The import took longer than %(seconds)d seconds and was stopped; nothing was saved."),
            params={"seconds": IMPORT_SOFT_TIME_LIMIT},
        )
    return {"job": job_id, "status": job.status if job else None}


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def sweep_import_jobs():
    """Periodic (beat, every five minutes): fail the imports whose worker vanished, request again
    those whose message was lost, delete expired files (``services.import_jobs_sweep``)."""
    return services.import_jobs_sweep()


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=EXPORT_SOFT_TIME_LIMIT,
    time_limit=EXPORT_TIME_LIMIT,
)
def run_export(self, job_id):
    """Write export job ``job_id`` (int)'s CSV file (``services.export_job_run``; repeatable, so a
    redelivery after a worker's death simply writes it again). Returns ``{"job": id, "status":
    status}`` (JSON)."""
    try:
        job = services.export_job_run(job_id=job_id, task_id=self.request.id)
    except SoftTimeLimitExceeded:
        job = services.export_job_fail(
            job_id=job_id,
            error=_("The export took longer than %(seconds)d seconds and was stopped."),
            params={"seconds": EXPORT_SOFT_TIME_LIMIT},
        )
    return {"job": job_id, "status": job.status if job else None}


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def sweep_export_jobs():
    """Periodic (beat, every five minutes): run again the exports whose worker vanished or whose
    message was lost, delete expired export files (``services.export_jobs_sweep``)."""
    return services.export_jobs_sweep()
