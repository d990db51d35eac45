"""Writes of the privacy app: erasure that erases (GDPR art. 17) and the retention policy
(CNIL recruitment guidance, 2023: ``privacy.selectors``), which anonymises with the same service.

:func:`candidate_erase` is the ONE way a candidate is erased — the Django admin's delete of a
candidate, ``manage.py erase_candidate`` and :func:`retention_apply` all call it. It keeps the
candidate and application rows as anonymous shells (so report tombstones keep their version
numbers and SHA-256, and other candidates' figures their ids) and removes the person everywhere
else.
"""

import html
import json
import logging
import re

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Scorecard
from audit.models import AccessExport, ReadEvent
from candidates.models import (
    ALL_DOMAINS,
    Application,
    Candidate,
    ExportJob,
    ImportJob,
    Mandate,
    StageTransition,
)
from cso_recruit.events import figures_inputs_changed
from decisions.models import DecisionMeeting
from onboarding.models import StartKit, StartKitDocument
from outbox.models import OutboundEmail
from outbox.services import Message, email_enqueue
from reports.models import Report, Shortlist
from sessions.models import AssessmentNotice, BriefingFile, Observation, WorkingSession

from . import selectors
from .models import Erasure, RetentionWarning

logger = logging.getLogger(__name__)

#: What an erased text becomes.
REDACTED = "[—]"


def _erased_email(pk: int) -> str:
    """The address an erased candidate keeps: unique, and in the reserved ``.invalid`` domain
    (RFC 2606), so nothing is ever sent to it."""
    return f"erased-{pk}@erased.invalid"


def _terms(candidate: Candidate) -> list[str]:
    """Every identifier the candidate row held, now or in its history (names, e-mails, phones,
    CV names), longest first; with their HTML-escaped forms."""
    rows = [candidate, *candidate.history.all()]
    terms = set()
    for row in rows:
        first, last = row.first_name.strip(), row.last_name.strip()
        terms |= {first, last, f"{first} {last}", f"{last} {first}", row.email, row.phone.strip()}
        terms |= {row.linkedin_url, row.cv_original_name}
        digits = re.sub(r"\D", "", row.phone)
        if len(digits) >= 6:
            terms.add(digits)
    terms = {t for t in terms if len(t) >= 3}
    terms |= {html.escape(t) for t in terms}
    return sorted(terms, key=len, reverse=True)


def _redact(text: str, terms) -> str:
    """``text`` with every term replaced by ``REDACTED``, case-insensitively; iCalendar lines are
    unfolded first (RFC 5545 §3.1), so a name folded across two lines is found."""
    if not text:
        return text
    text = re.sub(r"\r?\n[ \t]", "", text) if "BEGIN:VCALENDAR" in text else text
    for term in terms:
        text = re.sub(re.escape(term), REDACTED, text, flags=re.IGNORECASE)
    return text


def _mentions(text: str, terms) -> bool:
    low = re.sub(r"\r?\n[ \t]", "", text or "").lower()
    return any(t.lower() in low for t in terms)


def _delete_file(name: str, counts: dict) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)
        counts["files"] = counts.get("files", 0) + 1


