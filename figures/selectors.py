"""Reads of the stored figures, with the access, independence and sealing rules applied once.

Every page, export, command and the report snapshot reads figures here:

* **Independence** (DESIGN.md §3): a viewer with an open (unsubmitted) scorecard for an application
  sees no aggregate of it (:func:`application_summary` returns ``None``; dashboard rows and board
  cards are ``hidden``).
* **Mandate statistics** (α, rater flags) are shown to a viewer only when that viewer has no open
  scorecard anywhere in the mandate; otherwise they read "shown once you submit your open
  scorecards", and the reliability (hence the reading) is ``hidden``.
* **Sealing**: the compatibility a viewer reads is the stored ``full`` reading for the mandate's
  recruiters and staff, the ``ceo`` reading (observations sealed until the CEO's own debrief) for
  the mandate's CEO — even one who is also a recruiter or staff — and anyone else — the rule of ``cso_recruit.access.observation_visible``.

Rows are read as stored; a row that is missing, stale or computed by older formulas is recomputed
(``figures.services.figures_refresh``) before it is read, so a reader never sees figures that
disagree with the data. Query counts are constant in the number of applications.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from assessments.balance import BalanceProfile
from assessments.models import Scorecard
from assessments.selectors import open_draft_applications
from assessments.summary import AssessmentFigures, RaterEntry
from candidates.models import Application, Stage
from cso_recruit import access
from sessions import selectors as session_selectors

from . import reading as readings
from . import services
from .models import FORMULAS_VERSION, ApplicationFigures, MandateStatistics

#: What a hidden mandate statistic reads (pages, exports, CLI and PDF alike).
HIDDEN_STATISTICS_REASON = "open_draft"


def hidden_statistics_message() -> str:
    return _("shown once you submit your open scorecards")


# ---------------------------------------------------------------------------------- viewer


@dataclass(frozen=True)
class Viewer:
    """Who reads figures of one mandate, decided once per request.

    Attributes:
        user: the user, or ``None`` for an unrestricted reader (management commands).
        mandate_id: the mandate read.
        drafts: ids of the mandate's applications for which the user has an open scorecard.
        compatibility_view: "full" (recruiters of the mandate, staff, unrestricted) or "ceo" (the
            mandate's CEO whatever other role they hold, and anyone else).
    """

    user: Any
    mandate_id: int
    drafts: frozenset = frozenset()
    compatibility_view: str = "full"

    @property
    def statistics_visible(self) -> bool:
        """The mandate's α and rater flags may be shown (no open scorecard in the mandate)."""
        return not self.drafts

    def hides(self, application_id) -> bool:
        """The independence rule hides this application's aggregates from the viewer."""
        return application_id in self.drafts


def viewer_for(user, mandate) -> Viewer:
    """The :class:`Viewer` of ``mandate`` for ``user`` (``None``: unrestricted). Two queries."""
    if user is None:
        return Viewer(user=None, mandate_id=mandate.pk)
    drafts = frozenset(open_draft_applications(user, mandate_id=mandate.pk))
    full = access.reads_full_compatibility(user, mandate)
    return Viewer(
        user=user, mandate_id=mandate.pk, drafts=drafts, compatibility_view="full" if full else "ceo"
    )


# ---------------------------------------------------------------------------------- freshness


def _not_current() -> Q:
    return Q(figures__isnull=True) | Q(figures__stale=True) | ~Q(figures__formulas_version=FORMULAS_VERSION)


def ensure_current(applications) -> list[int]:
    """Recompute the figures rows of ``applications`` (a queryset) that are missing, stale or from
    older formulas. Two queries when every row is current (an index lookup for stale rows anywhere,
    then the missing rows of ``applications``). Returns the ids recomputed."""
    stale = ApplicationFigures.objects.filter(Q(stale=True) | Q(formulas_version__lt=FORMULAS_VERSION))
    if stale.exists():
        ids = list(applications.filter(_not_current()).values_list("pk", flat=True))
    else:
        ids = list(applications.filter(figures__isnull=True).values_list("pk", flat=True))
    if ids:
        services.figures_refresh(application_ids=ids)
    return ids


# ---------------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class StatisticsView:
    """The mandate's agreement statistics as one viewer may read them.

    ``visible`` False: every value is ``None``/empty and ``reason`` says why. ``current`` False: a
    recomputation is queued (the values are those of ``computed_at``)."""

    visible: bool
    alpha: float | None = None
    alpha_reading: str = "undefined"
    flags: dict = field(default_factory=dict)
    computed_at: Any = None
    current: bool = True
    reason: str = ""

    def alpha_dict(self) -> dict | None:
        """``{"value", "reading"}`` for ``assessment_summary --json``; ``None`` when hidden."""
        return {"value": self.alpha, "reading": self.alpha_reading} if self.visible else None

    def to_dict(self) -> dict:
        return {
            "visible": self.visible,
            "reason": self.reason,
            "message": "" if self.visible else hidden_statistics_message(),
            "alpha": self.alpha,
            "alpha_reading": self.alpha_reading if self.visible else None,
            "flagged_raters": [{"rater": r, "flag": f} for r, f in sorted(self.flags.items())],
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "current": self.current,
        }


def mandate_statistics(*, mandate_id, viewer: Viewer | None = None) -> StatisticsView:
    """The stored agreement statistics of a mandate for ``viewer`` (unrestricted when ``None``).
    Computed now if the mandate has no row yet. One query (plus the computation the first time)."""
    if viewer is not None and not viewer.statistics_visible:
        return StatisticsView(visible=False, alpha_reading="undefined", reason=HIDDEN_STATISTICS_REASON)
    row = MandateStatistics.objects.filter(pk=mandate_id).first()
    if row is None or row.computed_at is None:
        row = services.mandate_statistics_refresh(mandate_id=mandate_id)
    return StatisticsView(
        visible=True,
        alpha=row.alpha,
        alpha_reading=row.alpha_reading,
        flags=row.flagged(),
        computed_at=row.computed_at,
        current=row.is_current,
    )


# ---------------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class AssessmentSummary:
    """The assessment summary of one application for one viewer (the typed form of
    ``assessment_summary --json``).

    Attributes:
        application_id, candidate (full name), mandate (slug).
        assessment: :class:`assessments.summary.AssessmentFigures` (criteria with per-rater values
            and contexts, roles, fit, gate with posture, raters, recommendations).
        balance: :class:`assessments.balance.BalanceProfile`.
        compatibility: ``sessions.compatibility.CompatibilitySummary.to_dict()`` in the reading the
            viewer may read, plus ``sealed_sessions``.
        statistics: :class:`StatisticsView` (α and rater flags, or hidden).
        reliability: :class:`figures.reading.Reliability`; reading: :class:`figures.reading.Reading`.
        computed_at: when the stored figures were computed.
    """

    application_id: int
    candidate: str
    mandate: str
    assessment: AssessmentFigures
    balance: BalanceProfile
    compatibility: dict
    statistics: StatisticsView
    reliability: readings.Reliability
    reading: readings.Reading
    computed_at: Any

    @property
    def raters(self) -> list[tuple[RaterEntry, str | None]]:
        """``[(rater, "lenient" | "severe" | None)]``: the flag is ``None`` when hidden."""
        return [(r, self.statistics.flags.get(r.id)) for r in self.assessment.raters]

    @property
    def disagreements(self):
        return [c for c in self.assessment.criteria if c.level != "none"]

    def to_dict(self) -> dict:
        """JSON-ready dict with the keys of ``assessment_summary --json``: application, candidate,
        mandate, criteria (each with its ``rater_values`` and ``contexts``), roles, fit, gate
        (``missing_roles`` names ``posture`` when it fails), balance (``band`` may be ``narrow``),
        disagreements, raters (``bias`` ``None`` when hidden), recommendations (with
        ``recommendation_label``), submitted_scorecards, alpha (``None`` when hidden, see
        ``mandate_statistics``), compatibility; plus mandate_statistics, reliability, reading and
        computed_at."""
        data = self.assessment.to_dict()
        labels = dict(Scorecard.Recommendation.choices)
        for item in data["recommendations"]:
            item["recommendation_label"] = str(labels.get(item["recommendation"], item["recommendation"]))
        for item in data["raters"]:
            item["bias"] = self.statistics.flags.get(item["id"])
        return {
            "application": self.application_id,
            "candidate": self.candidate,
            "mandate": self.mandate,
            "criteria": data["criteria"],
            "roles": data["roles"],
            "fit": data["fit"],
            "gate": data["gate"],
            "balance": self.balance.to_dict(),
            "disagreements": [
                {"criterion": c.code, "range": c.range, "level": c.level, "advice": c.advice}
                for c in self.disagreements
            ],
            "raters": data["raters"],
            "recommendations": data["recommendations"],
            "submitted_scorecards": data["submitted_scorecards"],
            "alpha": self.statistics.alpha_dict(),
            "mandate_statistics": self.statistics.to_dict(),
            "reliability": self.reliability.to_dict(),
            "reading": self.reading.to_dict(),
            "compatibility": self.compatibility,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
        }


def compatibility_for_viewer(row: ApplicationFigures, viewer: Viewer) -> dict:
    """The stored compatibility reading ``viewer`` may read (``full`` or ``ceo``)."""
    return dict(row.compatibility.get(viewer.compatibility_view) or {})


def compose(
    row: ApplicationFigures, *, application, viewer: Viewer, statistics: StatisticsView
) -> AssessmentSummary:
    """Compose one viewer's :class:`AssessmentSummary` from a stored row (pure: no query)."""
    assessment = AssessmentFigures.from_dict(row.assessment)
    profile = BalanceProfile.from_dict(row.balance)
    compatibility = compatibility_for_viewer(row, viewer)
    reliability = readings.reliability(
        visible=statistics.visible,
        alpha=statistics.alpha,
        alpha_reading=statistics.alpha_reading,
        flags=statistics.flags,
        contributors=assessment.rater_ids,
    )
    reading = readings.reading(
        submitted_scorecards=assessment.submitted_scorecards,
        gate_passed=assessment.gate.passed,
        verdict=compatibility.get("verdict"),
        band=profile.band,
        concentration_band=profile.concentration_band,
        breadth_ok=profile.breadth_ok,
        depth_ok=profile.depth_ok,
        red_count=assessment.red_count,
        reliability_level=reliability.level,
    )
    return AssessmentSummary(
        application_id=application.pk,
        candidate=application.candidate.full_name,
        mandate=application.mandate.slug,
        assessment=assessment,
        balance=profile,
        compatibility=compatibility,
        statistics=statistics,
        reliability=reliability,
        reading=reading,
        computed_at=row.computed_at,
    )


def stored_row(application) -> ApplicationFigures:
    """The current stored row of ``application`` (recomputed first when needed). One or two queries."""
    row = ApplicationFigures.objects.filter(pk=application.pk).first()
    if row is None or not row.is_current:
        services.figures_refresh(application_ids=[application.pk])
        row = ApplicationFigures.objects.get(pk=application.pk)
    return row


def application_summary(*, application, user=None, viewer: Viewer | None = None) -> AssessmentSummary | None:
    """The :class:`AssessmentSummary` of ``application`` (candidate and mandate loaded) for ``user``
    (``None``: unrestricted), or ``None`` when the independence rule hides it from them.

    ``viewer`` may be passed when the caller built it already. Queries: five at most, whatever the
    number of raters, scorecards or applications in the mandate.
    """
    viewer = viewer or viewer_for(user, application.mandate)
    if viewer.hides(application.pk):
        return None
    row = stored_row(application)
    statistics = mandate_statistics(mandate_id=application.mandate_id, viewer=viewer)
    return compose(row, application=application, viewer=viewer, statistics=statistics)


# ---------------------------------------------------------------------------------- board cards


@dataclass(frozen=True)
class CardFigures:
    """What a pipeline card shows: balance band, fit and gate (``None`` when hidden or unscored)."""

    band: str
    dominant_domain: str
    hidden: bool
    fit: float | None
    gate_passed: bool | None
    missing_roles: tuple
    scorecards: int


_CARD_FIELDS = (
    "application_id",
    "band",
    "dominant_domain",
    "fit",
    "gate_passed",
    "missing_roles",
    "submitted_scorecards",
    "stale",
    "formulas_version",
)


def card_figures(*, application_ids, viewer: Viewer) -> dict[int, CardFigures]:
    """``{application id: CardFigures}`` for the pipeline board. Two queries when every row is
    current (plus the recomputation of those that are not)."""
    ids = list(application_ids)
    if not ids:
        return {}
    ensure_current(Application.objects.filter(pk__in=ids))
    cards = {}
    for row in ApplicationFigures.objects.filter(pk__in=ids).only(*_CARD_FIELDS):
        hidden = viewer.hides(row.application_id)
        cards[row.application_id] = CardFigures(
            band=row.band,
            dominant_domain=row.dominant_domain,
            hidden=hidden,
            fit=None if hidden else row.fit,
            gate_passed=None if hidden else row.gate_passed,
            missing_roles=() if hidden else tuple(row.missing_roles),
            scorecards=0 if hidden else row.submitted_scorecards,
        )
    return cards


# ---------------------------------------------------------------------------------- sorting

ROLE_CODES = ("conductor", "business_partner", "entrepreneur")
SCORE_SORTS = ("fit", "conductor", "business_partner", "entrepreneur", "posture", "compatibility")
SORT_KEYS = ("name", "stage", *SCORE_SORTS[:5], "balance", "compatibility")
#: Allowed values of ``?sort=`` (a leading "-" sorts descending).
SORTS = SORT_KEYS + tuple(f"-{key}" for key in SORT_KEYS)
DEFAULT_SORT = "-fit"
STAGE_ORDER = {code: index for index, code in enumerate(Stage.values)}


def order_by_figures(sort: str, viewer: Viewer) -> list:
    """``order_by`` expressions of an ``Application`` queryset for ``sort`` (one of ``SORTS``;
    unknown values sort by the default): rows without a value (hidden from the viewer, or without
    evidence) come last in name order whatever the direction; ties keep name order (then id)."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    names = [Lower("candidate__last_name"), Lower("candidate__first_name"), "pk"]
    if key == "name":
        return [
            Lower("candidate__last_name").desc() if descending else Lower("candidate__last_name").asc(),
            Lower("candidate__first_name").desc() if descending else Lower("candidate__first_name").asc(),
            "pk",
        ]
    if key == "stage":
        rank = Case(
            *(When(stage=code, then=Value(index)) for code, index in STAGE_ORDER.items()),
            default=Value(len(STAGE_ORDER)),
            output_field=IntegerField(),
        )
        return [rank.desc() if descending else rank.asc(), *names]
    column = {
        "balance": "figures__hhi_star",
        "compatibility": (
            "figures__compatibility_index"
            if viewer.compatibility_view == "full"
            else "figures__ceo_compatibility_index"
        ),
    }.get(key, f"figures__{key}")
    missing = Q(**{f"{column}__isnull": True})
    if key in SCORE_SORTS:
        missing |= Q(pk__in=list(viewer.drafts))
    last = Case(When(missing, then=Value(1)), default=Value(0), output_field=IntegerField())
    value = F(column).desc() if descending else F(column).asc()
    return [last.asc(), value, *names]


def coverage_display(*, application, user) -> dict:
    """The sessions' coverage of ``application`` as ``user`` may read it, ready for
    ``sessions/_coverage.html``: ``sessions.selectors.coverage_display_for`` of the user's
    :func:`application_summary` (``None`` when the independence rule hides the figures from them:
    an open scorecard of theirs; evidence is then unknown). A handful of queries."""
    return session_selectors.coverage_display_for(
        application=application, summary=application_summary(application=application, user=user)
    )
