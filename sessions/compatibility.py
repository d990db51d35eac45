"""CEO–candidate compatibility from the working sessions (pure functions, no ORM).

Inputs are plain Python values copied from the mediator's submitted observations
and the two parties' debriefs; outputs are frozen dataclasses with a
``to_dict()`` that is JSON-ready (str keys; int, float, str, None, lists, dicts),
so the same figures feed the pages, the report snapshot and the PDF.

What this module computes (DESIGN.md §4 "Compatibility" and §5):

* **IPA figures** (:func:`ipa_figures`) — descriptive shares and counts from the
  mediator's tallies of Bales' (1950) twelve Interaction Process Analysis
  categories, per party and overall. No cut-off is applied: published IPA norms
  come from laboratory discussion groups, not from a CEO and a candidate working
  on a business problem, so the figures are shown, not graded.
* **Perception gaps** (:func:`perception_gaps`) — per meta-communication dimension,
  a party's own debrief rating minus the mediator's rating.
* **Trend** (:func:`least_squares_slope`) — ordinary least-squares slope of a
  series over its positions 1..n (``statistics.linear_regression``).
* **Compatibility summary** (:func:`compatibility_summary`) — index, trend,
  per-dimension means, perception-gap means and the overall verdict.

Meta-communication dimensions follow Watzlawick, Beavin & Jackson (1967),
*Pragmatics of Human Communication*; codes and anchors live in
:mod:`sessions.ipa`.

Emotions are never inferred (EU AI Act, art. 5(1)(f)): this module only counts
and averages what the mediator and the parties recorded by hand. It reads no
audio, video, text or biometric signal.

Errors: every malformed input raises ``ValueError`` with a message naming the
offending key (rating outside 1..5, unknown dimension, IPA code or party,
negative or non-integer count, unknown status or verdict, duplicate session
order numbers).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .ipa import (
    ANSWER_CODES,
    COMPATIBLE,
    DIMENSION_CODES,
    IPA_CODES,
    NEGATIVE_CODES,
    NOT_COMPATIBLE,
    PARTIES,
    POSITIVE_CODES,
    QUESTION_CODES,
    RATING_MAX,
    RATING_MIN,
    TASK_CODES,
    TO_CONFIRM,
    VERDICTS,
)

__all__ = [
    "MIN_SESSIONS_FOR_VERDICT",
    "SESSION_STATUSES",
    "CompatibilitySummary",
    "IpaBreakdown",
    "IpaFigures",
    "SessionInput",
    "compatibility_summary",
    "ipa_figures",
    "least_squares_slope",
    "perception_gaps",
    "perception_table",
    "session_perception_table",
]

#: A compatibility verdict needs at least this many held *and* observed sessions (DESIGN.md §5).
MIN_SESSIONS_FOR_VERDICT = 3

PLANNED = "planned"
HELD = "held"
CANCELLED = "cancelled"
NO_SHOW = "no_show"
SESSION_STATUSES: tuple[str, ...] = (PLANNED, HELD, CANCELLED, NO_SHOW)

# Reason codes attached to the overall verdict (stable: stored in report snapshots).
REASON_NEEDS_THREE_SESSIONS = "needs_three_sessions"
REASON_MISSING_SESSION_VERDICT = "missing_session_verdict"
REASON_MAJORITY_NOT_COMPATIBLE = "majority_not_compatible"
REASON_LAST_NOT_COMPATIBLE = "last_not_compatible"
REASON_ALL_COMPATIBLE = "all_compatible"
REASON_LAST_TWO_COMPATIBLE = "last_two_compatible"
REASON_MIXED = "mixed"


# =========================================================================== validation helpers


def _check_int(value: Any, what: str) -> int:
    # bool is an int subclass: True must not silently count as 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    return value


def _check_rating(value: Any, what: str) -> int | None:
    """A 1..5 integer rating or ``None`` (no evidence / not rated)."""
    if value is None:
        return None
    _check_int(value, what)
    if not RATING_MIN <= value <= RATING_MAX:
        raise ValueError(f"{what} must be between {RATING_MIN} and {RATING_MAX}, got {value!r}")
    return value


def _check_ratings(ratings: Mapping[str, int | None], what: str) -> dict[str, int | None]:
    """Validate ``{dimension: 1..5 | None}``; missing dimensions become ``None``."""
    if not isinstance(ratings, Mapping):
        raise ValueError(
            f"{what} must be a mapping of dimension code to rating, got {type(ratings).__name__}"
        )
    unknown = set(ratings) - set(DIMENSION_CODES)
    if unknown:
        raise ValueError(f"{what}: unknown dimension(s) {sorted(map(str, unknown))}")
    return {dim: _check_rating(ratings.get(dim), f"{what}[{dim!r}]") for dim in DIMENSION_CODES}


def _check_tallies(tallies: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Validate ``{party: {ipa_code: count}}``; missing parties/codes count 0."""
    if not isinstance(tallies, Mapping):
        raise ValueError(f"tallies must be a mapping of party to counts, got {type(tallies).__name__}")
    unknown_parties = set(tallies) - set(PARTIES)
    if unknown_parties:
        raise ValueError(
            f"tallies: unknown party(ies) {sorted(map(str, unknown_parties))}; expected {PARTIES}"
        )
    clean: dict[str, dict[str, int]] = {}
    for party in PARTIES:
        counts = tallies.get(party) or {}
        if not isinstance(counts, Mapping):
            raise ValueError(f"tallies[{party!r}] must be a mapping of IPA code to count")
        unknown_codes = set(counts) - set(IPA_CODES)
        if unknown_codes:
            raise ValueError(f"tallies[{party!r}]: unknown IPA code(s) {sorted(map(str, unknown_codes))}")
        row: dict[str, int] = {}
        for code in IPA_CODES:
            n = _check_int(counts.get(code, 0), f"tallies[{party!r}][{code!r}]")
            if n < 0:
                raise ValueError(f"tallies[{party!r}][{code!r}] must not be negative, got {n}")
            row[code] = n
        clean[party] = row
    return clean


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# =========================================================================== IPA figures


