"""Read queries for mandates, candidates and applications, access-filtered and with joins done."""

from dataclasses import dataclass, field

from django.db.models import Case, Count, Max, Prefetch, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cso_recruit import access

from . import csv_format
from .models import CLOSED_STAGES, Candidate, ExportJob, ImportJob, Mandate, Stage, StageTransition

BOARD_STAGES = [s for s in Stage if s not in (Stage.REJECTED, Stage.WITHDRAWN)]


# Open mandates first, then on hold, then closed (the status codes do not sort that way).
STATUS_ORDER = Case(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(Mandate.Status.values)),
    default=Value(len(Mandate.Status.values)),
)


def email_holder(email: str, user, *, exclude_pk: int | None = None) -> Candidate | None:
    """The candidate ``user`` can see who already uses ``email`` (case-insensitive), or ``None``.

    Uniqueness of a candidate's address is scoped to what the user can see
    (``access.candidates_visible_to``; everyone for staff and for ``user=None``, the command
    line): an address held only by candidates outside that scope is free for this user, so that no
    answer tells them the address is known elsewhere (issue 12, item 6; README, "One address per
    person, as far as you can see"). ``exclude_pk``: the candidate being edited. When several
    visible candidates hold the address, the oldest (lowest pk) is returned. One query."""
    scope = Candidate.objects.all() if user is None or user.is_staff else access.candidates_visible_to(user)
    others = scope.annotate(email_ci=Lower("email")).filter(email_ci=email.strip().lower())
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.order_by("pk").first()


def mandate_list(user):
    """Mandates the user belongs to, with the company, CEO and the count of open applications."""
    return (
        access.mandates_visible_to(user)
        .annotate(
            open_applications=Count(
                "applications", filter=~Q(applications__stage__in=CLOSED_STAGES), distinct=True
            ),
            total_applications=Count("applications", distinct=True),
        )
        .order_by(STATUS_ORDER, "-created_at")
    )


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


def column_applications(*, mandate, user, column: str):
    """Every application of one board column (a board stage code or ``"closed"``) that ``user``
    may read, longest in stage first (closed: most recently closed first), with the candidate.
    Raises ``ValueError`` for an unknown column. Ordered along the ``application_board_idx`` index
    (mandate, stage, time in stage), so that the first cards of a column cost an index range scan."""
    qs = access.applications_visible_to(user).filter(mandate=mandate).select_related("candidate")
    if column == CLOSED_COLUMN:
        return qs.filter(stage__in=CLOSED_BOARD_STAGES).order_by("-stage_entered_at", "-pk")
    if column not in {s.value for s in BOARD_STAGES}:
        raise ValueError(f"Unknown board column {column!r}.")
    return qs.filter(stage=column).order_by("stage_entered_at", "pk")


def pipeline_board(*, mandate, user, per_column=CARDS_PER_COLUMN):
    """The pipeline board: one column per open stage (``BOARD_STAGES``) plus the closed column
    (rejected and withdrawn), each with its count and its first ``per_column`` applications.

    Returns ``(columns, closed)``: a list of :class:`BoardColumn` and the closed
    :class:`BoardColumn`; each application carries ``days_in_stage`` (whole days). Queries: one for
    the counts per column, then one per column (nine), whatever the number of applications — each a
    short index range scan.
    """
    visible = access.applications_visible_to(user).filter(mandate=mandate)
    counts = {}
    for stage, n in visible.order_by().values("stage").annotate(n=Count("pk")).values_list("stage", "n"):
        key = CLOSED_COLUMN if stage in CLOSED_BOARD_STAGES else stage
        counts[key] = counts.get(key, 0) + n
    now = timezone.now()

    def first(key):
        applications = list(column_applications(mandate=mandate, user=user, column=key)[:per_column])
        for application in applications:
            application.days_in_stage = (now - application.stage_entered_at).days
        return applications

    columns = [
        BoardColumn(key=s.value, label=s.label, count=counts.get(s.value, 0), applications=first(s.value))
        for s in BOARD_STAGES
    ]
    closed = BoardColumn(
        key=CLOSED_COLUMN,
        label=_("Closed applications"),
        count=counts.get(CLOSED_COLUMN, 0),
        applications=first(CLOSED_COLUMN),
    )
    return columns, closed


