"""Weekly report counts per small grid and category, as one array the forecaster works on.

Weeks are CST weeks (Monday 00:00 to Monday 00:00). The history ends at the forecast origin
(the Monday the first forecast week starts) and starts with the first week the city had any
report, at most `MAX_WEEKS` before. A category's weeks before its first report anywhere in the
city are unknown (NaN), not zero: a category that did not exist last year has no "last year".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import psycopg2.extensions

from geo.errors import MinqingError
from geo.sqlfiles import load_sql
from geo.timeutil import start_of_day_cst
from geo.vocabulary import CATEGORIES

MAX_WEEKS = 160
WEEK = timedelta(days=7)
KINDS = ("urban", "rural", "dedicated")


class ForecastError(MinqingError):
    """A forecast cannot be made from what is stored."""

    default_message = "No forecast can be made from the reports stored"


@dataclass(frozen=True)
class Grids:
    """The current small grids and what the forecaster knows of each (arrays of equal length)."""

    code: np.ndarray
    kind: np.ndarray  # index into KINDS
    population: np.ndarray
    area_km2: np.ndarray
    community: np.ndarray
    street: np.ndarray
    district: np.ndarray

    def __len__(self) -> int:
        return len(self.code)


@dataclass(frozen=True)
class History:
    """Reports per grid, category and week: counts[g, c, w] (NaN: the category did not exist)."""

    grids: Grids
    categories: tuple[str, ...]
    start: datetime  # Monday 00:00 CST of week 0
    counts: np.ndarray

    @property
    def weeks(self) -> int:
        """Number of complete weeks held."""
        return self.counts.shape[2]

    def week_start(self, week: int) -> datetime:
        """The Monday 00:00 CST a week (index; may be past the end) starts."""
        return self.start + week * WEEK

    def totals(self) -> np.ndarray:
        """Reports per grid and week, all categories (grids × weeks)."""
        return np.nansum(self.counts, axis=1)


def week_origin(now: datetime) -> datetime:
    """Monday 00:00 CST of the week containing `now`: the weeks before it are complete."""
    day = start_of_day_cst(now)
    return day - timedelta(days=day.weekday())


def read_grids(conn: psycopg2.extensions.connection) -> Grids:
    """The current small grids (ordered by code)."""
    with conn.cursor() as cur:
        cur.execute(load_sql("forecast_grids"))
        rows = cur.fetchall()
    if not rows:
        raise ForecastError("there are no small grids in the current boundaries")
    code, kind, population, area, community, street, district = zip(*rows, strict=True)
    return Grids(
        code=np.array(code, dtype=object),
        kind=np.array([KINDS.index(k) if k in KINDS else 0 for k in kind]),
        population=np.array(population, dtype=float),
        area_km2=np.maximum(np.array(area, dtype=float), 1e-4),
        community=np.array(community, dtype=object),
        street=np.array(street, dtype=object),
        district=np.array(district, dtype=object),
    )


def read_history(
    conn: psycopg2.extensions.connection, origin: datetime, max_weeks: int = MAX_WEEKS
) -> History:
    """The complete weeks before `origin` (a CST Monday), per current grid and category."""
    grids = read_grids(conn)
    categories = tuple(CATEGORIES)
    start = origin - max_weeks * WEEK
    with conn.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        cur.execute(load_sql("forecast_weekly_counts"), {"start": start, "end": origin})
        rows = cur.fetchall()
    index = {code: i for i, code in enumerate(grids.code)}
    counts = np.zeros((len(grids), len(categories), max_weeks), dtype=np.float32)
    for grid, category, week, reports in rows:
        g = index.get(grid)
        if g is not None and category in categories:
            counts[g, categories.index(category), week] = reports
    seen = counts.sum(axis=(0, 1)) > 0
    if not seen.any():
        raise ForecastError("no report was stored in the weeks before the forecast")
    first = int(np.argmax(seen))
    counts = counts[:, :, first:]
    for c in range(len(categories)):
        existed = np.flatnonzero(counts[:, c, :].sum(axis=0) > 0)
        counts[:, c, : existed[0] if len(existed) else counts.shape[2]] = np.nan
    return History(grids, categories, start + first * WEEK, counts)