@dataclass(frozen=True, slots=True)
class IpaBreakdown:
    """IPA figures for one party, or for both parties together.

    All counts are numbers of acts (integers ≥ 0); shares are fractions in [0, 1]
    (not percentages); ratios are plain quotients. A share is ``None`` when there
    are no acts at all; a ratio is ``None`` when its denominator is 0 — the product
    never shows an "infinite" ratio.

    - ``counts``: ``{ipa_code: acts}`` for all twelve categories, in Bales' order.
    - ``total``: all acts.
    - ``task_acts`` / ``task_share``: categories 4–9 (answers and questions) / total.
    - ``socio_emotional_acts`` / ``socio_emotional_share``: categories 1–3 and 10–12 / total.
    - ``positive``: categories 1–3; ``negative``: categories 10–12.
    - ``positive_negative_ratio``: positive / negative; ``None`` when negative is 0.
    - ``questions``: categories 7–9; ``answers``: categories 4–6.
    - ``question_answer_ratio``: questions / answers; ``None`` when answers is 0.
    """

    counts: Mapping[str, int]
    total: int
    task_acts: int
    socio_emotional_acts: int
    task_share: float | None
    socio_emotional_share: float | None
    positive: int
    negative: int
    positive_negative_ratio: float | None
    questions: int
    answers: int
    question_answer_ratio: float | None

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> IpaBreakdown:
        """Build from already validated ``{ipa_code: acts}`` covering every code."""
        total = sum(counts.values())
        task = sum(counts[c] for c in TASK_CODES)
        positive = sum(counts[c] for c in POSITIVE_CODES)
        negative = sum(counts[c] for c in NEGATIVE_CODES)
        questions = sum(counts[c] for c in QUESTION_CODES)
        answers = sum(counts[c] for c in ANSWER_CODES)
        socio = positive + negative
        return cls(
            counts=MappingProxyType({c: counts[c] for c in IPA_CODES}),
            total=total,
            task_acts=task,
            socio_emotional_acts=socio,
            task_share=_share(task, total),
            socio_emotional_share=_share(socio, total),
            positive=positive,
            negative=negative,
            positive_negative_ratio=_share(positive, negative),
            questions=questions,
            answers=answers,
            question_answer_ratio=_share(questions, answers),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "total": self.total,
            "task_acts": self.task_acts,
            "socio_emotional_acts": self.socio_emotional_acts,
            "task_share": self.task_share,
            "socio_emotional_share": self.socio_emotional_share,
            "positive": self.positive,
            "negative": self.negative,
            "positive_negative_ratio": self.positive_negative_ratio,
            "questions": self.questions,
            "answers": self.answers,
            "question_answer_ratio": self.question_answer_ratio,
        }


