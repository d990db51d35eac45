"""The PDF pipeline, shared by every kind of rendered document (compatibility report, shortlist,
and whatever plugs in next: the start kit).

A *kind* is a :class:`DocumentKind` in the registry (:func:`register`, :func:`kind`). The pipeline
owns everything that is the same for all kinds — the status machine queued → rendering → ready |
failed, the row locks, the claim of a render by one worker, the publication of the file with its
SHA-256, size and page count, the retries, the interruptions and the sweep of what stays pending —
and the kind owns what differs: its model, how its PDF is rendered from the snapshot, who may read
it and its download name.

Plugging a new kind in (the start-kit PDF, say, in app ``onboarding``):

1. **Model**: subclass ``reports.models.RenderedDocument`` (it carries status, version, language,
   requester, timestamps, snapshot, pdf, sha256, size, page_count, error, attempts,
   interruptions, task_id and the immutability of a ready row); add the scope foreign key, the
   "version unique per scope" constraint and ``*document_constraints("<prefix>")``, and
   ``storage_folder()`` (server-made folder of the PDF). The kind's own migration creates it.
2. **Snapshot builder**: a function of the kind's app that reads the database once, at request
   time, and returns a JSON-ready dict (one ``json`` round trip) — every input of the PDF. It
   must hold ``{"document": {"version", "language", "requested_at", "requested_by"}, ...}``.
3. **HTML renderer**: ``render_html(snapshot) -> str`` reading nothing but the snapshot (activate
   the snapshot's language inside). ``html_renderer(render_html, identifier=...)`` turns it into the
   kind's ``render_pdf`` (WeasyPrint through the report's local-only URL fetcher, PDF/A-3b, tagged,
   the snapshot embedded).
4. **Register** it in the app's ``AppConfig.ready()``::

       from reports import pipeline
       pipeline.register(pipeline.DocumentKind(
           code="start_kit",                      # stable: it travels in task messages
           model=StartKitPdf,
           render_pdf=pipeline.html_renderer(render_html, identifier=lambda s: ...),
           visible_to=lambda user: StartKitPdf.objects.filter(...),   # access rule (404 otherwise)
           filename=lambda document: f"kit-demarrage-...-v{document.version}.pdf",
       ))

5. **Request** service in the kind's app: lock the scope row, then call :func:`document_request`
   with a ``build`` callable (version, now) → snapshot; it handles "already pending", the next
   version number and enqueuing on commit. **Retry**: :func:`document_retry`. Rendering, failing and
   the stale sweep need nothing more: the generic task ``reports.tasks.render_document`` (queue
   ``reports``) and the beat task ``reports.tasks.sweep_stale_documents`` serve every registered
   kind. Views can reuse ``templates/reports/_status_card.html`` (context: ``report`` the document,
   ``live``, ``refresh``, ``interval_ms``, ``can_read``, ``withheld``, and the ``status_url``,
   ``download_url``, ``retry_url`` of the kind).

The compatibility report is the kind ``"report"``; for compatibility it keeps its own task
``reports.tasks.render_report`` (``report_id``) and its sweep ``reports.tasks.sweep_stale_reports``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cso_recruit.runs import live_elsewhere, run_lifetime
from outbox.services import task_request

from . import rendering

#: Errors worth retrying (disk, network file systems, database connection): the task retries them
#: with exponential backoff; anything else fails the document at once with a readable error.
TRANSIENT_ERRORS = (OSError, OperationalError)
#: Longest error text kept on a document.
ERROR_MAX = 2000
#: The generic rendering task (kwargs ``kind``, ``document_id``).
GENERIC_TASK = "reports.tasks.render_document"


@dataclass(frozen=True)
class DocumentKind:
    """One kind of rendered document.

    Attributes:
        code: stable identifier ("report", "shortlist", "start_kit"…), sent in task messages.
        model: the concrete ``RenderedDocument`` subclass.
        render_pdf: ``snapshot dict -> reports.rendering.RenderedPdf``; raises
            ``reports.rendering.RenderError`` (readable) or ``OSError`` (transient). See
            :func:`html_renderer`.
        visible_to: ``user -> QuerySet`` of the documents ``user`` may see (out of scope → 404).
        filename: ``document -> str``, the ASCII download name.
        task: the Celery task that renders it (default :data:`GENERIC_TASK`).
        task_arg: for a task other than the generic one, the name of its id keyword argument.
        label: a short English name for the logs.
        logger: the name of the logger the pipeline writes this kind's lines to.
    """

    code: str
    model: type
    render_pdf: Callable
    visible_to: Callable
    filename: Callable
    task: str = GENERIC_TASK
    task_arg: str = "document_id"
    label: str = "document"
    logger: str = __name__

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(self.logger)

    def enqueue(self, document) -> None:
        """Ask for the document's rendering once the transaction commits (through the outbox)."""
        if self.task == GENERIC_TASK:
            task_request(self.task, kind=self.code, document_id=document.pk)
        else:
            task_request(self.task, **{self.task_arg: document.pk})


