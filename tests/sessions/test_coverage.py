"""``sessions.coverage``: the sessions × roles matrix and its warnings, on hand-built inputs.

Every expected value below is worked out by hand from the inputs (see each test's comments), not
recomputed with the module's own code."""

import json

from sessions.coverage import (
    Coverage,
    CriterionRef,
    PlannedSession,
    coverage,
    evidence_from_contexts,
)

CATALOGUE = [
    CriterionRef("c1", "conductor"),
    CriterionRef("c2", "conductor"),
    CriterionRef("b1", "business_partner"),
    CriterionRef("b2", "business_partner"),
    CriterionRef("e1", "entrepreneur"),
    CriterionRef("e2", "entrepreneur"),
    CriterionRef("p1", "posture"),
]

SESSIONS = [
    PlannedSession(1, "held", frozenset({"conductor"}), frozenset({"b1"})),
    PlannedSession(2, "held", frozenset({"entrepreneur"})),
    # A cancelled session and a no-show (same number) count for nothing, whatever they target.
    PlannedSession(3, "cancelled", frozenset({"business_partner", "posture"}), frozenset({"b2"})),
    PlannedSession(3, "no_show", frozenset({"posture"}), frozenset({"e2"})),
    PlannedSession(4, "planned", frozenset({"conductor"}), frozenset({"c2"})),
]

EVIDENCE = {
    "c1": {1, 3},  # session 3 did not count: only 1 is kept
    "e1": {2},
    "e2": {3},  # only in the no-show's number: not evidenced
    "p1": {2},
    "b1": set(),
}


def test_the_matrix_counts_planned_and_held_sessions_and_crosses_plan_and_evidence():
    result = coverage(SESSIONS, CATALOGUE, EVIDENCE)

    # Rows: sessions 1, 2 and 4 (3 is cancelled or no-show).
    assert [(r.order, r.status) for r in result.rows] == [(1, "held"), (2, "held"), (4, "planned")]
    one, two, four = result.rows
    # Session 1 names conductor, and b1, a business-partner criterion.
    assert dict(one.targeted) == {
        "conductor": True,
        "business_partner": True,
        "entrepreneur": False,
        "posture": False,
    }
    # Evidence in 1: c1 (conductor) only.
    assert dict(one.evidenced) == {
        "conductor": True,
        "business_partner": False,
        "entrepreneur": False,
        "posture": False,
    }
    assert dict(two.targeted) == {
        "conductor": False,
        "business_partner": False,
        "entrepreneur": True,
        "posture": False,
    }
    # Evidence in 2: e1 (entrepreneur) and p1 (posture).
    assert dict(two.evidenced) == {
        "conductor": False,
        "business_partner": False,
        "entrepreneur": True,
        "posture": True,
    }
    assert dict(four.targeted) == {
        "conductor": True,
        "business_partner": False,
        "entrepreneur": False,
        "posture": False,
    }
    assert not any(four.evidenced.values())

    data = result.to_dict()["roles"]
    assert data["conductor"]["targeting"] == [1, 4] and data["conductor"]["evidencing"] == [1]
    assert data["business_partner"]["targeting"] == [1] and data["business_partner"]["evidencing"] == []
    assert data["entrepreneur"]["targeting"] == [2] and data["entrepreneur"]["evidencing"] == [2]
    assert data["posture"]["targeting"] == [] and data["posture"]["evidencing"] == [2]


