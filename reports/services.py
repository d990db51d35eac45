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
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.selectors import has_open_draft
from candidates.models import Application
from cso_recruit.runs import live_elsewhere, run_lifetime
from outbox.services import task_request

from . import rendering
from .models import Report
from .snapshot import build_snapshot

logger = logging.getLogger(__name__)

#: Errors worth retrying (disk, network file systems, database connection): the task retries them
#: with exponential backoff; anything else fails the report at once with a readable error.
TRANSIENT_ERRORS = (OSError, OperationalError)
#: Longest error text kept on the report.
ERROR_MAX = 2000


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


def _enqueue(report):
    """Ask for the report's rendering once the transaction commits (through the outbox)."""
    task_request(RENDER_TASK, report_id=report.pk)


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
    pending = (
        Report.objects.filter(
            application=locked, language=language, status__in=[Report.Status.QUEUED, Report.Status.RENDERING]
        )
        .order_by("-version")
        .first()
    )
    if pending is not None:
        pending.already_pending = True
        return pending
    version = (Report.objects.filter(application=locked).aggregate(top=Max("version"))["top"] or 0) + 1
    now = timezone.now()
    report = Report(
        application=locked,
        version=version,
        requested_by=by,
        requested_at=now,
        language=language,
        snapshot=build_snapshot(application=locked, version=version, by=by, language=language, now=now),
    )
    report.full_clean()
    report.save()
    report.already_pending = False
    if enqueue:
        _enqueue(report)
    return report


def _interrupted_message(attempts):
    return _(
        "Rendering was interrupted %(n)d times (the worker stopped or the time limit of %(seconds)d "
        "seconds was reached); request a new version or retry later."
    ) % {"n": attempts, "seconds": settings.REPORT_RENDER_TIME_LIMIT}


def _claim(report_id, task_id=None):
    """Move a queued (or abandoned rendering) report to rendering; ``None`` if there is nothing
    to do here.

    A report already "rendering" is taken over only when its render is over: the same task
    message delivered again (``task_id`` equal: its worker died) or a render started longer ago
    than the hard time limit; otherwise another worker is rendering it and this delivery does
    nothing. ``task_id`` ``None`` (the command line) always takes it. Taking over counts as an
    interruption; a report interrupted ``REPORT_MAX_INTERRUPTIONS`` times is failed instead.
    """
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            logger.warning("Report %s does not exist (deleted before rendering?)", report_id)
            return None
        if report.status not in (Report.Status.QUEUED, Report.Status.RENDERING):
            return None  # ready: idempotent; failed: only a retry re-queues it
        now = timezone.now()
        if live_elsewhere(
            running=report.status == Report.Status.RENDERING,
            task_id=task_id,
            run_task_id=report.task_id,
            started_at=report.started_at,
            lifetime=_render_lifetime(),
            now=now,
        ):
            return None  # another worker is rendering it right now
        if report.status == Report.Status.RENDERING:
            report.interruptions += 1
        if report.interruptions >= settings.REPORT_MAX_INTERRUPTIONS:
            _give_up(report, now)
            return None
        report.status = Report.Status.RENDERING
        report.started_at = now
        report.attempts += 1
        report.task_id = task_id or ""
        report.save(update_fields=["status", "started_at", "attempts", "task_id", "interruptions"])
        return report


def _give_up(report, now):
    """Fail a locked report whose renders keep being interrupted."""
    report.status = Report.Status.FAILED
    report.error = _interrupted_message(report.interruptions)
    report.finished_at = now
    report.save(update_fields=["status", "error", "finished_at", "interruptions"])
    logger.error("Report %s failed: %d interrupted renders", report.pk, report.interruptions)


def _render_lifetime():
    """The longest a live render can last (``outbox.services.run_lifetime`` of the hard limit)."""
    return run_lifetime(settings.REPORT_RENDER_TIME_LIMIT)


