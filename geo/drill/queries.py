"""The drill-down's questions: an area and its children, their figures, trend and breakdowns.

Figures come from the daily rollups (`geo.drill.rollup`) for the city, districts and streets
over whole CST days, else from `geo.queries.kpis`, which counts incidents: the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import psycopg2.extensions
import psycopg2.extras
from psycopg2 import sql

from geo.bounds import LngLatBbox
from geo.drill import rollup
from geo.filters import SCOPE_COLUMNS, IncidentFilter, Period, Scope, incident_conditions
from geo.queries.areas import AreaOutline
from geo.queries.kpis import OPEN_AT_START_BY_GRID, Kpis, kpis_by, kpis_where, row_to_kpis
from geo.sqlfiles import load_sql
from geo.timeutil import CST, start_of_day_cst

LEVELS = ("city", "district", "street", "community", "grid")
CHILD_LEVEL = {"city": "district", "district": "street", "street": "community", "community": "grid"}
# Degrees: fallback simplification when an area has no published display outline.
CHILD_TOLERANCE = 0.0002


@dataclass(frozen=True)
class AreaNode:
    """One area of the current tree, with its box and number of children."""

    code: str
    name: str
    level: str
    parent_code: str | None
    kind: str | None
    population: int
    bbox: LngLatBbox
    children: int

    @property
    def child_level(self) -> str | None:
        """The level of its children (None for a grid: its children are incidents)."""
        return CHILD_LEVEL.get(self.level)

    @property
    def scope(self) -> Scope:
        """The incident scope of this area."""
        return Scope() if self.level == "city" else Scope(self.level, self.code)


@dataclass(frozen=True)
class Crumb:
    """One step of the breadcrumb."""

    code: str
    name: str
    level: str


def area_node(conn: psycopg2.extensions.connection, code: str | None) -> AreaNode | None:
    """The current area with this code (the city when None), or None when there is none."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(load_sql("drill_area"), {"code": code})
        row = cur.fetchone()
    if row is None:
        return None
    bbox = LngLatBbox(row.pop("west"), row.pop("south"), row.pop("east"), row.pop("north"))
    return AreaNode(bbox=bbox, **row)


def breadcrumb(conn: psycopg2.extensions.connection, code: str) -> list[Crumb]:
    """The chain of areas from the city down to this one."""
    with conn.cursor() as cur:
        cur.execute(load_sql("drill_ancestors"), {"code": code})
        return [Crumb(*row) for row in cur.fetchall()]


def child_outlines(
    conn: psycopg2.extensions.connection, code: str, itself: bool = False, view: float = 0.0
) -> list[AreaOutline]:
    """The display outlines of an area's children (or of the area itself); simplified to
    `view` degrees when above 0 (half a pixel of the map that shows them: a city's districts
    in full detail are three times the bytes, for nothing a screen can show)."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(
            load_sql("drill_children_outlines"),
            {"code": code, "self": itself, "tolerance": CHILD_TOLERANCE, "view": view},
        )
        return [AreaOutline(**row) for row in cur.fetchall()]


@dataclass(frozen=True)
class ChildArea:
    """A child area: code, name, level, kind (grids) and residents."""

    code: str
    name: str
    level: str
    kind: str | None
    population: int


def children(conn: psycopg2.extensions.connection, code: str) -> list[ChildArea]:
    """An area's children in code order."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(load_sql("drill_children"), {"code": code})
        return [ChildArea(**row) for row in cur.fetchall()]


def review_period(period: Period, now: datetime) -> tuple[Period, Period]:
    """The period as reviewed, and the one it is compared with.

    A period that has not ended is cut at today's 00:00 CST ("as of 00:00 today": whole days,
    which the rollups answer) and compared with as many days from the start of the period
    before it (1–23 November with 1–23 October). One that starts today runs up to `now`.
    """
    today = start_of_day_cst(now)
    before = period.previous()
    if period.end <= today:
        return period, before
    end = today if today > period.start else min(period.end, now)
    current = Period(period.start, end, period.key)
    elapsed = end - period.start
    return current, Period(before.start, min(before.end, before.start + elapsed), before.key)


GRID_SCOPED = ("street", "community", "grid")


