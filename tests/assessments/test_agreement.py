"""Tests for assessments.agreement (pure: no database, no Django)."""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction as F

import krippendorff
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.agreement import (
    LEVEL_ADVICE,
    Disagreement,
    RaterBias,
    alpha_reading,
    disagreement,
    krippendorff_alpha,
    rater_bias,
    rwg,
)

# --- disagreement on one criterion ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratings", "range_", "level", "outlier"),
    [
        ([3, 3, 3], 0, "none", False),
        ([3, 4, 4], 1, "none", False),
        ([2, 3, 4], 2, "amber", False),  # middle rater 1 point from each: nobody isolated
        ([1, 3, 3], 2, "red", True),  # 1 is ≥ 2 from both others
        ([1, 1, 3], 2, "red", True),  # 3 is ≥ 2 from both others
        ([2, 5, 4], 3, "red", True),  # range 3 → red (2 is also isolated)
        ([1, 4], 3, "red", False),  # two raters: the range rule alone
        ([2, 4], 2, "amber", False),  # two raters: the outlier rule needs ≥ 3 ratings
        ([2, 3, 3, 4], 2, "amber", False),
        ([2, 4, 4, 4], 2, "red", True),
        ([1, 1, 3, 3], 2, "amber", False),  # two camps, nobody alone
        ([1, 5], 4, "red", False),
    ],
)
def test_disagreement_levels(ratings, range_, level, outlier):
    result = disagreement(ratings)
    assert result.range == range_
    assert result.level == level
    assert result.outlier is outlier
    assert result.n_ratings == len(ratings)


def test_disagreement_excludes_ne():
    result = disagreement([1, None, 3, None])
    assert (result.n_ratings, result.range, result.level, result.outlier) == (2, 2, "amber", False)


@pytest.mark.parametrize("ratings", [[], [None], [4], [4, None, None]])
def test_disagreement_needs_two_ratings(ratings):
    result = disagreement(ratings)
    assert result.range is None
    assert result.level == "none"
    assert result.rwg is None


def test_disagreement_advice_and_to_dict():
    assert LEVEL_ADVICE["amber"] == "discuss the evidence"
    assert LEVEL_ADVICE["red"] == "re-observe"
    assert disagreement([2, 3, 4]).advice == "discuss the evidence"
    result = disagreement([1, 1, 3])
    assert isinstance(result, Disagreement)
    data = result.to_dict()
    assert data["advice"] == "re-observe"
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize("bad", [[0, 3], [3, 6], [3, 5.5], [True, 3], ["3", 3], [math.inf, 3]])
def test_disagreement_rejects_bad_ratings(bad):
    with pytest.raises(ValueError):
        disagreement(bad)


def test_disagreement_reads_raters_values_which_may_be_means():
    """A rater who rated a criterion 5 and 4 in two sessions has the value 9/2: the range to a rater
    at 2 is 2.5 (amber ≥ 2); with a third rater at 5 the range is 3 (red, and 2 stands alone)."""
    result = disagreement([F(9, 2), 2])
    assert result.range == 2.5
    assert result.level == "amber"
    three = disagreement([F(9, 2), 2, 5])
    assert three.range == 3 and isinstance(three.range, int)
    assert three.level == "red"
    assert disagreement([F(7, 2), 3, 4]).level == "none"
    # r_wg on the values: s² of (3.5, 3, 4) = 0.25 → 1 − 0.25 / 2 = 0.875
    assert disagreement([F(7, 2), 3, 4]).rwg == pytest.approx(0.875)


@given(st.lists(st.one_of(st.none(), st.integers(1, 5)), max_size=8))
def test_disagreement_property_levels_are_monotone_in_range(ratings):
    result = disagreement(ratings)
    if result.range is None:
        assert result.level == "none"
    elif result.range >= 3:
        assert result.level == "red"
    elif result.range == 2:
        assert result.level in ("amber", "red")
    else:
        assert result.level == "none"


# --- r_wg ------------------------------------------------------------------------------------------


