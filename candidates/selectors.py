"""Read queries for mandates, candidates and applications, access-filtered and with joins done."""

from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, DateTimeField, F, Prefetch, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


#: Cards shown per board column; the column's "show all" page lists the rest.
CARDS_PER_COLUMN = 25
#: The closed column folds these stages.
CLOSED_COLUMN = "closed"
CLOSED_BOARD_STAGES = (Stage.REJECTED, Stage.WITHDRAWN)
#: Cards per page of a column's "show all" list.
STAGE_PAGE_SIZE = 50


@dataclass
class BoardColumn:
    """One column of the board: ``key`` (a stage code, or ``"closed"``), ``label``, ``count`` (all
    its applications) and ``applications`` (the first ``CARDS_PER_COLUMN``, longest in stage first)."""

    key: str
    label: str
    count: int
    applications: list = field(default_factory=list)

    @property
    def stage(self):
        return None if self.key == CLOSED_COLUMN else Stage(self.key)

    @property
    def more(self) -> int:
        """How many applications the column does not show."""
        return self.count - len(self.applications)


def _column_key():
    return Case(When(stage__in=CLOSED_BOARD_STAGES, then=Value(CLOSED_COLUMN)), default=F("stage"),
                output_field=CharField())


def column_applications(*, mandate, user, column: str):
    """Every application of one board column (a board stage code or ``"closed"``) that ``user``
    may read, longest in stage first (closed: most recently closed first), with the candidate.
    Raises ``ValueError`` for an unknown column."""
    qs = access.applications_visible_to(user).filter(mandate=mandate).select_related("candidate")
    if column == CLOSED_COLUMN:
        return qs.filter(stage__in=CLOSED_BOARD_STAGES).order_by("-stage_entered_at", "candidate__last_name", "pk")
    if column not in {s.value for s in BOARD_STAGES}:
        raise ValueError(f"Unknown board column {column!r}.")
    return qs.filter(stage=column).order_by("stage_entered_at", "candidate__last_name", "pk")


def pipeline_board(*, mandate, user, per_column=CARDS_PER_COLUMN):
    """The pipeline board: one column per open stage (``BOARD_STAGES``) plus the closed column
    (rejected and withdrawn), each with its count and its first ``per_column`` applications.

    Returns ``(columns, closed)``: a list of :class:`BoardColumn` and the closed
    :class:`BoardColumn`; each application carries ``days_in_stage`` (whole days). Two queries
    whatever the number of applications (counts per column; the first cards of every column in one
    query, ranked by a window function).
    """
    visible = access.applications_visible_to(user).filter(mandate=mandate)
    counts = dict(visible.annotate(column=_column_key()).values("column").annotate(n=Count("pk"))
                  .values_list("column", "n"))
    # Open columns: longest in stage first; the closed column: most recently closed first.
    closed_at = Case(When(stage__in=CLOSED_BOARD_STAGES, then=F("stage_entered_at")), default=Value(None),
                     output_field=DateTimeField())
    rank = Window(RowNumber(), partition_by=[_column_key()],
                  order_by=[closed_at.desc(nulls_last=True), F("stage_entered_at").asc(),
                            F("candidate__last_name").asc(), F("pk").asc()])
    first = list(visible.select_related("candidate").annotate(rank=rank, column=_column_key())
                 .filter(rank__lte=per_column).order_by("column", "rank"))
    now = timezone.now()
    by_column = {}
    for application in first:
        application.days_in_stage = (now - application.stage_entered_at).days
        by_column.setdefault(application.column, []).append(application)
    columns = [BoardColumn(key=s.value, label=s.label, count=counts.get(s.value, 0),
                           applications=by_column.get(s.value, [])) for s in BOARD_STAGES]
    closed = BoardColumn(key=CLOSED_COLUMN, label=_("Closed applications"), count=counts.get(CLOSED_COLUMN, 0),
                         applications=by_column.get(CLOSED_COLUMN, []))
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

