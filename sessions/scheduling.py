"""Time rules for working sessions (pure: no ORM, no settings access at import time).

- :func:`localize` turns a local wall-clock time entered by a user into an aware
  datetime, refusing times that do not exist or occur twice because of daylight
  saving time (Europe/Paris skips 02:00–02:59 on the last Sunday of March and
  repeats it on the last Sunday of October).
- :func:`check_interval` validates a session's start/end.
- :func:`check_window` keeps a session's start within a plausible range of "now".
- :func:`overlaps` tells whether two sessions' time ranges overlap.

All comparisons and durations are computed in UTC: Python compares and subtracts
two datetimes that share the same ``tzinfo`` object on their *wall-clock* values,
which is wrong across a DST change (a session from 00:00 to 07:30 on the night the
clocks go back lasts 8 h 30, not 7 h 30).

Errors meant for the user are ``django.core.exceptions.ValidationError`` with a
``code`` and ``params`` (English msgids, translatable); programming errors (naive
vs aware mix-ups) are ``ValueError``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cso_recruit import zones

# Re-exported: a verdict needs this many held and observed sessions (defined in the pure module).
from .compatibility import MIN_SESSIONS_FOR_VERDICT

__all__ = [
    "DEFAULT_TIMEZONE",
    "MAX_ACTIVE_SESSIONS",
    "MAX_SESSION_DURATION",
    "MIN_SESSIONS_FOR_VERDICT",
    "MAX_START_AHEAD",
    "MAX_START_PAST",
    "check_interval",
    "check_window",
    "is_aware",
    "localize",
    "overlaps",
]

#: Zone used when the user has not chosen one (DESIGN.md §5).
DEFAULT_TIMEZONE = "Europe/Paris"
#: At most this many non-cancelled sessions per application; a 5th is refused (DESIGN.md §5).
MAX_ACTIVE_SESSIONS = 4
#: A working session longer than this is refused as a probable entry error.
MAX_SESSION_DURATION = timedelta(hours=8)

#: A session may start at most this long before now (catching up on a past session) …
MAX_START_PAST = timedelta(days=366)
#: … and at most this long after now (2 years): beyond, the date is an entry error (year 0001, 9999).
MAX_START_AHEAD = timedelta(days=731)

_WALL_CLOCK_FORMAT = "%Y-%m-%d %H:%M"


def is_aware(value: datetime) -> bool:
    """True when ``value`` carries a usable UTC offset (Python's definition of "aware")."""
    return value.tzinfo is not None and value.utcoffset() is not None


def _zone(tz_name: str) -> ZoneInfo:
    return zones.zone(tz_name)


def localize(naive: datetime, tz_name: str = DEFAULT_TIMEZONE) -> datetime:
    """Attach the IANA zone ``tz_name`` to the wall-clock time ``naive``.

    Returns an aware ``datetime`` (``tzinfo`` is a ``zoneinfo.ZoneInfo``, ``fold=0``)
    denoting the same wall-clock time in that zone.

    Raises:
        ValueError: ``naive`` is already aware (convert it instead of localizing it),
            or is not a ``datetime``.
        ValidationError ``unknown_timezone``: ``tz_name`` is not a known IANA zone.
        ValidationError ``nonexistent_time``: the wall-clock time falls in a
            spring-forward gap (e.g. 2027-03-28 02:30 in Europe/Paris).
        ValidationError ``ambiguous_time``: the wall-clock time occurs twice at a
            fall-back (e.g. 2027-10-31 02:30 in Europe/Paris).
        Both DST errors carry ``params`` ``{"value": "YYYY-MM-DD HH:MM", "timezone": tz_name}``.
        ValidationError ``out_of_range``: the time cannot be expressed in UTC (year 1 or 9999
            at the edge of ``datetime``'s range); same message as :func:`check_window`.

    Detection (PEP 495 ``fold``): a time is nonexistent when a round trip through
    UTC changes its wall-clock value; it is ambiguous when ``fold=0`` and ``fold=1``
    give different UTC offsets (checked after the gap, where they differ too).
    """
    if not isinstance(naive, datetime):
        raise ValueError(f"localize expects a datetime, got {type(naive).__name__}")
    if is_aware(naive):
        raise ValueError("localize expects a naive datetime; this one is already aware")
    tz = _zone(tz_name)
    wall = naive.replace(tzinfo=None, fold=0)
    candidate = wall.replace(tzinfo=tz)
    params = {"value": wall.strftime(_WALL_CLOCK_FORMAT), "timezone": tz_name}

    try:
        round_trip = candidate.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    except OverflowError as exc:  # 0001-01-01 00:00 or 9999-12-31 23:30 fall outside datetime's range in UTC
        raise _out_of_range() from exc
    if round_trip != wall:
        raise ValidationError(
            _(
                "%(value)s does not exist in the %(timezone)s time zone: the clocks skip this hour "
                "when daylight saving time starts. Please choose another time."
            ),
            code="nonexistent_time",
            params=params,
        )
    if candidate.utcoffset() != candidate.replace(fold=1).utcoffset():
        raise ValidationError(
            _(
                "%(value)s occurs twice in the %(timezone)s time zone: the clocks go back one hour "
                "when daylight saving time ends. Please choose a time outside the repeated hour."
            ),
            code="ambiguous_time",
            params=params,
        )
    return candidate


def _require_aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if not is_aware(value):
        raise ValueError(f"{name} must be timezone-aware (use localize())")
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # an aware 0001-01-01 00:00 east of UTC: before datetime.min in UTC
        raise _out_of_range() from exc


def check_interval(starts_at: datetime, ends_at: datetime) -> None:
    """Validate a session's time range.

    Both arguments must be aware datetimes (``ValueError`` otherwise); they may be in
    different zones. Durations are real elapsed time (computed in UTC).

    Raises:
        ValidationError ``end_before_start``: ``ends_at`` ≤ ``starts_at``.
        ValidationError ``too_long``: the session lasts more than
            :data:`MAX_SESSION_DURATION` (8 hours); exactly 8 hours is accepted.
            ``params``: ``{"hours": 8}``.
    """
    start = _require_aware(starts_at, "starts_at")
    end = _require_aware(ends_at, "ends_at")
    if end <= start:
        raise ValidationError(
            _("The session must end after it starts."),
            code="end_before_start",
        )
    if end - start > MAX_SESSION_DURATION:
        raise ValidationError(
            _("A working session cannot last more than %(hours)s hours."),
            code="too_long",
            params={"hours": int(MAX_SESSION_DURATION.total_seconds() // 3600)},
        )


def check_window(starts_at: datetime, now: datetime) -> None:
    """Refuse a start more than :data:`MAX_START_PAST` (366 days) before ``now`` or more than
    :data:`MAX_START_AHEAD` (731 days) after it; the bounds themselves are accepted.

    Both arguments must be aware datetimes (``ValueError`` otherwise).

    Raises:
        ValidationError ``out_of_range``; ``params``: ``{"past": 366, "ahead": 731}`` (days).
    """
    start = _require_aware(starts_at, "starts_at")
    now = _require_aware(now, "now")
    if not now - MAX_START_PAST <= start <= now + MAX_START_AHEAD:
        raise _out_of_range()


def _out_of_range() -> ValidationError:
    return ValidationError(
        _(
            "This date is out of range: a working session must start no more than %(past)s days "
            "ago and no more than %(ahead)s days (two years) from now. Please check the year."
        ),
        code="out_of_range",
        params={"past": MAX_START_PAST.days, "ahead": MAX_START_AHEAD.days},
    )


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Whether the half-open intervals ``[a_start, a_end)`` and ``[b_start, b_end)`` overlap.

    Touching intervals (one ends exactly when the other starts) do not overlap.
    An empty or reversed interval (end ≤ start) occupies no time and overlaps
    nothing — validate it with :func:`check_interval`. All four datetimes must be
    aware (``ValueError`` otherwise); they are compared in UTC, so different zones
    and DST changes are handled.
    """
    a0 = _require_aware(a_start, "a_start")
    a1 = _require_aware(a_end, "a_end")
    b0 = _require_aware(b_start, "b_start")
    b1 = _require_aware(b_end, "b_end")
    if a1 <= a0 or b1 <= b0:
        return False
    return a0 < b1 and b0 < a1
