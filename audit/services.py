"""Writes of the audit app: the read journal (:func:`read_record`, called by every view that hands
out personal data as a file) and the access export of a candidate (GDPR art. 15 and 20).

The web request only queues an access export (:func:`access_export_request`); the Celery task
``audit.tasks.run_access_export`` writes the ZIP (:func:`access_export_run`) and the job's page
follows it, then offers the download. Writing an export changes nothing but its own job, so a run
may be repeated safely: a redelivered or re-sent task takes an interrupted run over (the job claim
of ``candidates.services``, shared by every ``BackgroundJob``).
"""

import hashlib
import io
import json
import logging
import zipfile
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import selectors as assessment_selectors
from candidates import jobs
from candidates.jobs import JOB_ERROR_MAX
from candidates.models import Candidate
from candidates.services import _claim as claim_job
from cso_recruit import access
from cso_recruit.clientip import client_ip
from outbox.services import task_request

from . import rendering, selectors
from .models import AccessExport, ReadEvent, access_export_upload_to

logger = logging.getLogger(__name__)

ACCESS_EXPORT_TASK = "audit.tasks.run_access_export"
#: Runs an access export may start before the sweeper gives up on it (its worker keeps dying).
ACCESS_EXPORT_MAX_ATTEMPTS = 3
#: Name of the JSON document and of the summary in the ZIP.
DATA_NAME = "data.json"
SUMMARY_NAME = "summary.pdf"
README_NAME = "README.txt"


# ------------------------------------------------------------------------------------ read audit


def read_record(
    request, *, kind: str, object_id: int, label: str = "", candidate=None, mandates=()
) -> ReadEvent:
    """Record that ``request.user`` read personal data as a file (the journal, "Journal des
    accès"): ``kind`` a ``ReadEvent.Kind`` value, ``object_id`` the id of the row whose file it is
    (candidate for a CV, report, CSV export job, access export job), ``label`` a short text
    (cut to 200 characters), ``candidate`` the person when the file is about one, ``mandates`` the
    mandates (objects or ids) whose recruiters may see the event. The address is
    ``cso_recruit.clientip.client_ip(request)`` (``None`` when unreadable). Writes one structured
    log line (logger ``audit.services``, "read recorded"). Returns the new ``ReadEvent``.
    """
    address = client_ip(request) or None
    with transaction.atomic():
        event = ReadEvent.objects.create(
            user=request.user if request.user.is_authenticated else None,
            kind=kind,
            object_id=object_id,
            label=label[:200],
            candidate=candidate,
            ip=address,
        )
        mandate_ids = sorted({getattr(m, "pk", m) for m in mandates})
        if mandate_ids:
            event.mandates.add(*mandate_ids)
    logger.info(
        "read recorded",
        extra={
            "event": event.pk,
            "kind": kind,
            "object_id": object_id,
            "user": event.user_id,
            "candidate": getattr(candidate, "pk", None),
            "mandates": mandate_ids,
            "ip": address,
        },
    )
    return event


# --------------------------------------------------------------------------------- access export


