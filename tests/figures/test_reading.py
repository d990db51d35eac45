"""Tests of ``figures.reading`` (pure): the panel's reliability and the product's reading."""

import pytest

from figures.reading import reading, reliability

GOOD = {
    "submitted_scorecards": 3,
    "gate_passed": True,
    "verdict": "compatible",
    "band": "balanced",
    "concentration_band": "balanced",
    "breadth_ok": True,
    "depth_ok": True,
    "red_count": 0,
    "reliability_level": "reliable",
}


def test_favourable_only_when_nothing_holds_it_back():
    result = reading(**GOOD)
    assert (result.level, result.reasons) == ("favourable", ())
    assert result.favourable


@pytest.mark.parametrize(
    ("change", "level", "reason"),
    [
        ({"gate_passed": False}, "unfavourable", "gate_failed"),
        ({"submitted_scorecards": 0, "gate_passed": None}, "incomplete", "no_scorecards"),
        ({"verdict": "not_compatible"}, "unfavourable", "not_compatible"),
        ({"verdict": "to_confirm"}, "reserved", "to_confirm"),
        ({"verdict": None}, "incomplete", "compatibility_pending"),
        ({"band": "concentrated", "concentration_band": "concentrated"}, "reserved", "concentrated"),
        ({"band": "narrow", "concentration_band": "concentrated"}, "reserved", "narrow"),
        ({"breadth_ok": False}, "reserved", "breadth"),
        ({"depth_ok": False}, "reserved", "depth"),
        ({"red_count": 2}, "reserved", "re_observe"),
        ({"reliability_level": "unreliable"}, "reserved", "panel_unreliable"),
        ({"reliability_level": "hidden"}, "reserved", "reliability_hidden"),
    ],
)
def test_each_reason_and_its_level(change, level, reason):
    result = reading(**{**GOOD, **change})
    assert result.level == level
    assert reason in result.reasons
    assert not result.favourable


def test_a_narrow_profile_that_hhi_calls_watch_is_no_reservation():
    assert reading(**{**GOOD, "band": "narrow", "concentration_band": "watch"}).level == "favourable"


def test_the_worst_level_wins_and_reasons_keep_their_order():
    result = reading(
        **{**GOOD, "gate_passed": False, "verdict": "to_confirm", "reliability_level": "unreliable"}
    )
    assert result.level == "unfavourable"
    assert result.reasons == ("gate_failed", "to_confirm", "panel_unreliable")


def test_reliability_reasons():
    assert (
        reliability(visible=True, alpha=0.85, alpha_reading="reliable", flags={}, contributors=[1, 2]).level
        == "reliable"
    )
    low = reliability(visible=True, alpha=0.35, alpha_reading="unreliable", flags={}, contributors=[1, 2])
    assert (low.level, low.alpha_unreliable, low.unreliable) == ("unreliable", True, True)
    # A flagged rater who did not rate this candidate does not make it unreliable.
    other = reliability(
        visible=True, alpha=0.9, alpha_reading="reliable", flags={7: "lenient"}, contributors=[1, 2]
    )
    assert other.level == "reliable"
    flagged = reliability(
        visible=True, alpha=0.9, alpha_reading="reliable", flags={2: "severe"}, contributors=[1, 2]
    )
    assert (flagged.level, flagged.flagged_raters) == ("unreliable", ((2, "severe"),))
    assert (
        reliability(visible=True, alpha=None, alpha_reading="undefined", flags={}, contributors=[1]).level
        == "undefined"
    )
    assert (
        reliability(visible=True, alpha=0.7, alpha_reading="tentative", flags={}, contributors=[1]).level
        == "tentative"
    )
    # .667 exactly is tentative, not unreliable (Krippendorff's lower bound is inclusive).
    assert (
        reliability(visible=True, alpha=0.667, alpha_reading="tentative", flags={}, contributors=[1]).level
        == "tentative"
    )


def test_hidden_reliability_says_nothing_of_the_values():
    hidden = reliability(
        visible=False, alpha=0.1, alpha_reading="unreliable", flags={1: "lenient"}, contributors=[1]
    )
    assert hidden.hidden and hidden.alpha is None and hidden.flagged_raters == ()
    assert hidden.to_dict() == {
        "level": "hidden",
        "alpha": None,
        "alpha_unreliable": False,
        "flagged_raters": [],
    }
