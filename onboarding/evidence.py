"""What the start kit is seeded from, and predicted versus observed compatibility — pure (no ORM).

Inputs come from the stored figures (``figures.models.ApplicationFigures``: each criterion's score,
the compatibility readings), the candidate's years per domain, the sessions' coverage
(``sessions.coverage``), the debriefs' and observations' punctuation and the check-ins' ratings;
``onboarding.selectors`` gathers them.

Rules:

* **Weakest criteria** (:func:`weakest_criteria`): the :data:`WEAKEST_COUNT` criteria with the
  lowest known score (mean of the raters' values, 1–5, ``assessments.summary``), ties in framework
  order; a criterion without evidence is not "weak", it is unknown, and is left out.
* **Domains without experience** (:func:`domains_without_experience`): in-scope domains where the
  candidate declared 0 years.
* **Roles evidenced late** (:func:`late_roles`): a role group (the three roles and posture) whose
  first session with counted evidence is session :data:`LATE_FROM_SESSION` (3) or later, or that no
  session that counts evidenced; nothing is said when evidence is hidden or no session counts.
* **Punctuation mismatches** (:func:`punctuation_mismatches`): sessions where the CEO and the
  candidate both said what started the main disagreement and their accounts differ (Watzlawick,
  Beavin & Jackson 1967, third axiom: each party punctuates the sequence its own way).
* **Perception splits** (:func:`perception_splits`): dimensions where the CEO's and the candidate's
  mean perception gaps to the mediator (party − mediator, ``sessions.compatibility``) differ by at
  least :data:`SPLIT_THRESHOLD` (1 rating point), largest first.
* **Observed compatibility** (:func:`observed_index`): for one check-in, each party's mean rating
  over the dimensions they rated, then the mean of the parties who checked in (one party, one
  voice, as for raters), on the debriefs' 1–5 scale.
* **Predicted compatibility** is the stored compatibility index of the sessions (mean over the held
  and observed sessions of each session's mean mediator rating, ``sessions.compatibility``), same
  scale. **Gap** = observed − predicted (positive: the relationship works better than the sessions
  said). :func:`aggregate` gives, over hires, n, the mean predicted, the mean observed, the mean
  gap and the mean absolute gap (counting only hires with both figures).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

WEAKEST_COUNT = 3
LATE_FROM_SESSION = 3
SPLIT_THRESHOLD = 1.0
ROLE_GROUPS = ("conductor", "business_partner", "entrepreneur", "posture")


def _mean(values) -> float | None:
    values = [float(v) for v in values if v is not None]
    return sum(values) / len(values) if values else None


def weakest_criteria(criteria: Iterable[Mapping[str, Any]], count: int = WEAKEST_COUNT) -> list[dict]:
    """The ``count`` criteria with the lowest known ``score``, ties by ``order`` then ``code``.

    ``criteria``: the stored criterion dicts (``code``, ``score`` 1–5 or ``None``, ``order``, …).
    Returns copies of those dicts, weakest first."""
    known = [dict(c) for c in criteria if c.get("score") is not None]
    known.sort(key=lambda c: (c["score"], c.get("order", 0), c["code"]))
    return known[:count]


def domains_without_experience(domains: Iterable[str], years: Mapping[str, Any]) -> list[str]:
    """The in-scope ``domains`` (in the given order) where ``years[domain]`` is 0 or missing."""
    return [d for d in domains if not years.get(d)]


def late_roles(coverage: Mapping[str, Any]) -> list[tuple[str, int | None]]:
    """``[(role group, first evidencing session number or None)]`` of the groups evidenced late.

    ``coverage``: ``sessions.coverage.Coverage.to_dict()``. Empty when evidence is hidden or no
    session counts."""
    if not coverage.get("evidence_visible") or not coverage.get("sessions"):
        return []
    late = []
    for group in ROLE_GROUPS:
        evidencing = (coverage["roles"].get(group) or {}).get("evidencing") or []
        first = min(evidencing) if evidencing else None
        if first is None or first >= LATE_FROM_SESSION:
            late.append((group, first))
    return late


def _normalised(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def punctuation_mismatches(accounts: Iterable[Mapping[str, Any]]) -> list[dict]:
    """The sessions whose CEO and candidate accounts both exist and differ.

    ``accounts``: ``{"order", "ceo", "candidate", "mediator"}`` per session (texts, ``""`` when not
    given). Returns those dicts (copies), in session order."""
    out = []
    for account in sorted(accounts, key=lambda a: a["order"]):
        ceo, candidate = _normalised(account.get("ceo", "")), _normalised(account.get("candidate", ""))
        if ceo and candidate and ceo != candidate:
            out.append(dict(account))
    return out


def perception_splits(
    gap_means: Mapping[str, Mapping[str, float | None]] | None,
    dimensions: Iterable[str],
    threshold: float = SPLIT_THRESHOLD,
) -> list[dict]:
    """``[{"code", "ceo", "candidate", "split"}]`` for the ``dimensions`` where both parties' mean
    gaps are known and ``|ceo − candidate| ≥ threshold``; ``split`` = ceo − candidate (rating
    points), largest ``|split|`` first, ties in dimension order."""
    gap_means = gap_means or {}
    ceo, candidate = gap_means.get("ceo") or {}, gap_means.get("candidate") or {}
    rows = []
    for index, code in enumerate(dimensions):
        a, b = ceo.get(code), candidate.get(code)
        if a is None or b is None:
            continue
        split = a - b
        if abs(split) >= threshold:
            rows.append((-abs(split), index, {"code": code, "ceo": a, "candidate": b, "split": split}))
    return [row for *_key, row in sorted(rows, key=lambda r: (r[0], r[1]))]


def observed_index(ratings_by_party: Mapping[str, Mapping[str, int | None] | None]) -> float | None:
    """The observed compatibility of one check-in: the mean of each party's mean rating (1–5)
    over the parties who rated something; ``None`` when nobody did."""
    return _mean(_mean((r or {}).values()) for r in ratings_by_party.values())


def gap(predicted: float | None, observed: float | None) -> float | None:
    """Observed − predicted (rating points), ``None`` unless both are known."""
    return None if predicted is None or observed is None else observed - predicted


def aggregate(rows: Iterable[Mapping[str, Any]]) -> dict:
    """Over ``rows`` (``{"predicted", "observed"}`` each, floats or ``None``): ``{"hires", "n",
    "predicted", "observed", "gap", "abs_gap"}`` — ``hires`` counts every row, ``n`` the rows with
    both figures, and the four means are over those ``n`` rows (``None`` when ``n`` is 0)."""
    rows = list(rows)
    both = [r for r in rows if r.get("predicted") is not None and r.get("observed") is not None]
    return {
        "hires": len(rows),
        "n": len(both),
        "predicted": _mean(r["predicted"] for r in both),
        "observed": _mean(r["observed"] for r in both),
        "gap": _mean(r["observed"] - r["predicted"] for r in both),
        "abs_gap": _mean(abs(r["observed"] - r["predicted"]) for r in both),
    }
