"""Write operations on mandates, candidates and applications.

Every function is keyword-only, runs in ``transaction.atomic`` and validates with ``full_clean``.
Callers (views, commands, admin) check access first through ``cso_recruit.access``.
"""

import hashlib
import logging
import math
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePosixPath

import filetype
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cso_recruit import access
from cso_recruit.events import figures_inputs_changed, stage_move_check, stage_move_done
from cso_recruit.runs import live_elsewhere
from outbox.services import task_request

from . import csv_format, jobs, selectors
from .models import (
    CLOSED_STAGES,
    Application,
    Candidate,
    ExportJob,
    ImportJob,
    Mandate,
    Stage,
    StageTransition,
    UserProfile,
    export_upload_to,
    import_job_lifetime,
)

logger = logging.getLogger(__name__)

CANDIDATE_FIELDS = tuple(f for f in csv_format.FIELDS)

MAX_IMPORT_ROWS = 5000

CV_KINDS = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}


def validate_document(uploaded, *, too_large_message, bad_type_message) -> str:
    """Check an uploaded document by its content (not its name or the client's content type), the
    rules of a CV: at most ``settings.CV_MAX_BYTES`` (5 MB), a PDF or a Word .docx file.

    Args: a Django ``UploadedFile``; the two refusal texts (``too_large_message`` takes
    ``%(size)s`` and ``%(limit)d``, in MB). Returns the extension to store it under
    (``"pdf"``/``"docx"``). Raises ``ValidationError`` (code ``too_large`` or ``bad_type``).
    Used for CVs (:func:`validate_cv`) and the working sessions' briefing files.
    """
    if uploaded.size > settings.CV_MAX_BYTES:
        raise ValidationError(
            too_large_message
            # Rounded up, so that a file just over the limit never reads as "5.00 MB".
            % {
                "size": number_format(math.ceil(uploaded.size / 1024 / 1024 * 100) / 100, 2),
                "limit": settings.CV_MAX_BYTES // 1024 // 1024,
            },
            code="too_large",
        )
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in CV_KINDS:
        raise ValidationError(bad_type_message, code="bad_type")
    return CV_KINDS[kind.mime]


def validate_cv(uploaded) -> str:
    """Check an uploaded CV by its content (not its name or the client's content type).

    Args: a Django ``UploadedFile``. Returns the extension to store it under (``"pdf"``/``"docx"``).
    Raises ``ValidationError`` (code ``too_large`` above ``settings.CV_MAX_BYTES`` = 5 MB,
    ``bad_type`` for anything that is not a PDF or a Word .docx file).
    """
    return validate_document(
        uploaded,
        too_large_message=_("The CV is %(size)s MB, over the %(limit)d MB limit."),
        bad_type_message=_("The CV must be a PDF or a Word (.docx) document."),
    )


def store_document(field_file, uploaded, extension) -> str:
    """Write ``uploaded`` into ``field_file`` (a ``FieldFile``, not saved to the row) under a
    server-made name ``<uuid4 hex>.<extension>``; returns the client's base name (cut to 255
    characters), to keep for display only."""
    original = PurePosixPath(uploaded.name or "").name[:255]
    uploaded.seek(0)
    field_file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(uploaded.read()), save=False)
    return original


def _store_cv(candidate: Candidate, uploaded) -> None:
    """Write the new CV under a server-made name; the previous file is deleted only once the
    transaction commits, so a failed change never leaves the candidate without their CV."""
    extension = validate_cv(uploaded)
    previous = candidate.cv.name if candidate.cv else ""
    candidate.cv_original_name = store_document(candidate.cv, uploaded, extension)
    if previous:
        storage = candidate.cv.storage
        transaction.on_commit(lambda: storage.delete(previous))


def _record_transition(*, application, from_stage, to_stage, by, reason=""):
    transition = StageTransition(
        application=application,
        from_stage=from_stage,
        to_stage=to_stage,
        by=by,
        reason=reason,
        at=application.stage_entered_at,
    )
    transition.full_clean()
    transition.save()
    return transition


def _application_create(*, candidate: Candidate, mandate: Mandate, by) -> Application:
    application = Application(
        candidate=candidate, mandate=mandate, stage=Stage.SOURCED, stage_entered_at=timezone.now()
    )
    application.full_clean()
    application.save()
    _record_transition(application=application, from_stage="", to_stage=Stage.SOURCED, by=by)
    return application


@transaction.atomic
def application_create(*, candidate: Candidate, mandate: Mandate, by) -> Application:
    """Put a candidate in a mandate's pipeline at stage ``sourced`` (history recorded); its stored
    figures are computed in the same transaction."""
    application = _application_create(candidate=candidate, mandate=mandate, by=by)
    figures_inputs_changed(application_ids=[application.pk])
    return application


def email_taken_message() -> str:
    """The refusal for an address another candidate the user can see already uses
    (``selectors.email_holder``): the form and the CSV import say the same."""
    return _("Another candidate already uses this e-mail address.")


def _lock_mandates(mandate_ids) -> None:
    """Lock the mandates' rows (in pk order): the creations and e-mail changes of their candidates
    run one at a time, so that two requests cannot both find an address free. Lock order of every
    write on a candidate: mandates, then applications, then the candidate."""
    list(
        Mandate.objects.select_for_update().filter(pk__in=list(mandate_ids)).order_by("pk").values_list("pk")
    )