def test_the_warnings():
    result = coverage(SESSIONS, CATALOGUE, EVIDENCE)

    # Conductor: 2 sessions (fine). Business partner and entrepreneur: one each. Posture: none.
    # Criteria: named by a counted plan = {b1, c2}; evidenced in a counted session = {c1, e1, p1};
    # left: b2 (named only by the cancelled session) and e2 (evidence only in the no-show's number).
    assert [w.to_dict() for w in result.warnings] == [
        {"code": "role_under_targeted", "role": "business_partner", "criterion": None, "sessions": 1},
        {"code": "role_under_targeted", "role": "entrepreneur", "criterion": None, "sessions": 1},
        {"code": "posture_not_targeted", "role": "posture", "criterion": None, "sessions": 0},
        {"code": "criterion_uncovered", "role": "business_partner", "criterion": "b2", "sessions": None},
        {"code": "criterion_uncovered", "role": "entrepreneur", "criterion": "e2", "sessions": None},
    ]
    assert result.uncovered_criteria == ["b2", "e2"]
    roles = result.to_dict()["roles"]
    assert roles["conductor"]["warnings"] == []
    assert [w["code"] for w in roles["business_partner"]["warnings"]] == [
        "role_under_targeted",
        "criterion_uncovered",
    ]
    assert [w["code"] for w in roles["posture"]["warnings"]] == ["posture_not_targeted"]


def test_a_role_targeted_by_no_session_is_said_with_zero():
    sessions = [PlannedSession(1, "planned", frozenset({"conductor", "posture"}))]
    result = coverage(sessions, [CriterionRef("c1", "conductor")], {"c1": {1}})
    assert [(w.code, w.role, w.sessions) for w in result.warnings] == [
        ("role_under_targeted", "conductor", 1),
        ("role_under_targeted", "business_partner", 0),
        ("role_under_targeted", "entrepreneur", 0),
    ]


def test_a_complete_plan_has_no_warning():
    sessions = [
        PlannedSession(1, "held", frozenset({"conductor", "business_partner"}), frozenset({"c1"})),
        PlannedSession(2, "held", frozenset({"entrepreneur", "posture"}), frozenset({"e1"})),
        PlannedSession(3, "planned", frozenset({"conductor", "business_partner", "entrepreneur"})),
    ]
    catalogue = [CriterionRef("c1", "conductor"), CriterionRef("b1", "business_partner"), *CATALOGUE[4:5]]
    # b1 is named by no plan but evidenced in session 1.
    result = coverage(sessions, catalogue, {"b1": {1}})
    assert result.warnings == ()
    assert result.to_dict()["roles"]["business_partner"]["evidencing"] == [1]


def test_hidden_evidence_says_nothing_about_evidence():
    result = coverage(SESSIONS, CATALOGUE, None)
    assert not result.evidence_visible
    assert all(value is None for row in result.rows for value in row.evidenced.values())
    assert result.to_dict()["roles"]["conductor"] == {"targeting": [1, 4], "evidencing": None, "warnings": []}
    # Role warnings stay (they come from the plan); criterion warnings need the evidence.
    assert [w.code for w in result.warnings] == [
        "role_under_targeted",
        "role_under_targeted",
        "posture_not_targeted",
    ]


def test_no_session_that_counts_means_no_warning():
    assert coverage([], CATALOGUE, {}).warnings == ()
    cancelled = [PlannedSession(1, "cancelled", frozenset({"conductor"}))]
    result = coverage(cancelled, CATALOGUE, {"c1": {1}})
    assert result.rows == () and result.warnings == ()
    assert result.to_dict()["roles"]["conductor"] == {"targeting": [], "evidencing": [], "warnings": []}


def test_a_criterion_outside_the_catalogue_is_ignored():
    sessions = [PlannedSession(1, "held", criteria=frozenset({"old_code"}))]
    result = coverage(sessions, [CriterionRef("c1", "conductor")], {"old_code": {1}})
    assert not any(result.rows[0].targeted.values()) and not any(result.rows[0].evidenced.values())


def test_evidence_from_contexts_keeps_the_session_numbers():
    pairs = [
        ("c1", ["screening", "session_2", "session_4", "reference"]),
        ("c2", ["other"]),
        ("c3", []),
    ]
    assert evidence_from_contexts(pairs) == {"c1": {2, 4}, "c2": set(), "c3": set()}


def test_round_trip_through_json():
    result = coverage(SESSIONS, CATALOGUE, EVIDENCE)
    data = json.loads(json.dumps(result.to_dict()))
    assert data == result.to_dict()
    assert Coverage.from_dict(data).to_dict() == data
    assert Coverage.from_dict(data).uncovered_criteria == ["b2", "e2"]