def scope_conditions(
    conn: psycopg2.extensions.connection, flt: IncidentFilter
) -> tuple[sql.Composable, dict]:
    """The filter as SQL on `i`: a street, community or grid as the list of its grids.

    The same incidents as the area's own column, found through the grid index without a scan.
    """
    if flt.scope.level not in GRID_SCOPED:
        return incident_conditions(flt)
    with conn.cursor() as cur:
        cur.execute(load_sql("drill_grids_under"), {"code": flt.scope.code})
        grids = [row[0] for row in cur.fetchall()]
    conditions, params = incident_conditions(replace(flt, scope=Scope()))
    condition = sql.SQL("{} AND i.grid_code = ANY(%(f_grids)s)").format(conditions)
    return condition, {**params, "f_grids": grids}


def _kpis(
    conn: psycopg2.extensions.connection, flt: IncidentFilter, group_level: str | None = None
) -> dict[str | None, Kpis]:
    """Key figures per group: `kpis_by`, or for a street, community or grid through its grids."""
    if flt.scope.level not in GRID_SCOPED:
        return kpis_by(conn, flt, group_level)
    conditions, params = scope_conditions(conn, flt)
    return kpis_where(conn, flt, conditions, params, group_level, OPEN_AT_START_BY_GRID)


def area_counts(
    conn: psycopg2.extensions.connection, flt: IncidentFilter, categories: tuple[str, ...]
) -> rollup.AreaCounts:
    """The key figures of the filter's scope and period, with the safety index's two counts."""
    if rollup.answers(flt):
        code = rollup.rollup_code(flt.scope.level, flt.scope.code)
        counts = rollup.rollup_counts(conn, [code], flt.period, categories)[code]
        if flt.scope.level in rollup.P90_LEVELS:
            p90 = rollup.rollup_p90(conn, code, flt.period)
        else:
            p90 = _grid_p90(conn, flt)
        return _with_p90(counts, p90)
    kpis = _kpis(conn, flt).get(None, Kpis())
    extra = _base_extras(conn, flt, None, categories).get(None, (0, 0))
    return rollup.AreaCounts(kpis, *extra)


def area_counts_pair(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    previous: Period,
    categories: tuple[str, ...],
) -> tuple[rollup.AreaCounts, rollup.AreaCounts]:
    """`area_counts` over the filter's period and over `previous`: from one read of the rollups
    (and one of the handling buckets) when they answer both, else each on its own."""
    if not (rollup.answers(flt) and rollup.answers(flt.with_period(previous))):
        return area_counts(conn, flt, categories), area_counts(
            conn, flt.with_period(previous), categories
        )
    code = rollup.rollup_code(flt.scope.level, flt.scope.code)
    now, then = rollup.rollup_counts_pair(conn, [code], flt.period, previous, categories)
    if flt.scope.level in rollup.P90_LEVELS:
        p90s = rollup.rollup_p90_pair(conn, code, flt.period, previous)
    else:
        p90s = (_grid_p90(conn, flt), _grid_p90(conn, flt.with_period(previous)))
    return _with_p90(now[code], p90s[0]), _with_p90(then[code], p90s[1])


def _with_p90(counts: rollup.AreaCounts, p90: float | None) -> rollup.AreaCounts:
    """The counts with their 90th percentile of handling hours filled in."""
    return replace(counts, kpis=replace(counts.kpis, p90_handling_hours=p90))


def _grid_p90(conn: psycopg2.extensions.connection, flt: IncidentFilter) -> float | None:
    """The exact 90th percentile of handling hours in a community or grid."""
    conditions, params = scope_conditions(conn, flt)
    query = sql.SQL(load_sql("drill_p90_grids")).format(conditions=conditions)
    params.update(start=flt.period.start, end=flt.period.end)
    with conn.cursor() as cur:
        cur.execute(query, params)
        value = cur.fetchone()[0]
    return float(value) if value is not None else None


def child_counts(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    previous: Period,
    child_level: str,
    codes: list[str],
    categories: tuple[str, ...],
) -> tuple[dict[str, rollup.AreaCounts], dict[str, rollup.AreaCounts]]:
    """Key figures (and the index's two counts) of each child area over the filter's period
    and over `previous`; zeros for a quiet child."""
    rolled = [
        child_level in rollup.ROLLUP_LEVELS and rollup.answers(flt.with_period(p))
        for p in (flt.period, previous)
    ]
    if all(rolled):
        now_found, then_found = rollup.rollup_counts_pair(
            conn, codes, flt.period, previous, categories
        )
    else:
        now_found, then_found = _child_counts_counted(conn, flt, previous, child_level, categories)
        if rolled[0]:
            now_found = rollup.rollup_counts(conn, codes, flt.period, categories)
        if rolled[1]:
            then_found = rollup.rollup_counts(conn, codes, previous, categories)
    empty = rollup.AreaCounts(Kpis(), 0, 0)
    return (
        {code: now_found.get(code, empty) for code in codes},
        {code: then_found.get(code, empty) for code in codes},
    )


