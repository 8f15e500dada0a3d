"""What the pages read of the forecasts: an area's forecast against what happened, and the
grids expected to rise most next week. Both read the stored runs under the caller's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions
from psycopg2 import sql

from geo.filters import SCOPE_COLUMNS, Scope
from geo.forecast.rules import load_rules
from geo.forecast.series import WEEK, week_origin
from geo.sqlfiles import load_sql


@dataclass(frozen=True)
class WeekPoint:
    """One week of an area: its reports (None: not over yet) and the forecast made for it."""

    week_start: datetime
    actual: int | None
    mean: float | None
    low: float | None
    high: float | None
    ahead: bool  # forecast by the latest run (the weeks to come), not a past week's forecast


@dataclass(frozen=True)
class RisingGrid:
    """A grid expected to rise in the coming week: forecast, interval, the last four weeks."""

    code: str
    mean: float
    low: float
    high: float
    recent: float
    history: int
    week_start: datetime

    @property
    def rise(self) -> float:
        """Expected reports above the mean of the last four weeks."""
        return self.mean - self.recent


def _conditions(scope: Scope, alias: str) -> tuple[sql.Composable, dict]:
    if scope.level == "city":
        return sql.SQL("TRUE"), {}
    column = sql.Identifier(alias, SCOPE_COLUMNS[scope.level])
    return sql.SQL("{} = %(scope_code)s").format(column), {"scope_code": scope.code}


def forecast_vs_actual(
    conn: psycopg2.extensions.connection,
    scope: Scope,
    now: datetime,
    weeks: int = 26,
    category: str = "*",
) -> list[WeekPoint]:
    """The area's last `weeks` complete weeks (reports and the forecast made for each), then
    the weeks the latest forecast covers; the city when the scope is the city."""
    origin = week_origin(now)
    start = origin - weeks * WEEK
    conditions, params = _conditions(scope, "i")
    if category != "*":
        conditions = sql.SQL("{} AND i.category = %(category)s").format(conditions)
    query = sql.SQL(load_sql("forecast_actual_weeks")).format(conditions=conditions)
    with conn.cursor() as cur:
        cur.execute(query, {**params, "start": start, "end": origin, "category": category})
        actual = {start + week * WEEK: n for week, n in cur.fetchall()}
        cur.execute(
            load_sql("forecast_area_weeks"),
            {"level": scope.level, "code": scope.code or _city(cur), "category": category,
             "start": start, "end": origin},
        )  # fmt: skip
        forecasts = {row[0]: row for row in cur.fetchall()}
    points = []
    for k in range(weeks):
        week = start + k * WEEK
        _, _, mean, low, _, high, _ = forecasts.get(week, (None,) * 7)
        points.append(WeekPoint(week, actual.get(week, 0), mean, low, high, ahead=False))
    for week, (_, _, mean, low, _, high, ahead) in sorted(forecasts.items()):
        if ahead and week >= origin:
            points.append(WeekPoint(week, None, mean, low, high, ahead=True))
    return points


def _city(cur: psycopg2.extensions.cursor) -> str:
    cur.execute("SELECT code FROM current_areas WHERE level = 'city' ORDER BY code LIMIT 1")
    row = cur.fetchone()
    return row[0] if row else ""


def rising_grids(
    conn: psycopg2.extensions.connection, scope: Scope, limit: int | None = None
) -> list[RisingGrid]:
    """The grids in the scope the latest forecast expects to rise most in its first week
    (by the rules' `rising` table: at least `min_rise` reports, at most `grids` of them)."""
    rules = load_rules()
    conditions, params = _conditions(scope, "f")
    query = sql.SQL(load_sql("forecast_rising")).format(conditions=conditions)
    with conn.cursor() as cur:
        cur.execute(
            query,
            {**params, "min_rise": rules.min_rise, "limit": limit or rules.rising_grids},
        )
        return [RisingGrid(*row) for row in cur.fetchall()]


def latest_backtest(conn: psycopg2.extensions.connection) -> dict | None:
    """The figures of the latest backtest (None when none was run)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT figures FROM forecast_runs WHERE kind = 'backtest' "
            "ORDER BY made_at DESC, id DESC LIMIT 1"
        )
        row = cur.fetchone()
    return row[0] if row else None