def test_rwg_hand_values():
    # σ²_EU = (5² − 1)/12 = 2.
    assert rwg([3, 3, 3]) == 1.0
    # 3, 3, 4: mean 10/3, SS = 1/9 + 1/9 + 4/9 = 2/3, s² = (2/3)/2 = 1/3 → 1 − (1/3)/2 = 5/6
    assert rwg([3, 3, 4]) == pytest.approx(5 / 6)
    # 2, 3, 4: s² = 1 → 1 − 1/2 = 0.5
    assert rwg([2, 3, 4]) == pytest.approx(0.5)
    # 1, 1, 5: mean 7/3, SS = 16/9 + 16/9 + 64/9 = 96/9, s² = 48/9 = 16/3 → 1 − 8/3 = −5/3 (raw, not clipped)
    assert rwg([1, 1, 5]) == pytest.approx(-5 / 3)
    # 7-point scale: σ²_EU = 48/12 = 4; 2, 4: s² = 2 → 0.5
    assert rwg([2, 4], scale_points=7) == pytest.approx(0.5)


def test_rwg_none_below_two_ratings_and_ne_excluded():
    assert rwg([]) is None
    assert rwg([4]) is None
    assert rwg([4, None]) is None
    assert rwg([4, None, 4]) == 1.0


@pytest.mark.parametrize(
    ("ratings", "scale"), [([0, 3], 5), ([6, 3], 5), ([5.5, 3], 5), ([True, 3], 5), ([3, 3], 1)]
)
def test_rwg_errors(ratings, scale):
    with pytest.raises(ValueError):
        rwg(ratings, scale_points=scale)


def test_range_2_is_exactly_rwg_below_070_for_all_125_triples():
    """DESIGN.md §4 claim: with 3 raters on 5 points, range ≥ 2 ⇔ r_wg < .70 (James et al. 1984)."""
    triples = list(itertools.product(range(1, 6), repeat=3))
    assert len(triples) == 125
    for triple in triples:
        spread = max(triple) - min(triple)
        assert (spread >= 2) == (rwg(triple) < 0.70), triple
    # Why it holds: r_wg only takes 1 (range 0) or 5/6 (range 1) when range < 2, and at most 1/2 when
    # range ≥ 2, so any cut-off in (.5, .833] would do.
    below = {round(rwg(t), 12) for t in triples if max(t) - min(t) < 2}
    assert below == {1.0, round(5 / 6, 12)}
    assert max(rwg(t) for t in triples if max(t) - min(t) >= 2) == pytest.approx(0.5)


@pytest.mark.parametrize("n_raters", [2, 3, 4])
def test_range_2_is_exactly_rwg_below_070_for_2_to_4_raters(n_raters):
    for ratings in itertools.product(range(1, 6), repeat=n_raters):
        assert (max(ratings) - min(ratings) >= 2) == (rwg(ratings) < 0.70), ratings


def test_the_equivalence_fails_from_5_raters():
    # 1, 2, 2, 2, 3: mean 2, SS = 2, s² = 2/4 = 0.5 → r_wg = 1 − 0.5/2 = 0.75 although the range is 2.
    assert rwg([1, 2, 2, 2, 3]) == pytest.approx(0.75)
    assert disagreement([1, 2, 2, 2, 3]).level == "amber"


# --- rater bias ------------------------------------------------------------------------------------


def _panel(n_items: int, offsets: dict[str, int], base: int = 3) -> dict[str, dict[tuple, int]]:
    return {rater: {(app, "C1"): base + off for app in range(n_items)} for rater, off in offsets.items()}


def test_rater_bias_lenient_and_severe():
    # A rates 4, B rates 3, C rates 2 on 10 shared items.
    # A − mean(B, C) = 4 − 2.5 = +1.5; B − mean(A, C) = 3 − 3 = 0; C − mean(A, B) = 2 − 3.5 = −1.5.
    result = rater_bias(_panel(10, {"A": 1, "B": 0, "C": -1}))
    assert list(result) == ["A", "B", "C"]
    assert result["A"].mean_deviation == 1.5 and result["A"].flag == "lenient"
    assert result["B"].mean_deviation == 0.0 and result["B"].flag is None
    assert result["C"].mean_deviation == -1.5 and result["C"].flag == "severe"
    assert all(r.sufficient for r in result.values())
    assert result["A"].n_ratings == result["A"].n_compared == 10


def test_rater_bias_threshold_is_strict():
    # A is 1 above B on half the items and level on the others: mean exactly +0.5, not "more than 0.5".
    panel = {
        "A": {i: (4 if i % 2 else 3) for i in range(10)},
        "B": dict.fromkeys(range(10), 3),
    }
    result = rater_bias(panel)
    assert result["A"].mean_deviation == 0.5
    assert result["A"].flag is None
    assert result["B"].mean_deviation == -0.5
    assert result["B"].flag is None
    assert rater_bias(panel, threshold=0.4)["A"].flag == "lenient"


