"""Scorecard arithmetic: ratings → criterion scores → role scores → overall fit.

Pure functions, no Django. This module is the reference implementation of DESIGN.md §4
("Scoring model"); the ORM layer only gathers numbers and calls it.

Scale
    Every criterion is rated on a 1–5 behaviourally anchored rating scale (BARS: Smith, P. C. &
    Kendall, L. M. (1963). Retranslation of expectations. *Journal of Applied Psychology*, 47(2),
    149–155), with written anchors at 1, 3 and 5. A rating is an ``int`` in 1..5, or ``None`` for
    "NE = no evidence". NE is *excluded* from every mean; it is never counted as a 1.

Why structured, independently rated scorecards
    Structured interviews are among the best-validated selection methods: operational validity
    .51 in Schmidt, F. L. & Hunter, J. E. (1998), *Psychological Bulletin*, 124(2), 262–274, and
    .42 (the highest of the methods re-estimated) in Sackett, P. R., Zhang, C., Berry, C. M. &
    Lievens, F. (2022), *Journal of Applied Psychology*, 107(11), 2040–2068.

One rater, one voice (DESIGN.md §4)
    A rater may fill several scorecards of one application (screening, up to four working sessions,
    a reference check). Their ratings of a criterion are first averaged into **one value per
    rater** (:func:`rater_value`); the criterion score is the mean of those rater values
    (:func:`criterion_score`). So a rater with five scorecards weighs exactly as much as a rater with
    one, and every agreement statistic (disagreement flags, r_wg, leniency/severity, Krippendorff's
    α in :mod:`assessments.agreement`) reads the same values the score is made of. This is the
    reliability data layout Krippendorff's α is defined on — at most one value per coder and unit
    (Krippendorff, K. (2004). *Content Analysis*, 2nd ed., Sage, §11.3) — and the mechanical,
    equal-weight combination of independent interviewers' ratings recommended by Campion, M. A.,
    Palmer, D. K. & Campion, J. E. (1997). A review of structure in the selection interview.
    *Personnel Psychology*, 50(3), 655–702.

Why the overall fit is a geometric mean plus a gate
    The CSO must play three roles at once (conductor, business partner, entrepreneur); a strong score
    in two roles must not make up for a missing third. An arithmetic mean is fully compensatory
    (5, 5, 2 → 4.00, the same as a solid 4, 4, 4). The geometric mean is partly non-compensatory: it
    penalises imbalance (5, 5, 2 → 3.68 < 4.00) and tends to the weakest role as that role drops.
    Because a geometric mean still lets strong roles buy back *some* of a weak one, a hard gate is
    reported next to it and names what is missing: every role ≥ 3.0, **posture and mindset ≥ 3.0**
    (the profile is found in posture and mindset more than in any single expertise, so posture is
    gated although it is not one of the three roles of the fit) and no criterion < 2.0.

Numerical note: means are computed exactly (``fractions.Fraction``) and rounded to ``float`` once, so
a role whose criteria are all 3 scores exactly 3.0 whatever the weights, and the gate never fails
on a rounding error such as 2.9999999999999996.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = [
    "CRITERION_FLOOR",
    "GATED",
    "POSTURE",
    "ROLES",
    "ROLE_GATE",
    "SCALE_MAX",
    "SCALE_MIN",
    "FitResult",
    "check_rating",
    "criterion_score",
    "exact_mean",
    "overall_fit",
    "rater_value",
    "role_score",
    "to_100",
]

#: The three roles a CSO plays at once, in display order.
ROLES: tuple[str, str, str] = ("conductor", "business_partner", "entrepreneur")
#: The posture and mindset group: scored, not part of the fit, but gated like a role.
POSTURE: str = "posture"
#: What the gate requires at ``ROLE_GATE`` or more, in the order failures are named.
GATED: tuple[str, str, str, str] = (*ROLES, POSTURE)
#: Every role score (and posture) must reach this (1–5 scale) for the gate to pass.
ROLE_GATE: float = 3.0
#: No criterion score may fall below this (1–5 scale) for the gate to pass.
CRITERION_FLOOR: float = 2.0
#: Bounds of the BARS rating scale.
SCALE_MIN: int = 1
SCALE_MAX: int = 5


def _is_integer(value: object) -> bool:
    """True for ints (including numpy integers), False for bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    """True for finite real numbers (int, float, Decimal, Fraction, numpy), False for bools."""
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return False
    try:
        return math.isfinite(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _fraction(value: Any) -> Fraction:
    """Exact ``Fraction`` of a finite real number (int, float, Decimal, Fraction or numpy scalar)."""
    if isinstance(value, numbers.Rational | float | Decimal):
        return Fraction(value)
    return Fraction(float(value))


def check_rating(value: object) -> int | None:
    """Validate one rating and return it as a plain ``int``, or ``None`` for NE.

    Args:
        value: an integer in ``SCALE_MIN..SCALE_MAX`` (1..5), or ``None`` meaning
            "NE = no evidence".

    Returns:
        The rating as ``int``, or ``None``.

    Raises:
        ValueError: for a bool, a non-integer (``3.0``, ``"3"``, ``3.5``) or an integer outside 1..5.
    """
    if value is None:
        return None
    if not _is_integer(value):
        raise ValueError(
            f"A rating must be an integer from {SCALE_MIN} to {SCALE_MAX} or None (NE = no evidence); "
            f"got {value!r} ({type(value).__name__})."
        )
    rating = int(value)  # type: ignore[call-overload]
    if not SCALE_MIN <= rating <= SCALE_MAX:
        raise ValueError(f"A rating must be between {SCALE_MIN} and {SCALE_MAX}; got {rating}.")
    return rating


def _check_score(value: object, what: str) -> float | None:
    """Validate a score on the 1–5 scale (``None`` allowed) and return it as ``float``."""
    if value is None:
        return None
    if not _is_real(value):
        raise ValueError(
            f"{what} must be a finite number from {SCALE_MIN} to {SCALE_MAX} or None; got {value!r}."
        )
    score = float(value)  # type: ignore[arg-type]
    if not SCALE_MIN <= score <= SCALE_MAX:
        raise ValueError(f"{what} must be between {SCALE_MIN} and {SCALE_MAX}; got {value!r}.")
    return score


def exact_mean(values: Iterable[Any]) -> Fraction | None:
    """Exact arithmetic mean of finite real numbers (ints, Fractions, Decimals, floats).

    Args:
        values: numbers; ``None`` entries are skipped.

    Returns:
        The exact mean (no rounding at all): an ``int`` when it is whole, else a ``Fraction``;
        ``None`` when there is no value.

    Raises:
        ValueError: for a bool or a non-finite / non-numeric value.
    """
    present = [v for v in values if v is not None]
    if not present:
        return None
    # Fast path (the common case: integer ratings): one Fraction built, the result is the same.
    if all(type(v) is int for v in present):
        total, count = sum(present), len(present)
        return total // count if total % count == 0 else Fraction(total, count)
    total = Fraction(0)
    for value in present:
        if not _is_real(value):
            raise ValueError(f"A mean needs finite numbers; got {value!r}.")
        total += _fraction(value)
    mean = total / len(present)
    return mean.numerator if mean.denominator == 1 else mean


def rater_value(ratings: Iterable[int | None]) -> Fraction | None:
    """One rater's value for one criterion: the mean of that rater's evidenced ratings of it over
    all their counted scorecards of the application (one rater, one voice; see the module docstring).

    Args:
        ratings: the rater's ratings of the criterion, one per scorecard, each an ``int`` 1..5 on
            the BARS scale (Smith & Kendall 1963) or ``None`` for NE.

    Returns:
        The exact mean as a ``Fraction`` in [1, 5] (``float()`` it for display), or ``None`` when
        the rater has no evidenced rating of the criterion (NE is excluded, never counted as 1).

    Raises:
        ValueError: if any rating is not an integer 1..5 or ``None`` (see :func:`check_rating`).

    Example: ``rater_value([4, None, 5]) == Fraction(9, 2)``.
    """
    return exact_mean(check_rating(v) for v in ratings)


def criterion_score(rater_values: Iterable[Any]) -> float | None:
    """Score of one criterion for one candidate: the mean of the raters' values.

    Args:
        rater_values: one value per rater (from :func:`rater_value`: a number in [1, 5], exact
            ``Fraction`` preferably), or ``None`` for a rater without evidence on the criterion.
            A plain list of integer ratings, one per rater, works too.

    Returns:
        The mean of the non-``None`` values, a ``float`` in [1, 5] computed exactly and rounded
        once; ``None`` when no rater has evidence.

    Raises:
        ValueError: a value outside [1, 5], a bool or a non-numeric value.

    Examples: ``criterion_score([4, None, 5]) == 4.5``; raters A = 5, B = 4 and C = 1 (C rated 1
    in four sessions) → ``criterion_score([5, 4, 1]) == 10 / 3``, not the 13/6 of the six ratings
    pooled.
    """
    checked = [_check_exact_score(v, "A rater value") for v in rater_values]
    mean = exact_mean(checked)
    return None if mean is None else float(mean)


def _check_exact_score(value: object, what: str) -> Fraction | int | None:
    """Validate a score on the 1–5 scale (``None`` allowed) and return it exactly (an ``int`` stays
    an ``int``)."""
    if value is None:
        return None
    if type(value) is int or type(value) is Fraction:
        if not SCALE_MIN <= value <= SCALE_MAX:
            raise ValueError(f"{what} must be between {SCALE_MIN} and {SCALE_MAX}; got {value!r}.")
        return value
    if not _is_real(value):
        raise ValueError(
            f"{what} must be a finite number from {SCALE_MIN} to {SCALE_MAX} or None; got {value!r}."
        )
    exact = _fraction(value)
    if not SCALE_MIN <= exact <= SCALE_MAX:
        raise ValueError(f"{what} must be between {SCALE_MIN} and {SCALE_MAX}; got {value!r}.")
    return exact


def role_score(
    criterion_scores: Mapping[str, float | None],
    weights: Mapping[str, float] | None = None,
) -> float | None:
    """Score of one role: the weighted mean of its criterion scores (1–5 scale).

    Args:
        criterion_scores: criterion code → criterion score in [1, 5] (from :func:`criterion_score`,
            or the exact ``Fraction`` behind it), or ``None`` when the criterion has no evidence. ``None`` criteria are skipped (their weight
            is not redistributed to a 1; the mean is taken over the criteria that have a score).
        weights: criterion code → weight ≥ 0 (relative, need not sum to 1). ``None`` means equal
            weights. When given, every *scored* criterion must have a weight; extra keys are ignored.
            A weight of 0 removes the criterion from the mean.

    Returns:
        ``Σ w_c·s_c / Σ w_c`` over scored criteria, a ``float`` in [1, 5]; ``None`` when no criterion
        has a score or when all their weights are 0. Computed exactly, rounded once.

    Raises:
        ValueError: for a score outside [1, 5] or non-numeric; a negative, non-finite or non-numeric
            weight; a scored criterion with no weight when ``weights`` is given.
    """
    numerator = Fraction(0)
    denominator = Fraction(0)
    for code, raw in criterion_scores.items():
        score = _check_exact_score(raw, f"The score of criterion {code!r}")
        if weights is None:
            weight = Fraction(1)
        else:
            if code not in weights:
                if score is None:
                    continue
                raise ValueError(f"No weight given for criterion {code!r}.")
            raw_weight = weights[code]
            if not _is_real(raw_weight):
                raise ValueError(
                    f"The weight of criterion {code!r} must be a finite number; got {raw_weight!r}."
                )
            weight = raw_weight if type(raw_weight) is int else _fraction(raw_weight)
            if weight < 0:
                raise ValueError(
                    f"The weight of criterion {code!r} must not be negative; got {raw_weight!r}."
                )
        if score is None:
            continue
        numerator += weight * score
        denominator += weight
    if denominator == 0:
        return None
    return float(numerator / denominator)


def to_100(score: float) -> float:
    """Convert a 1–5 score to the 0–100 display scale: ``(s − 1) / 4 · 100``.

    Args:
        score: a criterion, role or fit score in [1, 5].

    Returns:
        A ``float`` in [0, 100] (1 → 0, 3 → 50, 5 → 100). Not rounded.

    Raises:
        ValueError: if ``score`` is ``None``, non-numeric or outside [1, 5].
    """
    value = _check_score(score, "A score")
    if value is None:
        raise ValueError("to_100() needs a score from 1 to 5, not None.")
    return (value - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * 100


@dataclass(frozen=True, slots=True)
class FitResult:
    """Overall fit of a candidate across the three roles, with the gate.

    Attributes:
        fit: geometric mean of the three role scores, a ``float`` in [1, 5] (not rounded); ``None``
            when any role has no score. Posture is not part of the fit.
        gate_passed: ``True`` iff every role score and the posture score are ≥ ``ROLE_GATE`` (3.0)
            and no criterion score is < ``CRITERION_FLOOR`` (2.0). ``False`` when a role or posture
            has no score.
        missing_roles: what fails the gate at 3.0 — role keys and ``"posture"``, scoring under 3.0 or
            without a score, in ``GATED`` order (conductor, business_partner, entrepreneur, posture).
        failing_criteria: criterion codes scoring under 2.0, sorted.
    """

    fit: float | None
    gate_passed: bool
    missing_roles: tuple[str, ...]
    failing_criteria: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``fit`` (float or None, full precision), ``gate_passed`` (bool),
        ``missing_roles`` and ``failing_criteria`` (lists of str)."""
        return {
            "fit": self.fit,
            "gate_passed": self.gate_passed,
            "missing_roles": list(self.missing_roles),
            "failing_criteria": list(self.failing_criteria),
        }


def overall_fit(
    role_scores: Mapping[str, Any],
    criterion_scores: Mapping[str, Any] | None = None,
    *,
    posture_score: Any,
) -> FitResult:
    """Overall fit (geometric mean of the three role scores) and the non-compensatory gate.

    The geometric mean ``(c · b · e)^(1/3)`` is used instead of the arithmetic mean because the
    profile demands all three roles at once: a weak role is not bought back by strong ones
    (4, 4, 4 → 4.00 but 5, 5, 2 → 3.68, where an arithmetic mean would give 4.00 for both). Since the
    geometric mean is still partly compensatory, the gate is reported separately: every role ≥ 3.0,
    posture ≥ 3.0 and no criterion < 2.0. A candidate failing it is shown as such whatever the fit,
    with the failing roles (``"posture"`` included) and criteria named. See the module docstring for
    sources.

    Args:
        role_scores: exactly the keys of ``ROLES`` → role score in [1, 5] (from :func:`role_score`),
            or ``None`` when the role has no scored criterion.
        criterion_scores: optional criterion code → criterion score in [1, 5] or ``None`` (NE), for
            the criterion floor; ``None`` scores are ignored by the floor.
        posture_score: the posture and mindset score in [1, 5], or ``None`` without evidence (which
            fails the gate, like a role without a score). Keyword-only and required, so that no
            caller can forget the posture gate.

    Returns:
        A :class:`FitResult`.

    Raises:
        ValueError: if ``role_scores`` lacks a role or has an unknown key, or any score is outside
            [1, 5] or non-numeric.
    """
    keys = set(role_scores)
    missing_keys = [r for r in ROLES if r not in keys]
    unknown_keys = sorted(str(k) for k in keys - set(ROLES))
    if missing_keys or unknown_keys:
        raise ValueError(
            f"role_scores must have exactly the keys {ROLES}; missing {missing_keys}, unknown {unknown_keys}."
        )
    gated = {r: _check_score(role_scores[r], f"The score of role {r!r}") for r in ROLES}
    gated[POSTURE] = _check_score(posture_score, "The posture score")
    criteria = {
        code: _check_score(score, f"The score of criterion {code!r}")
        for code, score in (criterion_scores or {}).items()
    }

    missing_roles = tuple(g for g in GATED if gated[g] is None or gated[g] < ROLE_GATE)  # type: ignore[operator]
    failing_criteria = tuple(
        sorted(code for code, score in criteria.items() if score is not None and score < CRITERION_FLOOR)
    )
    values = [gated[r] for r in ROLES]
    fit = None if any(v is None for v in values) else math.cbrt(math.prod(values))  # type: ignore[arg-type]
    return FitResult(
        fit=fit,
        gate_passed=not missing_roles and not failing_criteria,
        missing_roles=missing_roles,
        failing_criteria=failing_criteria,
    )
