"""Writes on reports: request (snapshot + enqueue on commit), render (idempotent), retry.

Status machine: queued → rendering → ready | failed; failed (or stuck) → queued by a retry.
Every transition is made under a row lock (``select_for_update``), so two workers that receive the
same task (``acks_late`` redelivery) cannot both publish a PDF, and a ready report is never
rendered or changed again (``Report.save`` refuses it too).

The web request never renders: ``report_request`` only freezes the snapshot and writes a task
request for ``reports.tasks.render_report`` into the outbox (``outbox.services.task_request``), sent
once the row is committed; a broker that cannot be reached leaves the request pending for the
outbox's sweeper, and the user's request succeeds all the same. ``report_render`` is what the task
— and ``manage.py render_report`` — runs.

Nothing stays pending for ever (:func:`reports_sweep`, beat every minute): a report "rendering"
for longer than the hard time limit lost its worker and is queued again, one "queued" for longer
than ``REPORT_STALE_AFTER`` is sent again; a render may be interrupted at most
``REPORT_MAX_INTERRUPTIONS`` times (a worker killed mid-render is redelivered: ``reject_on_worker_lost``),
then the report fails with a readable reason.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.selectors import has_open_draft
from candidates.models import Application

from . import pipeline
from .kinds import REPORT
from .models import Report
from .snapshot import build_snapshot

logger = logging.getLogger(__name__)

#: Errors worth retrying (disk, network file systems, database connection): the task retries them
#: with exponential backoff; anything else fails the report at once with a readable error.
TRANSIENT_ERRORS = pipeline.TRANSIENT_ERRORS
#: Longest error text kept on the report.
ERROR_MAX = pipeline.ERROR_MAX


def _check_independence(application, by):
    if by is not None and has_open_draft(by, application):
        raise ValidationError(
            _(
                "You have a scorecard in progress for this candidate: submit it before requesting or reading "
                "a report (independent rating)."
            ),
            code="independence",
        )


RENDER_TASK = "reports.tasks.render_report"
_interrupted_message = pipeline._interrupted_message


def _enqueue(report):
    """Ask for the report's rendering once the transaction commits (through the outbox)."""
    REPORT.enqueue(report)


@transaction.atomic
def report_request(*, application, by=None, language="fr", enqueue=True) -> Report:
    """Create the next version of ``application``'s report, with its data snapshot, and enqueue
    its rendering once the transaction commits.

    Args:
        application: the ``Application`` (access is checked by the caller: see ``reports.views``).
        by: the requesting user, or ``None`` (command line).
        language: language of the report ("fr" by default).
        enqueue: ``False`` leaves the report queued without a task (the command renders it itself).

    Returns:
        The new ``Report`` (status ``queued``, version = previous highest + 1, starting at 1) with
        ``already_pending`` False; or, when a version in the same language is still queued or
        rendering (a second click, another panel member), that version with ``already_pending``
        True — no new version is made.

    Raises:
        ValidationError: ``by`` has an unsubmitted scorecard for the application (independence
            rule, code ``independence``).
    """
    locked = (
        Application.objects.select_for_update()
        .select_related("candidate", "mandate__company", "mandate__ceo")
        .get(pk=application.pk)
    )
    _check_independence(locked, by)
    return pipeline.document_request(
        REPORT,
        scope={"application": locked},
        language=language,
        by=by,
        build=lambda version, now: build_snapshot(
            application=locked, version=version, by=by, language=language, now=now
        ),
        enqueue=enqueue,
    )


def _claim(report_id, task_id=None):
    """Move a queued (or abandoned rendering) report to rendering; ``None`` if there is nothing
    to do here (see ``reports.pipeline.document_claim``)."""
    return pipeline.document_claim(REPORT, report_id, task_id)


def report_render(*, report_id, retry_transient=False, task_id=None) -> Report | None:
    """Render a queued report to PDF and publish it; idempotent.

    A ready report is returned untouched (never rendered twice); a failed one too (use
    :func:`report_retry`). Otherwise the status goes to ``rendering`` (``attempts`` + 1), the PDF
    is rendered from the snapshot only (``reports.rendering.render_pdf``), stored under a
    server-made name, and the report becomes ``ready`` with its SHA-256 (hex), size (bytes) and
    page count (pypdf).

    Errors: any rendering error leaves the report ``failed`` with a readable ``error``. With
    ``retry_transient=True`` (the Celery task, which retries with backoff), a transient error
    (``OSError``, database ``OperationalError``) puts the report back to ``queued`` with the error
    noted and is re-raised.

    ``task_id``: the Celery task's id (see ``reports.pipeline.document_claim``);
    ``SoftTimeLimitExceeded`` propagates to the task, which fails the report with the time-out
    message.

    Returns the report, or ``None`` when it does not exist.
    """
    return pipeline.document_render(
        REPORT, document_id=report_id, retry_transient=retry_transient, task_id=task_id
    )


def report_fail(*, report_id, error) -> Report | None:
    """Mark a pending report failed with ``error`` (the task's last word when its retries or its time
    run out). A ready report is left untouched. Returns the report, ``None`` if missing."""
    return pipeline.document_fail(REPORT, document_id=report_id, error=error)


@transaction.atomic
def report_retry(*, report, by=None) -> Report:
    """Queue a failed (or stuck) report again and enqueue its rendering on commit.

    The snapshot is kept: the retried version says exactly what was requested. Raises
    ``ValidationError`` if the report is neither failed nor stuck (code ``not_failed``), or if
    ``by`` has an unsubmitted scorecard for the application (code ``independence``).
    """
    return pipeline.document_retry(
        REPORT,
        document=report,
        by=by,
        check=lambda locked, user: _check_independence(locked.application, user),
        not_failed_message=_("Only a failed report can be retried."),
    )


def reports_sweep(*, now=None) -> dict:
    """Nothing pending for ever (beat, every minute; safe to run twice).

    * "rendering" started longer ago than the hard time limit (plus a minute): its worker is gone
      (killed, out of memory, the machine restarted): an interruption. Interrupted
      ``REPORT_MAX_INTERRUPTIONS`` times: failed with the reason; otherwise queued again and sent again.
    * "queued" for longer than ``REPORT_STALE_AFTER`` seconds (its task was lost with a broker's
      data, say): sent again. The render itself is idempotent (:func:`report_render`).

    Returns ``{"requeued": n, "resent": m, "failed": k}``.
    """
    return pipeline.documents_sweep(REPORT, now=now)