_KINDS: dict[str, DocumentKind] = {}


def register(document_kind: DocumentKind) -> DocumentKind:
    """Add (or replace: app reloads) a kind in the registry; returns it."""
    _KINDS[document_kind.code] = document_kind
    return document_kind


def kind(code: str) -> DocumentKind:
    """The registered kind ``code``; ``KeyError`` for an unknown one."""
    return _KINDS[code]


def kinds() -> list[DocumentKind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def html_renderer(render_html: Callable, *, identifier: Callable, readme: Callable | None = None) -> Callable:
    """A kind's ``render_pdf`` from its HTML renderer.

    Args:
        render_html: ``snapshot -> HTML str`` (pure; the kind's language active inside).
        identifier: ``snapshot -> str``, the identifier written in the PDF's trailer and XMP.
        readme: ``snapshot -> str``, the README embedded beside the snapshot (optional).

    Returns ``snapshot -> RenderedPdf`` through :func:`reports.rendering.html_to_pdf`.
    """

    def render_pdf(snapshot):
        language = (snapshot.get("document") or snapshot.get("report") or {}).get("language")
        return rendering.html_to_pdf(
            render_html(snapshot),
            identifier=identifier(snapshot),
            language=language or settings.LANGUAGE_CODE,
            snapshot=snapshot,
            readme=readme(snapshot) if readme else None,
        )

    return render_pdf


# ---------------------------------------------------------------------------------- request


def document_request(
    document_kind: DocumentKind, *, scope: dict, language, by, build, enqueue=True, same=None, **fields
):
    """Create the next version of a document in ``scope`` with its snapshot, and enqueue its
    rendering on commit. Call it inside the caller's transaction, the scope row locked.

    Args:
        scope: the fields the version is unique over (``{"application": a}``, ``{"mandate": m}``).
        language: language code of the document; by: the requesting user or ``None``.
        build: ``(version, now) -> snapshot dict``, called only when a new version is made.
        enqueue: ``False`` leaves it queued without a task (the command line renders it itself).
        same: ``pending document -> bool``, whether a version still queued or rendering already
            shows what is asked now (same finalists, an unchanged kit…); default: any pending
            version of the scope in that language does.
        fields: more model fields to set.

    Returns the new document (``already_pending`` False), or — when a version of the scope in the
    same language is still queued or rendering and ``same`` says it shows the same — that version
    with ``already_pending`` True.
    """
    model = document_kind.model
    pending = (
        model.objects.filter(
            **scope, language=language, status__in=[model.Status.QUEUED, model.Status.RENDERING]
        )
        .order_by("-version")
        .first()
    )
    if pending is not None and (same is None or same(pending)):
        pending.already_pending = True
        return pending
    version = (model.objects.filter(**scope).aggregate(top=Max("version"))["top"] or 0) + 1
    now = timezone.now()
    document = model(
        **scope,
        **fields,
        version=version,
        requested_by=by,
        requested_at=now,
        queued_at=now,
        language=language,
        snapshot=build(version, now),
    )
    document.full_clean()
    document.save()
    document.already_pending = False
    if enqueue:
        document_kind.enqueue(document)
    return document


# ---------------------------------------------------------------------------------- render


def _interrupted_message(attempts):
    return _(
        "Rendering was interrupted %(n)d times (the worker stopped or the time limit of %(seconds)d "
        "seconds was reached); request a new version or retry later."
    ) % {"n": attempts, "seconds": settings.REPORT_RENDER_TIME_LIMIT}


def render_lifetime():
    """The longest a live render can last (``cso_recruit.runs.run_lifetime`` of the hard limit)."""
    return run_lifetime(settings.REPORT_RENDER_TIME_LIMIT)


def _give_up(document_kind, document, now):
    """Fail a locked document whose renders keep being interrupted."""
    document.status = document.Status.FAILED
    document.error = _interrupted_message(document.interruptions)
    document.finished_at = now
    document.save(update_fields=["status", "error", "finished_at", "interruptions"])
    document_kind.log.error(
        "%s %s failed: %d interrupted renders", document_kind.label, document.pk, document.interruptions
    )


def document_claim(document_kind: DocumentKind, document_id, task_id=None):
    """Move a queued (or abandoned rendering) document to rendering; ``None`` if there is nothing
    to do here.

    A document already "rendering" is taken over only when its render is over: the same task
    message delivered again (``task_id`` equal: its worker died) or a render started longer ago
    than the hard time limit; otherwise another worker is rendering it and this delivery does
    nothing. ``task_id`` ``None`` (the command line) always takes it. Taking over counts as an
    interruption; a document interrupted ``REPORT_MAX_INTERRUPTIONS`` times is failed instead.
    """
    model = document_kind.model
    with transaction.atomic():
        document = model.objects.select_for_update().filter(pk=document_id).first()
        if document is None:
            document_kind.log.warning(
                "%s %s does not exist (deleted before rendering?)", document_kind.label, document_id
            )
            return None
        if document.status not in (model.Status.QUEUED, model.Status.RENDERING):
            return None  # ready: idempotent; failed: only a retry re-queues it
        now = timezone.now()
        if live_elsewhere(
            running=document.status == model.Status.RENDERING,
            task_id=task_id,
            run_task_id=document.task_id,
            started_at=document.started_at,
            lifetime=render_lifetime(),
            now=now,
        ):
            return None  # another worker is rendering it right now
        if document.status == model.Status.RENDERING:
            document.interruptions += 1
        if document.interruptions >= settings.REPORT_MAX_INTERRUPTIONS:
            _give_up(document_kind, document, now)
            return None
        document.status = model.Status.RENDERING
        document.started_at = now
        document.attempts += 1
        document.task_id = task_id or ""
        document.save(update_fields=["status", "started_at", "attempts", "task_id", "interruptions"])
        return document


def _finish(document_kind, document_id, **fields):
    """Write the outcome unless another worker already published the document. Returns
    ``(document, changed)``."""
    model = document_kind.model
    with transaction.atomic():
        document = model.objects.select_for_update().get(pk=document_id)
        if document.status == model.Status.READY:
            return document, False
        for name, value in fields.items():
            setattr(document, name, value)
        document.finished_at = timezone.now()
        document.save()
        return document, True


def readable(exc) -> str:
    """The error text kept on a failed document: the message (with the exception's type unless it
    is a ``RenderError``, whose messages are written for the reader), at most :data:`ERROR_MAX`."""
    text = str(exc).strip() or type(exc).__name__
    if not isinstance(exc, rendering.RenderError):
        text = f"{type(exc).__name__}: {text}"
    return text[:ERROR_MAX]


def _fail(document_kind, document_id, exc):
    document, _changed = _finish(
        document_kind, document_id, status=document_kind.model.Status.FAILED, error=readable(exc)
    )
    return document


def document_render(document_kind: DocumentKind, *, document_id, retry_transient=False, task_id=None):
    """Render a queued document to PDF and publish it; idempotent.

    A ready document is returned untouched (never rendered twice); a failed one too (use
    :func:`document_retry`). Otherwise the status goes to ``rendering`` (``attempts`` + 1), the PDF
    is rendered from the snapshot only (``document_kind.render_pdf``), stored under a server-made
    name, and the document becomes ``ready`` with its SHA-256 (hex), size (bytes) and page count.

    Errors: any rendering error leaves the document ``failed`` with a readable ``error``. With
    ``retry_transient=True`` (the Celery task, which retries with backoff), a transient error
    (``OSError``, database ``OperationalError``) puts it back to ``queued`` with the error noted and
    is re-raised. ``SoftTimeLimitExceeded`` propagates to the task.

    Returns the document, or ``None`` when it does not exist.
    """
    model = document_kind.model
    document = document_claim(document_kind, document_id, task_id)
    if document is None:
        return model.objects.filter(pk=document_id).first()
    try:
        rendered = document_kind.render_pdf(document.snapshot)
    except TRANSIENT_ERRORS as exc:
        if retry_transient:
            _finish(
                document_kind,
                document_id,
                status=model.Status.QUEUED,
                error=_("Attempt %(n)d failed, retrying: %(error)s")
                % {"n": document.attempts, "error": readable(exc)},
            )
            raise
        return _fail(document_kind, document_id, exc)
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:  # the document says why; the worker goes on with the next task
        document_kind.log.exception("%s %s failed to render", document_kind.label, document_id)
        return _fail(document_kind, document_id, exc)
    for line in rendered.warnings:
        document_kind.log.warning("%s %s: WeasyPrint %s", document_kind.label, document_id, line)
    name = f"{document_kind.code}-{document.pk}.pdf"  # replaced by the random server-made name
    stored = ContentFile(rendered.pdf, name=name)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=document_id)
        if current.status == model.Status.READY:
            return current  # another worker published first
        current.pdf.save(name, stored, save=False)
        current.sha256 = rendered.sha256
        current.size = len(rendered.pdf)
        current.page_count = rendered.page_count
        current.status = model.Status.READY
        current.error = ""
        current.finished_at = timezone.now()
        current.save()
    return current