def _check_email_free(candidate: Candidate, by) -> None:
    """Raise ``ValidationError`` on ``email`` if a candidate ``by`` can see already uses the address."""
    if selectors.email_holder(candidate.email, by, exclude_pk=candidate.pk) is not None:
        raise ValidationError({"email": email_taken_message()})


@transaction.atomic
def candidate_create(*, mandate: Mandate, data: dict, by, cv=None) -> Application:
    """Create a candidate and their application to ``mandate``.

    ``data`` holds Candidate field values (names of ``csv_format.FIELDS``). Returns the new
    application. Raises ``ValidationError`` (e.g. an e-mail already used by a candidate ``by`` can
    see: ``selectors.email_holder``; one held only outside their view is theirs to use).
    """
    candidate = Candidate(**data)
    if cv is not None:
        validate_cv(cv)
    candidate.full_clean()  # before writing the CV: an invalid candidate leaves no file behind
    _lock_mandates([mandate.pk])
    _check_email_free(candidate, by)
    if cv is not None:
        _store_cv(candidate, cv)
    candidate.save()
    return application_create(candidate=candidate, mandate=mandate, by=by)


@transaction.atomic
def candidate_update(*, candidate: Candidate, data: dict, by, cv=None) -> Candidate:
    """Change a candidate's fields (and CV). Raises ``ValidationError`` on invalid values, or on an
    e-mail a candidate ``by`` can see already uses (``selectors.email_holder``)."""
    previous_email = (candidate.email or "").lower()
    for name, value in data.items():
        setattr(candidate, name, value)
    if cv is not None:
        validate_cv(cv)
    candidate._history_user = by
    candidate.full_clean()  # before touching the files: an invalid change keeps the old CV
    # Lock order of every write on a candidate: mandates, applications, then the candidate.
    _lock_mandates(Application.objects.filter(candidate=candidate).values_list("mandate_id", flat=True))
    if (candidate.email or "").strip().lower() != previous_email:  # an unchanged address stays this one's
        _check_email_free(candidate, by)
    list(Application.objects.select_for_update().filter(candidate=candidate).order_by("pk").values_list("pk"))
    if cv is not None:
        _store_cv(candidate, cv)
    candidate.save()
    figures_inputs_changed(candidate_ids=[candidate.pk])  # years and career feed the balance profile
    return candidate


ALLOWED_MOVES = {
    Stage.SOURCED: {Stage.SCREENING},
    Stage.SCREENING: {Stage.ASSESSMENT},
    Stage.ASSESSMENT: {Stage.WORKING_SESSIONS, Stage.SCREENING},
    Stage.WORKING_SESSIONS: {Stage.DECISION, Stage.ASSESSMENT},
    Stage.DECISION: {Stage.OFFER, Stage.WORKING_SESSIONS},
    Stage.OFFER: {Stage.HIRED, Stage.DECISION},
    Stage.HIRED: set(),
    Stage.REJECTED: {Stage.SOURCED, Stage.SCREENING},
    Stage.WITHDRAWN: {Stage.SOURCED, Stage.SCREENING},
}
"""Forward one step, back one step; ``rejected``/``withdrawn`` from any open stage; a closed
application can be reopened at sourcing or screening."""


def allowed_targets(stage: str) -> list[str]:
    """Stages an application at ``stage`` may move to, in pipeline order."""
    targets = set(ALLOWED_MOVES[Stage(stage)])
    if stage not in CLOSED_STAGES:
        targets |= {Stage.REJECTED, Stage.WITHDRAWN}
    return [s for s in Stage.values if s in targets]


def next_stage(stage: str) -> str | None:
    """The stage one step forward of ``stage`` ("Move to next stage"), or ``None`` for a closed
    application (hired, rejected, withdrawn: reopening is a deliberate "Move to…")."""
    order = list(Stage.values)
    forward = [s for s in ALLOWED_MOVES[Stage(stage)] if order.index(s) > order.index(stage)]
    if stage in CLOSED_STAGES or not forward:
        return None
    return min(forward, key=order.index)


class AlreadyInStage(Exception):
    """The application already is where a move asked to take it from ``from_stage`` (the same
    form sent twice, or the same drop by two people): nothing to do, nothing recorded."""