def test_rater_bias_below_min_ratings_is_not_flagged():
    result = rater_bias(_panel(9, {"A": 2, "B": 0}))
    assert result["A"].sufficient is False
    assert result["A"].flag is None
    assert result["A"].mean_deviation == 2.0  # shown for information only
    assert rater_bias(_panel(9, {"A": 2, "B": 0}), min_ratings=9)["A"].flag == "lenient"


def test_rater_bias_ignores_ne_and_items_nobody_else_rated():
    panel = {
        "A": {**dict.fromkeys(range(10), 5), 100: 1, 101: None},  # item 100: only A rated it
        "B": {**dict.fromkeys(range(10), 4), 101: 1},  # item 101: A gave NE
        "C": dict.fromkeys(range(10)),  # only NE
    }
    result = rater_bias(panel)
    assert (result["A"].n_ratings, result["A"].n_compared) == (11, 10)
    assert result["A"].mean_deviation == 1.0 and result["A"].flag == "lenient"
    assert (result["B"].n_ratings, result["B"].n_compared) == (11, 10)
    assert result["B"].flag == "severe"
    assert result["C"].n_ratings == 0
    assert result["C"].mean_deviation is None
    assert result["C"].flag is None and result["C"].sufficient is False


def test_rater_bias_counts_only_compared_ratings_towards_min_ratings():
    # A has 12 ratings but shares only 3 items with the panel: not enough to judge.
    panel = {"A": dict.fromkeys(range(12), 5), "B": dict.fromkeys(range(3), 2)}
    result = rater_bias(panel)
    assert (result["A"].n_ratings, result["A"].n_compared) == (12, 3)
    assert result["A"].sufficient is False and result["A"].flag is None


def test_rater_bias_items_are_tuples_and_to_dict():
    panel = {
        "ceo": {(1, "CON-1"): 5, (1, "BP-1"): 4},
        "recruiter": {(1, "CON-1"): 3, (1, "BP-1"): 4},
    }
    result = rater_bias(panel, min_ratings=2)
    assert result["ceo"].mean_deviation == 1.0
    assert isinstance(result["ceo"], RaterBias)
    data = result["ceo"].to_dict()
    assert data == {
        "rater": "ceo",
        "n_ratings": 2,
        "n_compared": 2,
        "mean_deviation": 1.0,
        "sufficient": True,
        "flag": "lenient",
    }


@pytest.mark.parametrize(
    "kwargs", [{"min_ratings": 0}, {"min_ratings": 1.5}, {"threshold": -0.1}, {"threshold": "x"}]
)
def test_rater_bias_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        rater_bias({"A": {1: 3}}, **kwargs)


def test_rater_bias_rejects_bad_ratings():
    with pytest.raises(ValueError):
        rater_bias({"A": {1: 7}})


@given(
    st.dictionaries(
        st.sampled_from(["A", "B", "C", "D"]),
        st.dictionaries(st.integers(0, 15), st.one_of(st.none(), st.integers(1, 5))),
    )
)
def test_rater_bias_property_deviation_bounds(panel):
    for bias in rater_bias(panel, min_ratings=1).values():
        if bias.mean_deviation is None:
            assert bias.n_compared == 0 and bias.flag is None
        else:
            assert -4 <= bias.mean_deviation <= 4


# --- Krippendorff's alpha --------------------------------------------------------------------------


