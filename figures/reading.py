"""The panel's reliability and the product's mechanical reading of an application — pure.

The reading is shown next to the human decision, never instead of it (DESIGN.md §4); it is a
product convention, not a validated cut-off. Its inputs are the stored figures, the mandate's
agreement statistics and the compatibility verdict the viewer may read.

**Reliability** (:func:`reliability`): the panel's agreement is *unreliable* when the mandate's
Krippendorff's α is below .667 (Krippendorff, K. (2004). *Content Analysis*, 2nd ed., Sage,
§11.4: below .667 no conclusion should be drawn) or when a rater who contributed to this
application is flagged lenient or severe (``assessments.agreement.rater_bias``). A viewer with an
open scorecard anywhere in the mandate does not see the mandate's statistics (DESIGN.md §3): the
reliability is then *hidden* — and, since nobody can vouch for it, the reading cannot be
favourable either (which says nothing about the hidden value).

**Reading** (:func:`reading`), worst level first — ``unfavourable``: the gate fails (a role or
posture below 3.0, or a criterion below 2.0) or the sessions conclude "not compatible";
``incomplete``: no submitted scorecard, or no compatibility verdict yet; ``reserved`` (favourable
with reservations): compatibility to confirm, experience concentrated in a dominant domain or
narrow (uneven without a dominant domain), breadth or depth below the floor, a criterion to
re-observe, the panel's agreement unreliable or hidden; ``favourable`` only when none of these
holds — in particular only when the gate passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assessments.agreement import ALPHA_TENTATIVE

__all__ = [
    "FAVOURABLE",
    "INCOMPLETE",
    "LEVELS",
    "RESERVED",
    "UNFAVOURABLE",
    "Reading",
    "Reliability",
    "reading",
    "reliability",
]

UNFAVOURABLE, INCOMPLETE, RESERVED, FAVOURABLE = "unfavourable", "incomplete", "reserved", "favourable"
#: Levels of the reading, worst first.
LEVELS = (UNFAVOURABLE, INCOMPLETE, RESERVED, FAVOURABLE)

#: Reason code → level.
REASON_LEVELS = {
    "no_scorecards": INCOMPLETE,
    "gate_failed": UNFAVOURABLE,
    "not_compatible": UNFAVOURABLE,
    "to_confirm": RESERVED,
    "compatibility_pending": INCOMPLETE,
    "concentrated": RESERVED,
    "narrow": RESERVED,
    "breadth": RESERVED,
    "depth": RESERVED,
    "re_observe": RESERVED,
    "panel_unreliable": RESERVED,
    "reliability_hidden": RESERVED,
}


@dataclass(frozen=True, slots=True)
class Reliability:
    """How far the panel's figures can be trusted, for one application and one viewer.

    Attributes:
        level: "hidden" (the viewer has an open scorecard in the mandate), "unreliable"
            (α < .667 or a contributing rater flagged), else α's reading: "reliable" (≥ .80),
            "tentative" (.667–.80) or "undefined" (α not computable yet).
        alpha: the mandate's α, ``None`` when hidden or undefined.
        alpha_unreliable: α is below .667.
        flagged_raters: ``(rater id, "lenient" | "severe")`` for the contributing raters flagged
            (empty when hidden).
    """

    level: str
    alpha: float | None
    alpha_unreliable: bool
    flagged_raters: tuple[tuple[int, str], ...]

    @property
    def hidden(self) -> bool:
        return self.level == "hidden"

    @property
    def unreliable(self) -> bool:
        """True when the figures must be discussed before deciding."""
        return self.level == "unreliable"

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "alpha": self.alpha,
            "alpha_unreliable": self.alpha_unreliable,
            "flagged_raters": [{"rater": r, "flag": f} for r, f in self.flagged_raters],
        }


def reliability(
    *, visible: bool, alpha: float | None, alpha_reading: str, flags: dict, contributors: Sequence[int]
) -> Reliability:
    """The panel's reliability for one application as one viewer may read it.

    Args:
        visible: the viewer may see the mandate's statistics (no open scorecard in the mandate).
        alpha: the mandate's Krippendorff's α (interval) or ``None``; alpha_reading: its reading.
        flags: rater id → "lenient"/"severe" for the mandate's flagged raters.
        contributors: ids of the raters whose counted scorecards make this application's figures.

    Returns:
        A :class:`Reliability` (rules in the module docstring).
    """
    if not visible:
        return Reliability(level="hidden", alpha=None, alpha_unreliable=False, flagged_raters=())
    flagged = tuple((rater, flags[rater]) for rater in contributors if rater in flags)
    low = alpha is not None and alpha < ALPHA_TENTATIVE
    level = "unreliable" if low or flagged else alpha_reading
    return Reliability(level=level, alpha=alpha, alpha_unreliable=low, flagged_raters=flagged)


@dataclass(frozen=True, slots=True)
class Reading:
    """The product's reading: ``level`` (one of ``LEVELS``) and its ``reasons`` (codes of
    ``REASON_LEVELS``, in the order they are explained)."""

    level: str
    reasons: tuple[str, ...]

    @property
    def favourable(self) -> bool:
        return self.level == FAVOURABLE

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "reasons": list(self.reasons)}


def reading(
    *,
    submitted_scorecards: int,
    gate_passed: bool | None,
    verdict: str | None,
    band: str | None,
    concentration_band: str | None,
    breadth_ok: bool,
    depth_ok: bool,
    red_count: int,
    reliability_level: str,
) -> Reading:
    """The mechanical reading of one application (rules in the module docstring).

    Args:
        submitted_scorecards: counted scorecards; gate_passed: the gate (posture included).
        verdict: the compatibility verdict the viewer may read ("compatible", "to_confirm",
            "not_compatible") or ``None``.
        band, concentration_band: the balance band shown and HHI*'s own band
            (``assessments.balance``); a "narrow" profile is a reservation only when HHI* alone
            would call it concentrated.
        breadth_ok, depth_ok: the balance floors; red_count: criteria to re-observe.
        reliability_level: :attr:`Reliability.level`.

    Returns:
        A :class:`Reading`.
    """
    reasons = []
    if not submitted_scorecards:
        reasons.append("no_scorecards")
    elif not gate_passed:
        reasons.append("gate_failed")
    if verdict == "not_compatible":
        reasons.append("not_compatible")
    elif verdict == "to_confirm":
        reasons.append("to_confirm")
    elif verdict is None:
        reasons.append("compatibility_pending")
    if band == "concentrated":
        reasons.append("concentrated")
    elif band == "narrow" and concentration_band == "concentrated":
        reasons.append("narrow")
    if not breadth_ok:
        reasons.append("breadth")
    if not depth_ok:
        reasons.append("depth")
    if red_count:
        reasons.append("re_observe")
    if submitted_scorecards:
        if reliability_level == "unreliable":
            reasons.append("panel_unreliable")
        elif reliability_level == "hidden":
            reasons.append("reliability_hidden")
    level = FAVOURABLE
    for code in reasons:
        if LEVELS.index(REASON_LEVELS[code]) < LEVELS.index(level):
            level = REASON_LEVELS[code]
    return Reading(level=level, reasons=tuple(reasons))
