"""Reads of the audit app: the content of an access export (:func:`access_export_data`, the JSON
documented in ``audit/SCHEMA.md``) and the read journal (:func:`journal_page`), access-filtered
through ``cso_recruit.access``.
"""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q
from django.utils import timezone

from assessments.models import Rating, Scorecard
from candidates.models import ALL_DOMAINS, Application, Candidate, StageTransition
from cso_recruit import access
from outbox.models import OutboundEmail
from reports.models import Report
from sessions.models import Debrief, Observation, WorkingSession

from .models import AccessExport

#: Version of the access export's JSON (``audit/SCHEMA.md``): raised on any incompatible change.
SCHEMA_VERSION = 1
#: Events per page of the read journal.
JOURNAL_PAGE_SIZE = 50


def _iso(value):
    return value.isoformat() if value is not None else None


def _user(user):
    """How a member of staff is named in the export: ``{"username", "name"}``, or ``None``."""
    if user is None:
        return None
    return {"username": user.get_username(), "name": user.get_full_name() or user.get_username()}


def _decimal(value):
    return None if value is None else float(value)


def cv_member_name(candidate: Candidate) -> str | None:
    """Where the CV lies in the ZIP (``cv/cv.<extension>``), ``None`` without a CV."""
    if not candidate.cv:
        return None
    return f"cv/cv.{candidate.cv.name.rsplit('.', 1)[-1].lower()}"


def report_member_name(report: Report) -> str:
    """Where a report's PDF lies in the ZIP: ``reports/<application public id>-v<version>.pdf``."""
    return f"reports/{report.application.public_id}-v{report.version}.pdf"


def _profile(candidate: Candidate) -> dict:
    return {
        "id": candidate.pk,
        "first_name": candidate.first_name,
        "last_name": candidate.last_name,
        "email": candidate.email,
        "phone": candidate.phone,
        "city": candidate.city,
        "time_zone": candidate.time_zone,
        "linkedin_url": candidate.linkedin_url,
        "source": candidate.source,
        "education": candidate.education,
        "career_years": _decimal(candidate.career_years),
        "years_by_domain": {code: _decimal(getattr(candidate, f"years_{code}")) for code in ALL_DOMAINS},
        "gdpr_consent": candidate.gdpr_consent,
        "consent_date": _iso(candidate.consent_date),
        "cv": (
            {"original_name": candidate.cv_original_name, "file": cv_member_name(candidate)}
            if candidate.cv
            else None
        ),
        "created_at": _iso(candidate.created_at),
        "updated_at": _iso(candidate.updated_at),
    }


def _scorecard(card: Scorecard) -> dict:
    return {
        "id": card.pk,
        "rater": _user(card.rater),
        "context": card.context,
        "session_number": card.session_number,
        "framework": {"name": card.framework.name, "version": card.framework.version},
        "revision": card.revision,
        "is_current": card.is_current,
        "revision_reason": card.revision_reason,
        "recommendation": card.recommendation,
        "summary": card.summary,
        "submitted_at": _iso(card.submitted_at),
        "ratings": [
            {
                "criterion": rating.criterion.code,
                "label_fr": rating.criterion.label_fr,
                "label_en": rating.criterion.label_en,
                "value": rating.value,
                "evidence": rating.evidence,
            }
            for rating in card.ratings.all()
        ],
    }


def _observation(observation: Observation) -> dict:
    return {
        "id": observation.pk,
        "mediator": _user(observation.mediator),
        "revision": observation.revision,
        "is_current": observation.is_current,
        "revision_reason": observation.revision_reason,
        "submitted_at": _iso(observation.submitted_at),
        "ratings": observation.ratings,
        "verdict": observation.verdict,
        "confidence": observation.confidence,
        "synthesis": observation.synthesis,
        "punctuation": observation.punctuation,
        "ipa_tallies": [
            {"party": t.party, "category": t.category, "count": t.count}
            for t in observation.ipa_tallies.all()
        ],
        "critical_incidents": [
            {
                "minute": i.minute,
                "who": i.who,
                "tag": i.tag,
                "behaviour": i.behaviour,
                "interpretation": i.interpretation,
            }
            for i in observation.incidents.all()
        ],
    }


def _debrief(debrief: Debrief) -> dict:
    return {
        "session": debrief.session_id,
        "party": debrief.party,
        "ratings": debrief.ratings,
        "comment": debrief.comment,
        "punctuation": debrief.punctuation,
        "submitted_at": _iso(debrief.submitted_at),
    }


