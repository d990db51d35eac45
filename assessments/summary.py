"""The assessment figures of one application, from its counted scorecards — pure, typed, exact.

No ORM: ``assessments.selectors.assessment_inputs`` gathers plain values, this module computes, and
the ``figures`` app stores the result (``figures.models.ApplicationFigures``) so that pages read it
in constant time. Formulas (DESIGN.md §4, sources in :mod:`assessments.scoring` and
:mod:`assessments.agreement`):

* **rater value** (one rater, one voice) = mean of that rater's evidenced ratings of the criterion
  over all their counted scorecards of the application (screening, sessions 1–4, reference…);
* **criterion score** = mean of the rater values; **disagreement** (range, outlier, r_wg) over the
  same rater values;
* **role score** = weighted mean of its criterion scores (framework weights); **fit** = geometric
  mean of the three roles; **gate** = every role ≥ 3.0, posture ≥ 3.0, no criterion < 2.0.

Every mean is exact (``fractions.Fraction``) and rounded to ``float`` once, at the end.

Shapes: :class:`AssessmentFigures` (``to_dict`` / ``from_dict`` round-trip through JSON without
loss) holds :class:`CriterionFigures`, :class:`RoleFigures`, :class:`Gate`, :class:`RaterEntry` and
:class:`RecommendationEntry` values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import get_language

from . import agreement, scoring

__all__ = [
    "CONTEXT_ORDER",
    "AssessmentFigures",
    "CriterionFigures",
    "CriterionInfo",
    "Gate",
    "RaterEntry",
    "RaterValue",
    "RecommendationEntry",
    "RoleFigures",
    "ScorecardInput",
    "PanelStatistics",
    "assessment_figures",
    "context_key",
    "panel_statistics",
    "rater_values",
]

#: Display order of evidence contexts.
CONTEXT_ORDER: tuple[str, ...] = (
    "screening",
    "session_1",
    "session_2",
    "session_3",
    "session_4",
    "reference",
    "other",
)


def context_key(context: str, session_number: int = 0) -> str:
    """Stable code of a scorecard's context: ``"screening"``, ``"session_1"`` … ``"session_4"``,
    ``"reference"`` or ``"other"`` (``context`` is ``Scorecard.Context``; the session number counts
    only for ``"working_session"``)."""
    if context == "working_session":
        return f"session_{int(session_number)}"
    return context


def _sorted_contexts(contexts) -> tuple[str, ...]:
    rank = {code: index for index, code in enumerate(CONTEXT_ORDER)}
    return tuple(sorted(set(contexts), key=lambda c: (rank.get(c, len(rank)), c)))


def _localized(labels: Mapping[str, str], language: str | None) -> str:
    return labels.get("en" if (language or "fr")[:2] == "en" else "fr") or labels.get("fr") or ""


def _current_language() -> str:
    return get_language() or "fr"


@dataclass(frozen=True, slots=True)
class CriterionInfo:
    """A criterion as the computation needs it: code, group (``conductor``, ``business_partner``,
    ``entrepreneur`` or ``posture``), labels ``{"fr", "en"}``, weight ≥ 0 (``Decimal``/``Fraction``/
    ``int``) and display order."""

    code: str
    group: str
    labels: Mapping[str, str]
    weight: Any
    order: int
    #: Chart names ``{"fr", "en"}`` (``Criterion.short_label_*``); empty: charts use the label.
    short_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScorecardInput:
    """One counted (submitted, standing) scorecard: ``ratings`` maps criterion code → ``int`` 1–5
    or ``None`` (NE). ``position`` orders scorecards (submission order)."""

    id: int
    rater_id: int
    rater_name: str
    context: str
    session_number: int
    recommendation: str
    ratings: Mapping[str, int | None]
    position: int = 0


@dataclass(frozen=True, slots=True)
class RaterValue:
    """One rater's value on one criterion: ``value`` (1–5, mean of ``n_ratings`` evidenced ratings)
    and the ``contexts`` they come from."""

    rater: int
    value: float
    n_ratings: int
    contexts: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rater": self.rater,
            "value": self.value,
            "n_ratings": self.n_ratings,
            "contexts": list(self.contexts),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RaterValue:
        return cls(
            rater=data["rater"],
            value=data["value"],
            n_ratings=data["n_ratings"],
            contexts=tuple(data["contexts"]),
        )


@dataclass(frozen=True, slots=True)
class CriterionFigures:
    """Figures of one criterion.

    Attributes:
        code, group, labels (``{"fr", "en"}``), order, weight (≥ 0, in its role's mean): from the
            framework.
        score: mean of the rater values (1–5), ``None`` when no rater has evidence.
        n_ratings: evidenced ratings over all counted scorecards; n_raters: raters with evidence.
        contexts: the contexts the evidence comes from (``CONTEXT_ORDER`` order).
        rater_values: one :class:`RaterValue` per rater with evidence.
        range, outlier, level ("none"/"amber"/"red"), rwg: :func:`assessments.agreement.disagreement`
        over the rater values.
    """

    code: str
    group: str
    labels: Mapping[str, str]
    order: int
    weight: float
    score: float | None
    n_ratings: int
    n_raters: int
    contexts: tuple[str, ...]
    rater_values: tuple[RaterValue, ...]
    range: int | float | None
    outlier: bool
    level: str
    rwg: float | None
    short_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The label in the active language."""
        return _localized(self.labels, _current_language())

    @property
    def short_label(self) -> str:
        """The chart name in the active language (the label when the criterion has none)."""
        return _localized(self.short_labels, _current_language()) or self.label

    @property
    def score_100(self) -> float | None:
        return None if self.score is None else scoring.to_100(self.score)

    @property
    def advice(self) -> str:
        return agreement.LEVEL_ADVICE[self.level]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the keys of ``assessment_summary --json`` (code, label in the active language,
        group, score, score_100, n_ratings, range, level, advice) plus short_label (the chart name),
        n_raters, contexts, rater_values, outlier, rwg, labels, short_labels and order."""
        return {
            "code": self.code,
            "label": self.label,
            "short_label": self.short_label,
            "group": self.group,
            "score": self.score,
            "score_100": self.score_100,
            "n_ratings": self.n_ratings,
            "n_raters": self.n_raters,
            "contexts": list(self.contexts),
            "rater_values": [r.to_dict() for r in self.rater_values],
            "range": self.range,
            "outlier": self.outlier,
            "level": self.level,
            "advice": self.advice,
            "rwg": self.rwg,
            "labels": dict(self.labels),
            "short_labels": dict(self.short_labels),
            "order": self.order,
            "weight": self.weight,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CriterionFigures:
        return cls(
            code=data["code"],
            group=data["group"],
            labels=dict(data["labels"]),
            short_labels=dict(data.get("short_labels") or {}),
            order=data["order"],
            weight=data.get("weight", 1.0),
            score=data["score"],
            n_ratings=data["n_ratings"],
            n_raters=data["n_raters"],
            contexts=tuple(data["contexts"]),
            rater_values=tuple(RaterValue.from_dict(r) for r in data["rater_values"]),
            range=data["range"],
            outlier=data["outlier"],
            level=data["level"],
            rwg=data["rwg"],
        )


@dataclass(frozen=True, slots=True)
class RoleFigures:
    """A role (or posture) score on 1–5 (``None`` without evidence) and on 0–100."""

    score: float | None

    @property
    def score_100(self) -> float | None:
        return None if self.score is None else scoring.to_100(self.score)

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "score_100": self.score_100}


@dataclass(frozen=True, slots=True)
class Gate:
    """The gate: ``passed``; ``missing_roles`` (roles and ``"posture"`` under 3.0 or without score,
    in ``scoring.GATED`` order); ``failing_criteria`` (codes under 2.0, sorted)."""

    passed: bool
    missing_roles: tuple[str, ...]
    failing_criteria: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "missing_roles": list(self.missing_roles),
            "failing_criteria": list(self.failing_criteria),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Gate:
        return cls(
            passed=data["passed"],
            missing_roles=tuple(data["missing_roles"]),
            failing_criteria=tuple(data["failing_criteria"]),
        )


@dataclass(frozen=True, slots=True)
class RaterEntry:
    """A rater who contributed: ``id``, ``name``, number of counted ``scorecards``, ``contexts``."""

    id: int
    name: str
    scorecards: int
    contexts: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "scorecards": self.scorecards,
            "contexts": list(self.contexts),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RaterEntry:
        return cls(
            id=data["id"], name=data["name"], scorecards=data["scorecards"], contexts=tuple(data["contexts"])
        )


@dataclass(frozen=True, slots=True)
class RecommendationEntry:
    """One counted scorecard's overall recommendation (``Scorecard.Recommendation`` code)."""

    rater_id: int
    rater: str
    context: str
    session_number: int
    recommendation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rater_id": self.rater_id,
            "rater": self.rater,
            "context": self.context,
            "session_number": self.session_number,
            "recommendation": self.recommendation,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecommendationEntry:
        return cls(
            rater_id=data["rater_id"],
            rater=data["rater"],
            context=data["context"],
            session_number=data["session_number"],
            recommendation=data["recommendation"],
        )


@dataclass(frozen=True, slots=True)
class AssessmentFigures:
    """Everything the counted scorecards say about one application.

    Attributes:
        criteria: :class:`CriterionFigures` in framework order.
        roles: ``{"conductor", "business_partner", "entrepreneur", "posture"}`` → :class:`RoleFigures`.
        fit: geometric mean of the three roles (1–5) or ``None``.
        gate: :class:`Gate` (posture gated).
        raters: :class:`RaterEntry` per contributing rater, in order of first submission.
        recommendations: one :class:`RecommendationEntry` per counted scorecard.
        submitted_scorecards: number of counted scorecards.
    """

    criteria: tuple[CriterionFigures, ...]
    roles: Mapping[str, RoleFigures]
    fit: float | None
    gate: Gate
    raters: tuple[RaterEntry, ...]
    recommendations: tuple[RecommendationEntry, ...]
    submitted_scorecards: int

    @property
    def red_count(self) -> int:
        return sum(c.level == "red" for c in self.criteria)

    @property
    def amber_count(self) -> int:
        return sum(c.level == "amber" for c in self.criteria)

    @property
    def rater_ids(self) -> tuple[int, ...]:
        return tuple(r.id for r in self.raters)

    def criterion(self, code: str) -> CriterionFigures | None:
        return next((c for c in self.criteria if c.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (labels resolved in the active language, see :class:`CriterionFigures`)."""
        return {
            "criteria": [c.to_dict() for c in self.criteria],
            "roles": {code: role.to_dict() for code, role in self.roles.items()},
            "fit": self.fit,
            "gate": self.gate.to_dict(),
            "raters": [r.to_dict() for r in self.raters],
            "recommendations": [r.to_dict() for r in self.recommendations],
            "submitted_scorecards": self.submitted_scorecards,
        }

    def to_storage(self) -> dict[str, Any]:
        """:meth:`to_dict` without what depends on the active language (each criterion's ``label``,
        ``short_label`` and ``advice``; ``labels`` and ``short_labels`` keep both languages): what the figures rows store, so that a
        row does not depend on the language of the request that wrote it. :meth:`from_dict` reads it."""
        data = self.to_dict()
        for criterion in data["criteria"]:
            criterion.pop("label")
            criterion.pop("short_label")
            criterion.pop("advice")
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AssessmentFigures:
        return cls(
            criteria=tuple(CriterionFigures.from_dict(c) for c in data["criteria"]),
            roles={code: RoleFigures(score=role["score"]) for code, role in data["roles"].items()},
            fit=data["fit"],
            gate=Gate.from_dict(data["gate"]),
            raters=tuple(RaterEntry.from_dict(r) for r in data["raters"]),
            recommendations=tuple(RecommendationEntry.from_dict(r) for r in data["recommendations"]),
            submitted_scorecards=data["submitted_scorecards"],
        )


def _weight(value: Any) -> Fraction | int:
    if type(value) is int:
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)  # the default weight 1.00: exact as an int, and cheaper
    if isinstance(value, Decimal | int | Fraction):
        return Fraction(value)
    return Fraction(str(value))


def _ratings_by_rater(cards: Sequence[ScorecardInput]):
    """``(ratings, contexts)``: criterion code → rater → [evidenced ratings] and → {contexts}."""
    ratings: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    contexts: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for card in cards:
        key = context_key(card.context, card.session_number)
        for code, value in card.ratings.items():
            rating = scoring.check_rating(value)
            if rating is not None:
                ratings[code][card.rater_id].append(rating)
                contexts[code][card.rater_id].add(key)
    return ratings, contexts


def rater_values(scorecards: Sequence[ScorecardInput]) -> dict[str, dict[int, Fraction]]:
    """The panel's values on each criterion: code → rater id → :func:`assessments.scoring.rater_value`
    (exact mean of that rater's evidenced ratings over all their counted scorecards). Raters
    without evidence on a criterion are absent from it. Raises ``ValueError`` for a bad rating."""
    ratings, _contexts = _ratings_by_rater(scorecards)
    return {
        code: {rater: scoring.rater_value(values) for rater, values in by_rater.items()}
        for code, by_rater in ratings.items()
    }


def assessment_figures(
    *, scorecards: Sequence[ScorecardInput], catalogue: Sequence[CriterionInfo]
) -> AssessmentFigures:
    """Compute the assessment figures of one application.

    Args:
        scorecards: its counted scorecards (submitted, in their standing revision), any order;
            sorted here by ``position`` then ``id``.
        catalogue: the criteria to report, in display order (the active framework's, completed by
            those the scorecards rated). A rated code missing from the catalogue raises.

    Returns:
        An :class:`AssessmentFigures` (formulas in the module docstring).

    Raises:
        ValueError: a rating outside 1–5, a criterion code not in the catalogue, a negative weight.
    """
    cards = sorted(scorecards, key=lambda c: (c.position, c.id))
    by_code = {info.code: info for info in catalogue}
    unknown = sorted({code for card in cards for code in card.ratings} - set(by_code))
    if unknown:
        raise ValueError(f"Criteria {unknown} are rated but not in the catalogue.")
    ratings, contexts = _ratings_by_rater(cards)
    raters: dict[int, dict[str, Any]] = {}
    for card in cards:
        entry = raters.setdefault(
            card.rater_id, {"name": card.rater_name, "scorecards": 0, "contexts": set()}
        )
        entry["scorecards"] += 1
        entry["contexts"].add(context_key(card.context, card.session_number))

    criteria: list[CriterionFigures] = []
    exact_scores: dict[str, Fraction | None] = {}
    for info in catalogue:
        per_rater = {
            rater: scoring.rater_value(values) for rater, values in ratings.get(info.code, {}).items()
        }
        exact = scoring.exact_mean(per_rater.values())
        exact_scores[info.code] = exact
        spread = agreement.disagreement(list(per_rater.values()))
        rater_values = tuple(
            RaterValue(
                rater=rater,
                value=float(value),
                n_ratings=len(ratings[info.code][rater]),
                contexts=_sorted_contexts(contexts[info.code][rater]),
            )
            for rater, value in per_rater.items()
        )
        criteria.append(
            CriterionFigures(
                code=info.code,
                group=info.group,
                labels=dict(info.labels),
                short_labels=dict(info.short_labels),
                order=info.order,
                weight=float(info.weight),
                score=None if exact is None else float(exact),
                n_ratings=sum(r.n_ratings for r in rater_values),
                n_raters=len(rater_values),
                contexts=_sorted_contexts(c for r in rater_values for c in r.contexts),
                rater_values=rater_values,
                range=spread.range,
                outlier=spread.outlier,
                level=spread.level,
                rwg=spread.rwg,
            )
        )

    roles: dict[str, RoleFigures] = {}
    for group in scoring.GATED:
        codes = [info.code for info in catalogue if info.group == group]
        score = scoring.role_score(
            {c: exact_scores[c] for c in codes}, {c: _weight(by_code[c].weight) for c in codes}
        )
        roles[group] = RoleFigures(score=score)
    # The floor (no criterion < 2.0) covers every criterion, posture included; the 3.0 gate covers
    # the three roles and posture (DESIGN.md §4).
    fit = scoring.overall_fit(
        {r: roles[r].score for r in scoring.ROLES},
        {c.code: c.score for c in criteria},
        posture_score=roles[scoring.POSTURE].score,
    )
    return AssessmentFigures(
        criteria=tuple(criteria),
        roles=roles,
        fit=fit.fit,
        gate=Gate(
            passed=fit.gate_passed, missing_roles=fit.missing_roles, failing_criteria=fit.failing_criteria
        ),
        raters=tuple(
            RaterEntry(
                id=rater,
                name=data["name"],
                scorecards=data["scorecards"],
                contexts=_sorted_contexts(data["contexts"]),
            )
            for rater, data in raters.items()
        ),
        recommendations=tuple(
            RecommendationEntry(
                rater_id=c.rater_id,
                rater=c.rater_name,
                context=c.context,
                session_number=c.session_number,
                recommendation=c.recommendation,
            )
            for c in cards
        ),
        submitted_scorecards=len(cards),
    )


@dataclass(frozen=True, slots=True)
class PanelStatistics:
    """Mandate-level agreement of the panel (one value per rater, application and criterion).

    Attributes:
        alpha: Krippendorff's α (interval) over units (application, criterion), ``None`` when
            undefined (fewer than two raters, nothing pairable, no variation).
        alpha_reading: :func:`assessments.agreement.alpha_reading` of ``alpha``.
        units: number of (application, criterion) units with at least one value.
        raters: rater id → :class:`assessments.agreement.RaterBias` (leniency/severity over ≥ 10
            compared values, threshold 0.5 point).
    """

    alpha: float | None
    alpha_reading: str
    units: int
    raters: Mapping[int, agreement.RaterBias]

    @property
    def flagged(self) -> dict[int, str]:
        """Rater id → "lenient"/"severe", for the flagged raters only."""
        return {rater: bias.flag for rater, bias in self.raters.items() if bias.flag}


def panel_statistics(values_by_application: Mapping[int, Mapping[str, Mapping[int, Any]]]) -> PanelStatistics:
    """Krippendorff's α and rater leniency/severity over a mandate.

    Args:
        values_by_application: application id → :func:`rater_values` of its counted scorecards
            (criterion code → rater id → rater value 1–5).

    Returns:
        A :class:`PanelStatistics`: the reliability data matrix has one row per rater and one column
        per (application, criterion) unit, each cell that rater's value (Krippendorff 2004, §11.3:
        at most one value per coder and unit — which the per-rater aggregation guarantees).
    """
    per_rater: dict[int, dict[tuple[int, str], Any]] = defaultdict(dict)
    for application_id, by_code in values_by_application.items():
        for code, by_rater in by_code.items():
            for rater, value in by_rater.items():
                per_rater[rater][(application_id, code)] = value
    units = sorted({unit for values in per_rater.values() for unit in values})
    raters = sorted(per_rater)
    alpha = None
    if len(raters) >= 2 and units:
        matrix = [[None if (v := per_rater[r].get(u)) is None else float(v) for u in units] for r in raters]
        alpha = agreement.krippendorff_alpha(matrix)
    return PanelStatistics(
        alpha=alpha,
        alpha_reading=agreement.alpha_reading(alpha),
        units=len(units),
        raters=agreement.rater_bias(per_rater),
    )