@transaction.atomic
def access_export_request(*, candidate: Candidate, by, language: str = "fr") -> AccessExport:
    """Queue an access export of ``candidate`` for ``by``, covering ``access.access_export_scope``
    (the caller answers 404 when it is empty: ``access.may_request_access_export``); the task is
    requested on commit through the outbox. Logged ("access export requested").

    Raises ``ValidationError`` (code ``open_draft``) when ``by`` has an unsubmitted scorecard for
    one of the applications covered (independence rule: they would read the other raters' first).
    Returns the job with ``already_pending`` False; or, when ``by`` already has an export of this
    candidate queued or running (a second click), that job with ``already_pending`` True.
    """
    Candidate.objects.select_for_update().filter(pk=candidate.pk).first()  # one request at a time
    mandates = list(access.access_export_scope(by, candidate))
    if not mandates:
        raise ValidationError(_("You may not request an access export of this candidate."), code="forbidden")
    applications = candidate.applications.filter(mandate__in=mandates)
    if assessment_selectors.applications_with_open_draft(by, applications):
        raise ValidationError(
            _("Submit or delete your own draft scorecard for this candidate before exporting their data."),
            code="open_draft",
        )
    pending = [
        job
        for job in AccessExport.objects.filter(
            candidate=candidate,
            requested_by=by,
            status__in=[AccessExport.Status.QUEUED, AccessExport.Status.RUNNING],
        )
        if not job.is_stale
    ]
    if pending:
        pending[0].already_pending = True
        return pending[0]
    total = Candidate.objects.get(pk=candidate.pk).applications.values("mandate").distinct().count()
    job = AccessExport.objects.create(
        candidate=candidate, requested_by=by, language=language, complete=len(mandates) == total
    )
    job.mandates.set(mandates)
    task_request(ACCESS_EXPORT_TASK, job_id=job.pk)
    logger.info(
        "access export requested",
        extra={
            "job": job.pk,
            "candidate": candidate.pk,
            "by": by.pk,
            "mandates": sorted(m.pk for m in mandates),
            "complete": job.complete,
        },
    )
    job.already_pending = False
    return job


def _readme(data: dict) -> str:
    return (
        "CSO Recruit - access export (GDPR art. 15 and 20)\n"
        f"Schema version: {data['schema_version']} (see SCHEMA.md in the product's sources: audit/SCHEMA.md)\n"
        f"Generated at: {data['generated_at']}\n\n"
        f"{DATA_NAME}: every piece of data held about the person, machine-readable (UTF-8 JSON).\n"
        f"{SUMMARY_NAME}: the same, readable.\n"
        "cv/: the CV as uploaded (when there is one).\n"
        "reports/: the compatibility reports' PDF files (their data is in data.json, 'snapshot').\n"
    )


def access_export_zip(job: AccessExport) -> bytes:
    """The ZIP of an access export (bytes): ``data.json`` (:func:`selectors.access_export_data`),
    ``summary.pdf`` (``rendering.render_summary_pdf``), ``README.txt``, the CV under ``cv/`` and
    the ready reports' PDFs under ``reports/``. A file missing from the storage is left out and
    said so in the JSON (``"file": null`` and ``"missing": true``). Raises
    ``reports.rendering.RenderError`` when the summary cannot be rendered."""
    candidate = job.candidate
    applications = selectors.export_applications(candidate, job.mandates.values_list("pk", flat=True))
    data = selectors.access_export_data(job, applications=applications)
    members = []
    if candidate.cv:
        try:
            with candidate.cv.open("rb") as handle:
                members.append((selectors.cv_member_name(candidate), handle.read()))
        except FileNotFoundError:
            data["subject"]["cv"].update(file=None, missing=True)
    reports = {r.pk: r for a in applications for r in a.reports.all()}
    for application in data["applications"]:
        for entry in application["reports"]:
            if not entry["file"]:
                continue
            report = reports[entry["id"]]
            try:
                with report.pdf.open("rb") as handle:
                    members.append((entry["file"], handle.read()))
            except FileNotFoundError:
                entry.update(file=None, missing=True)
    summary = rendering.render_summary_pdf(data, language=job.language)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DATA_NAME, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        archive.writestr(SUMMARY_NAME, summary)
        archive.writestr(README_NAME, _readme(data))
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def access_export_run(*, job_id: int, task_id: str | None = None) -> AccessExport | None:
    """Write access export ``job_id``'s ZIP; idempotent (a done or failed job is returned as is;
    one another worker is running is left to it). A requester deleted meanwhile, or one who may no
    longer see the job (``access.access_exports_visible_to``: lost a mandate, became its CEO), gets
    a failed job (``error`` in the job's ``language``). ``SoftTimeLimitExceeded`` propagates (the
    task fails the job). Logged ("access export written" / "failed").

    Returns the job, or ``None`` when it does not exist.
    """
    job = claim_job(AccessExport, job_id, task_id)
    if job is None:
        return AccessExport.objects.filter(pk=job_id).first()
    with translation.override(job.language):
        by = job.requested_by
        if by is None or not access.access_exports_visible_to(by).filter(pk=job.pk).exists():
            return _finish(job, error=_("The requester may no longer export this candidate's data."))
        try:
            data = access_export_zip(job)
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # the job says why; the worker goes on with the next task
            logger.exception("Access export %s failed", job.pk)
            return _finish(
                job,
                error=_("The access export stopped on an unexpected error (%(error)s).")
                % {"error": f"{type(exc).__name__}: {exc}"},
            )
        return _finish(job, data=data)


