"""The personal calendar's grid ("Agenda"): which days a month or a week view shows, and where
each session goes. Pure functions on dates (no ORM, no time zone: the caller gives each session's
local date in the reader's zone). Weeks start on Monday (ISO 8601, as in France); the month grid
comes from the standard library's ``calendar`` module.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

#: The days the calendar shows (and links to): a date outside is read as today. Far enough for any
#: recruitment, and a week or a month away from ``date.min``/``date.max`` for the grid's edges.
DAY_MIN = date(1900, 1, 1)
DAY_MAX = date(2999, 12, 31)

#: The two views of the calendar page.
MONTH, WEEK = "month", "week"
VIEWS = (MONTH, WEEK)


@dataclass
class Day:
    """One day of the grid: its ``date``, whether it belongs to the period shown (``in_period``:
    a month grid also shows the days of the first and last weeks outside the month), whether it is
    ``today``, and its ``sessions`` (whatever the caller put there, in the caller's order)."""

    date: date
    in_period: bool
    today: bool
    sessions: list = field(default_factory=list)


def period(view: str, day: date) -> tuple[date, date]:
    """``(first, last)`` days of the grid of ``view`` (:data:`MONTH` or :data:`WEEK`) around
    ``day``, both included: for a month, from the Monday of its first week to the Sunday of its
    last week (4 to 6 whole weeks); for a week, its Monday to its Sunday. ``ValueError`` for
    another view."""
    if view == WEEK:
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if view != MONTH:
        raise ValueError(f"unknown calendar view: {view!r}")
    weeks = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(day.year, day.month)
    return weeks[0][0], weeks[-1][-1]


def step(view: str, day: date, n: int) -> date:
    """The day ``n`` periods after ``day`` (``n`` < 0: before): ``n`` weeks for :data:`WEEK`; for
    :data:`MONTH`, the first of the month ``n`` months away (a day of the month may not exist
    there: 31 January + 1 month → 1 February)."""
    if view == WEEK:
        return day + timedelta(weeks=n)
    months = day.year * 12 + day.month - 1 + n
    return date(months // 12, months % 12 + 1, 1)


def grid(view: str, day: date, sessions_by_day: dict, *, today: date) -> list[list[Day]]:
    """The weeks of the ``view`` around ``day``: a list of weeks, each a list of seven :class:`Day`
    (Monday first). ``sessions_by_day`` maps a local ``date`` to that day's sessions; days without
    an entry get an empty list. A week view is one week; a month view, 4 to 6."""
    first, last = period(view, day)
    in_period = (lambda d: d.month == day.month) if view == MONTH else (lambda d: True)
    weeks, current = [], first
    while current <= last:
        week = []
        for _ in range(7):
            week.append(
                Day(
                    date=current,
                    in_period=in_period(current),
                    today=current == today,
                    sessions=list(sessions_by_day.get(current, [])),
                )
            )
            current += timedelta(days=1)
        weeks.append(week)
    return weeks