def document_fail(document_kind: DocumentKind, *, document_id, error):
    """Mark a pending document failed with ``error`` (the task's last word when its retries or its
    time run out). A ready one is left untouched. Returns the document, ``None`` if missing."""
    if not document_kind.model.objects.filter(pk=document_id).exists():
        return None
    document, _changed = _finish(
        document_kind,
        document_id,
        status=document_kind.model.Status.FAILED,
        error=str(error)[:ERROR_MAX] or "?",
    )
    return document


def document_retry(document_kind: DocumentKind, *, document, by=None, check=None, not_failed_message=None):
    """Queue a failed (or stuck) document again and enqueue its rendering on commit; call it
    inside a transaction. The snapshot is kept: the retried version says exactly what was
    requested.

    ``check(document, by)`` may raise ``ValidationError`` (an access rule such as independence);
    a document neither failed nor stuck raises ``ValidationError`` (code ``not_failed``, message
    ``not_failed_message``). Returns the document.
    """
    document = document_kind.model.objects.select_for_update().get(pk=document.pk)
    if not document.can_retry:
        raise ValidationError(
            not_failed_message or _("Only a failed document can be retried."), code="not_failed"
        )
    if check is not None:
        check(document, by)
    document.status = document.Status.QUEUED
    document.error = ""
    document.started_at = None
    document.finished_at = None
    document.queued_at = timezone.now()
    document.interruptions = 0
    document.save(
        update_fields=["status", "error", "started_at", "finished_at", "queued_at", "interruptions"]
    )
    document_kind.enqueue(document)
    return document