def _file_mentions(name: str, terms) -> bool:
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        return False
    texts = []
    for encoding in ("utf-8", "cp1252"):
        try:
            texts.append(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    return any(_mentions(text, terms) for text in texts)


def _scrub_emails(candidate, terms, session_ids, emails, counts) -> None:
    """Delete the e-mails to the candidate; redact the others that are about them (their sessions'
    messages to the CEO and mediator, retention warnings, any that names them)."""
    to_them = Q(key__startswith=f"privacy:retention:{candidate.pk}:")
    for email in emails:
        to_them |= Q(to__iexact=email)
    deleted, _detail = OutboundEmail.objects.filter(to_them).delete()
    counts["emails_deleted"] = deleted
    about = Q()
    for sid in session_ids:
        about |= Q(key__startswith=f"session:{sid}:")
    text_terms = [t for t in terms if len(t) >= 4]
    for term in text_terms:
        about |= Q(subject__icontains=term) | Q(body__icontains=term) | Q(html__icontains=term)
        about |= Q(attachments_text__icontains=term)
    redacted = 0
    rows = OutboundEmail.objects.annotate(attachments_text=Cast("attachments", TextField())).filter(about)
    for row in rows.select_for_update(of=("self",)) if about else []:
        row.subject = _redact(row.subject, terms)[:998]
        row.body = _redact(row.body, terms)
        row.html = _redact(row.html, terms)
        row.attachments = [{**a, "content": _redact(a.get("content", ""), terms)} for a in row.attachments]
        row.key = _redact(row.key, terms)[:255]
        row.save(update_fields=["subject", "body", "html", "attachments", "key"])
        redacted += 1
    counts["emails_redacted"] = redacted


def _scrub_jobs(terms, counts) -> None:
    """Import previews and CSV exports that name the candidate: their files are deleted (an import
    preview must then be uploaded again) and their stored results redacted."""
    for job in ImportJob.objects.exclude(file="").select_for_update():
        if _file_mentions(job.file.name, terms):
            _delete_file(job.file.name, counts)
            ImportJob.objects.filter(pk=job.pk).update(file="")
    for job in ImportJob.objects.exclude(result=None).select_for_update():
        text = json.dumps(job.result, ensure_ascii=False)
        if _mentions(text, terms):
            ImportJob.objects.filter(pk=job.pk).update(
                result=json.loads(_redact(text, [json.dumps(t, ensure_ascii=False)[1:-1] for t in terms]))
            )
            counts["imports_redacted"] = counts.get("imports_redacted", 0) + 1
    for job in ExportJob.objects.exclude(file="").select_for_update():
        if _file_mentions(job.file.name, terms):
            _delete_file(job.file.name, counts)
            ExportJob.objects.filter(pk=job.pk).update(file="")


def _scrub_admin_log(candidate, terms, counts) -> None:
    """The admin's change log names objects by their ``str()``: redact every entry that names them."""
    query = Q(content_type=ContentType.objects.get_for_model(Candidate), object_id=str(candidate.pk))
    for term in terms:
        query |= Q(object_repr__icontains=term) | Q(change_message__icontains=term)
    redacted = 0
    for entry in LogEntry.objects.filter(query):
        entry.object_repr = _redact(entry.object_repr, terms)[:200]
        entry.change_message = _redact(entry.change_message, terms)
        entry.save(update_fields=["object_repr", "change_message"])
        redacted += 1
    counts["admin_log_redacted"] = redacted


def _scrub_audit(candidate, terms, counts) -> set:
    """The candidate's access exports are deleted (their files on commit: the names are returned);
    the read events about them stay — who read their data, when, from where — with a label that
    no longer names them ("Anonyme #<id>"), and any other event whose label names them is redacted."""
    exports = AccessExport.objects.filter(candidate_id=candidate.pk)
    files = set(exports.exclude(file="").values_list("file", flat=True))
    counts["access_exports"] = exports.delete()[0]
    label = f"Anonyme #{candidate.pk}"
    counts["read_events_scrubbed"] = ReadEvent.objects.filter(candidate_id=candidate.pk).update(label=label)
    query = Q()
    for term in terms:
        query |= Q(label__icontains=term)
    for event in ReadEvent.objects.filter(query) if query else []:
        ReadEvent.objects.filter(pk=event.pk).update(label=_redact(event.label, terms)[:200])
        counts["read_events_scrubbed"] += 1
    return files


def _anonymise_row(candidate: Candidate, actor) -> None:
    candidate.first_name = "Anonyme"
    candidate.last_name = f"#{candidate.pk}"
    candidate.email = _erased_email(candidate.pk)
    for name in ("phone", "city", "time_zone", "linkedin_url", "source", "education", "cv_original_name"):
        setattr(candidate, name, "")
    candidate.gdpr_consent = False
    candidate.consent_date = None
    candidate.career_years = None
    for code in ALL_DOMAINS:
        setattr(candidate, f"years_{code}", 0)
    candidate.cv = ""
    candidate._history_user = actor
    candidate._change_reason = "erasure"
    candidate.save()


@transaction.atomic
def candidate_erase(
    candidate: Candidate, actor=None, reason: str = "", *, kind=Erasure.Kind.REQUEST, rule=""
):
    """Erase one candidate everywhere (GDPR art. 17; CNIL recruitment guidance, 2023).

    What goes: the candidate row — deleted when no report of theirs exists, otherwise kept as an
    anonymous shell for the report tombstones: its personal fields anonymised: "Anonyme #<id>", an address in the
    reserved ``.invalid`` domain, no phone, city, CV, consent, years) and every
    django-simple-history copy of it (one anonymised copy is left, "erasure"); every CV file the
    row ever pointed to; their applications' SWOT texts, stage transitions (with their reasons),
    scorecards and ratings, decision meetings and their votes, working sessions (observations, IPA tallies, incidents, both debriefs,
    debrief tokens, reminders) and the sessions' history copies; their reports' PDFs and snapshots
    (the report rows stay as ``erased`` tombstones: version, SHA-256, size, page count); the
    e-mails sent to them (deleted) and those about them (redacted); import previews and CSV
    exports that name them (files deleted, results redacted); the admin log entries that name
    them; their access exports (rows and ZIP files deleted) and the labels of the read events
    about them (the events stay, "Anonyme #<id>": who read their data, when, from where). Their figures and the mandates' agreement statistics are recomputed without them (on
    commit, ``figures``).

    Args:
        candidate: the ``Candidate``.
        actor: the user erasing (``None``: the retention task, the command line without --by).
        reason: why (kept on the ``Erasure`` row: must not name the person).
        kind: ``Erasure.Kind.REQUEST`` or ``RETENTION`` (then ``rule`` is the retention rule code).

    Returns:
        The ``Erasure`` row (the existing one, unchanged, when the candidate was erased already:
        idempotent, the unique candidate makes it once).
    """
    apps = list(Application.objects.select_for_update().filter(candidate_id=candidate.pk).order_by("pk"))
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    existing = Erasure.objects.filter(candidate_number=candidate.pk).first()
    if existing is not None:
        return existing
    app_ids = [a.pk for a in apps]
    mandate_ids = sorted({a.mandate_id for a in apps})
    counts: dict = {}
    terms = _terms(candidate)
    emails = sorted({candidate.email.lower(), *(h.email.lower() for h in candidate.history.all())})

    # Files first collected (the rows are about to forget them), deleted on commit.
    cv_files = {candidate.cv.name, *(h.cv for h in candidate.history.all())} - {"", None}
    reports = Report.objects.filter(application_id__in=app_ids)
    report_files = set(reports.exclude(pdf="").values_list("pdf", flat=True))
    # Shortlists naming them as a finalist: tombstones too (their PDF names every finalist).
    shortlists = Shortlist.objects.filter(
        pk__in=Shortlist.finalists.through.objects.filter(application_id__in=app_ids).values("shortlist_id")
    )
    shortlist_ids = list(shortlists.values_list("pk", flat=True))
    report_files |= set(shortlists.exclude(pdf="").values_list("pdf", flat=True))
    # The start kits' PDFs go with their kits (the rows by cascade, the files on commit).
    report_files |= set(
        StartKitDocument.objects.filter(kit__application_id__in=app_ids)
        .exclude(pdf="")
        .values_list("pdf", flat=True)
    )

    # Sessions and everything under them, then their history copies.
    session_ids = set(WorkingSession.objects.filter(application_id__in=app_ids).values_list("pk", flat=True))
    session_ids |= set(
        WorkingSession.history.filter(application_id__in=app_ids).values_list("id", flat=True).distinct()
    )
    # The sessions' briefing packs go with them (files and history copies included).
    briefing_files = _briefing_files(session_ids)
    Observation.objects.filter(session_id__in=session_ids).update(supersedes=None)
    counts["sessions"] = WorkingSession.objects.filter(pk__in=session_ids).delete()[0]
    counts["history_rows"] = WorkingSession.history.filter(id__in=session_ids).delete()[0]
    counts["history_rows"] += BriefingFile.history.filter(session_id__in=session_ids).delete()[0]
    Scorecard.objects.filter(application_id__in=app_ids).update(supersedes=None)
    counts["scorecards"] = Scorecard.objects.filter(application_id__in=app_ids).delete()[0]
    StageTransition.objects.filter(application_id__in=app_ids).delete()
    counts["notices"] = AssessmentNotice.objects.filter(application_id__in=app_ids).delete()[0]
    # The offers (terms, approvals, steps: pay and notes are personal data) go too.
    from offers.models import Offer

    counts["offers"] = Offer.objects.filter(application_id__in=app_ids).delete()[0]
    # The decision meetings: their votes and rationales speak about the person.
    DecisionMeeting.objects.filter(application_id__in=app_ids).delete()
    # The start kits of a hire (plan, charter and its sign-offs, check-ins, reminders) go too.
    StartKit.objects.filter(application_id__in=app_ids).delete()
    Application.objects.filter(pk__in=app_ids).update(swot_opportunities="", swot_threats="")
    counts["reports"] = reports.update(
        status=Report.Status.ERASED, snapshot={}, pdf="", error="", task_id="", started_at=None
    )
    counts["shortlists"] = Shortlist.objects.filter(pk__in=shortlist_ids).update(
        status=Shortlist.Status.ERASED, snapshot={}, pdf="", error="", task_id="", started_at=None
    )

    _scrub_emails(candidate, terms, session_ids, emails, counts)
    _scrub_jobs(terms, counts)
    _scrub_admin_log(candidate, terms, counts)
    export_files = _scrub_audit(candidate, terms, counts)
    RetentionWarning.objects.filter(candidate=candidate).delete()

    counts["history_rows"] += candidate.history.all().delete()[0]
    pk = candidate.pk
    erasure = Erasure.objects.create(
        candidate_number=pk, candidate=candidate, kind=kind, rule=rule, actor=actor, reason=reason.strip()
    )
    if counts["reports"]:  # tombstones need their application: an anonymous shell stays
        _anonymise_row(candidate, actor)
        figures_inputs_changed(application_ids=app_ids, statistics_mandate_ids=mandate_ids)
    else:  # nothing must stay: the row goes, with its applications and their figures
        candidate.delete()
        counts["history_rows"] += Candidate.history.filter(id=pk).delete()[0]
        counts["deleted"] = True
        figures_inputs_changed(statistics_mandate_ids=mandate_ids)
    Erasure.objects.filter(pk=erasure.pk).update(counts=counts)
    erasure.refresh_from_db()

    def delete_files():
        done = {}
        for name in sorted(cv_files | report_files | export_files | briefing_files):
            _delete_file(name, done)
        logger.info("candidate erased: files deleted", extra={"candidate": pk, **done})

    transaction.on_commit(delete_files)
    logger.info("candidate erased", extra={"candidate": pk, "kind": kind, "rule": rule, **counts})
    return erasure


def _briefing_files(session_ids) -> set:
    """Stored names of every briefing-pack file the sessions ``session_ids`` ever had (history
    copies included: a removed file's name stays there until its file is deleted on commit)."""
    return set(
        BriefingFile.history.filter(session_id__in=session_ids)
        .exclude(file="")
        .values_list("file", flat=True)
    )


@transaction.atomic
def mandate_delete(mandate: Mandate, actor=None) -> None:
    """Delete a mandate and what only it holds (applications, sessions with their history copies,
    scorecards, reports with their PDF files, imports and exports with their files, the access
    exports covering it with their files); its candidates stay (they may apply elsewhere).
    Revised scorecards and observations, whose revisions protect each other, are unlinked first
    so the cascade can run."""
    app_ids = list(Application.objects.filter(mandate=mandate).values_list("pk", flat=True))
    session_ids = set(
        WorkingSession.history.filter(application_id__in=app_ids).values_list("id", flat=True).distinct()
    )
    files = set(
        Report.objects.filter(application_id__in=app_ids).exclude(pdf="").values_list("pdf", flat=True)
    )
    files |= set(Shortlist.objects.filter(mandate=mandate).exclude(pdf="").values_list("pdf", flat=True))
    files |= set(ImportJob.objects.filter(mandate=mandate).exclude(file="").values_list("file", flat=True))
    files |= set(ExportJob.objects.filter(mandate=mandate).exclude(file="").values_list("file", flat=True))
    access_exports = AccessExport.objects.filter(mandates=mandate)  # they hold what the mandate held
    files |= set(access_exports.exclude(file="").values_list("file", flat=True))
    files |= _briefing_files(session_ids)
    access_exports.delete()
    Observation.objects.filter(session__application_id__in=app_ids).update(supersedes=None)
    Scorecard.objects.filter(application_id__in=app_ids).update(supersedes=None)
    ImportJob.objects.filter(
        mandate=mandate, mode=ImportJob.Mode.SAVE
    ).delete()  # before the previews they confirm
    candidate_ids = list(Application.objects.filter(mandate=mandate).values_list("candidate_id", flat=True))
    mandate.delete()
    WorkingSession.history.filter(id__in=session_ids).delete()
    BriefingFile.history.filter(session_id__in=session_ids).delete()
    figures_inputs_changed(candidate_ids=candidate_ids)
    transaction.on_commit(
        lambda: [default_storage.delete(n) for n in sorted(files) if default_storage.exists(n)]
    )
    logger.info(
        "mandate deleted",
        extra={"mandate": mandate.pk if mandate.pk else None, "by": getattr(actor, "pk", None)},
    )


# ----------------------------------------------------------------------------------- retention


def _warning_messages(candidate: Candidate, schedule) -> list[Message]:
    from django.conf import settings

    recruiters = {}
    for application in candidate.applications.select_related("mandate").prefetch_related(
        "mandate__recruiters__profile"
    ):
        for user in application.mandate.recruiters.all():
            if user.is_active and user.email:
                recruiters[user.email.lower()] = user
    messages = []
    for email, user in sorted(recruiters.items()):
        profile = getattr(user, "profile", None)
        language = (profile.language if profile else "") or settings.LANGUAGE_CODE
        with translation.override(language):
            subject = _("Candidate data to be anonymised on %(date)s: %(name)s") % {
                "date": schedule.erase_on.isoformat(),
                "name": candidate.full_name,
            }
            body = (
                _(
                    "The data of %(name)s will be anonymised on %(date)s under the retention policy "
                    "(%(rule)s: %(months)d months after the last closure, on %(closed)s)."
                )
                % {
                    "name": candidate.full_name,
                    "date": schedule.erase_on.isoformat(),
                    "rule": schedule.rule_label,
                    "months": schedule.months,
                    "closed": schedule.closed_on.isoformat(),
                }
                + "\n\n"
                + _("Their page: %(url)s")
                % {"url": settings.SITE_URL.rstrip("/") + candidate.get_absolute_url()}
                + "\n"
            )
        messages.append(
            Message(
                key=f"privacy:retention:{candidate.pk}:{schedule.due_date.isoformat()}:{email}",
                to=user.email,
                subject=subject,
                body=body,
            )
        )
    return messages


@transaction.atomic
def retention_warn(candidate: Candidate, schedule) -> RetentionWarning | None:
    """Warn the recruiters of the candidate's mandates, once for ``schedule.due_date`` (the unique
    ``RetentionWarning`` and the e-mails' keys make a rerun do nothing). Returns the new warning,
    or ``None`` when it was sent already."""
    warning, created = RetentionWarning.objects.get_or_create(
        candidate=candidate, due_date=schedule.due_date, defaults={"rule": schedule.rule}
    )
    if not created:
        return None
    sent = email_enqueue(_warning_messages(candidate, schedule))
    warning.recipients = len(sent)
    warning.save(update_fields=["recipients"])
    logger.info(
        "retention warning sent",
        extra={"candidate": candidate.pk, "due_date": schedule.due_date.isoformat(), "recipients": len(sent)},
    )
    return warning


def retention_apply(*, today=None) -> dict:
    """Apply the retention policy once (the periodic task's body): warn the recruiters of every
    candidate whose warning date came, anonymise (:func:`candidate_erase`, kind retention) every
    candidate whose date came. Each candidate in its own transaction; the schedule is read again
    under the lock, so a candidate who applied again meanwhile is left alone. Idempotent.

    Returns ``{"warned": int, "anonymised": int}``.
    """
    today = today or timezone.localdate()
    warned = anonymised = 0
    for schedule in selectors.retention_schedules(today=today):
        candidate = Candidate.objects.get(pk=schedule.candidate_id)
        if schedule.warning_due(today):
            if retention_warn(candidate, schedule) is not None:
                warned += 1
        elif schedule.erasure_due(today):
            with transaction.atomic():
                list(Application.objects.select_for_update().filter(candidate=candidate).order_by("pk"))
                current = selectors.retention_schedule(candidate, today=today)
                if current is None or not current.erasure_due(today):
                    continue
                candidate_erase(
                    candidate,
                    None,
                    "retention",
                    kind=Erasure.Kind.RETENTION,
                    rule=current.rule,
                )
                anonymised += 1
    logger.info("retention applied", extra={"warned": warned, "anonymised": anonymised})
    return {"warned": warned, "anonymised": anonymised}
