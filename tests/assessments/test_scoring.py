"""Tests for assessments.scoring (pure: no database, no Django)."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.scoring import (
    CRITERION_FLOOR,
    GATED,
    ROLE_GATE,
    ROLES,
    SCALE_MAX,
    SCALE_MIN,
    FitResult,
    check_rating,
    criterion_score,
    exact_mean,
    overall_fit,
    rater_value,
    role_score,
    to_100,
)

ratings = st.one_of(st.none(), st.integers(min_value=1, max_value=5))
scores = st.floats(min_value=1.0, max_value=5.0, allow_nan=False)


def roles(c: float | None, b: float | None, e: float | None) -> dict[str, float | None]:
    return {"conductor": c, "business_partner": b, "entrepreneur": e}


# --- constants -----------------------------------------------------------------------------------


def test_constants():
    assert ROLES == ("conductor", "business_partner", "entrepreneur")
    assert GATED == ("conductor", "business_partner", "entrepreneur", "posture")
    assert ROLE_GATE == 3.0
    assert CRITERION_FLOOR == 2.0
    assert (SCALE_MIN, SCALE_MAX) == (1, 5)


# --- ratings and criterion score -----------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 2, 3, 4, 5, np.int64(4)])
def test_check_rating_accepts_integers_1_to_5(value):
    assert check_rating(value) == int(value)
    assert type(check_rating(value)) is int


def test_check_rating_none_is_no_evidence():
    assert check_rating(None) is None


@pytest.mark.parametrize("value", [0, 6, -1, 3.0, 2.5, "3", True, False, Decimal(3), Fraction(3), [3]])
def test_check_rating_rejects_bad_values(value):
    with pytest.raises(ValueError, match="rating"):
        check_rating(value)


def test_criterion_score_is_mean_of_ratings_with_evidence():
    assert criterion_score([4, 5]) == 4.5
    assert criterion_score([3]) == 3.0
    assert criterion_score([1, 2, 4]) == pytest.approx(7 / 3)


def test_criterion_score_excludes_ne_never_counts_it_as_1():
    assert criterion_score([4, None, 5]) == 4.5
    assert criterion_score([5, None, None]) == 5.0


@pytest.mark.parametrize("values", [[], [None], [None, None, None]])
def test_criterion_score_without_evidence_is_none(values):
    assert criterion_score(values) is None


def test_criterion_score_accepts_any_iterable():
    assert criterion_score(r for r in (2, None, 4)) == 3.0


@pytest.mark.parametrize("bad", [[3, 0], [3, 6], [3, 5.5], [True], ["5"], [math.nan], [Fraction(1, 2)]])
def test_criterion_score_rejects_values_outside_the_scale(bad):
    with pytest.raises(ValueError):
        criterion_score(bad)


def test_criterion_score_takes_raters_values_which_may_be_fractions():
    assert criterion_score([Fraction(7, 2), 4]) == 3.75
    assert criterion_score([Fraction(10, 3), Fraction(8, 3)]) == 3.0  # exact: no 2.9999999999999996


def test_rater_value_is_the_exact_mean_of_one_raters_evidenced_ratings():
    assert rater_value([4, None, 5]) == Fraction(9, 2)
    assert rater_value([1, 1, 2]) == Fraction(4, 3)
    assert rater_value([None, None]) is None
    assert rater_value([]) is None
    with pytest.raises(ValueError):
        rater_value([3, 3.5])  # a rating is an integer


def test_one_rater_one_voice_against_pooling_every_rating():
    """The case of the issue: A rates 5 and B rates 4 at screening, the CEO rates 1 in each of four
    working sessions. Pooled, the CEO's four scorecards outweigh the panel (13/6 = 2.17); per rater,
    each rater counts once (mean of 5, 4 and 1 = 10/3 = 3.33)."""
    a, b, ceo = [5], [4], [1, 1, 1, 1]
    pooled = sum(a + b + ceo) / len(a + b + ceo)
    assert round(pooled, 2) == 2.17
    per_rater = criterion_score([rater_value(a), rater_value(b), rater_value(ceo)])
    assert per_rater == pytest.approx(10 / 3)
    assert round(per_rater, 2) == 3.33


def test_exact_mean():
    assert exact_mean([1, 2, None, Fraction(1, 2)]) == Fraction(7, 6)
    assert exact_mean([]) is None
    with pytest.raises(ValueError):
        exact_mean([True])


@given(st.lists(ratings, max_size=12))
def test_criterion_score_property_bounds(values):
    result = criterion_score(values)
    present = [v for v in values if v is not None]
    if not present:
        assert result is None
    else:
        assert min(present) <= result <= max(present)
        assert result == pytest.approx(sum(present) / len(present))


# --- role score ------------------------------------------------------------------------------------


def test_role_score_equal_weights_by_default():
    assert role_score({"C1": 4.0, "C2": 2.0, "C3": 3.0}) == 3.0


def test_role_score_skips_criteria_without_score():
    assert role_score({"C1": 4.0, "C2": None, "C3": 5.0}) == 4.5


def test_role_score_weighted_mean():
    # (4·2 + 1·1) / (2 + 1) = 9 / 3 = 3
    assert role_score({"C1": 4.0, "C2": 1.0}, {"C1": 2, "C2": 1}) == 3.0
    # (5·0.25 + 3·0.75) / 1 = 3.5
    assert role_score({"C1": 5.0, "C2": 3.0}, {"C1": 0.25, "C2": 0.75}) == 3.5


def test_role_score_weights_of_skipped_criteria_are_not_counted():
    # C2 has no evidence: the mean is over C1 and C3 only, (4·1 + 2·3) / 4 = 2.5
    assert role_score({"C1": 4.0, "C2": None, "C3": 2.0}, {"C1": 1, "C2": 10, "C3": 3}) == 2.5


def test_role_score_zero_weight_removes_criterion():
    assert role_score({"C1": 4.0, "C2": 1.0}, {"C1": 1, "C2": 0}) == 4.0


def test_role_score_is_exact_so_the_gate_never_fails_on_rounding():
    # 0.1·3 + 0.2·3 + 0.7·3 in floats is not exactly 3.0; the exact computation is.
    assert role_score({"a": 3.0, "b": 3.0, "c": 3.0}, {"a": 0.1, "b": 0.2, "c": 0.7}) == 3.0


@pytest.mark.parametrize(
    ("scores_", "weights"),
    [
        ({}, None),
        ({"C1": None}, None),
        ({"C1": None, "C2": None}, {"C1": 1, "C2": 1}),
        ({"C1": 4.0}, {"C1": 0}),
    ],
)
def test_role_score_none_when_nothing_to_average(scores_, weights):
    assert role_score(scores_, weights) is None


def test_role_score_negative_weight_is_an_error():
    with pytest.raises(ValueError, match="negative"):
        role_score({"C1": 4.0, "C2": 3.0}, {"C1": 1, "C2": -1})


@pytest.mark.parametrize("weight", [math.nan, math.inf, "1", True, None])
def test_role_score_non_numeric_weight_is_an_error(weight):
    with pytest.raises(ValueError, match="weight"):
        role_score({"C1": 4.0}, {"C1": weight})


def test_role_score_missing_weight_for_a_scored_criterion_is_an_error():
    with pytest.raises(ValueError, match="No weight"):
        role_score({"C1": 4.0, "C2": 3.0}, {"C1": 1})


def test_role_score_missing_weight_for_an_unscored_criterion_is_fine():
    assert role_score({"C1": 4.0, "C2": None}, {"C1": 1}) == 4.0


@pytest.mark.parametrize("bad", [0.5, 5.5, math.nan, "4", True])
def test_role_score_rejects_scores_outside_scale(bad):
    with pytest.raises(ValueError):
        role_score({"C1": bad})


@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]),
        st.tuples(st.one_of(st.none(), scores), st.floats(min_value=0, max_value=10, allow_nan=False)),
    )
)
def test_role_score_property_between_min_and_max(data):
    scores_ = {k: s for k, (s, _) in data.items()}
    weights = {k: w for k, (_, w) in data.items()}
    result = role_score(scores_, weights)
    used = [s for k, s in scores_.items() if s is not None and weights[k] > 0]
    if not used:
        assert result is None
    else:
        assert min(used) <= result <= max(used)


# --- 0–100 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"), [(1, 0.0), (2, 25.0), (3, 50.0), (4, 75.0), (5, 100.0), (3.68, 67.0)]
)
def test_to_100(score, expected):
    assert to_100(score) == pytest.approx(expected)


@pytest.mark.parametrize("bad", [0.99, 5.01, None, math.nan, "3"])
def test_to_100_rejects_values_outside_scale(bad):
    with pytest.raises(ValueError):
        to_100(bad)


# --- overall fit and gate ----------------------------------------------------------------------------


def test_fit_444_is_exactly_4():
    result = overall_fit(roles(4, 4, 4), posture_score=4)
    assert result.fit == 4.0
    assert round(result.fit, 2) == 4.00
    assert result.gate_passed is True
    assert result.missing_roles == ()
    assert result.failing_criteria == ()


def test_fit_552_is_3_68_and_fails_the_gate_naming_the_role():
    result = overall_fit(roles(5, 5, 2), posture_score=4)
    # (5 · 5 · 2)^(1/3) = 50^(1/3) = 3.6840314986…
    assert result.fit == pytest.approx(50 ** (1 / 3))
    assert result.fit == pytest.approx(3.684, abs=5e-4)
    assert round(result.fit, 2) == 3.68
    assert result.gate_passed is False
    assert result.missing_roles == ("entrepreneur",)


def test_geometric_mean_is_less_compensatory_than_arithmetic_mean():
    # Same arithmetic mean (4.0), the unbalanced profile scores lower.
    assert overall_fit(roles(5, 5, 2), posture_score=4).fit < overall_fit(roles(4, 4, 4), posture_score=4).fit


def test_gate_boundary_role_exactly_3_passes():
    result = overall_fit(roles(3.0, 3.0, 3.0), posture_score=4)
    assert result.gate_passed is True
    assert result.fit == pytest.approx(3.0)


def test_gate_fails_on_a_criterion_under_2_even_when_roles_pass():
    result = overall_fit(
        roles(4, 4, 4), {"ENT-2": 1.5, "BP-1": 4.0, "CON-3": 1.0, "CON-1": 2.0, "X": None}, posture_score=4
    )
    assert result.fit == 4.0
    assert result.gate_passed is False
    assert result.missing_roles == ()
    assert result.failing_criteria == ("CON-3", "ENT-2")  # sorted; 2.0 exactly is not failing, None ignored


def test_missing_roles_in_roles_order():
    result = overall_fit(roles(2.9, 4, 1), posture_score=4)
    assert result.missing_roles == ("conductor", "entrepreneur")
    assert result.gate_passed is False


def test_role_without_score_gives_no_fit_and_fails_gate():
    result = overall_fit(roles(4, None, 5), posture_score=4)
    assert result.fit is None
    assert result.gate_passed is False
    assert result.missing_roles == ("business_partner",)


@pytest.mark.parametrize(
    "bad",
    [
        {"conductor": 4, "business_partner": 4},
        {"conductor": 4, "business_partner": 4, "entrepreneur": 4, "visionary": 4},
        {"Conductor": 4, "business_partner": 4, "entrepreneur": 4},
        {},
    ],
)
def test_overall_fit_requires_exactly_the_three_roles(bad):
    with pytest.raises(ValueError, match="exactly the keys"):
        overall_fit(bad, posture_score=4)


@pytest.mark.parametrize("bad", [0, 6, math.nan, "4"])
def test_overall_fit_rejects_role_scores_outside_scale(bad):
    with pytest.raises(ValueError):
        overall_fit(roles(4, 4, bad), posture_score=4)


def test_overall_fit_rejects_criterion_scores_outside_scale():
    with pytest.raises(ValueError):
        overall_fit(roles(4, 4, 4), {"C1": 0.5}, posture_score=4)


def test_fit_result_is_frozen_and_to_dict_is_json_ready():
    result = overall_fit(roles(5, 5, 2), {"C1": 1.0}, posture_score=4)
    assert isinstance(result, FitResult)
    with pytest.raises(AttributeError):
        result.fit = 5.0  # type: ignore[misc]
    data = result.to_dict()
    assert data == {
        "fit": result.fit,
        "gate_passed": False,
        "missing_roles": ["entrepreneur"],
        "failing_criteria": ["C1"],
    }
    assert json.loads(json.dumps(data)) == data
    assert overall_fit(roles(None, 4, 4), posture_score=4).to_dict()["fit"] is None


@given(scores, scores, scores)
def test_fit_property_between_min_and_arithmetic_mean(c, b, e):
    fit = overall_fit(roles(c, b, e), posture_score=4).fit
    tol = 1e-12
    assert min(c, b, e) - tol <= fit <= (c + b + e) / 3 + tol


@given(scores)
def test_fit_property_equal_roles_give_that_score(s):
    assert overall_fit(roles(s, s, s), posture_score=4).fit == pytest.approx(s, rel=1e-12)


@given(scores, scores, scores, scores)
def test_gate_property(c, b, e, p):
    result = overall_fit(roles(c, b, e), posture_score=p)
    assert result.gate_passed == (min(c, b, e, p) >= ROLE_GATE)
    assert set(result.missing_roles) == {r for r, s in zip(GATED, (c, b, e, p), strict=True) if s < ROLE_GATE}


def test_posture_below_3_fails_the_gate_and_is_named_like_a_role():
    """Posture and mindset weigh more than any expertise: roles at 4 do not buy back a posture of
    2.75, although posture is not part of the fit."""
    result = overall_fit(roles(4, 4, 4), {"post_communication": 2.5}, posture_score=2.75)
    assert result.fit == 4.0
    assert result.gate_passed is False
    assert result.missing_roles == ("posture",)
    assert result.failing_criteria == ()


def test_posture_without_evidence_fails_the_gate():
    result = overall_fit(roles(4, 4, 4), posture_score=None)
    assert result.gate_passed is False
    assert result.missing_roles == ("posture",)


def test_posture_is_required_keyword():
    with pytest.raises(TypeError):
        overall_fit(roles(4, 4, 4))  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        overall_fit(roles(4, 4, 4), posture_score=6)


def test_failing_role_and_posture_are_named_in_gated_order():
    result = overall_fit(roles(5, 5, 2), posture_score=2)
    assert round(result.fit, 2) == 3.68
    assert result.missing_roles == ("entrepreneur", "posture")