def documents_sweep(document_kind: DocumentKind, *, now=None) -> dict:
    """Nothing of ``document_kind`` pending for ever (beat, every minute; safe to run twice).

    * "rendering" started longer ago than the hard time limit (plus a minute): its worker is gone:
      an interruption. Interrupted ``REPORT_MAX_INTERRUPTIONS`` times: failed with the reason;
      otherwise queued again and sent again.
    * "queued" for longer than ``REPORT_STALE_AFTER`` seconds (its task was lost): sent again.

    Returns ``{"requeued": n, "resent": m, "failed": k}``.
    """
    model = document_kind.model
    now = now or timezone.now()
    counts = {"requeued": 0, "resent": 0, "failed": 0}
    abandoned = model.objects.filter(
        status=model.Status.RENDERING, started_at__lt=now - render_lifetime()
    ).values_list("pk", flat=True)
    for pk in list(abandoned):
        with transaction.atomic():
            document = model.objects.select_for_update().filter(pk=pk, status=model.Status.RENDERING).first()
            if document is None:
                continue
            document.interruptions += 1
            if document.interruptions >= settings.REPORT_MAX_INTERRUPTIONS:
                _give_up(document_kind, document, now)
                counts["failed"] += 1
                continue
            document.status = model.Status.QUEUED
            document.queued_at = now
            document.error = _("Attempt %(n)d was interrupted; rendering again.") % {"n": document.attempts}
            document.save(update_fields=["status", "queued_at", "error", "interruptions"])
            document_kind.enqueue(document)
            counts["requeued"] += 1
    forgotten = model.objects.filter(
        status=model.Status.QUEUED, queued_at__lt=now - timedelta(seconds=settings.REPORT_STALE_AFTER)
    )
    for pk in list(forgotten.values_list("pk", flat=True)):
        with transaction.atomic():
            document = model.objects.select_for_update().filter(pk=pk, status=model.Status.QUEUED).first()
            if document is None:
                continue
            document.queued_at = now
            document.save(update_fields=["queued_at"])
            document_kind.enqueue(document)
            counts["resent"] += 1
    return counts