@dataclass(frozen=True, slots=True)
class IpaFigures:
    """IPA figures of one session.

    - ``parties``: ``{party: IpaBreakdown}`` for ``"ceo"`` and ``"candidate"``.
    - ``overall``: the same figures over both parties' acts.
    - ``participation_share``: ``{party: party's acts / all acts}`` (fractions summing
      to 1), each ``None`` when nobody's acts were tallied.
    """

    parties: Mapping[str, IpaBreakdown]
    overall: IpaBreakdown
    participation_share: Mapping[str, float | None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "parties": {p: b.to_dict() for p, b in self.parties.items()},
            "overall": self.overall.to_dict(),
            "participation_share": dict(self.participation_share),
        }


def ipa_figures(tallies: Mapping[str, Mapping[str, int]]) -> IpaFigures:
    """Descriptive Bales IPA figures from the mediator's tallies of one session.

    ``tallies`` is ``{party: {ipa_code: count}}`` with parties from
    :data:`sessions.ipa.PARTIES` and codes from :data:`sessions.ipa.IPA_CODES`;
    a missing party or code counts 0. Counts are numbers of acts.

    Returns an :class:`IpaFigures` (see :class:`IpaBreakdown` for every figure;
    shares are fractions, ``None`` with zero acts; ratios are ``None`` when the
    denominator is 0).

    Raises ``ValueError`` for an unknown party or IPA code, or a negative or
    non-integer count.

    Source: Bales, R. F. (1950), *Interaction Process Analysis*. No norm or cut-off
    is applied to these figures.
    """
    clean = _check_tallies(tallies)
    parties = {p: IpaBreakdown.from_counts(clean[p]) for p in PARTIES}
    overall = IpaBreakdown.from_counts({c: sum(clean[p][c] for p in PARTIES) for c in IPA_CODES})
    participation = {p: _share(parties[p].total, overall.total) for p in PARTIES}
    return IpaFigures(
        parties=MappingProxyType(parties),
        overall=overall,
        participation_share=MappingProxyType(participation),
    )


# =========================================================================== perception gaps


def perception_gaps(
    mediator: Mapping[str, int | None], party: Mapping[str, int | None]
) -> dict[str, int | None]:
    """Per dimension, the party's own rating minus the mediator's rating.

    Both arguments are ``{dimension_code: 1..5 | None}`` (missing keys mean "not
    rated"). Returns ``{dimension_code: gap}`` for every dimension of
    :data:`sessions.ipa.DIMENSION_CODES`, in that order; a gap is an integer in
    −4..+4 rating points (positive: the party sees the session more favourably than
    the mediator), or ``None`` where either rating is missing.

    Raises ``ValueError`` for an unknown dimension or a rating outside 1..5.
    """
    med = _check_ratings(mediator, "mediator ratings")
    own = _check_ratings(party, "party ratings")
    return {
        dim: (own[dim] - med[dim]) if own[dim] is not None and med[dim] is not None else None
        for dim in DIMENSION_CODES
    }


def perception_table(
    mediator: Mapping[str, float | None] | None,
    gaps: Mapping[str, Mapping[str, float | None] | None] | None,
    own: Mapping[str, Mapping[str, int | None] | None] | None = None,
) -> list[dict[str, Any]]:
    """The perception-gap table, one row per dimension of :data:`sessions.ipa.DIMENSION_CODES` in
    that order — the table of the PDF report (over the sessions) and of the session page (one
    session), one code for both.

    ``mediator``: ``{dimension: the mediator's rating, or mean rating (1–5) | None}``; ``gaps``:
    ``{party: {dimension: party − mediator, in rating points | None} | None}``; ``own`` (optional):
    ``{party: {dimension: the party's own rating 1–5} | None}``. A missing party, dimension or
    mapping reads ``None``.

    Each row: ``code``; ``mediator``; ``ceo`` and ``candidate``: the gaps; ``ceo_rating`` and
    ``candidate_rating``: the parties' own ratings (``None`` without ``own``); ``parties``: the CEO's
    gap minus the candidate's (= the CEO's rating minus the candidate's, in points, when both rated
    against the same mediator's ratings; over several sessions, the difference of the mean gaps),
    ``None`` unless both gaps are known — positive: the CEO lived the session more favourably than
    the candidate.
    """
    mediator = mediator or {}
    gaps = gaps or {}
    own = own or {}
    rows = []
    for dim in DIMENSION_CODES:
        row: dict[str, Any] = {"code": dim, "mediator": mediator.get(dim)}
        for party in PARTIES:
            row[party] = (gaps.get(party) or {}).get(dim)
            row[f"{party}_rating"] = (own.get(party) or {}).get(dim)
        ceo_gap, candidate_gap = row["ceo"], row["candidate"]
        row["parties"] = None if ceo_gap is None or candidate_gap is None else ceo_gap - candidate_gap
        rows.append(row)
    return rows