def _session(session: WorkingSession) -> dict:
    return {
        "id": session.pk,
        "order": session.order,
        "starts_at": _iso(session.starts_at),
        "ends_at": _iso(session.ends_at),
        "time_zone": session.timezone,
        "location": session.location,
        "problem": session.problem,
        "status": session.status,
        "status_reason": session.status_reason,
        "mediator": _user(session.mediator),
        "observations": [_observation(o) for o in session.observations.all()],
        "debriefs": [_debrief(d) for d in session.debriefs.all()],
        "debrief_invitations": [
            {"sent_at": _iso(i.sent_at), "used_at": _iso(i.used_at)}
            for i in session.debrief_invitations.all()
        ],
    }


def _report(report: Report) -> dict:
    return {
        "id": report.pk,
        "version": report.version,
        "status": report.status,
        "language": report.language,
        "requested_by": _user(report.requested_by),
        "requested_at": _iso(report.requested_at),
        "finished_at": _iso(report.finished_at),
        "sha256": report.sha256,
        "page_count": report.page_count,
        "file": report_member_name(report) if report.is_ready and report.pdf else None,
        "snapshot": report.snapshot,
    }


def _application(application: Application) -> dict:
    mandate = application.mandate
    return {
        "id": application.pk,
        "public_id": str(application.public_id),
        "mandate": {"slug": mandate.slug, "title": mandate.title, "company": mandate.company.name},
        "stage": application.stage,
        "stage_entered_at": _iso(application.stage_entered_at),
        "rejection_reason": application.rejection_reason,
        "swot_opportunities": application.swot_opportunities,
        "swot_threats": application.swot_threats,
        "created_at": _iso(application.created_at),
        "stage_history": [
            {
                "from": t.from_stage,
                "to": t.to_stage,
                "at": _iso(t.at),
                "by": _user(t.by),
                "reason": t.reason,
            }
            for t in application.transitions.all()
        ],
        "scorecards": [_scorecard(card) for card in application.scorecards.all()],
        "working_sessions": [_session(s) for s in application.working_sessions.all()],
        "reports": [_report(r) for r in application.reports.all()],
    }


def export_applications(candidate: Candidate, mandate_ids) -> list[Application]:
    """The candidate's applications in ``mandate_ids`` with everything the export shows, in a fixed
    number of queries: stage history, SUBMITTED scorecards (every revision) with their ratings,
    working sessions with their SUBMITTED observations (every revision: drafts are the mediator's
    own until submitted), tallies, incidents, both debriefs and debrief invitations, and reports.
    """
    submitted_cards = Scorecard.objects.filter(status=Scorecard.Status.SUBMITTED).select_related(
        "rater", "framework"
    )
    submitted_observations = Observation.objects.filter(status=Observation.Status.SUBMITTED).select_related(
        "mediator"
    )
    return list(
        Application.objects.filter(candidate=candidate, mandate_id__in=list(mandate_ids))
        .select_related("mandate__company")
        .order_by("created_at", "pk")
        .prefetch_related(
            Prefetch(
                "transitions", queryset=StageTransition.objects.select_related("by").order_by("at", "pk")
            ),
            Prefetch("scorecards", queryset=submitted_cards.order_by("submitted_at", "pk")),
            Prefetch(
                "scorecards__ratings",
                queryset=Rating.objects.select_related("criterion").order_by("criterion__order", "pk"),
            ),
            Prefetch(
                "working_sessions",
                queryset=WorkingSession.objects.select_related("mediator").order_by("starts_at", "pk"),
            ),
            Prefetch("working_sessions__observations", queryset=submitted_observations.order_by("revision")),
            "working_sessions__observations__ipa_tallies",
            "working_sessions__observations__incidents",
            Prefetch("working_sessions__debriefs", queryset=Debrief.objects.order_by("party")),
            "working_sessions__debrief_invitations",
            Prefetch("reports", queryset=Report.objects.select_related("requested_by").order_by("version")),
        )
    )


def candidate_emails(candidate: Candidate, applications) -> list[OutboundEmail]:
    """The e-mails of the outbox addressed to the candidate (their address, any case) about
    ``applications`` (those of the export), oldest first.

    Every e-mail to a candidate is about one of their working sessions (its key starts with
    ``session:<id>:``, ``sessions.emails``), so the export holds only those of the exported
    mandates: an address is unique only as far as a user can see (``candidates.selectors.email_holder``),
    and the same address may have received e-mails of another mandate, as another record."""
    session_ids = [s.pk for a in applications for s in a.working_sessions.all()]
    about = Q(pk__in=[])
    for sid in session_ids:
        about |= Q(key__startswith=f"session:{sid}:")
    return list(OutboundEmail.objects.filter(about, to__iexact=candidate.email).order_by("created_at", "pk"))


