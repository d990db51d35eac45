"""Tests for assessments.balance (pure: no database, no Django)."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from assessments.balance import (
    BALANCED_MAX,
    BANDS,
    DOMAINS,
    MIN_BREADTH,
    MIN_DEPTH,
    WATCH_MAX,
    BalanceProfile,
    balance_profile,
)

# Years per domain in DOMAINS order:
# finance, hr, legal, it, sales_admin, purchasing, general_services, communication, quality
SAMPLES: dict[str, tuple[float, ...]] = {
    "Claire Dubois": (4, 3, 3, 2, 3, 2, 2, 2.5, 1),
    "Marc Lefèvre": (14, 0, 1, 1, 0, 0, 0, 0, 0.5),
    "Sofia Benali": (0.5, 10, 2, 0, 0, 0, 1, 3, 0),
    "Julien Moreau": (2, 1, 0.5, 3, 5, 4, 4, 0, 2),
    "Élodie Garnier": (1, 2, 6, 0, 0, 0, 0, 5, 1),
    "Thomas N'Diaye": (0, 0, 0, 8, 2, 1, 0, 4, 0.5),
    "Anne-Sophie Roux-Lambert": (3, 3, 3, 3, 3, 3, 3, 3, 3),
    "Karim Haddad": (1, 0, 0, 1, 1, 0, 0, 0, 0),
}


def years(name: str) -> dict[str, float]:
    return dict(zip(DOMAINS, SAMPLES[name], strict=True))


def hhi_star_by_hand(hhi: F, n: int = 9) -> F:
    """(HHI − 1/n) / (1 − 1/n); for n = 9: (HHI − 1/9) / (8/9) = (9·HHI − 1) / 8."""
    return (hhi - F(1, n)) / (1 - F(1, n))


# Hand computation over the nine domains, written with integer "half-years" where needed so that
# every share is a small fraction. HHI = Σ y_i² / T².
#
# Claire: T = 4+3+3+2+3+2+2+2.5+1 = 22.5 = 45/2. In half-years: 8,6,6,4,6,4,4,5,2 (sum 45);
#   Σ = 64+36+36+16+36+16+16+25+4 = 249 → HHI = 249/2025 = 83/675;
#   HHI* = (9·83/675 − 1)/8 = (747/675 − 675/675)/8 = (72/675)/8 = 9/675 = 1/75 ≈ 0.01333.
# Marc: T = 14+1+1+0.5 = 16.5. Half-years: 28,0,2,2,0,0,0,0,1 (sum 33);
#   Σ = 784+4+4+1 = 793 → HHI = 793/1089; HHI* = (9·793/1089 − 1)/8 = (7137 − 1089)/(1089·8)
#   = 6048/8712 = 84/121 ≈ 0.69421.
# Sofia: half-years 1,20,4,0,0,0,2,6,0 (sum 33); Σ = 1+400+16+4+36 = 457 → HHI = 457/1089;
#   HHI* = (4113 − 1089)/8712 = 3024/8712 = 42/121 ≈ 0.34711.
# Julien: half-years 4,2,1,6,10,8,8,0,4 (sum 43); Σ = 16+4+1+36+100+64+64+16 = 301 → HHI = 301/1849
#   = 7/43; HHI* = (63/43 − 1)/8 = (20/43)/8 = 5/86 ≈ 0.05814.
# Élodie: years 1,2,6,0,0,0,0,5,1 (sum 15); Σ = 1+4+36+25+1 = 67 → HHI = 67/225;
#   HHI* = (603/225 − 1)/8 = (378/225)/8 = 378/1800 = 21/100 = 0.21.
# Thomas: half-years 0,0,0,16,4,2,0,8,1 (sum 31); Σ = 256+16+4+64+1 = 341 → HHI = 341/961 = 11/31;
#   HHI* = (99/31 − 1)/8 = (68/31)/8 = 17/62 ≈ 0.27419.
# Anne-Sophie: nine × 3 years → every p_i = 1/9, HHI = 9 · 1/81 = 1/9, HHI* = 0.
# Karim: 1,0,0,1,1,0,0,0,0 (sum 3) → HHI = 3 · 1/9 = 1/3; HHI* = (3 − 1)/8 = 1/4 = 0.25.
EXPECTED = {
    # name: (HHI, HHI*, band, dominant)
    "Claire Dubois": (F(249, 2025), F(1, 75), "balanced", "finance"),
    "Marc Lefèvre": (F(793, 1089), F(84, 121), "concentrated", "finance"),
    "Sofia Benali": (F(457, 1089), F(42, 121), "concentrated", "hr"),
    "Julien Moreau": (F(301, 1849), F(5, 86), "watch", "sales_admin"),
    "Élodie Garnier": (F(67, 225), F(21, 100), "concentrated", "legal"),
    "Thomas N'Diaye": (F(341, 961), F(17, 62), "concentrated", "it"),
    "Anne-Sophie Roux-Lambert": (F(1, 9), F(0), "balanced", None),
    # HHI* alone says "concentrated", but the three domains tie: narrow, not concentrated.
    "Karim Haddad": (F(1, 3), F(1, 4), "narrow", None),
}
# Dominant domains by hand (largest ≥ 1.5 × mean of the domains with ≥ 1 year):
# Claire 4 ≥ 1.5 × 22.5/9 = 3.75; Marc 14 ≥ 1.5 × 16/3 = 8; Sofia 10 ≥ 1.5 × 16/4 = 6;
# Julien 5 ≥ 1.5 × 21/7 = 4.5; Élodie 6 ≥ 1.5 × 15/5 = 4.5; Thomas 8 ≥ 1.5 × 15/4 = 5.625.


@pytest.mark.parametrize("name", list(SAMPLES))
def test_sample_candidates_hhi_star_band_and_dominant(name):
    hhi, hhi_star, band, dominant = EXPECTED[name]
    assert hhi_star == hhi_star_by_hand(hhi)  # the two hand computations agree
    profile = balance_profile(years(name), DOMAINS)
    assert profile.hhi == pytest.approx(float(hhi), abs=1e-12)
    assert profile.hhi_star == pytest.approx(float(hhi_star), abs=1e-12)
    assert profile.n_eff == pytest.approx(float(1 / hhi), abs=1e-12)
    assert profile.band == band
    assert profile.dominant_domain == dominant
    assert profile.depth == pytest.approx(sum(SAMPLES[name]))
    assert sum(profile.shares.values()) == pytest.approx(1.0)


def test_sample_values_as_printed():
    """The rounded figures a recruiter sees (3 decimals)."""
    star = {name: round(balance_profile(years(name), DOMAINS).hhi_star, 3) for name in SAMPLES}
    assert star == {
        "Claire Dubois": 0.013,
        "Marc Lefèvre": 0.694,
        "Sofia Benali": 0.347,
        "Julien Moreau": 0.058,
        "Élodie Garnier": 0.21,
        "Thomas N'Diaye": 0.274,
        "Anne-Sophie Roux-Lambert": 0.0,
        "Karim Haddad": 0.25,
    }


def test_anne_sophie_perfectly_even():
    profile = balance_profile(years("Anne-Sophie Roux-Lambert"), DOMAINS)
    assert profile.hhi_star == pytest.approx(0.0, abs=1e-12)
    assert profile.band == "balanced"
    assert profile.dominant_domain is None
    assert profile.evenness == pytest.approx(1.0, abs=1e-12)
    assert profile.n_eff == pytest.approx(9.0, abs=1e-12)
    assert profile.breadth == 9
    assert profile.depth == 27.0
    assert profile.breadth_ok and profile.depth_ok
    assert all(p == pytest.approx(1 / 9) for p in profile.shares.values())


def test_marc_concentrated_in_finance():
    profile = balance_profile(years("Marc Lefèvre"), DOMAINS)
    assert profile.band == "concentrated"
    assert profile.dominant_domain == "finance"
    assert profile.shares["finance"] == pytest.approx(28 / 33)
    # H = −Σ p ln p with p = 28/33, 2/33, 2/33, 1/33; J = H / ln 9
    p = [28 / 33, 2 / 33, 2 / 33, 1 / 33]
    assert profile.evenness == pytest.approx(-sum(x * math.log(x) for x in p) / math.log(9))
    assert profile.breadth == 3  # finance, legal, it; quality has 0.5 year
    assert profile.breadth_ok is False
    assert profile.depth_ok is True


def test_karim_three_way_tie_has_no_dominant_domain():
    profile = balance_profile(years("Karim Haddad"), DOMAINS)
    assert profile.dominant_domain is None
    assert profile.n_eff == pytest.approx(3.0)
    # three equal shares of 1/3: H = ln 3, J = ln 3 / ln 9 = 1/2
    assert profile.evenness == pytest.approx(0.5)
    assert (profile.breadth, profile.depth) == (3, 3.0)
    assert profile.breadth_ok is False and profile.depth_ok is False


def test_claire_breadth_and_depth():
    profile = balance_profile(years("Claire Dubois"), DOMAINS)
    assert (profile.breadth, profile.depth) == (9, 22.5)
    assert profile.breadth_ok and profile.depth_ok


def test_defaults():
    assert (BALANCED_MAX, WATCH_MAX) == (0.05, 0.15)
    assert (MIN_BREADTH, MIN_DEPTH) == (4, 8.0)
    profile = balance_profile(years("Claire Dubois"), DOMAINS)
    assert (profile.balanced_max, profile.watch_max, profile.min_breadth, profile.min_depth) == (
        0.05,
        0.15,
        4,
        8.0,
    )


# --- scope ------------------------------------------------------------------------------------------


def test_out_of_scope_years_are_ignored_and_missing_domains_count_zero():
    scope = ("finance", "hr", "legal", "it")
    profile = balance_profile({"finance": 2, "hr": 2, "quality": 50}, scope)
    assert profile.domains == scope
    assert profile.shares == {"finance": 0.5, "hr": 0.5, "legal": 0.0, "it": 0.0}
    assert profile.depth == 4.0
    # HHI = 1/2, n = 4: HHI* = (1/2 − 1/4)/(3/4) = 1/3
    assert profile.hhi_star == pytest.approx(1 / 3)
    assert profile.dominant_domain is None  # tie finance/hr


def test_scope_order_is_kept():
    profile = balance_profile({"it": 1, "hr": 3}, ["it", "hr"])
    assert profile.domains == ("it", "hr")
    assert list(profile.shares) == ["it", "hr"]
    assert profile.dominant_domain == "hr"


def test_min_breadth_is_capped_at_the_number_of_in_scope_domains():
    profile = balance_profile({"finance": 5, "hr": 5, "legal": 5}, ("finance", "hr", "legal"))
    assert profile.min_breadth == 3
    assert profile.breadth_ok is True
    assert profile.band == "balanced"


def test_single_domain_convention():
    profile = balance_profile({"finance": 10}, ["finance"])
    assert profile.hhi == 1.0
    assert profile.hhi_star == 1.0
    assert profile.evenness == 0.0
    assert profile.n_eff == 1.0
    assert profile.band == "concentrated"
    assert profile.dominant_domain == "finance"


def test_zero_years_convention():
    profile = balance_profile({}, DOMAINS)
    assert profile.shares == dict.fromkeys(DOMAINS, 0.0)
    assert (profile.hhi, profile.hhi_star, profile.evenness, profile.n_eff) == (None, None, None, None)
    assert profile.dominant_domain is None
    assert profile.band is None
    assert (profile.breadth, profile.depth) == (0, 0.0)
    assert profile.depth_ok is False and profile.breadth_ok is False
    assert json.loads(json.dumps(profile.to_dict())) == profile.to_dict()


def test_zero_years_with_zero_depth_floor():
    assert balance_profile({"finance": 0}, DOMAINS, min_depth=0, min_breadth=0).depth_ok is True


# --- thresholds ---------------------------------------------------------------------------------------


def test_band_boundaries_are_inclusive():
    # Karim has HHI* = 0.25 exactly (and no dominant domain, so watch/concentrated read "narrow").
    karim = years("Karim Haddad")
    assert balance_profile(karim, DOMAINS, balanced_max=0.25, watch_max=0.3).band == "balanced"
    assert balance_profile(karim, DOMAINS, balanced_max=0.1, watch_max=0.25).concentration_band == "watch"
    assert (
        balance_profile(karim, DOMAINS, balanced_max=0.1, watch_max=0.2).concentration_band == "concentrated"
    )
    assert balance_profile(karim, DOMAINS, balanced_max=0.1, watch_max=0.25).band == "narrow"
    # With a dominant domain the HHI* band is kept: 4 of 6 years in finance.
    dominant = {"finance": 4, "hr": 1, "legal": 1}
    assert balance_profile(dominant, ("finance", "hr", "legal")).band == "concentrated"


# --- dominant domain and the narrow band -------------------------------------------------------------


def test_equal_years_in_four_of_nine_domains_are_narrow_not_concentrated():
    """The case of the issue: 3 years in each of four domains. HHI* = (1/4 − 1/9)/(8/9) = 5/32 =
    0.15625 > 0.15 would say "concentrated", yet no domain stands out."""
    profile = balance_profile({"finance": 3, "hr": 3, "legal": 3, "it": 3}, DOMAINS)
    assert profile.hhi_star == pytest.approx(5 / 32)
    assert profile.concentration_band == "concentrated"
    assert profile.dominant_domain is None
    assert profile.band == "narrow"
    assert profile.breadth == 4


@pytest.mark.parametrize(
    ("values", "dominant", "band"),
    [
        ((10, 2, 2, 2), "finance", "concentrated"),  # 10 ≥ 1.5 × 16/4 = 6
        ((6, 5, 4, 3), None, "narrow"),  # 6 < 1.5 × 18/4 = 6.75; HHI* = 0.1736
        ((3, 1.5, 1.5), "finance", "concentrated"),  # 3 = 1.5 × 6/3 exactly: inclusive
        ((12,), "finance", "concentrated"),  # the only domain with ≥ 1 year
        ((12, 0.5), "finance", "concentrated"),  # 0.5 year does not count in the mean
        ((5, 5, 1), None, "narrow"),  # tied for the largest
        ((0.5,), None, "narrow"),  # less than a year anywhere
    ],
)
def test_dominant_domain_rule(values, dominant, band):
    profile = balance_profile(dict(zip(DOMAINS, values, strict=False)), DOMAINS)
    assert profile.dominant_domain == dominant
    assert profile.band == band


def test_watch_with_a_dominant_domain_stays_watch():
    # Julien: HHI* = 5/86 ≈ 0.058 (watch), sales administration dominant (5 ≥ 4.5).
    profile = balance_profile(years("Julien Moreau"), DOMAINS)
    assert (profile.concentration_band, profile.band, profile.dominant_domain) == (
        "watch",
        "watch",
        "sales_admin",
    )


def test_floors_are_configurable():
    profile = balance_profile(years("Karim Haddad"), DOMAINS, min_breadth=3, min_depth=3)
    assert profile.breadth_ok and profile.depth_ok
    profile = balance_profile(years("Karim Haddad"), DOMAINS, min_breadth=3, min_depth=3.5)
    assert profile.breadth_ok and not profile.depth_ok


@pytest.mark.parametrize(
    "kwargs",
    [
        {"balanced_max": -0.01},
        {"watch_max": 1.5},
        {"balanced_max": 0.2, "watch_max": 0.1},
        {"min_breadth": -1},
        {"min_breadth": 2.5},
        {"min_breadth": True},
        {"min_depth": -1},
        {"min_depth": "8"},
    ],
)
def test_bad_thresholds(kwargs):
    with pytest.raises(ValueError):
        balance_profile(years("Claire Dubois"), DOMAINS, **kwargs)


# --- input types and errors --------------------------------------------------------------------------


def test_decimal_and_fraction_years_are_exact():
    as_decimal = {d: Decimal(str(y)) for d, y in years("Claire Dubois").items()}
    profile = balance_profile(as_decimal, DOMAINS)
    assert profile.hhi_star == pytest.approx(1 / 75, abs=1e-15)
    assert balance_profile({"finance": F(1, 3), "hr": F(2, 3)}, ["finance", "hr"]).shares == {
        "finance": 1 / 3,
        "hr": 2 / 3,
    }


@pytest.mark.parametrize(
    ("years_", "domains", "message"),
    [
        ({"finance": 1}, [], "empty"),
        ({"finance": 1}, "finance", "empty"),
        ({"finance": 1}, ["finance", "marketing"], "Unknown domain"),
        ({"marketing": 1}, ["finance"], "Unknown domain"),
        ({"finance": 1}, ["finance", "hr", "finance"], "Duplicate"),
        ({"finance": -1}, ["finance", "hr"], "negative"),
        ({"quality": -0.5}, ["finance", "hr"], "negative"),  # validated even out of scope
        ({"finance": "3"}, ["finance"], "number"),
        ({"finance": None}, ["finance"], "number"),
        ({"finance": True}, ["finance"], "number"),
        ({"finance": math.nan}, ["finance"], "finite"),
        ({"finance": math.inf}, ["finance"], "finite"),
        ({"finance": Decimal("NaN")}, ["finance"], "finite"),
    ],
)
def test_errors(years_, domains, message):
    with pytest.raises(ValueError, match=message):
        balance_profile(years_, domains)


def test_profile_is_frozen_and_to_dict_json_ready():
    profile = balance_profile(years("Julien Moreau"), DOMAINS)
    assert isinstance(profile, BalanceProfile)
    with pytest.raises(AttributeError):
        profile.band = "balanced"  # type: ignore[misc]
    data = profile.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["hhi_star"] == profile.hhi_star  # full precision, not rounded
    assert data["domains"] == list(DOMAINS)
    assert data["band"] == "watch"
    assert data["dominant_domain"] == "sales_admin"
    assert set(data) >= {
        "domains", "shares", "hhi", "hhi_star", "evenness", "n_eff", "dominant_domain",
        "band", "breadth", "depth", "breadth_ok", "depth_ok",
    }  # fmt: skip


# --- properties --------------------------------------------------------------------------------------

year_values = st.floats(
    min_value=0, max_value=60, allow_nan=False, allow_infinity=False, allow_subnormal=False
)


@st.composite
def profiles(draw):
    scope = draw(st.lists(st.sampled_from(DOMAINS), min_size=1, max_size=len(DOMAINS), unique=True))
    values = draw(st.dictionaries(st.sampled_from(DOMAINS), year_values))
    return values, scope


@given(profiles())
def test_property_ranges(case):
    values, scope = case
    profile = balance_profile(values, scope)
    n = len(scope)
    if profile.depth == 0:
        assert profile.hhi_star is None and profile.band is None
        return
    assert 0.0 <= profile.hhi_star <= 1.0
    assert 0.0 <= profile.evenness <= 1.0
    assert 1.0 <= profile.n_eff <= n
    assert 1 / n <= profile.hhi * (1 + 1e-12)
    assert profile.band in BANDS
    assert profile.concentration_band in ("balanced", "watch", "concentrated")
    assert (profile.band == "narrow") == (
        profile.concentration_band != "balanced" and profile.dominant_domain is None
    )
    assert 0 <= profile.breadth <= n
    if profile.dominant_domain is not None:
        share = profile.shares[profile.dominant_domain]
        assert all(share > p for d, p in profile.shares.items() if d != profile.dominant_domain)
        experienced = [F(values.get(d, 0)) for d in scope if F(values.get(d, 0)) >= 1]
        assert (
            F(values[profile.dominant_domain]) >= F(3, 2) * sum(experienced) / len(experienced)
            or len(experienced) == 1
        )


@given(profiles(), st.floats(min_value=0.01, max_value=100, allow_nan=False))
def test_property_scaling_all_years_changes_nothing(case, factor):
    values, scope = case
    scaled = {d: y * factor for d, y in values.items()}
    base = balance_profile(values, scope)
    other = balance_profile(scaled, scope)
    assume(base.depth > 0 and other.depth > 0)
    for field in ("hhi", "hhi_star", "evenness", "n_eff"):
        assert getattr(other, field) == pytest.approx(getattr(base, field), abs=1e-9), field
    for d in scope:
        assert other.shares[d] == pytest.approx(base.shares[d], abs=1e-9)


@given(profiles(), st.integers(min_value=1, max_value=1000))
def test_property_scaling_by_an_integer_is_exactly_invariant(case, factor):
    values, scope = case
    scaled = {d: F(y) * factor for d, y in values.items()}
    base = balance_profile(values, scope)
    other = balance_profile(scaled, scope)
    assert (other.hhi, other.hhi_star, other.n_eff, other.concentration_band) == (
        base.hhi,
        base.hhi_star,
        base.n_eff,
        base.concentration_band,
    )
    # The dominant domain compares with the domains of at least one year, a threshold that scaling
    # moves; it is invariant when no in-scope value lies strictly between 0 and 1.
    if all(values.get(d, 0) == 0 or values.get(d, 0) >= 1 for d in scope):
        assert (other.band, other.dominant_domain) == (base.band, base.dominant_domain)