@transaction.atomic
def application_move(
    *,
    application: Application,
    to_stage: str,
    by,
    reason: str = "",
    rejection_reason: str = "",
    from_stage: str = "",
) -> Application:
    """Move an application to another pipeline stage and record the transition.

    Rules: only moves in ``allowed_targets``; rejecting needs a ``rejection_reason`` code and a
    written ``reason``. The row is locked (``select_for_update``) so two simultaneous moves
    serialise. ``from_stage``, when given, is the stage the mover saw: if the application has left
    it meanwhile, the move is refused (``ValidationError``) — or, when it is already at
    ``to_stage`` (a double submit), :class:`AlreadyInStage` is raised and nothing changes.
    Higher layers may refuse the move (``cso_recruit.events.stage_move_checked``: a decision must be
    recorded before "Offer", say) and act on it (``stage_moved``), inside the same transaction.
    Raises ``ValidationError`` with a field-keyed message.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    reason = (reason or "").strip()
    if from_stage and application.stage != from_stage:
        if application.stage == to_stage:
            raise AlreadyInStage(to_stage)
        raise ValidationError(
            {
                "to_stage": _("This application has moved to “%(stage)s” meanwhile; nothing was changed.")
                % {"stage": Stage(application.stage).label}
            }
        )
    if to_stage not in allowed_targets(application.stage):
        raise ValidationError(
            {
                "to_stage": _("This application cannot move from “%(from)s” to “%(to)s”.")
                % {
                    "from": Stage(application.stage).label,
                    "to": Stage(to_stage).label if to_stage in Stage.values else to_stage,
                }
            }
        )
    if to_stage == Stage.REJECTED:
        errors = {}
        if not rejection_reason:
            errors["rejection_reason"] = _("Choose why the application is rejected.")
        if not reason:
            errors["reason"] = _("A written reason is required to reject an application.")
        if errors:
            raise ValidationError(errors)
    stage_move_check(application=application, from_stage=application.stage, to_stage=to_stage, by=by)
    from_stage = application.stage
    application.stage = to_stage
    application.stage_entered_at = timezone.now()
    application.rejection_reason = rejection_reason if to_stage == Stage.REJECTED else ""
    application.full_clean()
    application.save()
    _record_transition(
        application=application, from_stage=from_stage, to_stage=to_stage, by=by, reason=reason
    )
    stage_move_done(application=application, from_stage=from_stage, to_stage=to_stage, by=by)
    figures_inputs_changed(application_ids=[application.pk])
    return application


@dataclass
class ImportReport:
    """Outcome of an import: what was (or would be, on a dry run) created and changed."""

    parse: csv_format.ParseResult
    dry_run: bool
    created: list = field(default_factory=list)  # e-mails of new candidates
    updated: list = field(default_factory=list)  # e-mails of existing candidates whose values changed
    unchanged: list = field(default_factory=list)
    applications_created: int = 0
    saved: bool = False

    @property
    def ok(self) -> bool:
        return self.parse.ok


#: Rows between two progress reports of ``candidates_import`` (each is one cheap UPDATE of the job).
PROGRESS_EVERY = 100


@transaction.atomic
def candidates_import(
    *, mandate: Mandate, data: bytes, by, dry_run: bool = False, progress=None
) -> ImportReport:
    """Import candidates from CSV bytes (French Excel or English format) into ``mandate``.

    All-or-nothing: if the file has any error, nothing is saved and the report lists every
    problem with line and column. Candidates are matched on e-mail, case-insensitively, so
    re-importing the same file creates no duplicate; an existing candidate takes the file's
    values. ``dry_run`` computes the same report and saves nothing. At most ``MAX_IMPORT_ROWS``
    rows per file.

    Scope (the e-mail is unique as far as ``by`` can see: ``selectors.email_holder``): a row is
    matched to a candidate ``by`` can see (``access.candidates_visible_to``; everyone for staff and
    ``by=None``, the command line) — one with an application in this mandate first, else the
    oldest. A row whose address only candidates outside that view hold creates a new candidate, as
    for an unknown address: nothing is read from, attached to or changed in the other record, and
    the report is the same as for an address nobody holds. A matched candidate ``by`` can see but
    does not manage (an application in one of their mandates) is an error
    (``email_taken_message``): an import never takes over a record it may not edit.

    ``progress``: optional callable ``progress(rows_done, rows_total)``, called once the file is
    parsed (``rows_total`` = its valid rows), every ``PROGRESS_EVERY`` rows checked (or saved), and
    when every row is done (before the stored figures are recomputed).

    Raises ``csv_format.CsvFormatError`` for a file that cannot be read at all.
    """
    parse = csv_format.parse_candidates_csv(data)
    report = ImportReport(parse=parse, dry_run=dry_run)
    total = len(parse.rows)

    def advance(done):
        if progress is not None:
            progress(done, total)

    advance(0)
    if len(parse.rows) > MAX_IMPORT_ROWS:
        parse.errors.append(
            csv_format.RowError(
                line=parse.header_line,
                column="—",
                message=_("The file has %(rows)d rows; import at most %(max)d at a time.")
                % {"rows": len(parse.rows), "max": MAX_IMPORT_ROWS},
            )
        )
    if not parse.ok:
        advance(total)
        return report
    emails = [row.values["email"] for row in parse.rows]
    if not dry_run:
        _lock_mandates([mandate.pk])  # one import or creation at a time finds an address free
    # Case-insensitive on both sides (the ``candidate_email_ci`` index): a row stored with capitals
    # (written around ``Candidate.save()``) must match, not collide.
    restricted = by is not None and not by.is_staff
    scope = access.candidates_visible_to(by) if restricted else Candidate.objects.all()
    holders = list(scope.annotate(email_ci=Lower("email")).filter(email_ci__in=emails).order_by("pk"))
    in_mandate_pks = set(
        Application.objects.filter(mandate=mandate, candidate__in=[c.pk for c in holders]).values_list(
            "candidate_id", flat=True
        )
    )
    existing: dict[str, Candidate] = {}
    for c in holders:  # the holder in this mandate first, else the oldest (``email_holder``)
        key = c.email.lower()
        if key not in existing or (c.pk in in_mandate_pks and existing[key].pk not in in_mandate_pks):
            existing[key] = c
    in_mandate = {key for key, c in existing.items() if c.pk in in_mandate_pks}
    managed = (
        set(
            access.candidates_managed_by(by)
            .filter(pk__in=[c.pk for c in existing.values()])
            .values_list("pk", flat=True)
        )
        if restricted
        else set()
    )
    email_column = parse.headers.get("email", "email")
    touched = []  # candidates saved: their figures are recomputed once, at the end
    if not dry_run:  # lock order of every write on an application's data: applications, then candidates
        list(
            Application.objects.select_for_update()
            .filter(candidate__in=list(existing.values()))
            .order_by("pk")
            .values_list("pk")
        )
    sid = transaction.savepoint()
    for index, row in enumerate(parse.rows):
        if index and index % PROGRESS_EVERY == 0:
            advance(index)
        values = {k: v for k, v in row.values.items() if k in CANDIDATE_FIELDS}
        email = values["email"].lower()
        candidate = existing.get(email)
        if candidate is not None and restricted and candidate.pk not in managed:
            parse.errors.append(
                csv_format.RowError(
                    line=row.line,
                    column=email_column,
                    message=email_taken_message(),
                )
            )
            continue
        if candidate is None:
            candidate = Candidate(**values)
            report.created.append(email)
        else:
            changed = any(getattr(candidate, k) != v for k, v in values.items())
            (report.updated if changed else report.unchanged).append(email)
            for k, v in values.items():
                setattr(candidate, k, v)
        try:
            # Field checks and ``clean()`` (ranges); uniqueness is settled above and the database
            # constraints still hold on save — validating them here costs a query each per row.
            candidate.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = parse.headers.get(name, name)
                for message in messages:
                    parse.errors.append(csv_format.RowError(line=row.line, column=column, message=message))
            continue
        if not dry_run:
            candidate._history_user = by
            candidate.save()
            touched.append(candidate.pk)
            if email not in in_mandate:
                _application_create(candidate=candidate, mandate=mandate, by=by)
        if email not in in_mandate:
            report.applications_created += 1
    advance(total)
    if dry_run or not parse.ok:
        transaction.savepoint_rollback(sid)
        if not parse.ok:
            report.created, report.updated, report.unchanged = [], [], []
            report.applications_created = 0
        return report
    transaction.savepoint_commit(sid)
    figures_inputs_changed(candidate_ids=touched)
    report.saved = True
    return report


def candidates_export(*, applications, progress=None) -> bytes:
    """French Excel CSV (UTF-8 BOM, ``;``) of the candidates of ``applications`` (an iterable of
    ``Application`` with their candidate); imports back as is (``csv_format.write_candidates_csv``).

    ``progress(done)``, if given, is called with the number of rows written every
    ``EXPORT_PROGRESS_EVERY`` rows.
    """

    def rows():
        for done, application in enumerate(applications, start=1):
            yield {name: getattr(application.candidate, name) for name in CANDIDATE_FIELDS}
            if progress is not None and done % EXPORT_PROGRESS_EVERY == 0:
                progress(done)

    return csv_format.write_candidates_csv(rows(), dialect="fr")


# --------------------------------------------------------------------------- import jobs
#
# The web request only stores the file and queues a job (``import_job_create``); the Celery task
# ``candidates.tasks.run_import`` runs it (``import_job_run``), and the job's page follows its
# progress. The task request goes through the outbox, so a job may be run twice: a done or failed
# job is never run again, and a save writes its candidates and marks its job done in one
# transaction, under the job's row lock, so a second run can never import the file twice.

IMPORT_TASK = "candidates.tasks.run_import"
#: Rows of the file a preview keeps for its page (the counts cover every row).
PREVIEW_ROWS = 100
#: Errors, and warnings, a job keeps for its page; ``error_count``/``warning_count`` say how many in all.
MAX_STORED_ISSUES = 1000
#: Longest error text kept on a failed job.
JOB_ERROR_MAX = jobs.JOB_ERROR_MAX


def _issues(issues) -> list[dict]:
    return [
        {"line": i.line, "column": i.column, "message": str(i.message)} for i in issues[:MAX_STORED_ISSUES]
    ]


def import_report_data(report: ImportReport) -> dict:
    """The JSON an ``ImportJob`` keeps of an ``ImportReport``: what its page shows.

    Keys: ``ok``, ``saved``, ``dry_run``; ``encoding``, ``delimiter``, ``dialect``; ``rows`` (valid
    rows); ``created``, ``updated``, ``unchanged``, ``applications_created`` (counts); ``errors`` and
    ``warnings`` (``[{"line", "column", "message"}]``, the first ``MAX_STORED_ISSUES``) with
    ``error_count`` and ``warning_count``; ``preview`` (the first ``PREVIEW_ROWS`` rows: ``line``,
    ``first_name``, ``last_name``, ``email``, ``city``, ``gdpr_consent``, ``education``).
    """
    parse = report.parse
    return {
        "ok": report.ok,
        "saved": report.saved,
        "dry_run": report.dry_run,
        "encoding": parse.encoding,
        "delimiter": parse.delimiter,
        "dialect": parse.dialect_name,
        "rows": len(parse.rows),
        "created": len(report.created),
        "updated": len(report.updated),
        "unchanged": len(report.unchanged),
        "applications_created": report.applications_created,
        "errors": _issues(parse.errors),
        "error_count": len(parse.errors),
        "warnings": _issues(parse.warnings),
        "warning_count": len(parse.warnings),
        "preview": [
            {
                "line": row.line,
                **{
                    name: row.values.get(name, "")
                    for name in ("first_name", "last_name", "email", "city", "education")
                },
                "gdpr_consent": bool(row.values.get("gdpr_consent")),
            }
            for row in parse.rows[:PREVIEW_ROWS]
        ],
    }


def validate_import_file(data: bytes) -> None:
    """Check an uploaded CSV before it is stored (cheap checks; the rows are checked by the job):
    not empty, at most ``settings.IMPORT_MAX_BYTES``, text rather than a workbook, an archive, an
    image or a PDF, in an encoding the import reads (``csv_format.decode_csv_bytes``).

    Raises ``ValidationError`` (codes ``empty``, ``too_large``, ``not_csv`` with the decoder's message).
    """
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is too large (%(n)d MB at most).") % {"n": settings.IMPORT_MAX_BYTES // 1024 // 1024},
            code="too_large",
        )
    try:
        csv_format.decode_csv_bytes(data)
    except csv_format.CsvFormatError as exc:
        raise ValidationError(str(exc), code="not_csv") from exc


@transaction.atomic
def import_job_create(*, mandate: Mandate, by, upload, language: str = "fr") -> ImportJob:
    """Store an uploaded CSV file and queue its preview (a dry run) on commit.

    Args: ``mandate`` (access is checked by the caller: ``access.managed_mandates``), ``by`` the
    uploading user, ``upload`` a Django ``UploadedFile``, ``language`` of the job's messages.
    The file is stored under a server-made name in ``MEDIA_ROOT/imports/``, which is never served.
    Returns the queued ``ImportJob``. Raises ``ValidationError`` (see ``validate_import_file``).
    """
    upload.seek(0)
    data = upload.read()
    validate_import_file(data)
    job = ImportJob(
        mandate=mandate,
        requested_by=by,
        mode=ImportJob.Mode.PREVIEW,
        original_name=PurePosixPath(upload.name or "").name[:255],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        language=language,
    )
    job.full_clean()  # before writing the file: an invalid job leaves no file behind
    job.file.save("import.csv", ContentFile(data), save=False)
    job.save()
    task_request(IMPORT_TASK, job_id=job.pk)
    return job


@transaction.atomic
def import_job_confirm(*, preview: ImportJob, by, language: str = "fr") -> ImportJob:
    """Queue the save of a previewed file (the same stored bytes) on commit.

    Returns the new save job with ``already_confirmed`` False; or, when the preview was confirmed
    before (a second click, another recruiter), that save job with ``already_confirmed`` True — a
    preview is saved at most once (constraint ``importjob_one_save_per_preview``).

    Raises ``ValidationError``: the preview is not done or found problems (code
    ``not_confirmable``), or its file is gone (code ``file_gone``).
    """
    preview = ImportJob.objects.select_for_update().get(pk=preview.pk)
    existing = ImportJob.objects.filter(preview=preview).first()
    if existing is not None:
        existing.already_confirmed = True
        return existing
    if (
        preview.mode != ImportJob.Mode.PREVIEW
        or preview.status != ImportJob.Status.DONE
        or not (preview.result or {}).get("ok")
    ):
        raise ValidationError(_("Only a preview without problems can be saved."), code="not_confirmable")
    if not preview.file:
        raise ValidationError(
            _("The uploaded file is no longer available; upload it again."), code="file_gone"
        )
    job = ImportJob(
        mandate_id=preview.mandate_id,
        requested_by=by,
        mode=ImportJob.Mode.SAVE,
        preview=preview,
        file=preview.file.name,
        original_name=preview.original_name,
        size=preview.size,
        sha256=preview.sha256,
        language=language,
    )
    job.full_clean()
    job.save()
    task_request(IMPORT_TASK, job_id=job.pk)
    job.already_confirmed = False
    return job


class _Superseded(Exception):
    """Internal: another run took the job over (or finished it); this run's writes are undone."""


class _ProgressWriter:
    """Writes a running job's ``rows_done``/``rows_total`` (one UPDATE each time), where its page
    can read them while the import's transaction is still open.

    A save job's transaction lasts the whole import, and PostgreSQL shows nothing it writes before
    it commits. So on PostgreSQL, when the job runs outside any transaction (the Celery task), the
    counters go through a connection of their own, in autocommit; the job's row is not locked
    until the very end of the run (``_finish``), so these UPDATEs never wait (a lock timeout
    guards them all the same) and a failed one is only logged. Elsewhere — SQLite, where one
    writer holds the whole database, or a run inside a caller's transaction (tests) — they go
    through the default connection and show when the run commits.
    """

    def __init__(self, job_id: int, *, separate: bool):
        self.job_id = job_id
        self.separate = separate
        self._side = None

    def __call__(self, done: int, total: int) -> None:
        if not self.separate:
            ImportJob.objects.filter(pk=self.job_id).update(rows_done=done, rows_total=total)
            return
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
                with self._side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '2s'")
            quote = self._side.ops.quote_name
            sql = (
                f"UPDATE {quote(ImportJob._meta.db_table)} SET {quote('rows_done')} = %s, "  # noqa: S608 — names from the model
                f"{quote('rows_total')} = %s WHERE {quote('id')} = %s"
            )
            with self._side.cursor() as cursor:
                cursor.execute(sql, [done, total, self.job_id])
        except DatabaseError:
            logger.warning("Import job %s: progress not written", self.job_id, exc_info=True)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _claim(model, job_id: int, task_id: str | None):
    """Move a queued job of ``model`` (a ``BackgroundJob``: ``ImportJob``, ``ExportJob``), or one
    whose run is over, to running; ``None`` if there is nothing to do.

    Done and failed jobs are never run again. A running job is taken over only when its run is
    over (``cso_recruit.runs.live_elsewhere``): the same task message delivered again (``task_id``
    equal: its worker died), a run started longer ago than the task's hard time limit, or
    ``task_id`` ``None`` (a direct call).
    """
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("%s %s does not exist (deleted before it ran?)", model.__name__, job_id)
            return None
        if job.status in (model.Status.DONE, model.Status.FAILED):
            return None
        if live_elsewhere(
            running=job.status == model.Status.RUNNING,
            task_id=task_id,
            run_task_id=job.task_id,
            started_at=job.started_at,
            lifetime=model.lifetime(),
            now=timezone.now(),
        ):
            return None  # another worker is running it right now
        job.status = model.Status.RUNNING
        job.started_at = timezone.now()
        job.attempts += 1
        job.task_id = task_id or ""
        job.rows_done = 0
        job.save(update_fields=["status", "started_at", "attempts", "task_id", "rows_done"])
        return job


def _release_file(job: ImportJob) -> None:
    """Once a save job has finished, its file (shared with its preview) is deleted on commit."""
    if not job.file:
        return
    name, storage = job.file.name, job.file.storage
    ImportJob.objects.filter(pk__in=[job.pk, job.preview_id]).update(file="")
    transaction.on_commit(lambda: storage.delete(name))


def _finish(job: ImportJob, *, status: str, result: dict | None = None, error: str = "") -> ImportJob:
    """Write a run's outcome under the job's row lock, in the current transaction (a save's own):
    if another run took the job over meanwhile, raise ``_Superseded`` instead — that undoes the
    import written in the same transaction."""
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        if current.status != ImportJob.Status.RUNNING or current.attempts != job.attempts:
            raise _Superseded
        current.status = status
        current.result = result
        current.error = error[:JOB_ERROR_MAX]
        current.finished_at = timezone.now()
        if result is not None:
            current.rows_total = current.rows_done = result["rows"]
        current.save(update_fields=["status", "result", "error", "finished_at", "rows_total", "rows_done"])
        if current.mode == ImportJob.Mode.SAVE:
            _release_file(current)
        return current


def _read_job_file(job: ImportJob) -> bytes:
    gone = _("The uploaded file is no longer available; upload it again.")
    if not job.file:
        raise csv_format.CsvFormatError(gone)
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise csv_format.CsvFormatError(gone) from exc
    if hashlib.sha256(data).hexdigest() != job.sha256:
        raise csv_format.CsvFormatError(_("The stored file is not the one uploaded; upload it again."))
    return data


def _run(job: ImportJob, progress) -> ImportJob:
    try:
        return _attempt(job, progress)
    except _Superseded:
        logger.warning("Import job %s was taken over by another run: this run's writes are undone", job.pk)
        return ImportJob.objects.get(pk=job.pk)


def _attempt(job: ImportJob, progress) -> ImportJob:
    mandate = Mandate.objects.get(pk=job.mandate_id)
    by = job.requested_by
    try:
        data = _read_job_file(job)
        if job.mode == ImportJob.Mode.PREVIEW:
            report = candidates_import(mandate=mandate, data=data, by=by, dry_run=True, progress=progress)
            return _finish(job, status=ImportJob.Status.DONE, result=import_report_data(report))
        with transaction.atomic():  # the candidates and the job's "done": together or not at all
            report = candidates_import(mandate=mandate, data=data, by=by, progress=progress)
            return _finish(job, status=ImportJob.Status.DONE, result=import_report_data(report))
    except (_Superseded, SoftTimeLimitExceeded):
        raise
    except csv_format.CsvFormatError as exc:
        return _finish(job, status=ImportJob.Status.FAILED, error=str(exc))
    except Exception as exc:  # the job says why; the worker goes on with the next task
        logger.exception("Import job %s failed", job.pk)
        return _finish(
            job,
            status=ImportJob.Status.FAILED,
            error=_("The import stopped on an unexpected error; nothing was saved (%(error)s).")
            % {"error": f"{type(exc).__name__}: {exc}"},
        )


def import_job_run(*, job_id: int, task_id: str | None = None) -> ImportJob | None:
    """Run import job ``job_id``: a preview (dry run) or a save (all-or-nothing); idempotent.

    A done or failed job is returned untouched; one another worker is running is left to it (see
    ``_claim``). The outcome: ``done`` with ``result`` (``import_report_data``; a save whose file
    has a problem is done too, with ``saved`` False and nothing written), or ``failed`` with
    ``error`` (file unreadable or not a CSV, file gone, unexpected error). Messages are in the
    job's ``language``. ``SoftTimeLimitExceeded`` propagates (the task fails the job).

    Returns the job, or ``None`` when it does not exist.
    """
    separate = connection.vendor == "postgresql" and not connection.in_atomic_block
    job = _claim(ImportJob, job_id, task_id)
    if job is None:
        return ImportJob.objects.filter(pk=job_id).first()
    progress = _ProgressWriter(job.pk, separate=separate)
    try:
        with translation.override(job.language):
            return _run(job, progress)
    finally:
        progress.close()


def import_job_fail(*, job_id: int, error, params: dict | None = None) -> ImportJob | None:
    """Mark a pending job failed with ``error`` (``jobs.job_fail``): the task's last word when its
    time runs out. A failed save releases its file. Returns the job, ``None`` if it does not exist."""

    def release(job):
        if job.mode == ImportJob.Mode.SAVE:
            _release_file(job)

    return jobs.job_fail(ImportJob, job_id=job_id, error=error, params=params, on_failed=release)


def profile_update(*, user, language=None, time_zone=None) -> UserProfile:
    """Save ``user``'s preferences: interface ``language`` (a code of ``settings.LANGUAGES``) and
    the ``time_zone`` their e-mails use (an IANA name, or "" for each session's own zone); an
    argument left ``None`` keeps the saved value. Creates the profile on first use.
    ``ValidationError`` for an unknown language or zone."""
    profile, _created = UserProfile.objects.get_or_create(user=user)
    if language is not None:
        profile.language = language
    if time_zone is not None:
        profile.time_zone = time_zone
    profile.full_clean(exclude=["user"])
    profile.save()
    return profile


def import_jobs_sweep(*, now=None) -> dict:
    """Nothing pending for ever, no file kept for ever (beat, every few minutes; safe to run twice).

    * A job "running" for longer than the task's hard time limit (plus a minute) lost its worker:
      it is failed for good ("interrupted, nothing saved: upload again"), so that a late
      redelivery of its message (Redis gives unacknowledged messages back after an hour) finds it
      failed and does nothing — it can never re-apply an old file over a newer import.
    * A job "queued" for longer than ``IMPORT_RESEND_AFTER`` seconds (its message lost with the
      broker's data): its task is requested again (the run is idempotent).
    * The stored file of a preview never confirmed, or of a failed job, is deleted
      ``IMPORT_FILE_RETENTION_DAYS`` days after the job was created (saves delete theirs at once).

    Returns ``{"failed": n, "resent": m, "files_deleted": k}``.
    """
    now = now or timezone.now()
    counts = {"failed": 0, "resent": 0, "files_deleted": 0}
    lost = ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, started_at__lt=now - import_job_lifetime()
    )
    for pk in list(lost.values_list("pk", flat=True)):
        job = import_job_fail(
            job_id=pk,
            error=gettext_lazy(
                "The import was interrupted (the worker stopped); nothing was saved. Upload the file again."
            ),
        )
        counts["failed"] += int(job is not None and job.status == ImportJob.Status.FAILED)
    forgotten = ImportJob.objects.filter(
        status=ImportJob.Status.QUEUED, created_at__lt=now - timedelta(seconds=settings.IMPORT_RESEND_AFTER)
    )
    for pk in list(forgotten.values_list("pk", flat=True)):
        task_request(IMPORT_TASK, job_id=pk)
        counts["resent"] += 1
    old = now - timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    expired = (
        ImportJob.objects.filter(created_at__lt=old)
        .exclude(file="")
        .filter(
            Q(status=ImportJob.Status.FAILED) | Q(mode=ImportJob.Mode.PREVIEW, status=ImportJob.Status.DONE)
        )
        .exclude(confirmations__status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
    )
    for job in list(expired):
        name, storage = job.file.name, job.file.storage
        with transaction.atomic():
            if ImportJob.objects.filter(pk=job.pk).exclude(file="").update(file=""):
                transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
                counts["files_deleted"] += 1
    return counts


# --------------------------------------------------------------------------- export jobs
#
# The web request only queues an export job (``export_job_request``); the Celery task
# ``candidates.tasks.run_export`` writes the CSV file (``export_job_run``) and the job's page
# follows it, then offers the download. Writing an export changes nothing but its own job, so a
# run may be repeated safely: a redelivered or re-sent task takes an interrupted run over.

EXPORT_TASK = "candidates.tasks.run_export"
#: Rows between two progress writes of an export.
EXPORT_PROGRESS_EVERY = 200
#: Runs an export may start before the sweeper gives up on it (its worker keeps dying).
EXPORT_MAX_ATTEMPTS = 3


@transaction.atomic
def export_job_request(*, mandate: Mandate, by, language: str = "fr") -> ExportJob:
    """Queue the CSV export of ``mandate`` for ``by`` (access checked by the caller:
    ``access.pipeline_mandates``); the task is requested on commit through the outbox.

    Returns the job with ``already_pending`` False; or, when ``by`` already has an export of this
    mandate queued or running (a second click), that job with ``already_pending`` True.
    """
    Mandate.objects.select_for_update().filter(pk=mandate.pk).first()  # one request at a time
    pending = [
        job
        for job in ExportJob.objects.filter(
            mandate=mandate, requested_by=by, status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]
        )
        if not job.is_stale
    ]
    if pending:
        pending[0].already_pending = True
        return pending[0]
    job = ExportJob.objects.create(mandate=mandate, requested_by=by, language=language)
    task_request(EXPORT_TASK, job_id=job.pk)
    job.already_pending = False
    return job