def access_export_data(job: AccessExport, *, applications=None, emails=None) -> dict:
    """The JSON document of an access export (``audit/SCHEMA.md``, ``schema_version``
    :data:`SCHEMA_VERSION`): everything the mandates of ``job.mandates`` hold about
    ``job.candidate``. ``applications`` and ``emails`` may be given when already read
    (:func:`export_applications`, :func:`candidate_emails`). Returns a dict of JSON types."""
    candidate = job.candidate
    mandates = list(job.mandates.select_related("company").order_by("pk"))
    if applications is None:
        applications = export_applications(candidate, [m.pk for m in mandates])
    if emails is None:
        emails = candidate_emails(candidate, applications)
    apps = [_application(a) for a in applications]
    own = [d for a in apps for s in a["working_sessions"] for d in s["debriefs"] if d["party"] == "candidate"]
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _iso(timezone.now()),
        "export": {
            "id": job.pk,
            "requested_by": _user(job.requested_by),
            "requested_at": _iso(job.created_at),
            "complete": job.complete,
            "mandates": [{"slug": m.slug, "title": m.title, "company": m.company.name} for m in mandates],
            "language": job.language,
        },
        "subject": _profile(candidate),
        "applications": apps,
        "own_debriefs": own,
        "notices_acknowledged": [],
        "emails": [
            {
                "to": e.to,
                "subject": e.subject,
                "body": e.body,
                "status": e.status,
                "created_at": _iso(e.created_at),
                "sent_at": _iso(e.sent_at),
                "attachments": [
                    {
                        "filename": a.get("filename", ""),
                        "mimetype": a.get("mimetype", ""),
                        "content": a.get("content", ""),
                    }
                    for a in e.attachments
                ],
            }
            for e in emails
        ],
    }


# ------------------------------------------------------------------------------- jobs and journal


def access_export_detail(*, pk, user) -> AccessExport:
    """One access export ``user`` may follow (``access.access_exports_visible_to``), with its
    candidate; 404 otherwise (the same as a missing one). One query."""
    qs = access.access_exports_visible_to(user).select_related("candidate")
    return access.get_visible_or_404(qs, pk=pk)


def recent_access_exports(*, candidate, user, limit=5) -> list[AccessExport]:
    """The candidate's latest access exports ``user`` may see, newest first."""
    return list(
        access.access_exports_visible_to(user)
        .filter(candidate=candidate)
        .select_related("requested_by")[:limit]
    )


@dataclass
class JournalPage:
    """One page of the read journal: ``page`` (a paginator page of ``ReadEvent`` with ``user``,
    ``candidate`` and ``mandates`` loaded), the ``candidates`` the filter offers (``[(pk, name)]``)
    and the ``candidate_id`` filtered on (``None``: all)."""

    page: Page
    candidates: list
    candidate_id: int | None


def journal_page(*, user, candidate_id=None, page=1) -> JournalPage:
    """The read events ``user`` may see (``access.read_events_visible_to``), newest first,
    ``JOURNAL_PAGE_SIZE`` a page, optionally about one candidate; a page number out of range gives
    the last page. A fixed number of queries whatever the number of events (count, page, the
    page's mandates the viewer manages, the filter's candidates)."""
    visible = access.read_events_visible_to(user)
    # Only the mandates the viewer manages are named: an event about a person who is also in
    # another mandate must not reveal that mandate to its recruiter (staff see them all).
    events = visible.select_related("user", "candidate").prefetch_related(
        Prefetch("mandates", queryset=access.managed_mandates(user).order_by("title", "pk"))
    )
    if candidate_id is not None:
        events = events.filter(candidate_id=candidate_id)
    paginator = Paginator(events.order_by("-at", "-pk"), JOURNAL_PAGE_SIZE)
    choices = (
        Candidate.objects.filter(pk__in=visible.exclude(candidate=None).values("candidate_id"))
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", "first_name", "last_name")
    )
    return JournalPage(
        page=paginator.get_page(page),
        candidates=[(pk, f"{first} {last}") for pk, first, last in choices],
        candidate_id=candidate_id,
    )
