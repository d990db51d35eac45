"""Celery tasks of the reports: rendering (queue ``reports``: see ``CELERY_TASK_ROUTES``) and the
sweep of reports left pending.

``render_report`` takes the report id only (JSON), loads, calls ``reports.services.report_render``.
Safe to run twice: the service renders a report at most once and never touches a ready one. With
``acks_late`` and ``reject_on_worker_lost`` a message whose worker child died (``kill -9``, the
hard time limit, a crash in a native library) goes back to the queue and is delivered again; the
service counts the attempts and fails the report after ``REPORT_MAX_INTERRUPTIONS``. Transient errors (``OSError``, database
``OperationalError``) are retried with exponential backoff, at most ``max_retries`` times; when the
retries or the time run out the report is marked failed with a readable error, so it never stays
"rendering" because of the task. PDF workers are recycled after
``CELERY_WORKER_MAX_TASKS_PER_CHILD`` tasks (WeasyPrint's caches grow).
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext as _

from . import pipeline, services

SOFT_TIME_LIMIT = getattr(settings, "REPORT_RENDER_SOFT_TIME_LIMIT", 120)
TIME_LIMIT = getattr(settings, "REPORT_RENDER_TIME_LIMIT", 150)
MAX_RETRIES = 3


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=120,
    retry_jitter=False,
    max_retries=MAX_RETRIES,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def render_report(self, report_id):
    """Render report ``report_id`` (int). Returns ``{"report": id, "status": status}`` (JSON).

    Run eagerly (embedded default, no broker) there is no backoff to wait for: a transient error
    fails the report at once and its page offers the retry button.
    """
    retry = not self.request.is_eager and self.request.retries < self.max_retries
    try:
        report = services.report_render(report_id=report_id, retry_transient=retry, task_id=self.request.id)
    except SoftTimeLimitExceeded:
        report = services.report_fail(
            report_id=report_id,
            error=_("Rendering took longer than %(seconds)d seconds and was stopped.")
            % {"seconds": SOFT_TIME_LIMIT},
        )
    except services.TRANSIENT_ERRORS:
        raise  # autoretry_for re-queues the task with backoff; the report is back to "queued"
    return {"report": report_id, "status": report.status if report else None}


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def sweep_stale_reports():
    """Periodic (beat, every minute): queue again or fail the reports whose render was lost (see
    ``services.reports_sweep``). Returns its counts."""
    return services.reports_sweep()


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=120,
    retry_jitter=False,
    max_retries=MAX_RETRIES,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def render_document(self, kind, document_id):
    """Render document ``document_id`` (int) of the registered kind ``kind`` (str, see
    ``reports.pipeline``): the same guarantees as :func:`render_report` for every kind. Returns
    ``{"kind": kind, "document": id, "status": status}`` (JSON); an unknown kind gives status ``None``."""
    try:
        document_kind = pipeline.kind(kind)
    except KeyError:
        return {"kind": kind, "document": document_id, "status": None}
    retry = not self.request.is_eager and self.request.retries < self.max_retries
    try:
        document = pipeline.document_render(
            document_kind, document_id=document_id, retry_transient=retry, task_id=self.request.id
        )
    except SoftTimeLimitExceeded:
        document = pipeline.document_fail(
            document_kind,
            document_id=document_id,
            error=_("Rendering took longer than %(seconds)d seconds and was stopped.")
            % {"seconds": SOFT_TIME_LIMIT},
        )
    except services.TRANSIENT_ERRORS:
        raise  # autoretry_for re-queues the task with backoff; the document is back to "queued"
    return {"kind": kind, "document": document_id, "status": document.status if document else None}


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def sweep_stale_documents():
    """Periodic (beat, every minute): ``reports.pipeline.documents_sweep`` for every registered kind
    but the report (swept by :func:`sweep_stale_reports`). Returns ``{kind: counts}``."""
    return {
        document_kind.code: pipeline.documents_sweep(document_kind)
        for document_kind in pipeline.kinds()
        if document_kind.code != "report"
    }