def session_perception_table(
    mediator: Mapping[str, int | None] | None,
    debriefs: Mapping[str, Mapping[str, int | None] | None],
) -> list[dict[str, Any]]:
    """:func:`perception_table` of one session: the mediator's ratings (``None``: no observation,
    or one the reader may not see) beside each party's debrief ratings
    (``{party: {dimension: 1..5} | None}``, ``None`` or absent: no debrief), with the gaps of
    :func:`perception_gaps` where both rated.

    Raises ``ValueError`` for an unknown dimension or a rating outside 1..5.
    """
    gaps = {
        party: perception_gaps(mediator, debriefs[party])
        if mediator is not None and debriefs.get(party) is not None
        else None
        for party in PARTIES
    }
    return perception_table(mediator, gaps, debriefs)


# =========================================================================== trend


def least_squares_slope(values: Sequence[float]) -> float | None:
    """Ordinary least-squares slope of ``values`` against their positions 1..n.

    Units: units of ``values`` per position (for the compatibility trend, rating
    points per session). Returns ``None`` with fewer than two values, and exactly
    ``0.0`` for a constant series (no floating-point residue).

    Raises ``ValueError`` for a NaN or infinite value.

    Computed with ``statistics.linear_regression`` (Python ≥ 3.10).
    """
    ys = [float(v) for v in values]
    if any(not math.isfinite(y) for y in ys):
        raise ValueError("least_squares_slope needs finite values")
    if len(ys) < 2:
        return None
    if all(y == ys[0] for y in ys):
        return 0.0
    xs = [float(i) for i in range(1, len(ys) + 1)]
    return statistics.linear_regression(xs, ys).slope


# =========================================================================== summary


def _frozen_ratings(value: Mapping[str, int | None] | None, what: str) -> Mapping[str, int | None] | None:
    if value is None:
        return None
    return MappingProxyType(_check_ratings(value, what))


@dataclass(frozen=True)
class SessionInput:
    """One working session, as the compatibility summary needs it.

    - ``order``: the session's order number (integer ≥ 1), unique within an application.
    - ``status``: one of :data:`SESSION_STATUSES` (``planned``, ``held``, ``cancelled``, ``no_show``).
    - ``observed``: ``True`` when a submitted mediator observation exists.
    - ``dimension_ratings``: the mediator's ``{dimension_code: 1..5 | None}``.
    - ``verdict``: the mediator's session verdict, one of :data:`sessions.ipa.VERDICTS`, or ``None``.
    - ``confidence``: the mediator's confidence in that verdict, 1..5, or ``None``.
    - ``tallies``: the IPA tallies ``{party: {ipa_code: count}}``, or ``None``.
    - ``ceo_debrief`` / ``candidate_debrief``: each party's ``{dimension_code: 1..5 | None}``,
      or ``None`` when that debrief was not submitted.

    Everything is validated on construction (``ValueError``); mappings are copied
    into read-only views, missing dimensions become ``None``.
    """

    order: int
    status: str
    observed: bool = False
    dimension_ratings: Mapping[str, int | None] = field(default_factory=dict)
    verdict: str | None = None
    confidence: int | None = None
    tallies: Mapping[str, Mapping[str, int]] | None = None
    ceo_debrief: Mapping[str, int | None] | None = None
    candidate_debrief: Mapping[str, int | None] | None = None

    def __post_init__(self) -> None:
        _check_int(self.order, "order")
        if self.order < 1:
            raise ValueError(f"order must be ≥ 1, got {self.order}")
        if self.status not in SESSION_STATUSES:
            raise ValueError(f"status must be one of {SESSION_STATUSES}, got {self.status!r}")
        if not isinstance(self.observed, bool):
            raise ValueError(f"observed must be a bool, got {self.observed!r}")
        if self.verdict is not None and self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS} or None, got {self.verdict!r}")
        _check_rating(self.confidence, "confidence")
        where = f"session {self.order}"
        set_ = object.__setattr__
        set_(self, "dimension_ratings", _frozen_ratings(self.dimension_ratings or {}, f"{where} ratings"))
        set_(self, "ceo_debrief", _frozen_ratings(self.ceo_debrief, f"{where} CEO debrief"))
        set_(self, "candidate_debrief", _frozen_ratings(self.candidate_debrief, f"{where} candidate debrief"))
        if self.tallies is not None:
            clean = _check_tallies(self.tallies)
            set_(self, "tallies", MappingProxyType({p: MappingProxyType(c) for p, c in clean.items()}))

    @property
    def counts(self) -> bool:
        """Whether the session enters the index, trend and verdict: held *and* observed."""
        return self.status == HELD and self.observed

    @property
    def mean_rating(self) -> float | None:
        """Mean of the mediator's non-missing dimension ratings (1–5), ``None`` if none."""
        return _mean([r for r in self.dimension_ratings.values() if r is not None])

    def debrief(self, party: str) -> Mapping[str, int | None] | None:
        return {"ceo": self.ceo_debrief, "candidate": self.candidate_debrief}[party]


