"""Read queries for mandates, candidates and applications, access-filtered and with joins done."""

from dataclasses import dataclass

from django.db.models import Case, Count, Prefetch, Q, Value, When
from django.utils import timezone

from cso_recruit import access

from .models import Mandate, Stage, StageTransition

BOARD_STAGES = [s for s in Stage if s not in (Stage.REJECTED, Stage.WITHDRAWN)]


# Open mandates first, then on hold, then closed (the status codes do not sort that way).
STATUS_ORDER = Case(*(When(status=status, then=Value(rank)) for rank, status in enumerate(Mandate.Status.values)),
                    default=Value(len(Mandate.Status.values)))


def mandate_list(user):
    """Mandates the user belongs to, with the company, CEO and the count of open applications."""
    closed = [Stage.HIRED, Stage.REJECTED, Stage.WITHDRAWN]
    return access.mandates_visible_to(user).annotate(
        open_applications=Count("applications", filter=~Q(applications__stage__in=closed), distinct=True),
        total_applications=Count("applications", distinct=True),
    ).order_by(STATUS_ORDER, "-created_at")


@dataclass
class BoardColumn:
    stage: Stage
    applications: list

    @property
    def count(self):
        return len(self.applications)


def pipeline_board(*, mandate, user):
    """Columns of the pipeline board: one per stage (rejected and withdrawn folded in one column).

    Returns a list of ``BoardColumn``; each application carries ``days_in_stage`` (whole days).
    Three queries whatever the number of applications.
    """
    applications = list(
        access.applications_visible_to(user).filter(mandate=mandate).select_related("candidate")
        .order_by("stage_entered_at", "candidate__last_name")
    )
    now = timezone.now()
    by_stage = {s: [] for s in Stage}
    for application in applications:
        application.days_in_stage = (now - application.stage_entered_at).days
        by_stage[Stage(application.stage)].append(application)
    columns = [BoardColumn(stage=s, applications=by_stage[s]) for s in BOARD_STAGES]
    closed = by_stage[Stage.REJECTED] + by_stage[Stage.WITHDRAWN]
    return columns, closed


def candidate_applications(*, candidate, user):
    """The candidate's applications the user may read, with mandate, company and stage history."""
    return (
        access.applications_visible_to(user).filter(candidate=candidate)
        .select_related("mandate__company")
        .prefetch_related(Prefetch("transitions", queryset=StageTransition.objects.select_related("by")))
    )


def export_applications(*, mandate, user):
    """Applications of a mandate for the CSV export, in name order (same access as the board)."""
    return (
        access.applications_visible_to(user).filter(mandate=mandate).select_related("candidate")
        .order_by("candidate__last_name", "candidate__first_name")
    )


def application_detail(*, pk, user):
    """One application the user may read, with its candidate, mandate and history; 404 otherwise."""
    qs = access.applications_visible_to(user).select_related("candidate", "mandate__company", "mandate__ceo")
    qs = qs.prefetch_related(Prefetch("transitions", queryset=StageTransition.objects.select_related("by")))
    return access.get_visible_or_404(qs, pk=pk)

