"""Coverage of the roles by an application's working sessions — pure (no ORM), documented.

The plan of each session names the roles and criteria it targets; the counted scorecards say
which roles were actually seen at work in which session. This module crosses the two into a
matrix sessions × roles and the warnings a recruiter needs before (and while) the sessions run.

Inputs (gathered by ``sessions.selectors.coverage_for``):

* ``sessions``: :class:`PlannedSession` values — the session number (``order``, 1–4, the
  ``session_number`` of the session-context scorecards), its status, and the codes of the roles
  and criteria its plan targets;
* ``criteria``: :class:`CriterionRef` values — every criterion of the catalogue (code and role
  group: ``conductor``, ``business_partner``, ``entrepreneur`` or ``posture``), in display order;
* ``evidence``: ``{criterion code: {session numbers}}`` — the sessions in which the criterion has
  at least one **counted** rating with evidence (a value 1–5, not NE) in a scorecard of context
  "working session" with that session number. "Counted" is the figures engine's rule
  (``assessments.selectors.counted_scorecards_q``: submitted, in the revision that stands); the
  selector reads it from the stored figures (each criterion's evidence ``contexts``
  ``"session_1"`` … ``"session_4"``). ``None`` when the viewer may not see other raters' ratings
  (independence rule): nothing is then said about evidence.

Rules:

1. **Sessions that count**: planned or held. Cancelled sessions (their number may be reused) and
   no-shows (nothing took place) are left out of the matrix and of every count.
2. A session **targets** a role when its plan names the role, or names one of the role's criteria.
3. A session **evidences** a role when at least one of the role's criteria has evidence in that
   session (rule of ``evidence`` above). Unknown (``None``) when evidence is hidden.
4. **Warnings**, only once at least one session counts (before that there is no plan to check):

   * ``role_under_targeted``: one of the three roles (conductor, business partner, entrepreneur)
     is targeted in fewer than :data:`MIN_TARGETED_SESSIONS` (2) sessions;
   * ``posture_not_targeted``: no session targets posture and mindset;
   * ``criterion_uncovered``: a criterion that no session's plan names **and** that has no
     evidence in any session that counts — only when evidence is visible (otherwise "not
     evidenced" cannot be told).

Shapes: :func:`coverage` returns a :class:`Coverage`, whose ``to_dict`` is JSON-ready and
``from_dict`` reads it back (the report's snapshot stores it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "COUNTED_STATUSES",
    "GROUPS",
    "MIN_TARGETED_SESSIONS",
    "POSTURE",
    "ROLES",
    "Coverage",
    "CriterionRef",
    "PlannedSession",
    "RoleCoverage",
    "SessionRow",
    "CoverageWarning",
    "coverage",
    "evidence_from_contexts",
]

#: The three CSO roles, each to be targeted in at least two sessions.
ROLES: tuple[str, ...] = ("conductor", "business_partner", "entrepreneur")
#: Posture and mindset: to be targeted at least once.
POSTURE = "posture"
#: The matrix's columns, in the framework's order.
GROUPS: tuple[str, ...] = (*ROLES, POSTURE)
MIN_TARGETED_SESSIONS = 2
#: Session statuses that count (``WorkingSession.Status`` values).
COUNTED_STATUSES: frozenset[str] = frozenset({"planned", "held"})


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """One session's plan: ``order`` (1–4), ``status`` (``planned``, ``held``, ``cancelled``,
    ``no_show``), targeted role codes and targeted criterion codes."""

    order: int
    status: str
    roles: frozenset[str] = frozenset()
    criteria: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CriterionRef:
    """A criterion of the catalogue: its code and role group."""

    code: str
    group: str


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One row of the matrix: the session number, its status, and per role group (every code of
    :data:`GROUPS`) whether it is targeted (bool) and evidenced (bool, ``None`` when hidden)."""

    order: int
    status: str
    targeted: Mapping[str, bool]
    evidenced: Mapping[str, bool | None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "status": self.status,
            "targeted": dict(self.targeted),
            "evidenced": dict(self.evidenced),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionRow:
        return cls(
            order=data["order"],
            status=data["status"],
            targeted=dict(data["targeted"]),
            evidenced=dict(data["evidenced"]),
        )

    @property
    def cells(self) -> list[tuple[str, bool, bool | None]]:
        """``[(group, targeted, evidenced)]`` in :data:`GROUPS` order (for templates)."""
        return [(g, self.targeted.get(g, False), self.evidenced.get(g)) for g in GROUPS]


@dataclass(frozen=True, slots=True)
class CoverageWarning:
    """One warning: ``code`` (``role_under_targeted``, ``posture_not_targeted`` or
    ``criterion_uncovered``), the ``role`` group it is about, the ``criterion`` code (criterion
    warnings only) and ``sessions``, the number of sessions targeting the role (role warnings)."""

    code: str
    role: str
    criterion: str | None = None
    sessions: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "role": self.role, "criterion": self.criterion, "sessions": self.sessions}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CoverageWarning:
        return cls(
            code=data["code"],
            role=data["role"],
            criterion=data.get("criterion"),
            sessions=data.get("sessions"),
        )