@dataclass(frozen=True)
class CompatibilitySummary:
    """What the sessions say about CEO–candidate fit.

    "Counted" sessions below are those held *and* observed (submitted observation).

    - ``held_sessions``: number of counted sessions.
    - ``index``: mean, over counted sessions that have at least one rating, of each
      session's mean dimension rating; 1–5 scale; ``None`` if there is none.
    - ``index_100``: ``(index − 1) / 4 · 100`` on 0–100, ``None`` with ``index``.
    - ``trend``: least-squares slope of those per-session means against their rank
      1..n among counted sessions (rating points per session; positive = improving);
      ``None`` with fewer than two. The rank, not the raw order number, is used: a
      cancelled session in between is not a session the pair worked through.
    - ``verdict``: overall verdict (one of :data:`sessions.ipa.VERDICTS`) or ``None``;
      ``verdict_reason``: stable code explaining it (see :func:`compatibility_summary`).
    - ``dimension_means``: ``{dimension: mean mediator rating over counted sessions | None}``.
    - ``perception_gap_means``: ``{party: {dimension: mean (party − mediator) over counted
      sessions where both rated | None}}``, in rating points.
    - ``sessions``: one dict per session (all statuses), sorted by order, with keys
      ``order``, ``status``, ``observed``, ``counted``, ``mean_rating``, ``verdict``,
      ``confidence``, ``ipa`` (:meth:`IpaFigures.to_dict` or ``None``) and
      ``perception_gaps`` (``{party: {dimension: gap | None} | None}``, ``None`` for a
      party whose debrief is missing).
    """

    held_sessions: int
    index: float | None
    index_100: float | None
    trend: float | None
    verdict: str | None
    verdict_reason: str
    dimension_means: dict[str, float | None]
    perception_gap_means: dict[str, dict[str, float | None]]
    sessions: list[dict[str, Any]]
    min_sessions_for_verdict: int = MIN_SESSIONS_FOR_VERDICT

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy (nested dicts/lists are copied)."""
        return {
            "held_sessions": self.held_sessions,
            "min_sessions_for_verdict": self.min_sessions_for_verdict,
            "index": self.index,
            "index_100": self.index_100,
            "trend": self.trend,
            "verdict": self.verdict,
            "verdict_reason": self.verdict_reason,
            "dimension_means": dict(self.dimension_means),
            "perception_gap_means": {p: dict(g) for p, g in self.perception_gap_means.items()},
            "sessions": [_copy_session_dict(s) for s in self.sessions],
        }


def _copy_session_dict(s: dict[str, Any]) -> dict[str, Any]:
    out = dict(s)
    out["perception_gaps"] = {
        p: (dict(g) if g is not None else None) for p, g in s["perception_gaps"].items()
    }
    return out


def _overall_verdict(verdicts: Sequence[str | None]) -> tuple[str | None, str]:
    """The product's rule; ``verdicts`` are the counted sessions' verdicts in session order."""
    if len(verdicts) < MIN_SESSIONS_FOR_VERDICT:
        return None, REASON_NEEDS_THREE_SESSIONS
    if any(v is None for v in verdicts):
        return None, REASON_MISSING_SESSION_VERDICT
    n = len(verdicts)
    not_compatible = sum(v == NOT_COMPATIBLE for v in verdicts)
    if not_compatible * 2 > n:
        return NOT_COMPATIBLE, REASON_MAJORITY_NOT_COMPATIBLE
    if verdicts[-1] == NOT_COMPATIBLE:
        return NOT_COMPATIBLE, REASON_LAST_NOT_COMPATIBLE
    if all(v == COMPATIBLE for v in verdicts):
        return COMPATIBLE, REASON_ALL_COMPATIBLE
    if not_compatible == 0 and verdicts[-1] == COMPATIBLE and verdicts[-2] == COMPATIBLE:
        return COMPATIBLE, REASON_LAST_TWO_COMPATIBLE
    return TO_CONFIRM, REASON_MIXED


def compatibility_summary(sessions: Sequence[SessionInput]) -> CompatibilitySummary:
    """Summarise an application's working sessions into a compatibility result.

    ``sessions``: every :class:`SessionInput` of one application, in any order.
    Only sessions that are held *and* observed ("counted") enter the index, trend,
    means and verdict; the others are still listed in ``sessions``.

    Overall verdict — **this product's rule**, a transparent aggregation of the
    mediator's own session verdicts, not a published or validated cut-off:

    1. fewer than :data:`MIN_SESSIONS_FOR_VERDICT` (3) counted sessions → ``None``,
       reason ``"needs_three_sessions"``;
    2. a counted session without a verdict → ``None``, reason ``"missing_session_verdict"``
       (the product does not guess the mediator's verdict);
    3. ``"not_compatible"`` if a strict majority of the session verdicts say so
       (reason ``"majority_not_compatible"``) or if the last counted session says so
       (``"last_not_compatible"``);
    4. ``"compatible"`` if every session verdict is compatible (``"all_compatible"``), or if
       all are compatible / to confirm and the last two are compatible
       (``"last_two_compatible"``: the pair found its footing);
    5. otherwise ``"to_confirm"`` (``"mixed"``).

    The mechanical result is meant to be shown next to the human hiring decision,
    never instead of it.

    Raises ``ValueError`` for duplicate order numbers (and, through
    :class:`SessionInput`, for any invalid rating, verdict, status or tally).
    """
    items = list(sessions)
    for s in items:
        if not isinstance(s, SessionInput):
            raise ValueError(f"expected SessionInput, got {type(s).__name__}")
    orders = [s.order for s in items]
    duplicates = sorted({o for o in orders if orders.count(o) > 1})
    if duplicates:
        raise ValueError(f"duplicate session order number(s): {duplicates}")
    items.sort(key=lambda s: s.order)
    counted = [s for s in items if s.counts]

    session_means = [m for m in (s.mean_rating for s in counted) if m is not None]
    index = _mean(session_means)
    index_100 = (index - RATING_MIN) / (RATING_MAX - RATING_MIN) * 100 if index is not None else None
    trend = least_squares_slope(session_means)
    verdict, reason = _overall_verdict([s.verdict for s in counted])

    dimension_means = {
        dim: _mean([r for s in counted if (r := s.dimension_ratings[dim]) is not None])
        for dim in DIMENSION_CODES
    }

    rows: list[dict[str, Any]] = []
    gaps_by_order: dict[int, dict[str, dict[str, int | None] | None]] = {}
    for s in items:
        gaps = {
            p: (perception_gaps(s.dimension_ratings, d) if (d := s.debrief(p)) is not None else None)
            for p in PARTIES
        }
        gaps_by_order[s.order] = gaps
        rows.append(
            {
                "order": s.order,
                "status": s.status,
                "observed": s.observed,
                "counted": s.counts,
                "mean_rating": s.mean_rating,
                "verdict": s.verdict,
                "confidence": s.confidence,
                "ipa": ipa_figures(s.tallies).to_dict() if s.tallies is not None else None,
                "perception_gaps": gaps,
            }
        )

    gap_means: dict[str, dict[str, float | None]] = {}
    for p in PARTIES:
        gap_means[p] = {}
        for dim in DIMENSION_CODES:
            values = [
                g
                for s in counted
                if (party_gaps := gaps_by_order[s.order][p]) is not None
                and (g := party_gaps[dim]) is not None
            ]
            gap_means[p][dim] = _mean(values)

    return CompatibilitySummary(
        held_sessions=len(counted),
        index=index,
        index_100=index_100,
        trend=trend,
        verdict=verdict,
        verdict_reason=reason,
        dimension_means=dimension_means,
        perception_gap_means=gap_means,
        sessions=rows,
    )
