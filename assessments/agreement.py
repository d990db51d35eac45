"""Rater agreement: per-criterion disagreement, per-rater leniency/severity, per-mandate α.

Pure functions, no Django (DESIGN.md §4). The inputs are **one value per rater** — a rater's value
for a criterion is the mean of their evidenced ratings of it over all their scorecards of the
application (``assessments.scoring.rater_value``), so it is an ``int`` 1..5 when they rated once and
may be a fraction such as 7/2 when they rated it in several contexts — or ``None`` for a rater
without evidence ("NE"); NE is excluded everywhere (it is not a disagreement and not a 1). The
criterion score is the mean of the same values (``assessments.scoring.criterion_score``), so the
score and every statistic below read the panel alike: one rater, one voice.

Three levels of reading:

* **One criterion of one candidate** (:func:`disagreement`): the range of the panel's ratings.
  Range ≥ 2 → amber, "discuss the evidence"; range ≥ 3, or (with ≥ 3 ratings) one rater ≥ 2 points
  from all the others → red, "re-observe". The within-group agreement index r_wg (James, L. R.,
  Demaree, R. G. & Wolf, G. (1984). Estimating within-group interrater reliability with and without
  response bias. *Journal of Applied Psychology*, 69(1), 85–98) is given alongside (:func:`rwg`).
  With 2, 3 or 4 raters on the 5-point scale, range ≥ 2 holds exactly when r_wg < .70 (proved by
  exhaustive enumeration in the tests); with 5 or more raters it does not (e.g. 1, 2, 2, 2, 3 has
  range 2 but r_wg = .75).
* **One rater across a mandate** (:func:`rater_bias`): mean signed gap to the rest of the panel;
  more than 0.5 above → lenient, more than 0.5 below → severe.
* **The whole panel across a mandate** (:func:`krippendorff_alpha`): Krippendorff's α at interval
  level, read with Krippendorff's conventions (≥ .800 reliable, .667–.800 tentative conclusions
  only, below that unreliable) — Krippendorff, K. (2004). *Content Analysis: An Introduction to Its
  Methodology*, 2nd ed., Sage, §11.3–11.4. Computed by the ``krippendorff`` package.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import krippendorff
import numpy as np

from assessments.scoring import SCALE_MAX, SCALE_MIN

__all__ = [
    "ALPHA_RELIABLE",
    "ALPHA_TENTATIVE",
    "LEVEL_ADVICE",
    "Disagreement",
    "RaterBias",
    "alpha_reading",
    "check_value",
    "disagreement",
    "krippendorff_alpha",
    "rater_bias",
    "rwg",
]

#: Range from which the panel should discuss the evidence.
AMBER_RANGE: int = 2
#: Range from which the criterion should be re-observed.
RED_RANGE: int = 3
#: Gap (in points) that isolates one rater from all the others (red, with ≥ 3 ratings).
OUTLIER_GAP: int = 2
#: What each disagreement level asks the panel to do.
LEVEL_ADVICE: dict[str, str] = {
    "none": "",
    "amber": "discuss the evidence",
    "red": "re-observe",
}
#: Krippendorff (2004): α ≥ .800 reliable; .667 ≤ α < .800 tentative conclusions only.
ALPHA_RELIABLE: float = 0.800
ALPHA_TENTATIVE: float = 0.667


def check_value(value: object, scale_points: int = SCALE_MAX) -> Fraction | int | None:
    """Validate one rater value and return it exactly (an ``int`` as is, anything else as a
    ``Fraction``), or ``None`` for NE.

    Args:
        value: a finite real number in [1, ``scale_points``] (an integer rating or a rater's mean,
            e.g. ``Fraction(7, 2)``), or ``None``.
        scale_points: the top of the scale (5 by default).

    Raises:
        ValueError: a bool, a non-numeric or non-finite value, or one outside [1, scale_points].
    """
    if value is None:
        return None
    if type(value) is int or type(value) is Fraction:  # fast path: already exact
        if not SCALE_MIN <= value <= scale_points:
            raise ValueError(
                f"A rating must be between {SCALE_MIN} and {scale_points} or None; got {value!r}."
            )
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"A rating must be a number from {SCALE_MIN} to {scale_points} or None; got {value!r}."
        )
    try:
        finite = math.isfinite(value)
    except (TypeError, ValueError):
        finite = False
    if not finite:
        raise ValueError(f"A rating must be a finite number; got {value!r}.")
    exact = Fraction(value) if isinstance(value, numbers.Rational | float) else Fraction(float(value))
    if not SCALE_MIN <= exact <= scale_points:
        raise ValueError(f"A rating must be between {SCALE_MIN} and {scale_points} or None; got {value!r}.")
    return exact


def _present(ratings: Sequence[object]) -> list[Fraction]:
    """Validated rater values (exact) with NE (``None``) removed."""
    return [r for r in (check_value(v) for v in ratings) if r is not None]


def rwg(ratings: Sequence[object], scale_points: int = 5) -> float | None:
    """Within-group agreement r_wg of one item (James, Demaree & Wolf 1984).

    ``r_wg = 1 − s² / σ²_EU`` with ``s²`` the sample variance (denominator n − 1) of the non-NE
    ratings and ``σ²_EU = (A² − 1) / 12`` the variance of the uniform "no agreement" null
    distribution on an A-point scale (2.0 for A = 5).

    The value is returned **raw, not clipped**: it is 1 for perfect agreement and becomes negative
    when the observed variance exceeds the uniform-null variance (e.g. 1, 1, 5 → −1.67). James et
    al. recommend reading negative values as 0 (no agreement); that is left to the display.

    With 3 raters on 5 points, r_wg takes the value 1 (range 0), 5/6 ≈ .833 (range 1) or at most
    1/2 (range ≥ 2), so "range ≥ 2" and "r_wg < .70" select exactly the same triples. The same holds
    for 2 and 4 raters, but not for 5 or more (1, 2, 2, 2, 3: range 2, r_wg = .75).

    Args:
        ratings: one value per rater, a number in [1, ``scale_points``] (an integer rating or a
            rater's mean over several scorecards) or ``None`` (NE, excluded).
        scale_points: number of points A of the scale (≥ 2), default 5.

    Returns:
        r_wg as ``float`` (computed exactly, rounded once), or ``None`` with fewer than 2 non-NE
        values (the sample variance is undefined).

    Raises:
        ValueError: a value outside [1, A], non-numeric or a bool; ``scale_points`` < 2.
    """
    if isinstance(scale_points, bool) or not isinstance(scale_points, numbers.Integral) or scale_points < 2:
        raise ValueError(f"scale_points must be an integer ≥ 2; got {scale_points!r}.")
    values = [v for v in (check_value(r, scale_points) for r in ratings) if v is not None]
    n = len(values)
    if n < 2:
        return None
    # s² = (nΣx² − (Σx)²) / (n(n − 1)), exactly; r_wg = 1 − s² / ((A² − 1) / 12).
    total, squares = sum(values), sum(v * v for v in values)
    sample_variance = Fraction(n * squares - total * total) / (n * (n - 1))
    null_variance = Fraction(scale_points * scale_points - 1, 12)
    return float(1 - sample_variance / null_variance)


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Disagreement of the panel on one criterion of one candidate.

    Attributes:
        n_ratings: number of raters with a (non-NE) value.
        range: max − min of the raters' values (``int`` when they are whole, else ``float``),
            ``None`` with fewer than 2.
        outlier: ``True`` when there are ≥ 3 ratings and one rater is ≥ 2 points from every other.
        level: "none", "amber" (range ≥ 2) or "red" (range ≥ 3, or ``outlier``).
        rwg: r_wg on the 5-point scale (raw, may be negative), ``None`` with fewer than 2 ratings.
    """

    n_ratings: int
    range: int | float | None
    outlier: bool
    level: str
    rwg: float | None

    @property
    def advice(self) -> str:
        """What the level asks for: "", "discuss the evidence" or "re-observe"."""
        return LEVEL_ADVICE[self.level]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the fields plus ``advice``."""
        return {
            "n_ratings": self.n_ratings,
            "range": self.range,
            "outlier": self.outlier,
            "level": self.level,
            "rwg": self.rwg,
            "advice": self.advice,
        }


def disagreement(ratings: Sequence[object]) -> Disagreement:
    """Disagreement level of ONE criterion across the panel's raters.

    Rules (DESIGN.md §4): range ≥ 2 → "amber" (discuss the evidence); range ≥ 3, or — with at least
    3 non-NE ratings — one rater ≥ 2 points away from *all* the others → "red" (re-observe);
    otherwise "none". NE ratings are excluded; with fewer than 2 ratings there is nothing to compare
    (range ``None``, level "none").

    Note that with 3 raters the outlier rule makes 1, 1, 3 and 1, 3, 3 red while 1, 2, 3 stays amber:
    same range, but in the first two one rater stands alone.

    Args:
        ratings: one value per rater (``assessments.scoring.rater_value``: an integer rating, or
            the exact mean of a rater's ratings over several scorecards) or ``None`` (NE).

    Returns:
        A :class:`Disagreement` (also carrying r_wg, see :func:`rwg`).

    Raises:
        ValueError: a value outside [1, 5], non-numeric or a bool.
    """
    values = _present(ratings)
    n = len(values)
    if n < 2:
        return Disagreement(n_ratings=n, range=None, outlier=False, level="none", rwg=None)
    spread = max(values) - min(values)
    outlier = n >= 3 and any(
        all(abs(v - other) >= OUTLIER_GAP for j, other in enumerate(values) if j != i)
        for i, v in enumerate(values)
    )
    if spread >= RED_RANGE or outlier:
        level = "red"
    elif spread >= AMBER_RANGE:
        level = "amber"
    else:
        level = "none"
    whole = spread.denominator == 1
    return Disagreement(
        n_ratings=n,
        range=int(spread) if whole else float(spread),
        outlier=outlier,
        level=level,
        rwg=rwg(values),
    )


@dataclass(frozen=True, slots=True)
class RaterBias:
    """Leniency/severity of one rater relative to the rest of the panel.

    Attributes:
        rater: the rater key as given.
        n_ratings: number of the rater's non-NE ratings.
        n_compared: number of those ratings on items that at least one other rater also rated (non-NE);
            only these enter the mean.
        mean_deviation: mean over compared items of (rating − mean of the other raters' ratings), in
            points on the 1–5 scale; ``None`` when ``n_compared`` is 0. Given even when not
            ``sufficient``, for information only.
        sufficient: ``n_compared ≥ min_ratings``.
        flag: "lenient" (mean_deviation > +threshold), "severe" (< −threshold) or ``None``
            (within the threshold, or not ``sufficient``).
    """

    rater: Hashable
    n_ratings: int
    n_compared: int
    mean_deviation: float | None
    sufficient: bool
    flag: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``rater`` as ``str``)."""
        return {
            "rater": str(self.rater),
            "n_ratings": self.n_ratings,
            "n_compared": self.n_compared,
            "mean_deviation": self.mean_deviation,
            "sufficient": self.sufficient,
            "flag": self.flag,
        }


def rater_bias(
    ratings_by_rater: Mapping[Hashable, Mapping[Hashable, object]],
    *,
    min_ratings: int = 10,
    threshold: float = 0.5,
) -> dict[Hashable, RaterBias]:
    """Leniency/severity of each rater over a mandate.

    For each rater and each item (e.g. ``(application_id, criterion_code)``) that the rater rated and
    at least one other rater also rated, the deviation is (their rating − mean of the OTHER raters'
    ratings on that item). NE ratings are ignored on both sides. The rater's ``mean_deviation`` is
    the mean of those deviations (computed exactly, rounded once, so a mean of exactly 0.5 is not
    flagged). A rater is judged only over ``min_ratings`` or more *compared* ratings: a rating that
    nobody else gave on the same item says nothing about leniency.

    Args:
        ratings_by_rater: rater → (item id → the rater's value on that item: a number in [1, 5],
            one value per rater and item as for :func:`disagreement`, or ``None`` for NE).
        min_ratings: minimum number of compared ratings before flagging (default 10, ≥ 1).
        threshold: flag when the mean deviation is strictly beyond ±threshold points (default 0.5, ≥ 0).

    Returns:
        rater → :class:`RaterBias`, for every rater given (same order).

    Raises:
        ValueError: a value outside [1, 5], non-numeric or a bool; ``min_ratings`` < 1;
            ``threshold`` negative or non-numeric.
    """
    if isinstance(min_ratings, bool) or not isinstance(min_ratings, numbers.Integral) or min_ratings < 1:
        raise ValueError(f"min_ratings must be an integer ≥ 1; got {min_ratings!r}.")
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Real)
        or not math.isfinite(threshold)
        or threshold < 0
    ):
        raise ValueError(f"threshold must be a finite number ≥ 0; got {threshold!r}.")
    limit = Fraction(threshold)

    clean: dict[Hashable, dict[Hashable, Fraction | int]] = {}
    by_item: dict[Hashable, dict[Hashable, Fraction | int]] = {}
    for rater, items in ratings_by_rater.items():
        clean[rater] = {}
        for item, value in items.items():
            rating = check_value(value)
            if rating is not None:
                clean[rater][item] = rating
                by_item.setdefault(item, {})[rater] = rating

    # Per item: the sum and count of its values, so "the others" are (sum − own) / (count − 1).
    totals = {item: (sum(values.values(), 0), len(values)) for item, values in by_item.items()}
    result: dict[Hashable, RaterBias] = {}
    for rater, items in clean.items():
        # Σ deviations as one exact fraction: each deviation is (own·(k−1) − (S − own)) / (k−1).
        numerator_by_denominator: dict[int, Fraction | int] = {}
        n_compared = 0
        for item, rating in items.items():
            total, count = totals[item]
            if count < 2:
                continue
            n_compared += 1
            others = count - 1
            numerator_by_denominator[others] = (
                numerator_by_denominator.get(others, 0) + rating * others - (total - rating)
            )
        deviation_sum = sum(
            (Fraction(num) / den for den, num in numerator_by_denominator.items()), Fraction(0)
        )
        mean = deviation_sum / n_compared if n_compared else None
        sufficient = n_compared >= min_ratings
        flag = None
        if sufficient and mean is not None:
            if mean > limit:
                flag = "lenient"
            elif mean < -limit:
                flag = "severe"
        result[rater] = RaterBias(
            rater=rater,
            n_ratings=len(items),
            n_compared=n_compared,
            mean_deviation=None if mean is None else float(mean),
            sufficient=sufficient,
            flag=flag,
        )
    return result


def krippendorff_alpha(reliability_data: Sequence[Sequence[int | float | None]]) -> float | None:
    """Krippendorff's α at the interval level for a raters × units matrix.

    ``α = 1 − D_o / D_e`` where, from the coincidence matrix o_ck of pairable values (values in units
    rated by at least two raters; each ordered pair of values from different raters in unit u adds
    1 / (m_u − 1)), n_c = Σ_k o_ck, n = Σ_c n_c:
    ``D_o = (1/n) Σ_c Σ_k o_ck (c − k)²`` and ``D_e = 1/(n(n − 1)) Σ_c Σ_k n_c n_k (c − k)²``
    (Krippendorff 2004, §11.3). Computed by the ``krippendorff`` package
    (``krippendorff.alpha(reliability_data=..., level_of_measurement="interval")``).

    Args:
        reliability_data: one row per rater, one column per unit (e.g. per application × criterion),
            every row the same length; a cell is a finite number (ratings are ints 1..5) or ``None``
            for missing/NE.

    Returns:
        α as ``float`` (1 = perfect agreement, 0 = chance level, negative = systematic disagreement),
        or ``None`` when α is undefined: no unit rated by two or more raters (fewer than 2 pairable
        values), or no variation among the pairable values (D_e = 0 — this includes a panel that
        agrees perfectly on a single value everywhere: 0/0, not 1).

    Raises:
        ValueError: ragged rows, or a cell that is neither a finite number nor ``None`` (bools too).
    """
    rows = [list(row) for row in reliability_data]
    if rows and any(len(row) != len(rows[0]) for row in rows):
        raise ValueError(
            "reliability_data must be a rectangular raters × units matrix (all rows the same length)."
        )
    matrix: list[list[float]] = []
    for i, row in enumerate(rows):
        out_row: list[float] = []
        for j, cell in enumerate(row):
            if cell is None:
                out_row.append(math.nan)
                continue
            if isinstance(cell, bool) or not isinstance(cell, numbers.Real) or not math.isfinite(cell):
                raise ValueError(f"Cell (rater {i}, unit {j}) must be a finite number or None; got {cell!r}.")
            out_row.append(float(cell))
        matrix.append(out_row)

    n_units = len(matrix[0]) if matrix else 0
    pairable: list[float] = []
    for j in range(n_units):
        column = [row[j] for row in matrix if not math.isnan(row[j])]
        if len(column) >= 2:
            pairable.extend(column)
    if len(pairable) < 2 or len(set(pairable)) < 2:
        return None

    data = np.array(matrix, dtype=float)
    try:
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            alpha = float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval"))
    except ValueError:
        # The package raises when α is undefined; the checks above should already have caught it.
        return None
    return None if math.isnan(alpha) else alpha


def alpha_reading(alpha: float | None) -> str:
    """Krippendorff's (2004) reading of α.

    Returns:
        "reliable" for α ≥ .800; "tentative" for .667 ≤ α < .800 (tentative conclusions only);
        "unreliable" below .667; "undefined" for ``None`` (or NaN).
    """
    if alpha is None or math.isnan(alpha):
        return "undefined"
    if alpha >= ALPHA_RELIABLE:
        return "reliable"
    if alpha >= ALPHA_TENTATIVE:
        return "tentative"
    return "unreliable"
