"""Celery tasks of the audit app: the access export of an ``AccessExport`` and its sweeper (beat:
``CELERY_BEAT_SCHEDULE["access-exports-sweep"]``).

``run_access_export`` takes the job id only (JSON) and is requested through the outbox on commit
(``services.access_export_request``), so it may arrive twice: the run is repeatable and a done or
failed job is never run again. With ``acks_late`` and ``reject_on_worker_lost`` a message whose
worker died is delivered again and takes the job over.
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ACCESS_EXPORT_SOFT_TIME_LIMIT, ACCESS_EXPORT_TIME_LIMIT


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=ACCESS_EXPORT_SOFT_TIME_LIMIT,
    time_limit=ACCESS_EXPORT_TIME_LIMIT,
)
def run_access_export(self, job_id):
    """Write access export ``job_id`` (int)'s ZIP (``services.access_export_run``). Returns
    ``{"job": id, "status": status}`` (JSON)."""
    try:
        job = services.access_export_run(job_id=job_id, task_id=self.request.id)
    except SoftTimeLimitExceeded:
        job = services.access_export_fail(
            job_id=job_id,
            error=_("The access export took longer than %(seconds)d seconds and was stopped."),
            params={"seconds": ACCESS_EXPORT_SOFT_TIME_LIMIT},
        )
    return {"job": job_id, "status": job.status if job else None}


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def sweep_access_exports():
    """Periodic (beat, every five minutes): request again the access exports whose worker vanished
    or whose message was lost, delete expired files (``services.access_exports_sweep``)."""
    return services.access_exports_sweep()
