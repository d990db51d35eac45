"""Reads of the privacy app: when each candidate's data is due to be anonymised, and why.

The retention policy (CNIL, "Référentiel relatif aux traitements de données à caractère personnel
mis en œuvre aux fins de gestion du recrutement", 2023; GDPR art. 5(1)(e), storage limitation):
a candidate whose applications are all closed (``candidates.models.CLOSED_STAGES``: hired,
rejected, withdrawn) is anonymised ``PRIVACY_RETENTION_MONTHS_TALENT_POOL`` months (default 24)
after the last closure when they consented to the talent pool (``Candidate.gdpr_consent``),
``PRIVACY_RETENTION_MONTHS_NO_CONSENT`` months (default 3) otherwise. A candidate without any
application counts from the day their record was created. The recruiters of their mandates are
warned ``PRIVACY_RETENTION_WARNING_DAYS`` days (default 30) before the date, and the
anonymisation never comes sooner than that many days after the warning (a warning sent late moves
the date). While an application is open nothing is scheduled.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone

from candidates.models import CLOSED_STAGES, Application, Candidate, Stage

from .models import Erasure, RetentionRule, RetentionWarning


@dataclass(frozen=True)
class RetentionSchedule:
    """When and why one candidate's data is to be anonymised.

    ``closed_on``: local date of the last closure (or of the record's creation when
    ``closing_stage`` is ""); ``months``: the rule's retention period; ``due_date``:
    ``closed_on`` + ``months``; ``warn_on``: ``due_date`` − warning days; ``warned_at``: when the
    recruiters were warned for this date (``None``: not yet); ``erase_on``: the day from which
    ``privacy.tasks.apply_retention`` anonymises (``due_date``, or later when the warning came or
    comes late).
    """

    candidate_id: int
    rule: str
    months: int
    closed_on: date
    closing_stage: str
    due_date: date
    warn_on: date
    warned_at: datetime | None
    erase_on: date

    @property
    def rule_label(self) -> str:
        return RetentionRule(self.rule).label

    @property
    def closing_stage_label(self) -> str:
        return Stage(self.closing_stage).label if self.closing_stage else ""

    def warning_due(self, today: date) -> bool:
        """The recruiters must be warned now (on or after ``warn_on``, not warned yet)."""
        return self.warned_at is None and today >= self.warn_on

    def erasure_due(self, today: date) -> bool:
        """The candidate must be anonymised now (warned, and ``erase_on`` reached)."""
        return self.warned_at is not None and today >= self.erase_on


def retention_months(*, consent: bool) -> tuple[str, int]:
    """``(rule code, months)`` of the retention rule for a candidate with or without talent-pool
    consent (settings ``PRIVACY_RETENTION_MONTHS_*``)."""
    if consent:
        return RetentionRule.TALENT_POOL, settings.PRIVACY_RETENTION_MONTHS_TALENT_POOL
    return RetentionRule.NO_CONSENT, settings.PRIVACY_RETENTION_MONTHS_NO_CONSENT


def _closing_stage_subquery():
    return Subquery(
        Application.objects.filter(candidate=OuterRef("pk"))
        .order_by("-stage_entered_at", "-pk")
        .values("stage")[:1]
    )


def retention_candidates():
    """Candidates not erased whose applications are all closed (or who have none), annotated with
    ``n_applications``, ``last_closed_at`` (datetime or ``None``) and ``closing_stage``; in id order."""
    return (
        Candidate.objects.filter(erasure__isnull=True)
        .annotate(
            n_applications=Count("applications", distinct=True),
            n_open=Count("applications", filter=~Q(applications__stage__in=CLOSED_STAGES), distinct=True),
            last_closed_at=Max("applications__stage_entered_at"),
            closing_stage=_closing_stage_subquery(),
        )
        .filter(n_open=0)
        .order_by("pk")
    )


def _schedule(candidate, warnings: dict, today: date) -> RetentionSchedule:
    rule, months = retention_months(consent=candidate.gdpr_consent)
    if candidate.n_applications:
        closed_on, stage = timezone.localdate(candidate.last_closed_at), candidate.closing_stage
    else:
        closed_on, stage = timezone.localdate(candidate.created_at), ""
    due = closed_on + relativedelta(months=months)
    notice = timedelta(days=settings.PRIVACY_RETENTION_WARNING_DAYS)
    warn_on = due - notice
    warned_at = warnings.get((candidate.pk, due))
    if warned_at is not None:
        erase_on = max(due, timezone.localdate(warned_at) + notice)
    else:
        erase_on = max(due, max(today, warn_on) + notice)
    return RetentionSchedule(
        candidate_id=candidate.pk,
        rule=rule,
        months=months,
        closed_on=closed_on,
        closing_stage=stage,
        due_date=due,
        warn_on=warn_on,
        warned_at=warned_at,
        erase_on=erase_on,
    )


def retention_schedules(*, candidate_ids=None, today: date | None = None) -> list[RetentionSchedule]:
    """The schedule of every candidate the policy applies to (of ``candidate_ids`` when given), in
    candidate id order. Three queries whatever the number of candidates."""
    today = today or timezone.localdate()
    candidates = retention_candidates()
    if candidate_ids is not None:
        candidates = candidates.filter(pk__in=list(candidate_ids))
    candidates = list(candidates)
    warnings = {
        (w["candidate_id"], w["due_date"]): w["sent_at"]
        for w in RetentionWarning.objects.filter(candidate_id__in=[c.pk for c in candidates]).values(
            "candidate_id", "due_date", "sent_at"
        )
    }
    return [_schedule(c, warnings, today) for c in candidates]


def retention_schedule(candidate: Candidate, *, today: date | None = None) -> RetentionSchedule | None:
    """The schedule of one candidate, or ``None`` when nothing is scheduled (an application is
    still open, or the candidate is already erased)."""
    found = retention_schedules(candidate_ids=[candidate.pk], today=today)
    return found[0] if found else None


def candidate_erasure(candidate: Candidate) -> Erasure | None:
    """The candidate's erasure row, or ``None`` when they were never erased."""
    return Erasure.objects.filter(candidate=candidate).first()