def _finish(report_id, **fields):
    """Write the outcome unless another worker already published the report. Returns the report."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status == Report.Status.READY:
            return report, False
        for name, value in fields.items():
            setattr(report, name, value)
        report.finished_at = timezone.now()
        report.save()
        return report, True


def _readable(exc):
    text = str(exc).strip() or type(exc).__name__
    if not isinstance(exc, rendering.RenderError):
        text = f"{type(exc).__name__}: {text}"
    return text[:ERROR_MAX]


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

    ``task_id``: the Celery task's id (see :func:`_claim`); ``SoftTimeLimitExceeded`` propagates
    to the task, which fails the report with the time-out message.

    Returns the report, or ``None`` when it does not exist.
    """
    report = _claim(report_id, task_id)
    if report is None:
        return Report.objects.filter(pk=report_id).first()
    try:
        rendered = rendering.render_pdf(report.snapshot)
    except TRANSIENT_ERRORS as exc:
        if retry_transient:
            _finish(
                report_id,
                status=Report.Status.QUEUED,
                error=_("Attempt %(n)d failed, retrying: %(error)s")
                % {"n": report.attempts, "error": _readable(exc)},
            )
            raise
        return _fail(report_id, exc)
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:  # the report says why; the worker goes on with the next task
        logger.exception("Report %s failed to render", report_id)
        return _fail(report_id, exc)
    for line in rendered.warnings:
        logger.warning("Report %s: WeasyPrint %s", report_id, line)
    name = f"report-{report.pk}.pdf"  # replaced by report_upload_to's random server-made name
    stored = ContentFile(rendered.pdf, name=name)
    with transaction.atomic():
        current = Report.objects.select_for_update().get(pk=report_id)
        if current.status == Report.Status.READY:
            return current  # another worker published first
        current.pdf.save(name, stored, save=False)
        current.sha256 = rendered.sha256
        current.size = len(rendered.pdf)
        current.page_count = rendered.page_count
        current.status = Report.Status.READY
        current.error = ""
        current.finished_at = timezone.now()
        current.save()
    return current


def _fail(report_id, exc):
    report, _changed = _finish(report_id, status=Report.Status.FAILED, error=_readable(exc))
    return report


def report_fail(*, report_id, error) -> Report | None:
    """Mark a pending report failed with ``error`` (the task's last word when its retries or its time
    run out). A ready report is left untouched. Returns the report, ``None`` if missing."""
    if not Report.objects.filter(pk=report_id).exists():
        return None
    report, _changed = _finish(report_id, status=Report.Status.FAILED, error=str(error)[:ERROR_MAX] or "?")
    return report


@transaction.atomic
def report_retry(*, report, by=None) -> Report:
    """Queue a failed (or stuck) report again and enqueue its rendering on commit.

    The snapshot is kept: the retried version says exactly what was requested. Raises
    ``ValidationError`` if the report is neither failed nor stuck (code ``not_failed``), or if
    ``by`` has an unsubmitted scorecard for the application (code ``independence``).
    """
    report = Report.objects.select_for_update().select_related("application").get(pk=report.pk)
    if not report.can_retry:
        raise ValidationError(_("Only a failed report can be retried."), code="not_failed")
    _check_independence(report.application, by)
    report.status = Report.Status.QUEUED
    report.error = ""
    report.started_at = None
    report.finished_at = None
    report.queued_at = timezone.now()
    report.interruptions = 0
    report.save(update_fields=["status", "error", "started_at", "finished_at", "queued_at", "interruptions"])
    _enqueue(report)
    return report


def reports_sweep(*, now=None) -> dict:
    """Nothing pending for ever (beat, every minute; safe to run twice).

    * "rendering" started longer ago than the hard time limit (plus a minute): its worker is gone
      (killed, out of memory, the machine restarted): an interruption. Interrupted
      ``REPORT_MAX_INTERRUPTIONS`` times: failed with the reason; otherwise queued again and sent again.
    * "queued" for longer than ``REPORT_STALE_AFTER`` seconds (its task was lost with a broker's
      data, say): sent again. The render itself is idempotent (:func:`report_render`).

    Returns ``{"requeued": n, "resent": m, "failed": k}``.
    """
    now = now or timezone.now()
    counts = {"requeued": 0, "resent": 0, "failed": 0}
    abandoned = Report.objects.filter(
        status=Report.Status.RENDERING, started_at__lt=now - _render_lifetime()
    ).values_list("pk", flat=True)
    for pk in list(abandoned):
        with transaction.atomic():
            report = Report.objects.select_for_update().filter(pk=pk, status=Report.Status.RENDERING).first()
            if report is None:
                continue
            report.interruptions += 1
            if report.interruptions >= settings.REPORT_MAX_INTERRUPTIONS:
                _give_up(report, now)
                counts["failed"] += 1
                continue
            report.status = Report.Status.QUEUED
            report.queued_at = now
            report.error = _("Attempt %(n)d was interrupted; rendering again.") % {"n": report.attempts}
            report.save(update_fields=["status", "queued_at", "error", "interruptions"])
            _enqueue(report)
            counts["requeued"] += 1
    forgotten = Report.objects.filter(
        status=Report.Status.QUEUED, queued_at__lt=now - timedelta(seconds=settings.REPORT_STALE_AFTER)
    )
    for pk in list(forgotten.values_list("pk", flat=True)):
        with transaction.atomic():
            report = Report.objects.select_for_update().filter(pk=pk, status=Report.Status.QUEUED).first()
            if report is None:
                continue
            report.queued_at = now
            report.save(update_fields=["queued_at"])
            _enqueue(report)
            counts["resent"] += 1
    return counts