def _child_counts_counted(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    previous: Period,
    child_level: str,
    categories: tuple[str, ...],
) -> tuple[dict[str, rollup.AreaCounts], dict[str, rollup.AreaCounts]]:
    """Both periods' figures per child counted from incidents in one query (a community's
    grids: four reads of the same rows before)."""
    conditions, params = scope_conditions(conn, flt)
    group = sql.SQL("i.{}").format(sql.Identifier(SCOPE_COLUMNS[child_level]))
    query = sql.SQL(load_sql("drill_child_counts")).format(
        conditions=conditions, group_column=group
    )
    params.update(
        start=flt.period.start,
        end=flt.period.end,
        prev_start=previous.start,
        prev_end=previous.end,
        first_start=min(flt.period.start, previous.start),
        last_end=max(flt.period.end, previous.end),
        categories=list(categories),
    )
    found: dict[str, dict[str, rollup.AreaCounts]] = {"now": {}, "before": {}}
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("SET LOCAL jit = off")  # as kpis_where: compiling costs more than it saves
        cur.execute(query, params)
        for row in cur.fetchall():
            found[row["which"]][row["group_code"]] = rollup.AreaCounts(
                row_to_kpis(row), int(row["new_in_categories"]), int(row["repeats"])
            )
    return found["now"], found["before"]


def _base_extras(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    group_level: str | None,
    categories: tuple[str, ...],
) -> dict[str | None, tuple[int, int]]:
    """New cases in the categories and repeat reports per group, counted from incidents."""
    conditions, params = scope_conditions(conn, flt)
    group = (
        sql.SQL("NULL::text")
        if group_level is None
        else sql.SQL("i.{}").format(sql.Identifier(SCOPE_COLUMNS[group_level]))
    )
    query = sql.SQL(load_sql("drill_base_extras")).format(conditions=conditions, group_column=group)
    params.update(start=flt.period.start, end=flt.period.end, categories=list(categories))
    with conn.cursor() as cur:
        cur.execute(query, params)
        return {row[0]: (int(row[1]), int(row[2])) for row in cur.fetchall()}


@dataclass(frozen=True)
class TrendPoint:
    """Cases reported, concluded and major risks reported on one CST day (or week)."""

    day: date
    new: int
    concluded: int
    major_new: int


def trend(conn: psycopg2.extensions.connection, flt: IncidentFilter) -> list[TrendPoint]:
    """New, concluded and major-risk cases per CST day of the filter's scope and period."""
    first = flt.period.start.astimezone(CST).date()
    stop = (flt.period.end - timedelta(microseconds=1)).astimezone(CST).date() + timedelta(days=1)
    if rollup.answers(flt):
        query: sql.Composable = sql.SQL(load_sql("drill_trend_rollup"))
        params = {"code": rollup.rollup_code(flt.scope.level, flt.scope.code)}
    else:
        conditions, params = scope_conditions(conn, flt)
        query = sql.SQL(load_sql("drill_trend_base")).format(conditions=conditions)
        params.update(start=flt.period.start, end=flt.period.end)
    params.update(first=first, stop=stop)
    with conn.cursor() as cur:
        cur.execute(query, params)
        return [TrendPoint(row[0], int(row[1]), int(row[2]), int(row[3])) for row in cur.fetchall()]


def weekly(points: list[TrendPoint]) -> list[TrendPoint]:
    """Daily points summed per ISO week (labelled by the week's Monday)."""
    weeks: dict[date, list[int]] = {}
    for p in points:
        monday = p.day - timedelta(days=p.day.weekday())
        sums = weeks.setdefault(monday, [0, 0, 0])
        sums[0] += p.new
        sums[1] += p.concluded
        sums[2] += p.major_new
    return [TrendPoint(day, *sums) for day, sums in sorted(weeks.items())]