@dataclass(frozen=True, slots=True)
class RoleCoverage:
    """Per role group: the numbers of the sessions targeting it and evidencing it (``None`` when
    evidence is hidden), ascending, and the warnings about it."""

    targeting: tuple[int, ...]
    evidencing: tuple[int, ...] | None
    warnings: tuple[CoverageWarning, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "targeting": list(self.targeting),
            "evidencing": None if self.evidencing is None else list(self.evidencing),
            "warnings": [w.to_dict() for w in self.warnings],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoleCoverage:
        evidencing = data.get("evidencing")
        return cls(
            targeting=tuple(data["targeting"]),
            evidencing=None if evidencing is None else tuple(evidencing),
            warnings=tuple(CoverageWarning.from_dict(w) for w in data["warnings"]),
        )


@dataclass(frozen=True, slots=True)
class Coverage:
    """The coverage of one application: ``rows`` (sessions that count, by number), ``roles``
    (:data:`GROUPS` → :class:`RoleCoverage`), every ``warnings`` (role warnings in role order, then
    criterion warnings in catalogue order) and ``evidence_visible``."""

    rows: tuple[SessionRow, ...]
    roles: Mapping[str, RoleCoverage]
    warnings: tuple[CoverageWarning, ...]
    evidence_visible: bool
    groups: tuple[str, ...] = field(default=GROUPS)

    @property
    def role_warnings(self) -> list[CoverageWarning]:
        return [w for w in self.warnings if w.criterion is None]

    @property
    def uncovered_criteria(self) -> list[str]:
        """Codes of the criteria neither targeted nor evidenced, in catalogue order."""
        return [w.criterion for w in self.warnings if w.criterion is not None]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"sessions": [row], "roles": {group: {targeting, evidencing, warnings}},
        "warnings": [warning], "evidence_visible": bool}``."""
        return {
            "sessions": [r.to_dict() for r in self.rows],
            "roles": {g: self.roles[g].to_dict() for g in self.groups},
            "warnings": [w.to_dict() for w in self.warnings],
            "evidence_visible": self.evidence_visible,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Coverage:
        return cls(
            rows=tuple(SessionRow.from_dict(r) for r in data["sessions"]),
            roles={g: RoleCoverage.from_dict(v) for g, v in data["roles"].items()},
            warnings=tuple(CoverageWarning.from_dict(w) for w in data["warnings"]),
            evidence_visible=data["evidence_visible"],
        )


def evidence_from_contexts(criteria_contexts: Iterable[tuple[str, Iterable[str]]]) -> dict[str, set[int]]:
    """``{criterion code: {session numbers}}`` from ``(code, contexts)`` pairs, where contexts are
    the evidence context keys of ``assessments.summary.context_key`` (``"session_2"`` → 2; other
    contexts — screening, reference… — are not sessions and are dropped)."""
    evidence: dict[str, set[int]] = {}
    for code, contexts in criteria_contexts:
        numbers = set()
        for key in contexts:
            prefix, _sep, number = str(key).partition("session_")
            if not prefix and number.isdigit():
                numbers.add(int(number))
        evidence[code] = numbers
    return evidence


def coverage(
    sessions: Iterable[PlannedSession],
    criteria: Iterable[CriterionRef],
    evidence: Mapping[str, Iterable[int]] | None,
) -> Coverage:
    """The coverage matrix and warnings of one application (rules in the module docstring).

    Args:
        sessions: every session of the application (any status; only planned and held count).
        criteria: the catalogue's criteria (code, group) in display order.
        evidence: ``{criterion code: session numbers with counted evidence}``, or ``None`` when
            hidden from the viewer.
    """
    criteria = list(criteria)
    group_of = {c.code: c.group for c in criteria}
    counted = sorted((s for s in sessions if s.status in COUNTED_STATUSES), key=lambda s: s.order)
    numbers = {s.order for s in counted}
    visible = evidence is not None
    seen: dict[str, set[int]] = (
        {code: set(orders) & numbers for code, orders in evidence.items()} if visible else {}
    )

    rows = []
    targeting: dict[str, list[int]] = {g: [] for g in GROUPS}
    evidencing: dict[str, list[int]] = {g: [] for g in GROUPS}
    for session in counted:
        targeted_groups = set(session.roles) | {group_of[c] for c in session.criteria if c in group_of}
        evidenced_groups = {
            group_of[code] for code, orders in seen.items() if session.order in orders and code in group_of
        }
        targeted = {g: g in targeted_groups for g in GROUPS}
        evidenced = {g: (g in evidenced_groups) if visible else None for g in GROUPS}
        for g in GROUPS:
            if targeted[g]:
                targeting[g].append(session.order)
            if evidenced[g]:
                evidencing[g].append(session.order)
        rows.append(
            SessionRow(order=session.order, status=session.status, targeted=targeted, evidenced=evidenced)
        )

    warnings: list[CoverageWarning] = []
    if counted:
        for role in ROLES:
            if len(targeting[role]) < MIN_TARGETED_SESSIONS:
                warnings.append(
                    CoverageWarning(code="role_under_targeted", role=role, sessions=len(targeting[role]))
                )
        if not targeting[POSTURE]:
            warnings.append(CoverageWarning(code="posture_not_targeted", role=POSTURE, sessions=0))
        if visible:
            named = set().union(*(s.criteria for s in counted))
            for criterion in criteria:
                if criterion.code not in named and not seen.get(criterion.code):
                    warnings.append(
                        CoverageWarning(
                            code="criterion_uncovered", role=criterion.group, criterion=criterion.code
                        )
                    )

    roles = {
        g: RoleCoverage(
            targeting=tuple(targeting[g]),
            evidencing=tuple(evidencing[g]) if visible else None,
            warnings=tuple(w for w in warnings if w.role == g),
        )
        for g in GROUPS
    }
    return Coverage(rows=tuple(rows), roles=roles, warnings=tuple(warnings), evidence_visible=visible)
