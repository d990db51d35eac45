"""Write operations on mandates, candidates and applications.

Every function is keyword-only, runs in ``transaction.atomic`` and validates with ``full_clean``.
Callers (views, commands, admin) check access first through ``cso_recruit.access``.
"""

import math
import uuid
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from cso_recruit import access
from cso_recruit.events import figures_inputs_changed

from . import csv_format
from .models import Application, Candidate, Mandate, Stage, StageTransition

CANDIDATE_FIELDS = tuple(f for f in csv_format.FIELDS)

MAX_IMPORT_ROWS = 5000

CV_KINDS = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}


def validate_cv(uploaded) -> str:
    """Check an uploaded CV by its content (not its name or the client's content type).

    Args: a Django ``UploadedFile``. Returns the extension to store it under (``"pdf"``/``"docx"``).
    Raises ``ValidationError`` (code ``too_large`` above ``settings.CV_MAX_BYTES`` = 5 MB,
    ``bad_type`` for anything that is not a PDF or a Word .docx file).
    """
    if uploaded.size > settings.CV_MAX_BYTES:
        raise ValidationError(
            _("The CV is %(size)s MB, over the %(limit)d MB limit.")
            # Rounded up, so that a file just over the limit never reads as "5.00 MB".
            % {"size": number_format(math.ceil(uploaded.size / 1024 / 1024 * 100) / 100, 2),
               "limit": settings.CV_MAX_BYTES // 1024 // 1024},
            code="too_large",
        )
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in CV_KINDS:
        raise ValidationError(_("The CV must be a PDF or a Word (.docx) document."), code="bad_type")
    return CV_KINDS[kind.mime]


def _store_cv(candidate: Candidate, uploaded) -> None:
    """Write the new CV under a server-made name; the previous file is deleted only once the
    transaction commits, so a failed change never leaves the candidate without their CV."""
    extension = validate_cv(uploaded)
    original = PurePosixPath(uploaded.name or "").name[:255]
    previous = candidate.cv.name if candidate.cv else ""
    uploaded.seek(0)
    candidate.cv.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(uploaded.read()), save=False)
    candidate.cv_original_name = original
    if previous:
        storage = candidate.cv.storage
        transaction.on_commit(lambda: storage.delete(previous))


def _record_transition(*, application, from_stage, to_stage, by, reason=""):
    transition = StageTransition(application=application, from_stage=from_stage, to_stage=to_stage,
                                 by=by, reason=reason, at=application.stage_entered_at)
    transition.full_clean()
    transition.save()
    return transition


def _application_create(*, candidate: Candidate, mandate: Mandate, by) -> Application:
    application = Application(candidate=candidate, mandate=mandate, stage=Stage.SOURCED,
                              stage_entered_at=timezone.now())
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


@transaction.atomic
def candidate_create(*, mandate: Mandate, data: dict, by, cv=None) -> Application:
    """Create a candidate and their application to ``mandate``.

    ``data`` holds Candidate field values (names of ``csv_format.FIELDS``). Returns the new
    application. Raises ``ValidationError`` (e.g. an e-mail already used by another candidate).
    """
    candidate = Candidate(**data)
    if cv is not None:
        validate_cv(cv)
    candidate.full_clean()  # before writing the CV: an invalid candidate leaves no file behind
    if cv is not None:
        _store_cv(candidate, cv)
    candidate.save()
    return application_create(candidate=candidate, mandate=mandate, by=by)


@transaction.atomic
def candidate_update(*, candidate: Candidate, data: dict, by, cv=None) -> Candidate:
    """Change a candidate's fields (and CV). Raises ``ValidationError`` on invalid values."""
    for name, value in data.items():
        setattr(candidate, name, value)
    if cv is not None:
        validate_cv(cv)
    candidate._history_user = by
    candidate.full_clean()  # before touching the files: an invalid change keeps the old CV
    # Lock order of every write on an application's data: applications, then the candidate.
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
    if stage not in (Stage.HIRED, Stage.REJECTED, Stage.WITHDRAWN):
        targets |= {Stage.REJECTED, Stage.WITHDRAWN}
    return [s for s in Stage.values if s in targets]


