"""Tests for sessions.compatibility and sessions.ipa (pure: no database, no settings)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessions import ipa
from sessions.compatibility import (
    MIN_SESSIONS_FOR_VERDICT,
    SessionInput,
    compatibility_summary,
    ipa_figures,
    least_squares_slope,
    perception_gaps,
)

DIMS = ipa.DIMENSION_CODES  # listening, …, rally, then metacommunication (added last)


def ratings(*values):
    """Ratings in DIMENSION_CODES order. Eight values leave the ninth dimension (explicit
    meta-communication, added later) unrated, as in the observations and debriefs made before it."""
    assert len(values) in (len(DIMS), len(DIMS) - 1)
    values = tuple(values) + (None,) * (len(DIMS) - len(values))
    return dict(zip(DIMS, values, strict=True))


def held(order, verdict="compatible", values=(3,) * 8, **kwargs):
    return SessionInput(
        order=order,
        status="held",
        observed=True,
        dimension_ratings=ratings(*values),
        verdict=verdict,
        **kwargs,
    )


# =========================================================================== ipa.py constants


def test_ipa_has_twelve_categories_in_bales_order():
    assert [c.number for c in ipa.IPA_CATEGORIES] == list(range(1, 13))
    assert ipa.IPA_CODES == (
        "solidarity",
        "tension_release",
        "agrees",
        "gives_suggestion",
        "gives_opinion",
        "gives_orientation",
        "asks_orientation",
        "asks_opinion",
        "asks_suggestion",
        "disagrees",
        "shows_tension",
        "antagonism",
    )
    numbers = {g: sorted(c.number for c in ipa.IPA_CATEGORIES if c.group == g) for g in ipa.IPA_GROUP_CODES}
    assert numbers == {
        ipa.GROUP_POSITIVE: [1, 2, 3],
        ipa.GROUP_TASK_ANSWERS: [4, 5, 6],
        ipa.GROUP_TASK_QUESTIONS: [7, 8, 9],
        ipa.GROUP_NEGATIVE: [10, 11, 12],
    }
    assert ipa.TASK_CODES == ipa.ANSWER_CODES | ipa.QUESTION_CODES
    assert all(c.label_en and c.label_fr for c in ipa.IPA_CATEGORIES)


def test_dimensions_have_bilingual_anchors_at_1_3_5():
    assert DIMS == (
        "listening",
        "turn_taking",
        "disagreement",
        "pattern",
        "congruence",
        "shared_decision",
        "trust",
        "rally",
        "metacommunication",
    )
    for dim in ipa.DIMENSIONS:
        assert dim.label_en and dim.label_fr
        assert [a.level for a in dim.anchors] == [1, 3, 5]
        for a in dim.anchors:
            assert a.text_en.strip() and a.text_fr.strip()
        assert dim.anchor(3) is dim.anchors[1]
        assert dim.anchor(2) is None
        with pytest.raises(ValueError):
            dim.anchor(6)
    # 5 = flexible alternation, 1 = rigid escalation.
    pattern = ipa.DIMENSIONS_BY_CODE["pattern"]
    assert "escalation" in pattern.anchor(1).text_en
    assert "flexibly" in pattern.anchor(5).text_en


def test_parties_and_verdicts():
    assert ipa.PARTIES == ("ceo", "candidate")
    assert ipa.VERDICTS == ("compatible", "to_confirm", "not_compatible")
    assert set(ipa.VERDICT_LABELS_FR) == set(ipa.VERDICTS)


# =========================================================================== ipa_figures

HAND_TALLY = {
    # CEO: positive 2+1+3 = 6, answers 6+5+4 = 15, questions 1+2+0 = 3, negative 4+2+0 = 6 → 30 acts
    "ceo": {
        "solidarity": 2,
        "tension_release": 1,
        "agrees": 3,
        "gives_suggestion": 6,
        "gives_opinion": 5,
        "gives_orientation": 4,
        "asks_orientation": 1,
        "asks_opinion": 2,
        "asks_suggestion": 0,
        "disagrees": 4,
        "shows_tension": 2,
        "antagonism": 0,
    },
    # candidate: positive 1+1+4 = 6, answers 2+3+3 = 8, questions 2+2+2 = 6, negative 0 → 20 acts
    # (codes with 0 are simply omitted)
    "candidate": {
        "solidarity": 1,
        "tension_release": 1,
        "agrees": 4,
        "gives_suggestion": 2,
        "gives_opinion": 3,
        "gives_orientation": 3,
        "asks_orientation": 2,
        "asks_opinion": 2,
        "asks_suggestion": 2,
    },
}


def test_ipa_figures_on_a_hand_tally():
    fig = ipa_figures(HAND_TALLY)
    ceo = fig.parties["ceo"]
    assert ceo.total == 30
    assert ceo.task_acts == 18  # 15 answers + 3 questions
    assert ceo.task_share == pytest.approx(0.6)  # 18 / 30
    assert ceo.socio_emotional_share == pytest.approx(0.4)  # 12 / 30
    assert (ceo.positive, ceo.negative) == (6, 6)
    assert ceo.positive_negative_ratio == pytest.approx(1.0)  # 6 / 6
    assert (ceo.questions, ceo.answers) == (3, 15)
    assert ceo.question_answer_ratio == pytest.approx(0.2)  # 3 / 15

    cand = fig.parties["candidate"]
    assert cand.total == 20
    assert cand.task_share == pytest.approx(0.7)  # (8 + 6) / 20
    assert cand.socio_emotional_share == pytest.approx(0.3)  # 6 / 20
    assert (cand.positive, cand.negative) == (6, 0)
    assert cand.positive_negative_ratio is None  # no negative act: no ratio, never infinity
    assert cand.question_answer_ratio == pytest.approx(0.75)  # 6 / 8
    assert cand.counts["asks_suggestion"] == 2 and cand.counts["antagonism"] == 0

    overall = fig.overall
    assert overall.total == 50
    assert overall.task_share == pytest.approx(0.64)  # 32 / 50
    assert overall.socio_emotional_share == pytest.approx(0.36)  # 18 / 50
    assert overall.positive_negative_ratio == pytest.approx(2.0)  # 12 / 6
    assert (overall.questions, overall.answers) == (9, 23)
    assert overall.question_answer_ratio == pytest.approx(9 / 23)  # ≈ 0.3913

    assert fig.participation_share == {
        "ceo": pytest.approx(0.6),
        "candidate": pytest.approx(0.4),
    }  # 30/50, 20/50
    assert json.loads(json.dumps(fig.to_dict()))["overall"]["total"] == 50


def test_ipa_figures_with_no_acts_gives_none_shares():
    fig = ipa_figures({})
    assert fig.overall.total == 0
    assert fig.overall.task_share is None
    assert fig.overall.socio_emotional_share is None
    assert fig.overall.positive_negative_ratio is None
    assert fig.overall.question_answer_ratio is None
    assert fig.participation_share == {"ceo": None, "candidate": None}


def test_ipa_figures_one_silent_party():
    fig = ipa_figures({"ceo": {"gives_opinion": 4}})
    assert fig.participation_share == {"ceo": 1.0, "candidate": 0.0}
    assert fig.parties["candidate"].task_share is None
    assert fig.parties["ceo"].question_answer_ratio == 0.0  # 0 questions / 4 answers


@pytest.mark.parametrize(
    "tallies",
    [
        {"ceo": {"agrees": -1}},
        {"ceo": {"smiles": 1}},  # unknown code
        {"mediator": {"agrees": 1}},  # unknown party
        {"ceo": {"agrees": 1.5}},
        {"ceo": {"agrees": True}},
        {"ceo": {"agrees": "3"}},
    ],
)
def test_ipa_figures_rejects_bad_tallies(tallies):
    with pytest.raises(ValueError):
        ipa_figures(tallies)


# =========================================================================== perception_gaps


def test_perception_gaps_party_minus_mediator():
    mediator = {"listening": 3, "turn_taking": 4, "trust": 2, "rally": None}
    ceo = {"listening": 5, "turn_taking": 2, "trust": 2, "rally": 4, "pattern": 3}
    gaps = perception_gaps(mediator, ceo)
    assert list(gaps) == list(DIMS)
    assert gaps["listening"] == 2  # 5 − 3: the CEO saw better listening than the mediator
    assert gaps["turn_taking"] == -2  # 2 − 4
    assert gaps["trust"] == 0
    assert gaps["rally"] is None  # mediator did not rate it
    assert gaps["pattern"] is None  # mediator did not rate it (key missing)
    assert gaps["congruence"] is None  # neither rated it


@pytest.mark.parametrize(
    ("mediator", "party"),
    [
        ({"listening": 6}, {}),
        ({}, {"listening": 0}),
        ({"charisma": 3}, {}),
        ({"listening": 2.5}, {}),
    ],
)
def test_perception_gaps_rejects_bad_ratings(mediator, party):
    with pytest.raises(ValueError):
        perception_gaps(mediator, party)


# =========================================================================== least_squares_slope


def test_slope_by_hand():
    # x = 1, 2, 3 (x̄ = 2); y = 3.0, 4.0, 3.5 (ȳ = 3.5)
    # Sxy = (−1)(−0.5) + 0·0.5 + (1)(0) = 0.5 ; Sxx = 1 + 0 + 1 = 2 → slope = 0.25
    assert least_squares_slope([3.0, 4.0, 3.5]) == pytest.approx(0.25)
    assert least_squares_slope([1, 2, 3, 4]) == pytest.approx(1.0)
    assert least_squares_slope([5, 1]) == pytest.approx(-4.0)


def test_slope_needs_two_values():
    assert least_squares_slope([]) is None
    assert least_squares_slope([4.2]) is None


def test_slope_rejects_non_finite():
    with pytest.raises(ValueError):
        least_squares_slope([1.0, float("nan")])


@given(
    c=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    n=st.integers(min_value=2, max_value=30),
)
def test_slope_of_constant_series_is_zero(c, n):
    assert least_squares_slope([c] * n) == 0.0


@given(
    a=st.floats(min_value=-100, max_value=100),
    b=st.floats(min_value=-10, max_value=10),
    n=st.integers(min_value=2, max_value=20),
)
def test_slope_of_exact_line_is_its_slope(a, b, n):
    assert least_squares_slope([a + b * i for i in range(1, n + 1)]) == pytest.approx(b, abs=1e-6)


# =========================================================================== compatibility_summary: hand case

#                listening turn  disagr pattern congr shared trust rally   sum / rated = mean
S1 = (3, 3, 3, 3, 3, 3, 3, None)  # 21 / 7 = 3.0 (rally: no evidence, excluded, not counted as 1)
S2 = (5, 3, 4, 4, 5, 3, 4, 4)  # 32 / 8 = 4.0
S3 = (4, 4, 3, 3, 4, 4, 3, 3)  # 28 / 8 = 3.5


def hand_case():
    return [
        held(
            1,
            "to_confirm",
            S1,
            ceo_debrief={"listening": 4, "turn_taking": 2, "rally": 5},
            candidate_debrief=ratings(3, 3, 3, 3, 3, 3, 3, 3),
            tallies=HAND_TALLY,
            confidence=3,
        ),
        # cancelled session with harsh ratings: must be ignored everywhere but the list
        SessionInput(
            order=2, status="cancelled", dimension_ratings=ratings(*(1,) * 8), verdict="not_compatible"
        ),
        held(3, "compatible", S2, ceo_debrief={"listening": 5}, confidence=4),
        held(4, "compatible", S3, confidence=5),
        # held but the mediator has not submitted an observation yet: not counted
        SessionInput(order=5, status="held", observed=False, dimension_ratings=ratings(*(1,) * 8)),
    ]


def test_summary_hand_computed():
    summary = compatibility_summary(list(reversed(hand_case())))  # input order does not matter
    assert summary.held_sessions == 3  # orders 1, 3, 4
    # index = (3.0 + 4.0 + 3.5) / 3 = 10.5 / 3 = 3.5
    assert summary.index == pytest.approx(3.5)
    # index_100 = (3.5 − 1) / 4 · 100 = 62.5
    assert summary.index_100 == pytest.approx(62.5)
    # trend over ranks 1, 2, 3 (not order numbers 1, 3, 4): see test_slope_by_hand → 0.25 point/session
    assert summary.trend == pytest.approx(0.25)
    # verdicts to_confirm, compatible, compatible: all compatible/to_confirm and the last two compatible
    assert summary.verdict == "compatible"
    assert summary.verdict_reason == "last_two_compatible"

    dm = summary.dimension_means
    assert dm["listening"] == pytest.approx(4.0)  # (3 + 5 + 4) / 3
    assert dm["turn_taking"] == pytest.approx(10 / 3)  # (3 + 3 + 4) / 3
    assert dm["congruence"] == pytest.approx(4.0)  # (3 + 5 + 4) / 3
    assert dm["trust"] == pytest.approx(10 / 3)  # (3 + 4 + 3) / 3
    assert dm["rally"] == pytest.approx(3.5)  # (4 + 3) / 2: session 1 had no evidence

    gm = summary.perception_gap_means
    assert gm["ceo"]["listening"] == pytest.approx(0.5)  # S1: 4 − 3 = +1 ; S3: 5 − 5 = 0 → 0.5
    assert gm["ceo"]["turn_taking"] == pytest.approx(-1.0)  # S1: 2 − 3 = −1 only
    assert gm["ceo"]["rally"] is None  # S1: mediator did not rate rally
    assert gm["ceo"]["trust"] is None  # the CEO never rated trust
    assert gm["candidate"]["listening"] == pytest.approx(0.0)  # S1: 3 − 3
    assert gm["candidate"]["rally"] is None

    rows = summary.sessions
    assert [r["order"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["counted"] for r in rows] == [True, False, True, True, False]
    assert [r["mean_rating"] for r in rows] == [3.0, 1.0, 4.0, 3.5, 1.0]
    assert [r["confidence"] for r in rows] == [3, None, 4, 5, None]
    assert rows[0]["ipa"]["participation_share"] == {"ceo": 0.6, "candidate": 0.4}
    assert rows[1]["ipa"] is None
    assert rows[0]["perception_gaps"]["ceo"]["listening"] == 1
    assert rows[0]["perception_gaps"]["candidate"]["rally"] is None
    assert rows[2]["perception_gaps"]["candidate"] is None  # no candidate debrief for session 3

    data = summary.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["verdict"] == "compatible" and data["min_sessions_for_verdict"] == 3


# =========================================================================== verdict rules

C, T, N = "compatible", "to_confirm", "not_compatible"


def verdict_of(*verdicts):
    s = compatibility_summary([held(i, v) for i, v in enumerate(verdicts, start=1)])
    return s.verdict, s.verdict_reason


def test_two_sessions_give_no_verdict():
    assert MIN_SESSIONS_FOR_VERDICT == 3
    summary = compatibility_summary([held(1, C), held(2, C)])
    assert summary.verdict is None
    assert summary.verdict_reason == "needs_three_sessions"
    assert summary.held_sessions == 2
    assert summary.index == pytest.approx(3.0)  # index and trend are still shown
    assert summary.trend == 0.0


def test_unobserved_or_cancelled_sessions_do_not_make_three():
    sessions = [
        held(1, C),
        held(2, C),
        SessionInput(order=3, status="held", observed=False, verdict=C),
        SessionInput(order=4, status="no_show", observed=True, verdict=C),
    ]
    summary = compatibility_summary(sessions)
    assert summary.held_sessions == 2
    assert (summary.verdict, summary.verdict_reason) == (None, "needs_three_sessions")


def test_no_sessions():
    summary = compatibility_summary([])
    assert summary.held_sessions == 0
    assert summary.index is None and summary.index_100 is None and summary.trend is None
    assert (summary.verdict, summary.verdict_reason) == (None, "needs_three_sessions")
    assert summary.dimension_means == dict.fromkeys(DIMS)
    assert summary.perception_gap_means == {"ceo": dict.fromkeys(DIMS), "candidate": dict.fromkeys(DIMS)}


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ((C, C, C), (C, "all_compatible")),
        ((C, C, C, C), (C, "all_compatible")),
        ((T, T, C, C), (C, "last_two_compatible")),
        ((C, C, T, C), (T, "mixed")),  # last two not both compatible
        ((C, C, C, T), (T, "mixed")),
        ((N, C, C, C), (T, "mixed")),  # one early "not compatible": not a majority, not the last
        ((N, N, C, C), (T, "mixed")),  # 2 of 4 is not a majority
        ((N, N, N, C), (N, "majority_not_compatible")),  # 3 of 4
        ((N, N, C), (N, "majority_not_compatible")),  # 2 of 3
        ((C, C, C, N), (N, "last_not_compatible")),  # the last session weighs
        ((T, T, T), (T, "mixed")),
    ],
)
def test_verdict_rules(verdicts, expected):
    assert verdict_of(*verdicts) == expected


def test_missing_session_verdict_gives_no_verdict():
    assert verdict_of(C, None, C) == (None, "missing_session_verdict")


# =========================================================================== errors


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dimension_ratings": {"listening": 0}},
        {"dimension_ratings": {"listening": 6}},
        {"dimension_ratings": {"charisma": 3}},
        {"ceo_debrief": {"trust": 7}},
        {"candidate_debrief": {"trust": -1}},
        {"confidence": 6},
        {"verdict": "maybe"},
        {"status": "done"},
        {"order": 0},
        {"tallies": {"ceo": {"agrees": -2}}},
    ],
)
def test_session_input_rejects_invalid_values(kwargs):
    base = {"order": 1, "status": "held", "observed": True}
    with pytest.raises(ValueError):
        SessionInput(**{**base, **kwargs})


def test_duplicate_order_numbers_are_rejected():
    with pytest.raises(ValueError, match="duplicate"):
        compatibility_summary([held(1), held(2), held(2)])


# =========================================================================== properties

rating_or_none = st.one_of(st.none(), st.integers(min_value=1, max_value=5))
session_ratings = st.lists(rating_or_none, min_size=8, max_size=8)


@given(st.lists(session_ratings, min_size=1, max_size=6))
def test_index_between_1_and_5(all_ratings):
    summary = compatibility_summary([held(i, C, r) for i, r in enumerate(all_ratings, start=1)])
    if summary.index is None:  # every rating missing
        assert all(v is None for r in all_ratings for v in r)
        return
    assert 1.0 <= summary.index <= 5.0
    assert 0.0 <= summary.index_100 <= 100.0
    for mean in summary.dimension_means.values():
        assert mean is None or 1.0 <= mean <= 5.0


def test_the_ninth_dimension_unrated_is_left_out_never_counted_as_zero():
    """Observations made before explicit meta-communication existed leave it ``None``: the session
    mean is that of the eight rated dimensions; a new observation rating it counts it."""
    old = compatibility_summary([held(1, "compatible", (4,) * 8)])
    new = compatibility_summary([held(1, "compatible", (4,) * 8 + (1,))])
    assert old.sessions[0]["mean_rating"] == pytest.approx(4.0)  # 32 / 8
    assert new.sessions[0]["mean_rating"] == pytest.approx(33 / 9)
    assert old.dimension_means["metacommunication"] is None
    assert new.dimension_means["metacommunication"] == pytest.approx(1.0)
