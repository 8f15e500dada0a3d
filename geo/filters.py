"""What the user asked to see: a period in China Standard Time, filters, an area scope."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from psycopg2 import sql

from geo.errors import MinqingError
from geo.timeutil import CST, start_of_day_cst

# Incidents carry the code of each ancestor of their grid; a scope filters on one of them.
SCOPE_COLUMNS = {
    "district": "district_code",
    "street": "street_code",
    "community": "community_code",
    "grid": "grid_code",
}
OPEN_STATUSES = ("reported", "assigned", "in_progress")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
_ROLLING = re.compile(r"^(\d{1,3})d$")


class PeriodError(MinqingError):
    """A period text that cannot be understood."""

    default_message = "Unknown period: use 2026-10, 2026-W43, 2026-10-01..2026-10-31, today or 7d"


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) of aware datetimes, with the text that named it."""

    start: datetime
    end: datetime
    key: str

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise PeriodError("a period needs timezone-aware bounds")
        if self.end <= self.start:
            raise PeriodError(f"the period {self.key} ends before it starts")

    @property
    def days(self) -> float:
        """Length in days."""
        return (self.end - self.start).total_seconds() / 86400

    def previous(self) -> Period:
        """The period just before, of the same kind: last month for a month, else same length."""
        month = _MONTH.match(self.key)
        if month:
            year, mon = int(month[1]), int(month[2])
            year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
            return parse_period(f"{year:04d}-{mon:02d}")
        length = self.end - self.start
        return Period(self.start - length, self.start, f"before:{self.key}")


def _cst_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CST)


def parse_period(text: str, now: datetime | None = None) -> Period:
    """A period from its text: `2026-10`, `2026-W43`, `2026-10-05`, `a..b`, `today`, `7d`.

    Days are CST days; `today` and `Nd` (the last N days including today) end at `now`.
    """
    text = text.strip()
    try:
        if month := _MONTH.match(text):
            year, mon = int(month[1]), int(month[2])
            start = datetime(year, mon, 1, tzinfo=CST)
            end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=CST)
            return Period(start, end, text)
        if week := _WEEK.match(text):
            monday = date.fromisocalendar(int(week[1]), int(week[2]), 1)
            return Period(_cst_midnight(monday), _cst_midnight(monday + timedelta(days=7)), text)
        if day := _DAY.match(text):
            first = date.fromisoformat(day[1])
            return Period(_cst_midnight(first), _cst_midnight(first + timedelta(days=1)), text)
        if span := _RANGE.match(text):
            first, last = date.fromisoformat(span[1]), date.fromisoformat(span[2])
            return Period(_cst_midnight(first), _cst_midnight(last + timedelta(days=1)), text)
    except ValueError as exc:
        raise PeriodError(f"unknown period {text!r}: {exc}") from None
    if text in ("today", "1d") or _ROLLING.match(text):
        if now is None:
            raise PeriodError("a rolling period needs the current time")
        days = 1 if text == "today" else int(_ROLLING.match(text)[1])
        if days < 1:
            raise PeriodError("a rolling period has at least one day")
        start = start_of_day_cst(now) - timedelta(days=days - 1)
        return Period(start, now, text)
    raise PeriodError(f"unknown period {text!r}")


@dataclass(frozen=True)
class Scope:
    """An area of the tree (the city when level is 'city')."""

    level: str = "city"
    code: str | None = None

    def __post_init__(self) -> None:
        if self.level != "city" and self.level not in SCOPE_COLUMNS:
            raise MinqingError(f"unknown area level {self.level!r}")
        if self.level != "city" and not self.code:
            raise MinqingError(f"a {self.level} scope needs an area code")

    @classmethod
    def parse(cls, text: str) -> Scope:
        """A scope from `city` or `LEVEL:CODE` (e.g. `district:620102`)."""
        level, _, code = text.strip().partition(":")
        return cls() if level == "city" and not code else cls(level, code or None)


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents count: a period, sources, categories, statuses, major risks, an area."""

    period: Period
    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    major_only: bool = False
    scope: Scope = field(default_factory=Scope)

    def with_period(self, period: Period) -> IncidentFilter:
        """The same filter over another period."""
        return replace(self, period=period)


def incident_conditions(flt: IncidentFilter, alias: str = "i") -> tuple[sql.Composable, dict]:
    """The filter's conditions (all but the period) as SQL on `alias`, and their parameters.

    The period is left to each question: "new" counts reports in it, "open" is a state at its end.
    """
    table = sql.Identifier(alias)
    parts: list[sql.Composable] = [sql.SQL("TRUE")]
    params: dict = {}
    if flt.sources:
        parts.append(sql.SQL("{}.source = ANY(%(f_sources)s)").format(table))
        params["f_sources"] = list(flt.sources)
    if flt.categories:
        parts.append(sql.SQL("{}.category = ANY(%(f_categories)s)").format(table))
        params["f_categories"] = list(flt.categories)
    if flt.statuses:
        parts.append(sql.SQL("{}.status = ANY(%(f_statuses)s)").format(table))
        params["f_statuses"] = list(flt.statuses)
    if flt.major_only:
        parts.append(sql.SQL("{}.is_major_risk").format(table))
    if flt.scope.level != "city":
        column = sql.Identifier(SCOPE_COLUMNS[flt.scope.level])
        parts.append(sql.SQL("{}.{} = %(f_scope)s").format(table, column))
        params["f_scope"] = flt.scope.code
    return sql.SQL(" AND ").join(parts), params
