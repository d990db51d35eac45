"""Balance profile — "expert, but not too much".

Pure functions, no Django (DESIGN.md §4). The profile asks for a CSO whose training and experience do
not tilt towards one support domain: legal drafting, a sales-administration procedure and a digital
communication roll-out deserve the same attention, while real back-office experience remains
essential. From the years of experience per support domain we compute how concentrated the
candidate's experience is over the mandate's in-scope domains, plus two floors (breadth and depth).

Indices (n = number of in-scope domains, y_i = years in domain i, p_i = y_i / Σy):

* **HHI** = Σ p_i², the Herfindahl–Hirschman concentration index (Hirschman, A. O. (1945).
  *National Power and the Structure of Foreign Trade*; Herfindahl, O. C. (1950). *Concentration in
  the Steel Industry*, PhD thesis, Columbia University). Range [1/n, 1].
* **HHI\\*** = (HHI − 1/n) / (1 − 1/n), the normalised HHI, range [0, 1]: 0 = perfectly even,
  1 = everything in one domain. The bands use HHI\\*, not HHI: antitrust thresholds (US DOJ/FTC
  Horizontal Merger Guidelines, 1 500 / 2 500 on the 0–10 000 scale) do **not** transfer, because
  they are set for markets with many firms, whereas here HHI ≥ 1/n always (≥ 0.111 for nine
  domains, i.e. ≥ 1 111 points: a perfectly balanced candidate would already look "concentrated").
* **Evenness J** = H / ln n with Shannon entropy H = −Σ p_i ln p_i (0 · ln 0 = 0) — Pielou, E. C.
  (1966). The measurement of diversity in different types of biological collections. *Journal of
  Theoretical Biology*, 13, 131–144. Range [0, 1], 1 = perfectly even.
* **Effective number of domains** N_eff = 1 / HHI, Hill's number of order 2 — Hill, M. O. (1973).
  Diversity and evenness: a unifying notation and its consequences. *Ecology*, 54(2), 427–432.
  Range [1, n]: "as if the experience were spread evenly over N_eff domains".

Default bands on HHI\\*: ≤ 0.05 balanced, ≤ 0.15 watch, > 0.15 concentrated. Breadth = number of
in-scope domains with ≥ 1 year; depth = total years over in-scope domains. Both floors are
configurable per mandate. The thresholds are product conventions, not published cut-offs.

**Dominant domain and the "narrow" band.** A high HHI\\* says the years are unevenly spread; it does
not say over what. Equal years in 4 of 9 domains give HHI\\* = 0.156 ("concentrated") although no
domain stands out: the candidate is *narrow*, not specialised. So the dominant domain is the one
with the largest years, provided those years are at least ``DOMINANT_RATIO`` (1.5) times the mean
years of the domains with ≥ 1 year (a tie for the largest has none). When only one domain has ≥ 1
year, that comparison is with itself; all the experience is in that domain, so it is dominant. A
profile that HHI\\* puts in "watch" or "concentrated" but that has no dominant domain gets the band
**"narrow"** ("experience in k of n domains", k = breadth); "concentrated" and "watch" are kept
for profiles with a dominant domain, and ``concentration_band`` keeps the band HHI\\* alone gives.

Edge cases (decided here, documented on :func:`balance_profile`):

* a single in-scope domain (n = 1): HHI\\* is 0/0; we define HHI\\* = 1.0 and J = 0.0 (everything is in
  one domain, so the profile is as concentrated as it can be); N_eff = 1; with ≥ 1 year there, that
  domain is dominant and the band "concentrated", with less than a year "narrow".
* zero total years: shares are all 0.0, every index (HHI, HHI\\*, J, N_eff) is ``None``,
  ``dominant_domain`` and ``band`` are ``None``, breadth 0, depth 0.0 (so ``depth_ok`` is ``False``
  unless ``min_depth`` is 0).

Numerical note: shares, HHI, HHI\\* and N_eff are computed exactly with ``fractions.Fraction`` and
rounded to ``float`` once, so a perfectly even profile gives HHI\\* == 0.0 exactly, ties are detected
exactly, and scaling every year by the same factor changes nothing.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = [
    "BALANCED_MAX",
    "BANDS",
    "DOMAINS",
    "DOMINANT_RATIO",
    "MIN_BREADTH",
    "MIN_DEPTH",
    "WATCH_MAX",
    "BalanceProfile",
    "balance_profile",
]

#: Support domain codes, in display order.
DOMAINS: tuple[str, ...] = (
    "finance",
    "hr",
    "legal",
    "it",
    "sales_admin",
    "purchasing",
    "general_services",
    "communication",
    "quality",
)

#: Default upper bound of HHI* for the "balanced" band (inclusive).
BALANCED_MAX: float = 0.05
#: Default upper bound of HHI* for the "watch" band (inclusive); above it: "concentrated".
WATCH_MAX: float = 0.15
#: Default breadth floor: number of in-scope domains with at least 1 year of experience.
MIN_BREADTH: int = 4
#: Default depth floor: total years of support-function experience over in-scope domains.
MIN_DEPTH: float = 8.0
#: The largest domain is dominant when its years are at least this many times the mean years of
#: the domains with at least one year.
DOMINANT_RATIO: Fraction = Fraction(3, 2)

#: Bands of HHI* alone.
CONCENTRATION_BANDS: tuple[str, str, str] = ("balanced", "watch", "concentrated")
#: Bands shown: HHI*'s, with "narrow" for an uneven profile without a dominant domain.
BANDS: tuple[str, str, str, str] = ("balanced", "watch", "narrow", "concentrated")


@dataclass(frozen=True, slots=True)
class BalanceProfile:
    """How a candidate's years of experience spread over the mandate's in-scope domains.

    Attributes:
        domains: the in-scope domain codes, in the order given.
        shares: domain → share p_i of the total years (floats summing to 1; all 0.0 with no years).
        hhi: Σ p_i², in [1/n, 1]; ``None`` with no years.
        hhi_star: normalised HHI (HHI − 1/n)/(1 − 1/n), in [0, 1]; 1.0 by definition when n = 1;
            ``None`` with no years.
        evenness: Pielou's J = H / ln n, in [0, 1]; 0.0 by definition when n = 1; ``None`` with no
            years.
        n_eff: effective number of domains 1 / HHI, in [1, n]; ``None`` with no years.
        dominant_domain: the domain with the largest years when those years are ≥ 1.5 × the mean
            years of the domains with ≥ 1 year (or the only domain with ≥ 1 year); ``None`` when
            the largest is tied, below that ratio, or there are no years.
        concentration_band: the band of HHI* alone: "balanced" (HHI* ≤ balanced_max), "watch"
            (≤ watch_max) or "concentrated"; ``None`` with no years.
        band: the band shown: ``concentration_band``, except "narrow" when that is "watch" or
            "concentrated" and there is no dominant domain; ``None`` with no years.
        breadth: number of in-scope domains with ≥ 1 year.
        depth: total years over the in-scope domains.
        breadth_ok: ``breadth ≥ min_breadth``.
        depth_ok: ``depth ≥ min_depth``.
        min_breadth: the breadth floor applied (capped at n, see :func:`balance_profile`).
        min_depth: the depth floor applied, in years.
        balanced_max: the HHI* bound of the balanced band applied.
        watch_max: the HHI* bound of the watch band applied.
    """

    domains: tuple[str, ...]
    shares: dict[str, float]
    hhi: float | None
    hhi_star: float | None
    evenness: float | None
    n_eff: float | None
    dominant_domain: str | None
    concentration_band: str | None
    band: str | None
    breadth: int
    depth: float
    breadth_ok: bool
    depth_ok: bool
    min_breadth: int
    min_depth: float
    balanced_max: float
    watch_max: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field (floats at full precision, tuples as lists, None kept)."""
        return {
            "domains": list(self.domains),
            "shares": dict(self.shares),
            "hhi": self.hhi,
            "hhi_star": self.hhi_star,
            "evenness": self.evenness,
            "n_eff": self.n_eff,
            "dominant_domain": self.dominant_domain,
            "concentration_band": self.concentration_band,
            "band": self.band,
            "breadth": self.breadth,
            "depth": self.depth,
            "breadth_ok": self.breadth_ok,
            "depth_ok": self.depth_ok,
            "min_breadth": self.min_breadth,
            "min_depth": self.min_depth,
            "balanced_max": self.balanced_max,
            "watch_max": self.watch_max,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BalanceProfile:
        """Inverse of :meth:`to_dict` (a stored profile read back, JSON-decoded)."""
        return cls(**{**data, "domains": tuple(data["domains"]), "shares": dict(data["shares"])})

    @property
    def n_domains(self) -> int:
        """n, the number of in-scope domains."""
        return len(self.domains)


def _exact(value: object, what: str) -> Fraction:
    """Exact, validated non-negative ``Fraction`` of a finite real number (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise ValueError(f"{what} must be a number; got {value!r} ({type(value).__name__}).")
    try:
        finite = math.isfinite(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        finite = False
    if not finite:
        raise ValueError(f"{what} must be a finite real number; got {value!r}.")
    if isinstance(value, numbers.Rational | float | Decimal):
        exact = Fraction(value)
    else:
        exact = Fraction(float(value))  # type: ignore[arg-type]
    if exact < 0:
        raise ValueError(f"{what} must not be negative; got {value!r}.")
    return exact


def _band(hhi_star: float, balanced_max: float, watch_max: float) -> str:
    if hhi_star <= balanced_max:
        return "balanced"
    if hhi_star <= watch_max:
        return "watch"
    return "concentrated"


def balance_profile(
    years_by_domain: Mapping[str, float | Decimal],
    domains: Sequence[str],
    *,
    balanced_max: float = BALANCED_MAX,
    watch_max: float = WATCH_MAX,
    min_breadth: int = MIN_BREADTH,
    min_depth: float = MIN_DEPTH,
) -> BalanceProfile:
    """Balance profile of one candidate over the mandate's in-scope domains.

    Args:
        years_by_domain: domain code → years of experience (int, float, Decimal or Fraction, ≥ 0).
            A domain in scope but absent counts 0 years. Years for valid domains outside the scope are
            ignored (but still validated: bad data is reported, not silently dropped).
        domains: the mandate's in-scope domain codes (non-empty, distinct, each in ``DOMAINS``).
        balanced_max: HHI* upper bound (inclusive) of the "balanced" band, default 0.05.
        watch_max: HHI* upper bound (inclusive) of the "watch" band, default 0.15;
            ``0 ≤ balanced_max ≤ watch_max ≤ 1``.
        min_breadth: breadth floor (domains with ≥ 1 year), default 4. Capped at n = len(domains)
            so that a mandate with fewer in-scope domains than the floor can still pass; the floor
            actually applied is returned in ``BalanceProfile.min_breadth``.
        min_depth: depth floor (total years), default 8.0, ≥ 0.

    Returns:
        A :class:`BalanceProfile`. Formulas, the dominant-domain rule and sources in the module
        docstring. Conventions: n = 1 → HHI* = 1.0, J = 0.0 (everything is in the single domain);
        zero total years → shares 0.0, indices/dominant/band ``None``, breadth 0, depth 0.0.

    Raises:
        ValueError: empty ``domains``; unknown or duplicate domain code (in ``domains`` or an unknown
            key in ``years_by_domain``); negative, non-finite or non-numeric years (bools included);
            thresholds out of range.
    """
    scope = tuple(domains)
    if isinstance(domains, str) or not scope:
        raise ValueError("The list of in-scope domains must not be empty (and must be a sequence of codes).")
    unknown = [d for d in scope if d not in DOMAINS]
    if unknown:
        raise ValueError(f"Unknown domain code(s) {unknown}; expected codes from {DOMAINS}.")
    duplicates = sorted({d for d in scope if scope.count(d) > 1})
    if duplicates:
        raise ValueError(f"Duplicate domain code(s) in the in-scope domains: {duplicates}.")
    unknown_keys = [d for d in years_by_domain if d not in DOMAINS]
    if unknown_keys:
        raise ValueError(
            f"Unknown domain code(s) {unknown_keys} in years_by_domain; expected codes from {DOMAINS}."
        )

    for name, value in (("balanced_max", balanced_max), ("watch_max", watch_max)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
            raise ValueError(f"{name} must be a number between 0 and 1; got {value!r}.")
    if balanced_max > watch_max:
        raise ValueError(f"balanced_max ({balanced_max}) must not exceed watch_max ({watch_max}).")
    if isinstance(min_breadth, bool) or not isinstance(min_breadth, numbers.Integral) or min_breadth < 0:
        raise ValueError(f"min_breadth must be a non-negative integer; got {min_breadth!r}.")
    min_depth_exact = _exact(min_depth, "min_depth")

    all_years = {d: _exact(v, f"Years in {d!r}") for d, v in years_by_domain.items()}
    years = {d: all_years.get(d, Fraction(0)) for d in scope}
    n = len(scope)
    total = sum(years.values(), Fraction(0))
    breadth = sum(1 for y in years.values() if y >= 1)
    applied_breadth = min(int(min_breadth), n)
    depth = float(total)
    common = {
        "domains": scope,
        "breadth": breadth,
        "depth": depth,
        "breadth_ok": breadth >= applied_breadth,
        "depth_ok": total >= min_depth_exact,
        "min_breadth": applied_breadth,
        "min_depth": float(min_depth_exact),
        "balanced_max": float(balanced_max),
        "watch_max": float(watch_max),
    }

    if total == 0:
        return BalanceProfile(
            shares=dict.fromkeys(scope, 0.0),
            hhi=None,
            hhi_star=None,
            evenness=None,
            n_eff=None,
            dominant_domain=None,
            concentration_band=None,
            band=None,
            **common,
        )

    shares = {d: y / total for d, y in years.items()}
    hhi = sum((p * p for p in shares.values()), Fraction(0))
    if n == 1:
        hhi_star = Fraction(1)
        evenness = 0.0
    else:
        hhi_star = (hhi - Fraction(1, n)) / (1 - Fraction(1, n))
        floats = [float(p) for p in shares.values()]
        entropy = -math.fsum(p * math.log(p) for p in floats if p > 0)  # 0 · ln 0 = 0
        evenness = entropy / math.log(n)
        # Only floating-point rounding can push J a hair outside [0, 1]; anything larger is a bug.
        assert -1e-9 < evenness < 1 + 1e-9, evenness
        evenness = min(max(evenness, 0.0), 1.0)

    hhi_star_float = float(hhi_star)
    concentration_band = _band(hhi_star_float, balanced_max, watch_max)
    dominant = dominant_domain(years, scope)
    band = concentration_band
    if concentration_band != "balanced" and dominant is None:
        band = "narrow"
    return BalanceProfile(
        shares={d: float(p) for d, p in shares.items()},
        hhi=float(hhi),
        hhi_star=hhi_star_float,
        evenness=evenness,
        n_eff=float(1 / hhi),
        dominant_domain=dominant,
        concentration_band=concentration_band,
        band=band,
        **common,
    )


def dominant_domain(years: Mapping[str, Fraction], scope: Sequence[str]) -> str | None:
    """The dominant domain of a profile, or ``None`` (rule in the module docstring).

    Args:
        years: domain → exact years (``Fraction``, ≥ 0) for every domain of ``scope``.
        scope: the in-scope domains, in display order.

    Returns:
        The domain with the largest years when those years are ≥ ``DOMINANT_RATIO`` (1.5) × the
        mean years of the domains with ≥ 1 year, or when it is the only domain with ≥ 1 year;
        ``None`` when the largest is tied, under that ratio, below one year, or there are no years.
        Examples: (10, 2, 2, 2) → the first (10 ≥ 1.5 × 4); (6, 5, 4, 3) → ``None`` (6 < 1.5 × 4.5);
        (3, 3, 3, 3) → ``None``; (12, 0, …) → the first.
    """
    largest = max((years[d] for d in scope), default=Fraction(0))
    leaders = [d for d in scope if years[d] == largest]
    if largest < 1 or len(leaders) != 1:
        return None
    experienced = [years[d] for d in scope if years[d] >= 1]
    if len(experienced) == 1:
        return leaders[0]
    mean = sum(experienced, Fraction(0)) / len(experienced)
    return leaders[0] if largest >= DOMINANT_RATIO * mean else None
