"""Key figures read from the daily rollups of migration 003, when they can answer exactly.

The rollups hold, per CST day, the city (code '*') and each district, street and community
(handling-time buckets down to streets). They answer
a question whose period starts and ends at CST midnight and whose filter has no source,
category, status or major-risk condition; everything else goes to `geo.queries.kpis`, which
counts incidents. Both give the same numbers (tests compare them); the one difference is the
90th percentile of handling times, read here from hour-wide buckets (day-wide above 240 h).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import psycopg2.extensions
import psycopg2.extras

from geo.filters import IncidentFilter, Period
from geo.queries.kpis import Kpis, row_to_kpis
from geo.sqlfiles import load_sql
from geo.timeutil import CST

CITY = "*"
ROLLUP_LEVELS = ("city", "district", "street", "community")
HOURLY_BUCKETS = 240  # buckets below this many hours are 1 h wide, above it 24 h
P90_LEVELS = ("city", "district", "street")


@dataclass(frozen=True)
class AreaCounts:
    """An area's key figures and the two counts the safety index adds."""

    kpis: Kpis
    new_in_categories: int
    repeats: int


def cst_days(period: Period) -> tuple[date, date] | None:
    """The period as CST days [first, stop), or None unless both ends are CST midnights."""
    bounds = []
    for moment in (period.start, period.end):
        local = moment.astimezone(CST)
        if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
            return None
        bounds.append(local.date())
    return bounds[0], bounds[1]


def answers(flt: IncidentFilter, levels: tuple[str, ...] = ROLLUP_LEVELS) -> bool:
    """True when the rollups can answer this filter exactly at these levels."""
    plain = not (flt.sources or flt.categories or flt.statuses or flt.major_only)
    return plain and cst_days(flt.period) is not None and flt.scope.level in levels


def rollup_code(level: str, code: str | None) -> str:
    """The rollup's code of an area: '*' for the city."""
    return CITY if level == "city" else str(code)


def rollup_counts(
    conn: psycopg2.extensions.connection,
    codes: list[str],
    period: Period,
    categories: tuple[str, ...],
) -> dict[str, AreaCounts]:
    """Key figures per rollup code (city '*', districts, streets, communities), CST days."""
    days = cst_days(period)
    if days is None:
        raise ValueError("the rollups only answer periods of whole CST days")
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(
            load_sql("drill_rollup_kpis"),
            {"codes": codes, "first": days[0], "stop": days[1], "categories": list(categories)},
        )
        rows = cur.fetchall()
    return {
        row["code"]: AreaCounts(
            row_to_kpis(row), int(row["new_in_categories"]), int(row["repeats"])
        )
        for row in rows
    }


def rollup_counts_pair(
    conn: psycopg2.extensions.connection,
    codes: list[str],
    period: Period,
    previous: Period,
    categories: tuple[str, ...],
) -> tuple[dict[str, AreaCounts], dict[str, AreaCounts]]:
    """Key figures per rollup code over two periods of CST days (the one reviewed and the one
    compared), read in one statement: what `rollup_counts` gives for each."""
    params = _pair_days(period, previous)
    found: dict[str, dict[str, AreaCounts]] = {"now": {}, "before": {}}
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(
            load_sql("drill_rollup_kpis_pair"),
            {**params, "codes": codes, "categories": list(categories)},
        )
        for row in cur.fetchall():
            found[row["which"]][row["code"]] = AreaCounts(
                row_to_kpis(row), int(row["new_in_categories"]), int(row["repeats"])
            )
    return found["now"], found["before"]


def _pair_days(period: Period, previous: Period) -> dict[str, date]:
    """Both periods' CST days as the pair statements' parameters."""
    days, prev_days = cst_days(period), cst_days(previous)
    if days is None or prev_days is None:
        raise ValueError("the rollups only answer periods of whole CST days")
    return {
        "first": days[0],
        "stop": days[1],
        "prev_first": prev_days[0],
        "prev_stop": prev_days[1],
    }


def bucket_bounds(bucket: int) -> tuple[float, float]:
    """The hours [low, high) a handling-time bucket covers."""
    if bucket < HOURLY_BUCKETS:
        return float(bucket), float(bucket + 1)
    low = HOURLY_BUCKETS + (bucket - HOURLY_BUCKETS) * 24.0
    return low, low + 24.0


def percentile_from_buckets(counts: list[tuple[int, int]], q: float) -> float | None:
    """The q-quantile, interpolated between ranks as percentile_cont does, of bucketed values.

    The k-th value is taken at its place among the values spread evenly inside its bucket,
    so the result is off by less than a bucket's width.
    """
    total = sum(n for _, n in counts if n > 0)
    if total <= 0:
        return None
    rank = q * (total - 1)
    low, high = math.floor(rank), math.ceil(rank)
    below, above = _ranked_value(counts, low), _ranked_value(counts, high)
    return below + (rank - low) * (above - below)


def _ranked_value(counts: list[tuple[int, int]], k: int) -> float:
    """The estimated k-th (0-based) smallest value."""
    seen = 0
    for bucket, n in counts:
        if n <= 0:
            continue
        if k < seen + n:
            low, high = bucket_bounds(bucket)
            return low + (k - seen + 0.5) / n * (high - low)
        seen += n
    return bucket_bounds(counts[-1][0])[1]


def rollup_p90(conn: psycopg2.extensions.connection, code: str, period: Period) -> float | None:
    """The 90th percentile of handling hours of a city, district or street over CST days."""
    days = cst_days(period)
    if days is None:
        raise ValueError("the rollups only answer periods of whole CST days")
    with conn.cursor() as cur:
        cur.execute(
            load_sql("drill_rollup_handling"), {"code": code, "first": days[0], "stop": days[1]}
        )
        counts = [(int(b), int(n)) for b, n in cur.fetchall()]
    return percentile_from_buckets(counts, 0.9)


def rollup_p90_pair(
    conn: psycopg2.extensions.connection, code: str, period: Period, previous: Period
) -> tuple[float | None, float | None]:
    """`rollup_p90` of two periods (the one reviewed, the one compared), read in one statement."""
    with conn.cursor() as cur:
        cur.execute(
            load_sql("drill_rollup_handling_pair"), {**_pair_days(period, previous), "code": code}
        )
        counts: dict[str, list[tuple[int, int]]] = {"now": [], "before": []}
        for which, bucket, n in cur.fetchall():
            counts[which].append((int(bucket), int(n)))
    now, before = (percentile_from_buckets(counts[w], 0.9) for w in ("now", "before"))
    return now, before
