"""Tests for sessions.scheduling (pure time rules; no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

# Standalone run (no DJANGO_SETTINGS_MODULE): gettext_lazy messages need configured settings.
# Under pytest-django the real settings are already configured and this is skipped.
if not settings.configured:
    settings.configure(USE_I18N=False)

from django.core.exceptions import ValidationError  # noqa: E402

from sessions.scheduling import (  # noqa: E402
    DEFAULT_TIMEZONE,
    MAX_ACTIVE_SESSIONS,
    MAX_SESSION_DURATION,
    MAX_START_AHEAD,
    MAX_START_PAST,
    MIN_SESSIONS_FOR_VERDICT,
    check_interval,
    check_window,
    localize,
    overlaps,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def validation_error(func, *args):
    with pytest.raises(ValidationError) as excinfo:
        func(*args)
    return excinfo.value


def test_constants():
    assert MAX_ACTIVE_SESSIONS == 4
    assert MIN_SESSIONS_FOR_VERDICT == 3
    assert MAX_SESSION_DURATION == timedelta(hours=8)
    assert DEFAULT_TIMEZONE == "Europe/Paris"


# =========================================================================== localize


def test_paris_winter_and_summer_offsets():
    winter = localize(datetime(2027, 1, 15, 10, 0))
    assert winter.utcoffset() == timedelta(hours=1)
    assert winter.isoformat() == "2027-01-15T10:00:00+01:00"
    assert winter.astimezone(UTC) == datetime(2027, 1, 15, 9, 0, tzinfo=UTC)

    summer = localize(datetime(2027, 7, 15, 10, 0), "Europe/Paris")
    assert summer.utcoffset() == timedelta(hours=2)
    assert summer.isoformat() == "2027-07-15T10:00:00+02:00"
    assert summer.tzinfo == PARIS


def test_paris_spring_forward_gap_is_nonexistent():
    # Sunday 2027-03-28: clocks jump from 02:00 to 03:00 local time.
    err = validation_error(localize, datetime(2027, 3, 28, 2, 30), "Europe/Paris")
    assert err.code == "nonexistent_time"
    assert err.params == {"value": "2027-03-28 02:30", "timezone": "Europe/Paris"}
    message = err.messages[0]
    assert "2027-03-28 02:30" in message and "Europe/Paris" in message and "does not exist" in message
    assert validation_error(localize, datetime(2027, 3, 28, 2, 0)).code == "nonexistent_time"
    # Just around the gap everything is fine.
    assert localize(datetime(2027, 3, 28, 1, 59)).utcoffset() == timedelta(hours=1)
    assert localize(datetime(2027, 3, 28, 3, 0)).utcoffset() == timedelta(hours=2)


def test_paris_fall_back_hour_is_ambiguous():
    # Sunday 2027-10-31: clocks go back from 03:00 to 02:00, so 02:00–02:59 happens twice.
    err = validation_error(localize, datetime(2027, 10, 31, 2, 30), "Europe/Paris")
    assert err.code == "ambiguous_time"
    assert err.params == {"value": "2027-10-31 02:30", "timezone": "Europe/Paris"}
    message = err.messages[0]
    assert "2027-10-31 02:30" in message and "occurs twice" in message
    assert validation_error(localize, datetime(2027, 10, 31, 2, 0)).code == "ambiguous_time"
    assert localize(datetime(2027, 10, 31, 1, 59)).utcoffset() == timedelta(hours=2)
    assert localize(datetime(2027, 10, 31, 3, 0)).utcoffset() == timedelta(hours=1)


def test_input_fold_is_ignored_for_ambiguous_time():
    # A caller cannot sneak past the check with fold=1.
    assert validation_error(localize, datetime(2027, 10, 31, 2, 30, fold=1)).code == "ambiguous_time"


def test_new_york_dst():
    assert localize(datetime(2027, 1, 15, 9, 0), "America/New_York").utcoffset() == timedelta(hours=-5)
    assert localize(datetime(2027, 7, 15, 9, 0), "America/New_York").utcoffset() == timedelta(hours=-4)
    # 2027-03-14 (second Sunday of March): 02:00 → 03:00.
    err = validation_error(localize, datetime(2027, 3, 14, 2, 30), "America/New_York")
    assert err.code == "nonexistent_time"
    # 2027-11-07 (first Sunday of November): 01:00–01:59 happens twice.
    err = validation_error(localize, datetime(2027, 11, 7, 1, 30), "America/New_York")
    assert err.code == "ambiguous_time"
    assert err.params["timezone"] == "America/New_York"


def test_utc_never_fails():
    assert localize(datetime(2027, 3, 28, 2, 30), "UTC").utcoffset() == timedelta(0)


def test_localize_rejects_aware_input():
    with pytest.raises(ValueError):
        localize(datetime(2027, 1, 15, 10, 0, tzinfo=UTC))


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd", "Europe"])
def test_unknown_timezone(name):
    err = validation_error(localize, datetime(2027, 1, 15, 10, 0), name)
    assert err.code == "unknown_timezone"
    assert err.params == {"timezone": name}


# =========================================================================== check_interval


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def test_check_interval_accepts_a_normal_session():
    assert check_interval(paris(2027, 1, 15, 9, 0), paris(2027, 1, 15, 11, 0)) is None
    # exactly 8 hours is accepted
    check_interval(paris(2027, 1, 15, 9, 0), paris(2027, 1, 15, 17, 0))


@pytest.mark.parametrize("end_hour", [9, 8])
def test_check_interval_end_before_or_at_start(end_hour):
    err = validation_error(check_interval, paris(2027, 1, 15, 9, 0), paris(2027, 1, 15, end_hour, 0))
    assert err.code == "end_before_start"


def test_check_interval_too_long():
    err = validation_error(check_interval, paris(2027, 1, 15, 9, 0), paris(2027, 1, 15, 17, 1))
    assert err.code == "too_long"
    assert "8 hours" in err.messages[0]


def test_check_interval_uses_real_elapsed_time_across_dst():
    # Night of 2027-10-31: 00:00 (+02:00) → 07:30 (+01:00) is 7 h 30 on the wall clock but 8 h 30 elapsed.
    err = validation_error(check_interval, paris(2027, 10, 31, 0, 0), paris(2027, 10, 31, 7, 30))
    assert err.code == "too_long"
    # Night of 2027-03-28: 00:00 (+01:00) → 09:00 (+02:00) is 9 h on the wall clock but 8 h elapsed.
    check_interval(paris(2027, 3, 28, 0, 0), paris(2027, 3, 28, 9, 0))


def test_check_interval_across_zones():
    # 10:00 Paris = 09:00 UTC (winter) ; 04:30 New York = 09:30 UTC → 30 minutes.
    check_interval(paris(2027, 1, 15, 10, 0), datetime(2027, 1, 15, 4, 30, tzinfo=NEW_YORK))
    err = validation_error(
        check_interval, paris(2027, 1, 15, 10, 0), datetime(2027, 1, 15, 4, 0, tzinfo=NEW_YORK)
    )
    assert err.code == "end_before_start"  # 04:00 New York = 09:00 UTC = the start


def test_check_interval_rejects_naive():
    with pytest.raises(ValueError):
        check_interval(datetime(2027, 1, 15, 9, 0), paris(2027, 1, 15, 10, 0))
    with pytest.raises(ValueError):
        check_interval(paris(2027, 1, 15, 9, 0), datetime(2027, 1, 15, 10, 0))


# =========================================================================== overlaps


def at(hour, minute=0):
    return paris(2027, 1, 15, hour, minute)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((at(9), at(11)), (at(10), at(12)), True),  # partial overlap
        ((at(9), at(12)), (at(10), at(11)), True),  # containment
        ((at(9), at(11)), (at(9), at(11)), True),  # identical
        ((at(9), at(11)), (at(11), at(12)), False),  # touching: a ends when b starts
        ((at(11), at(12)), (at(9), at(11)), False),  # touching, other way round
        ((at(9), at(10)), (at(14), at(15)), False),  # disjoint
        ((at(9), at(11)), (at(10, 59), at(12)), True),  # one minute of overlap
        ((at(10), at(10)), (at(9), at(11)), False),  # empty interval occupies no time
        ((at(11), at(10)), (at(9), at(12)), False),  # reversed interval occupies no time
    ],
)
def test_overlaps(a, b, expected):
    assert overlaps(*a, *b) is expected
    assert overlaps(*b, *a) is expected  # symmetric


def test_overlaps_across_zones_and_dst():
    # 09:00–10:00 Paris (winter, 08:00–09:00 UTC) vs 03:30–04:30 New York (08:30–09:30 UTC).
    ny = datetime(2027, 1, 15, 3, 30, tzinfo=NEW_YORK)
    assert overlaps(at(9), at(10), ny, ny + timedelta(hours=1)) is True
    # Fall-back night in Paris: on the wall clock 02:15–02:45 (first pass, fold=0, +02:00) and 02:30–03:00
    # (second pass, fold=1, +01:00) seem to overlap, but they are 00:15–00:45 UTC and 01:30–02:00 UTC.
    first = (paris(2027, 10, 31, 2, 15), paris(2027, 10, 31, 2, 45))
    second = (datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=PARIS), paris(2027, 10, 31, 3, 0))
    assert overlaps(*first, *second) is False


def test_overlaps_rejects_naive():
    with pytest.raises(ValueError):
        overlaps(datetime(2027, 1, 15, 9, 0), at(10), at(9), at(11))


# =========================================================================== check_window

NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
OUT_OF_RANGE = (
    "This date is out of range: a working session must start no more than 366 days ago and no "
    "more than 731 days (two years) from now. Please check the year."
)


def test_window_bounds_are_366_days_back_and_731_ahead():
    assert (MAX_START_PAST, MAX_START_AHEAD) == (timedelta(days=366), timedelta(days=731))


@pytest.mark.parametrize(
    "start",
    [
        NOW,
        NOW - timedelta(days=40),
        NOW - MAX_START_PAST,
        NOW + MAX_START_AHEAD,
        (NOW + MAX_START_AHEAD).astimezone(NEW_YORK),  # any zone: compared in UTC
    ],
)
def test_window_accepts_starts_within_the_range_bounds_included(start):
    assert check_window(start, NOW) is None


@pytest.mark.parametrize(
    "start",
    [
        NOW - MAX_START_PAST - timedelta(seconds=1),
        NOW + MAX_START_AHEAD + timedelta(seconds=1),
        datetime(1, 1, 1, 10, 0, tzinfo=UTC),
        datetime(9999, 12, 31, 10, 0, tzinfo=PARIS),
    ],
)
def test_window_refuses_absurd_or_far_dates(start):
    err = validation_error(check_window, start, NOW)
    assert err.code == "out_of_range"
    assert err.params == {"past": 366, "ahead": 731}
    assert err.messages == [OUT_OF_RANGE]


def test_window_rejects_naive():
    with pytest.raises(ValueError):
        check_window(datetime(2027, 1, 15, 9, 0), NOW)


@pytest.mark.parametrize(
    ("wall", "tz"),
    [
        (datetime(1, 1, 1, 0, 0), "Europe/Paris"),  # 23:50:39 on 31 December of year 0 in UTC
        (datetime(9999, 12, 31, 23, 0), "America/Montreal"),  # 04:00 on 1 January 10000 in UTC
    ],
)
def test_localize_out_of_datetimes_range_is_a_validation_error_not_a_crash(wall, tz):
    err = validation_error(localize, wall, tz)
    assert err.code == "out_of_range"
    assert err.messages == [OUT_OF_RANGE]


def test_an_aware_time_outside_datetimes_range_in_utc_is_out_of_range_too():
    err = validation_error(check_window, datetime(1, 1, 1, 0, 0, tzinfo=PARIS), NOW)
    assert err.code == "out_of_range"