@transaction.atomic
def application_move(*, application: Application, to_stage: str, by, reason: str = "",
                     rejection_reason: str = "") -> Application:
    """Move an application to another pipeline stage and record the transition.

    Rules: only moves in ``allowed_targets``; rejecting needs a ``rejection_reason`` code and a
    written ``reason``. The row is locked (``select_for_update``) so two simultaneous moves
    serialise. Raises ``ValidationError`` with a field-keyed message.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    reason = (reason or "").strip()
    if to_stage not in allowed_targets(application.stage):
        raise ValidationError({"to_stage": _("This application cannot move from “%(from)s” to “%(to)s”.")
                               % {"from": Stage(application.stage).label,
                                  "to": Stage(to_stage).label if to_stage in Stage.values else to_stage}})
    if to_stage == Stage.REJECTED:
        errors = {}
        if not rejection_reason:
            errors["rejection_reason"] = _("Choose why the application is rejected.")
        if not reason:
            errors["reason"] = _("A written reason is required to reject an application.")
        if errors:
            raise ValidationError(errors)
    from_stage = application.stage
    application.stage = to_stage
    application.stage_entered_at = timezone.now()
    application.rejection_reason = rejection_reason if to_stage == Stage.REJECTED else ""
    application.full_clean()
    application.save()
    _record_transition(application=application, from_stage=from_stage, to_stage=to_stage, by=by, reason=reason)
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


@transaction.atomic
def candidates_import(*, mandate: Mandate, data: bytes, by, dry_run: bool = False) -> ImportReport:
    """Import candidates from CSV bytes (French Excel or English format) into ``mandate``.

    All-or-nothing: if the file has any error, nothing is saved and the report lists every
    problem with line and column. Candidates are matched on e-mail, case-insensitively, so
    re-importing the same file creates no duplicate; an existing candidate takes the file's
    values. ``dry_run`` computes the same report and saves nothing. At most ``MAX_IMPORT_ROWS``
    rows per file.

    Scope: a user (``by``, not staff) may only update candidates they already manage (an
    application in one of their mandates). A row whose e-mail belongs to a candidate outside
    their mandates is an error — it is never overwritten nor attached to this mandate, so an
    import cannot take over another mandate's candidate. ``by=None`` (command line) and staff
    are unrestricted.

    Raises ``csv_format.CsvFormatError`` for a file that cannot be read at all.
    """
    parse = csv_format.parse_candidates_csv(data)
    report = ImportReport(parse=parse, dry_run=dry_run)
    if len(parse.rows) > MAX_IMPORT_ROWS:
        parse.errors.append(csv_format.RowError(
            line=parse.header_line, column="—", message=_("The file has %(rows)d rows; import at most %(max)d at a time.")
            % {"rows": len(parse.rows), "max": MAX_IMPORT_ROWS}))
    if not parse.ok:
        return report
    emails = [row.values["email"] for row in parse.rows]
    # Case-insensitive on both sides, like the ``candidate_email_ci_unique`` constraint: a row
    # stored with capitals (written around ``Candidate.save()``) must match, not collide.
    existing = {c.email.lower(): c for c in Candidate.objects.annotate(email_ci=Lower("email"))
                .filter(email_ci__in=emails)}
    in_mandate = {
        email.lower() for email in Application.objects.filter(
            mandate=mandate, candidate__in=existing.values()).values_list("candidate__email", flat=True)
    }
    restricted = by is not None and not by.is_staff
    managed = set(access.candidates_managed_by(by).filter(
        pk__in=[c.pk for c in existing.values()]).values_list("pk", flat=True)) if restricted else set()
    email_column = parse.headers.get("email", "email")
    touched = []  # candidates saved: their figures are recomputed once, at the end
    if not dry_run:  # lock order of every write on an application's data: applications, then candidates
        list(Application.objects.select_for_update().filter(candidate__in=list(existing.values()))
             .order_by("pk").values_list("pk"))
    sid = transaction.savepoint()
    for row in parse.rows:
        values = {k: v for k, v in row.values.items() if k in CANDIDATE_FIELDS}
        email = values["email"].lower()
        candidate = existing.get(email)
        if candidate is not None and restricted and candidate.pk not in managed:
            parse.errors.append(csv_format.RowError(line=row.line, column=email_column, message=_(
                "This e-mail address belongs to a candidate of another mandate; ask an administrator "
                "to add them to this mandate.")))
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


def candidates_export(*, applications) -> bytes:
    """French Excel CSV (UTF-8 BOM, ``;``) of the candidates of ``applications``; imports back as is."""
    rows = [{name: getattr(a.candidate, name) for name in CANDIDATE_FIELDS} for a in applications]
    return csv_format.write_candidates_csv(rows, dialect="fr")