def test_alpha_hand_computed_interval_case():
    """α = 1 − D_o / D_e from the coincidence matrix (Krippendorff 2004, §11.3), interval metric δ² = (c − k)².

    Raters × units (None = missing):
        A: 1  2  3  3
        B: 1  3  3  –
        C: –  2  4  3
    Units: u1 = {1, 1} (m = 2), u2 = {2, 3, 2} (m = 3), u3 = {3, 3, 4} (m = 3), u4 = {3, 3} (m = 2).
    Each ordered pair of values from different raters in unit u adds 1/(m_u − 1) to o_ck:
        u1: (1,1)×2 / 1                       → o11 += 2
        u2: (2,2)×2, (2,3)×2, (3,2)×2 / 2     → o22 += 1, o23 += 1, o32 += 1
        u3: (3,3)×2, (3,4)×2, (4,3)×2 / 2     → o33 += 1, o34 += 1, o43 += 1
        u4: (3,3)×2 / 1                       → o33 += 2
    o11 = 2, o22 = 1, o23 = o32 = 1, o33 = 3, o34 = o43 = 1.
    Marginals n_1 = 2, n_2 = 2, n_3 = 5, n_4 = 1; n = 10 pairable values.
    D_o = (1/n) Σ o_ck (c − k)² = (1/10)(o23 + o32 + o34 + o43) = 4/10.
    D_e = 1/(n(n − 1)) Σ_c Σ_k n_c n_k (c − k)², with the c < k terms
        (1,2) 2·2·1 = 4, (1,3) 2·5·4 = 40, (1,4) 2·1·9 = 18, (2,3) 2·5·1 = 10, (2,4) 2·1·4 = 8, (3,4) 5·1·1 = 5
        → Σ = 2 · 85 = 170, D_e = 170/90 = 17/9.
    α = 1 − (4/10)/(17/9) = 1 − 36/170 = 67/85 ≈ 0.7882 → "tentative".
    """
    data = [[1, 2, 3, 3], [1, 3, 3, None], [None, 2, 4, 3]]

    o = {(1, 1): F(2), (2, 2): F(1), (2, 3): F(1), (3, 2): F(1), (3, 3): F(3), (3, 4): F(1), (4, 3): F(1)}
    n_c = {c: sum(v for (a, _), v in o.items() if a == c) for c in (1, 2, 3, 4)}
    assert n_c == {1: 2, 2: 2, 3: 5, 4: 1}
    n = sum(n_c.values())
    d_o = sum(v * (c - k) ** 2 for (c, k), v in o.items()) / n
    d_e = sum(n_c[c] * n_c[k] * (c - k) ** 2 for c in n_c for k in n_c) / F(n * (n - 1))
    assert (d_o, d_e) == (F(4, 10), F(17, 9))
    expected = 1 - d_o / d_e
    assert expected == F(67, 85)

    alpha = krippendorff_alpha(data)
    assert alpha == pytest.approx(float(expected), abs=1e-12)
    # … and it is the package's value.
    package = krippendorff.alpha(
        reliability_data=np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float),
        level_of_measurement="interval",
    )
    assert alpha == pytest.approx(package, abs=1e-12)
    assert alpha_reading(alpha) == "tentative"


def test_alpha_perfect_agreement_is_one():
    assert krippendorff_alpha([[1, 2, 3, 5], [1, 2, 3, 5], [1, None, 3, 5]]) == pytest.approx(1.0)


def test_alpha_single_unit_two_different_values_is_zero():
    # o12 = o21 = 1, n = 2: D_o = 2/2 = 1, D_e = (2·1·1·1)/(2·1) = 1 → α = 0.
    assert krippendorff_alpha([[1], [2]]) == pytest.approx(0.0)


def test_alpha_systematic_disagreement_is_negative():
    assert krippendorff_alpha([[1, 5, 1, 5], [5, 1, 5, 1]]) < 0


@pytest.mark.parametrize(
    "data",
    [
        [],  # nothing at all
        [[1, 2, 3]],  # one rater: no unit is pairable
        [[1, None], [None, 2]],  # two raters who never rated the same unit
        [[3, 3, 3], [3, 3, 3]],  # no variation: D_e = 0, α = 0/0
        [[1, 1, None], [1, 1, 2]],  # the only variation is in an unpairable unit
        [[None, None], [None, None]],
    ],
)
def test_alpha_undefined_is_none(data):
    assert krippendorff_alpha(data) is None


@pytest.mark.parametrize(
    "data", [[[1, 2], [1]], [[1, "2"], [1, 2]], [[1, True], [1, 2]], [[1, math.nan], [1, 2]]]
)
def test_alpha_bad_input(data):
    with pytest.raises(ValueError):
        krippendorff_alpha(data)


@pytest.mark.parametrize(
    ("alpha", "reading"),
    [
        (1.0, "reliable"),
        (0.8, "reliable"),
        (0.7999, "tentative"),
        (0.667, "tentative"),
        (0.6669, "unreliable"),
        (0.0, "unreliable"),
        (-0.5, "unreliable"),
        (None, "undefined"),
        (math.nan, "undefined"),
    ],
)
def test_alpha_reading(alpha, reading):
    assert alpha_reading(alpha) == reading
