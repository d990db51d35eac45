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
from candidates.models import Application, Mandate

from . import pipeline
from .kinds import REPORT, SHORTLIST
from .models import Report, Shortlist
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


# ---------------------------------------------------------------------------------- shortlists


def _check_shortlist_independence(applications, by):
    """The report's independence rule, for every finalist."""
    for application in applications:
        _check_independence(application, by)


@transaction.atomic
def shortlist_request(*, mandate, applications, by=None, language="fr", enqueue=True) -> Shortlist:
    """Create the next version of ``mandate``'s shortlist of ``applications``, with its snapshot
    (``reports.shortlist.build_snapshot``), and enqueue its rendering once the transaction commits.

    Args:
        mandate: the ``Mandate`` (access is checked by the caller: see ``reports.views``).
        applications: the finalists, 2 to 4 distinct applications of ``mandate``, in the order
            they are compared.
        by: the requesting user, or ``None``; language: "fr" by default; enqueue: as for
            :func:`report_request`.

    Returns the new ``Shortlist`` (status ``queued``, version = the mandate's highest + 1) with
    ``already_pending`` False; or, when a version in the same language is still queued or
    rendering, that version with ``already_pending`` True (whatever finalists it compares).

    Raises:
        ValidationError: fewer than 2 or more than 4 finalists, or one outside the mandate (code
            ``finalists``); ``by`` has an unsubmitted scorecard for a finalist (code
            ``independence``).
    """
    from . import shortlist as shortlist_module

    ids = list(dict.fromkeys(a.pk for a in applications))
    if not shortlist_module.MIN_FINALISTS <= len(ids) <= shortlist_module.MAX_FINALISTS:
        raise ValidationError(
            _("A shortlist compares between %(min)d and %(max)d candidates (you chose %(n)d).")
            % {"min": shortlist_module.MIN_FINALISTS, "max": shortlist_module.MAX_FINALISTS, "n": len(ids)},
            code="finalists",
        )
    locked = Mandate.objects.select_for_update().select_related("company", "ceo").get(pk=mandate.pk)
    loaded = {
        a.pk: a for a in Application.objects.filter(pk__in=ids, mandate=locked).select_related("candidate")
    }
    if len(loaded) != len(ids):
        raise ValidationError(_("Every finalist must be a candidate of this mandate."), code="finalists")
    finalists = [loaded[pk] for pk in ids]
    _check_shortlist_independence(finalists, by)
    shortlist = pipeline.document_request(
        SHORTLIST,
        scope={"mandate": locked},
        language=language,
        by=by,
        build=lambda version, now: shortlist_module.build_snapshot(
            mandate=locked, applications=finalists, version=version, by=by, language=language, now=now
        ),
        enqueue=False,
        # A pending version answers only the same finalists in the same order; others get their own.
        same=lambda pending: [f["application"]["id"] for f in pending.snapshot.get("finalists", [])] == ids,
    )
    if not shortlist.already_pending:
        shortlist.finalists.set(finalists)
        if enqueue:
            SHORTLIST.enqueue(shortlist)
    return shortlist


@transaction.atomic
def shortlist_retry(*, shortlist, by=None) -> Shortlist:
    """Queue a failed (or stuck) shortlist again and enqueue its rendering on commit; the snapshot
    is kept. Raises ``ValidationError`` if it is neither failed nor stuck (code ``not_failed``) or
    ``by`` has an unsubmitted scorecard for one of its finalists (code ``independence``)."""
    return pipeline.document_retry(
        SHORTLIST,
        document=shortlist,
        by=by,
        check=lambda locked, user: _check_shortlist_independence(locked.finalists.all(), user),
        not_failed_message=_("Only a failed shortlist can be retried."),
    )


def shortlist_render(*, shortlist_id, task_id=None) -> Shortlist | None:
    """Render a queued shortlist now (``reports.pipeline.document_render``); idempotent."""
    return pipeline.document_render(SHORTLIST, document_id=shortlist_id, task_id=task_id)