def candidate_applications(*, candidate, user):
    """The candidate's applications the user may read, with mandate, company and stage history."""
    return (
        access.applications_visible_to(user)
        .filter(candidate=candidate)
        .select_related("mandate__company")
        .prefetch_related(Prefetch("transitions", queryset=StageTransition.objects.select_related("by")))
    )


def export_applications(*, mandate, user):
    """Applications of a mandate for the CSV export, in name order (same access as the board)."""
    return (
        access.applications_visible_to(user)
        .filter(mandate=mandate)
        .select_related("candidate")
        .order_by("candidate__last_name", "candidate__first_name")
    )


def application_detail(*, pk, user):
    """One application the user may read, with its candidate, mandate and history; 404 otherwise."""
    qs = access.applications_visible_to(user).select_related("candidate", "mandate__company", "mandate__ceo")
    qs = qs.prefetch_related(Prefetch("transitions", queryset=StageTransition.objects.select_related("by")))
    return access.get_visible_or_404(qs, pk=pk)


#: Import jobs the import page lists.
RECENT_IMPORTS = 5


def import_job_detail(*, pk, user):
    """One CSV import job the user may follow (recruiters of its mandate, staff), with its mandate,
    requester and, for a preview, the save job that confirmed it (``confirmation``, or ``None``),
    and the file's encoding as the user knows it (``encoding_label``: "UTF-8 (Excel)", "Windows
    (older Excel)", … ``csv_format.encoding_label``; ``""`` before the file is read); 404
    otherwise. Two queries."""
    qs = access.import_jobs_visible_to(user).select_related("mandate__company", "requested_by")
    job = access.get_visible_or_404(qs, pk=pk)
    job.confirmation = (
        ImportJob.objects.filter(preview=job).first() if job.mode == ImportJob.Mode.PREVIEW else None
    )
    job.encoding_label = csv_format.encoding_label((job.result or {}).get("encoding"))
    return job


def recent_import_jobs(*, mandate, user, limit=RECENT_IMPORTS):
    """The mandate's latest import jobs the user may follow, newest first, with their requester."""
    return (
        access.import_jobs_visible_to(user)
        .filter(mandate=mandate)
        .select_related("requested_by")
        .defer("result")[:limit]
    )


#: Export jobs the export page lists.
RECENT_EXPORTS = 5


def export_job_detail(*, pk, user) -> ExportJob:
    """One CSV export job of the user (``access.export_jobs_visible_to``), with its mandate; 404
    otherwise. One query."""
    qs = access.export_jobs_visible_to(user).select_related("mandate__company")
    return access.get_visible_or_404(qs, pk=pk)


def recent_export_jobs(*, mandate, user, limit=RECENT_EXPORTS):
    """The user's latest export jobs of ``mandate``, newest first (at most ``limit``)."""
    return access.export_jobs_visible_to(user).filter(mandate=mandate).select_related("mandate")[:limit]


def mandate_years_ceiling(mandate) -> float:
    """The largest number of years any candidate of ``mandate`` has in one of its support domains
    (a ``float``, 0.0 for a mandate without candidates) — the common top of the years axis of the
    balance charts, so every candidate of a mandate is drawn on the same scale on the summary
    page and in the PDF. One aggregate query; no access check (a bound, not a person's data)."""
    columns = [f"years_{code}" for code in mandate.support_domains]
    if not columns:
        return 0.0
    maxima = Candidate.objects.filter(applications__mandate=mandate).aggregate(
        **{column: Max(column) for column in columns}
    )
    return float(max((value for value in maxima.values() if value is not None), default=0))