@dataclass(frozen=True)
class BreakdownRow:
    """One category or source: cases new, concluded, resolved; new in the previous period."""

    key: str
    new: int
    concluded: int
    resolved: int
    previous_new: int

    @property
    def resolved_rate(self) -> float | None:
        """Share of the concluded cases that were resolved."""
        return self.resolved / self.concluded if self.concluded else None


BREAKDOWN_KEYS = ("category", "source")


def breakdown(
    conn: psycopg2.extensions.connection, flt: IncidentFilter, previous: Period, key: str
) -> list[BreakdownRow]:
    """Cases per category or source in the period (and new ones in `previous`), biggest first."""
    if key not in BREAKDOWN_KEYS:
        raise ValueError(f"cannot break down by {key!r}")
    prev_days = rollup.cst_days(previous)
    if rollup.answers(flt) and prev_days is not None:
        query = sql.SQL(load_sql("drill_breakdown_rollup")).format(key=sql.Identifier(key))
        days = rollup.cst_days(flt.period)
        params = {
            "code": rollup.rollup_code(flt.scope.level, flt.scope.code),
            "first": days[0],
            "stop": days[1],
            "prev_first": prev_days[0],
            "prev_stop": prev_days[1],
        }
    else:
        conditions, params = scope_conditions(conn, flt)
        query = sql.SQL(load_sql("drill_breakdown_base")).format(
            key=sql.Identifier(key), conditions=conditions
        )
        params.update(
            start=flt.period.start,
            end=flt.period.end,
            prev_start=previous.start,
            prev_end=previous.end,
        )
    with conn.cursor() as cur:
        cur.execute(query, params)
        rows = [BreakdownRow(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in cur]
    return sorted(
        (r for r in rows if r.new or r.concluded or r.previous_new), key=lambda r: (-r.new, r.key)
    )


@dataclass(frozen=True)
class GridCase:
    """One case of a grid as drawn and listed: where, what, its state at the period's end."""

    id: int
    lon: float
    lat: float
    state: str
    category: str
    subcategory: str
    source: str
    status: str
    reported_at: datetime
    deadline_at: datetime
    resolved_at: datetime | None
    address: str
    description: str
    is_major_risk: bool


GRID_CASES_LIMIT = 2000


def grid_cases(
    conn: psycopg2.extensions.connection, code: str, period: Period, limit: int = GRID_CASES_LIMIT
) -> list[GridCase]:
    """A grid's cases reported in the period or still open at its end, newest first."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(
            load_sql("drill_grid_cases"),
            {"code": code, "start": period.start, "end": period.end, "limit": limit},
        )
        return [GridCase(**row) for row in cur.fetchall()]


@dataclass(frozen=True)
class CenterLoad:
    """A center's workload among an area's cases."""

    code: str
    name: str
    level: str
    open: int
    overdue: int
    concluded: int
    mean_hours: float | None


CENTER_RANK = {"city_center": 0, "sub_center": 1, "command_post": 2, "workstation": 3}


def center_workloads(conn: psycopg2.extensions.connection, flt: IncidentFilter) -> list[CenterLoad]:
    """The centers holding or concluding the area's cases, by level, then most overdue first."""
    conditions, params = scope_conditions(conn, flt)
    query = sql.SQL(load_sql("drill_centers")).format(conditions=conditions)
    params.update(start=flt.period.start, end=flt.period.end)
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(query, params)
        loads = [CenterLoad(**row) for row in cur.fetchall()]
    return sorted(loads, key=lambda c: (CENTER_RANK.get(c.level, 9), -c.overdue, -c.open, c.code))


@dataclass(frozen=True)
class OverdueCase:
    """A case open and past its deadline at the end of a period."""

    id: int
    reported_at: datetime
    deadline_at: datetime
    category: str
    subcategory: str
    source: str
    severity: int
    is_major_risk: bool
    status: str
    address: str
    description: str
    grid_code: str
    assigned_center: str | None
    center_name: str | None
    escalations: int


OVERDUE_LIMIT = 5000


def overdue_cases(
    conn: psycopg2.extensions.connection, flt: IncidentFilter, limit: int = OVERDUE_LIMIT
) -> list[OverdueCase]:
    """The area's cases overdue at the period's end, most overdue first."""
    conditions, params = scope_conditions(conn, flt)
    query = sql.SQL(load_sql("drill_overdue_cases")).format(conditions=conditions)
    params.update(end=flt.period.end, limit=limit)
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(query, params)
        return [OverdueCase(**row) for row in cur.fetchall()]
