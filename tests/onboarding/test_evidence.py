"""The pure rules of ``onboarding.evidence``, on hand-made values."""

import pytest

from onboarding import evidence


def test_weakest_criteria_skip_unknown_scores_and_break_ties_in_framework_order():
    criteria = [
        {"code": "a", "score": 3.0, "order": 2},
        {"code": "b", "score": None, "order": 1},
        {"code": "c", "score": 2.0, "order": 5},
        {"code": "d", "score": 3.0, "order": 1},
        {"code": "e", "score": 4.5, "order": 0},
    ]
    assert [c["code"] for c in evidence.weakest_criteria(criteria)] == ["c", "d", "a"]


def test_domains_without_experience_keep_the_mandate_order():
    assert evidence.domains_without_experience(["it", "hr", "legal"], {"it": 0, "hr": 2}) == ["it", "legal"]


def coverage(evidencing, visible=True, sessions=True):
    return {
        "evidence_visible": visible,
        "sessions": [{"order": 1}] if sessions else [],
        "roles": {g: {"evidencing": e} for g, e in evidencing.items()},
    }


def test_a_role_first_evidenced_in_session_three_or_never_is_late():
    data = coverage({"conductor": [1, 3], "business_partner": [3, 4], "entrepreneur": [], "posture": [2]})
    assert evidence.late_roles(data) == [("business_partner", 3), ("entrepreneur", None)]
    assert evidence.late_roles(coverage({"conductor": []}, visible=False)) == []
    assert evidence.late_roles(coverage({"conductor": []}, sessions=False)) == []


def test_punctuation_mismatch_needs_both_accounts_and_a_difference():
    accounts = [
        {"order": 2, "ceo": "Le délai", "candidate": "  le   DÉLAI ", "mediator": ""},
        {"order": 1, "ceo": "Le budget", "candidate": "La méthode", "mediator": "x"},
        {"order": 3, "ceo": "", "candidate": "Seule", "mediator": ""},
    ]
    assert [a["order"] for a in evidence.punctuation_mismatches(accounts)] == [1]


def test_perception_splits_largest_first():
    gaps = {
        "ceo": {"a": 1.0, "b": 0.5, "c": -1.0, "d": None},
        "candidate": {"a": -1.0, "b": 0.0, "c": 0.5, "d": 1},
    }
    rows = evidence.perception_splits(gaps, ["a", "b", "c", "d"])
    assert [(r["code"], r["split"]) for r in rows] == [("a", 2.0), ("c", -1.5)]


def test_observed_is_the_mean_of_the_parties_means():
    assert evidence.observed_index({"ceo": {"x": 4, "y": 2}, "cso": {"x": 5, "y": 5}}) == pytest.approx(4.0)
    assert evidence.observed_index({"ceo": {"x": 3}}) == 3.0
    assert evidence.observed_index({}) is None


def test_aggregate_counts_only_hires_with_both_figures():
    rows = [
        {"predicted": 3.0, "observed": 4.0},
        {"predicted": 4.0, "observed": 3.5},
        {"predicted": None, "observed": 2.0},
    ]
    summary = evidence.aggregate(rows)
    assert summary == {
        "hires": 3,
        "n": 2,
        "predicted": 3.5,
        "observed": 3.75,
        "gap": pytest.approx(0.25),
        "abs_gap": pytest.approx(0.75),
    }
    assert evidence.aggregate([])["gap"] is None
