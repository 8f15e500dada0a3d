"""The periods that have closed: CST months and ISO weeks, newest first."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from geo.filters import Period, parse_period
from geo.timeutil import CST


def period_key(kind: str, day: date) -> str:
    """The text of the month or ISO week containing a CST day: 2026-10, 2026-W43."""
    if kind == "month":
        return f"{day:%Y-%m}"
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def closed_periods(kind: str, now: datetime, after_hours: float, count: int) -> list[Period]:
    """The `count` latest months or weeks that ended at least `after_hours` before now,
    newest first."""
    day = (now - timedelta(hours=after_hours)).astimezone(CST).date()
    periods = []
    for _ in range(count):
        day = (
            day.replace(day=1) - timedelta(days=1)
            if kind == "month"
            else day - timedelta(days=day.weekday() + 1)
        )
        periods.append(parse_period(period_key(kind, day)))
    return periods