def _finish(job: AccessExport, *, data: bytes | None = None, error: str = "") -> AccessExport:
    """Store a run's outcome under the job's row lock; a run taken over meanwhile leaves the job
    alone and deletes its own file."""
    stored = None
    if data is not None:
        stored = job.file.storage.save(access_export_upload_to(job, "export.zip"), ContentFile(data))
    with transaction.atomic():
        current = AccessExport.objects.select_for_update().get(pk=job.pk)
        if current.status != AccessExport.Status.RUNNING or current.attempts != job.attempts:
            logger.warning(
                "Access export %s was taken over by another run: this run's file is dropped", job.pk
            )
            if stored:
                transaction.on_commit(lambda: job.file.storage.delete(stored))
            return current
        current.finished_at = timezone.now()
        if data is None:
            current.status = AccessExport.Status.FAILED
            current.error = error[:JOB_ERROR_MAX] or "?"
            logger.warning("access export failed", extra={"job": job.pk, "candidate": job.candidate_id})
        else:
            current.status = AccessExport.Status.DONE
            current.file = stored
            current.size = len(data)
            current.sha256 = hashlib.sha256(data).hexdigest()
            logger.info(
                "access export written",
                extra={"job": job.pk, "candidate": job.candidate_id, "size": len(data)},
            )
        current.save()
        return current


def access_export_fail(*, job_id: int, error, params: dict | None = None) -> AccessExport | None:
    """Mark a pending access export failed with ``error`` (``candidates.jobs.job_fail``): the
    task's last word when its time runs out, or the sweeper's. Returns the job, ``None`` if it does
    not exist."""
    return jobs.job_fail(AccessExport, job_id=job_id, error=error, params=params)


def access_exports_sweep(*, now=None) -> dict:
    """No access export pending for ever, no file kept for ever (beat, every few minutes; safe to
    run twice): ``candidates.jobs.file_jobs_sweep``, as for the CSV exports — a run that lost its
    worker is requested again (failed after ``ACCESS_EXPORT_MAX_ATTEMPTS``), a job queued for
    longer than ``EXPORT_RESEND_AFTER`` seconds is requested again, and the file of a done job is
    deleted ``ACCESS_EXPORT_FILE_RETENTION_HOURS`` hours after it was written (the job stays,
    "expired").

    Returns ``{"failed": n, "resent": m, "files_deleted": k}``.
    """
    counts = jobs.file_jobs_sweep(
        AccessExport,
        task=ACCESS_EXPORT_TASK,
        max_attempts=ACCESS_EXPORT_MAX_ATTEMPTS,
        resend_after=timedelta(seconds=settings.EXPORT_RESEND_AFTER),
        file_retention=timedelta(hours=settings.ACCESS_EXPORT_FILE_RETENTION_HOURS),
        interrupted=gettext_lazy(
            "The access export was interrupted %(attempts)d times (the worker stopped); ask for it again."
        ),
        now=now,
    )
    if any(counts.values()):
        logger.info("access exports swept", extra=counts)
    return counts