def _export_progress(job_id: int, total: int):
    def write(done: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(rows_done=min(done, total), rows_total=total)

    return write


def export_job_run(*, job_id: int, task_id: str | None = None) -> ExportJob | None:
    """Write export job ``job_id``'s CSV file; idempotent (a done or failed job is returned as is,
    one another worker is running is left to it: ``_claim``).

    The file holds the applications the requester may see now
    (``selectors.export_applications``), in name order; it is stored under a server-made name in
    ``MEDIA_ROOT/exports/`` with its size and SHA-256. A requester deleted meanwhile, or one who
    lost access to the mandate, gets a failed job (``error`` in the job's ``language``).
    ``SoftTimeLimitExceeded`` propagates (the task fails the job).

    Returns the job, or ``None`` when it does not exist.
    """
    from . import selectors  # the reads of the export: the board's access rule

    job = _claim(ExportJob, job_id, task_id)
    if job is None:
        return ExportJob.objects.filter(pk=job_id).first()
    with translation.override(job.language):
        by = job.requested_by
        if by is None or not access.pipeline_mandates(by).filter(pk=job.mandate_id).exists():
            return _export_finish(job, error=_("The requester can no longer read this mandate's pipeline."))
        applications = selectors.export_applications(mandate=job.mandate, user=by)
        total = applications.count()
        progress = _export_progress(job.pk, total)
        progress(0)
        try:
            data = candidates_export(applications=applications.iterator(chunk_size=500), progress=progress)
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # the job says why; the worker goes on with the next task
            logger.exception("Export job %s failed", job.pk)
            return _export_finish(
                job,
                error=_("The export stopped on an unexpected error (%(error)s).")
                % {"error": f"{type(exc).__name__}: {exc}"},
            )
        return _export_finish(job, data=data, rows=total)


def _export_finish(job: ExportJob, *, data: bytes | None = None, rows: int = 0, error: str = "") -> ExportJob:
    """Store a run's outcome under the job's row lock; a run taken over meanwhile (another
    attempt, or the job failed by the sweeper) leaves the job alone and deletes its own file."""
    stored = None
    if data is not None:
        stored = job.file.storage.save(export_upload_to(job, "export.csv"), ContentFile(data))
    with transaction.atomic():
        current = ExportJob.objects.select_for_update().get(pk=job.pk)
        if current.status != ExportJob.Status.RUNNING or current.attempts != job.attempts:
            logger.warning("Export job %s was taken over by another run: this run's file is dropped", job.pk)
            if stored:
                transaction.on_commit(lambda: job.file.storage.delete(stored))
            return current
        current.finished_at = timezone.now()
        if data is None:
            current.status = ExportJob.Status.FAILED
            current.error = error[:JOB_ERROR_MAX] or "?"
        else:
            current.status = ExportJob.Status.DONE
            current.file = stored
            current.size = len(data)
            current.sha256 = hashlib.sha256(data).hexdigest()
            current.rows_total = current.rows_done = rows
        current.save()
        return current


def export_job_fail(*, job_id: int, error, params: dict | None = None) -> ExportJob | None:
    """Mark a pending export failed with ``error`` (``jobs.job_fail``): the task's last word when
    its time runs out, or the sweeper's. Returns the job, ``None`` if it does not exist."""
    return jobs.job_fail(ExportJob, job_id=job_id, error=error, params=params)


def export_jobs_sweep(*, now=None) -> dict:
    """No export pending for ever, no export file kept for ever (``jobs.file_jobs_sweep``: a run
    that lost its worker is requested again, failed after ``EXPORT_MAX_ATTEMPTS`` runs; a job
    queued for longer than ``EXPORT_RESEND_AFTER`` seconds is requested again; the file of a done
    job is deleted ``EXPORT_FILE_RETENTION_HOURS`` hours after it was written, the job stays,
    "expired"). Returns ``{"failed": n, "resent": m, "files_deleted": k}``."""
    return jobs.file_jobs_sweep(
        ExportJob,
        task=EXPORT_TASK,
        max_attempts=EXPORT_MAX_ATTEMPTS,
        resend_after=timedelta(seconds=settings.EXPORT_RESEND_AFTER),
        file_retention=timedelta(hours=settings.EXPORT_FILE_RETENTION_HOURS),
        interrupted=gettext_lazy(
            "The export was interrupted %(attempts)d times (the worker stopped); ask for it again."
        ),
        now=now,
    )
