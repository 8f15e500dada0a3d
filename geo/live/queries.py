"""The live map's questions: flows and stocks per grid, heat cell and center, points, arrivals.

One refresh must stay cheap at 2.4 million incidents, so a period that reaches today is split:

- history: the period's complete past days (and the period before it) hold reports and
  conclusions that no longer change, except for the status of cases not yet closed. They are
  counted once, without the status filter (`history`), and the caller keeps the result;
- earlier today: without a status filter, today's reports and conclusions before a ten-minute
  checkpoint are counted once per checkpoint too (`earlier_today`);
- live: today's reports and conclusions (since the checkpoint), and every case not yet closed
  (a few percent of all cases), are read on every refresh (`live_flows`, `stocks`), and
  correct the history for the status filter: with `closed` among the statuses asked for (or
  none asked for), flows = history − (not closed, status not asked for) + today; otherwise
  every case counted is not closed, and flows = (not closed, status asked for) + today.

A period that ended before today is counted directly, status filter included (`direct_flows`).
`tests/test_live_queries.py` checks both ways against each other and against `geo.queries.kpis`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np
import psycopg2.extensions
import psycopg2.extras
import shapely
from psycopg2 import sql

from geo.bounds import LngLatBbox
from geo.filters import IncidentFilter, Period, incident_conditions
from geo.sqlfiles import load_sql
from geo.timeutil import start_of_day_cst

ALL_STATUSES = ("reported", "assigned", "in_progress", "resolved", "closed")
# Heat cells: about this many metres a side, by the level of the area in view.
CELL_METRES = {"city": 1000, "district": 400, "street": 150, "community": 100, "grid": 100}
_METRES_PER_DEGREE_LAT = 111_320
_REFERENCE_LAT = 36.0  # Lanzhou: a degree of longitude is cos(36°) of a degree of latitude

# GROUPING() bitmasks of the grouping sets in live_today.sql and live_stocks.sql
_FLOW_SETS = {7: "grids", 9: "cells", 14: "centers", 15: "total"}
_STOCK_GRID, _STOCK_TOTAL = 1, 3


@dataclass(frozen=True)
class Window:
    """The instants of one refresh: the period [lo, end), today's CST midnight, the period before.

    `live` is true when the period reaches today: then the complete days [lo, today) are
    history and [today, end) is read on every refresh.
    """

    lo: datetime
    end: datetime
    today: datetime
    prev_lo: datetime
    live: bool

    @property
    def history_hi(self) -> datetime:
        """Where the history part ends: today's midnight, or the end of a past period."""
        return self.today if self.live else self.end


def plan_window(period: Period, now: datetime) -> Window:
    """The window of a period seen at `now` (an end after now is cut to now).

    The period before is the same number of whole days just before the period.
    """
    end = min(period.end, now)
    lo = min(period.start, end)
    today = start_of_day_cst(now)
    days = max(1, math.ceil((end - lo) / timedelta(days=1) - 1e-9))
    live = end > today
    return Window(lo, end, max(today, lo) if live else today, lo - timedelta(days=days), live)


@dataclass(frozen=True)
class HeatCell:
    """The size of a heat cell in degrees."""

    dx: float
    dy: float

    @classmethod
    def for_level(cls, level: str) -> HeatCell:
        """Cells of about CELL_METRES[level] metres a side."""
        metres = CELL_METRES.get(level, CELL_METRES["city"])
        dy = metres / _METRES_PER_DEGREE_LAT
        return cls(round(dy / math.cos(math.radians(_REFERENCE_LAT)), 7), round(dy, 7))

    def centre(self, cx: int, cy: int) -> tuple[float, float]:
        """The (lon, lat) centre of cell (cx, cy)."""
        return ((cx + 0.5) * self.dx, (cy + 0.5) * self.dy)


@dataclass(slots=True)  # not frozen: tens of thousands are made per refresh, 5x faster
class Flows:
    """Counts within the period: reports, reports before it, conclusions and their hours.

    Treated as a value: never changed after it is made (kept histories are shared).
    """

    new: int = 0
    previous: int = 0
    major_new: int = 0
    concluded: int = 0
    resolved: int = 0
    late: int = 0
    hours: float = 0.0

    def __add__(self, other: Flows) -> Flows:
        return Flows(
            self.new + other.new, self.previous + other.previous,
            self.major_new + other.major_new, self.concluded + other.concluded,
            self.resolved + other.resolved, self.late + other.late, self.hours + other.hours,
        )  # fmt: skip

    def __neg__(self) -> Flows:
        return Flows(
            -self.new, -self.previous, -self.major_new, -self.concluded, -self.resolved,
            -self.late, -self.hours,
        )  # fmt: skip

    def __sub__(self, other: Flows) -> Flows:
        return self + -other

    @property
    def mean_hours(self) -> float | None:
        """Mean handling time of the cases concluded, in hours (None when there are none)."""
        return self.hours / self.concluded if self.concluded else None


# What each grouping keeps: grids and heat cells count reports, centers count conclusions.
_KEEP = {
    "grids": lambda f: Flows(new=f.new, previous=f.previous, major_new=f.major_new),
    "cells": lambda f: Flows(new=f.new),
    "centers": lambda f: Flows(
        concluded=f.concluded, resolved=f.resolved, late=f.late, hours=f.hours
    ),
}


@dataclass(slots=True)
class Stocks:
    """Counts at the end of the period: open cases and the open ones of each kind."""

    open: int = 0
    overdue: int = 0
    major_open: int = 0
    dispute_open: int = 0
    escalated_open: int = 0


Key = str | tuple[int, int] | None


@dataclass(frozen=True)
class FlowTable:
    """Flows per small grid and heat cell (reports), per assigned center (conclusions), in total."""

    grids: dict[str, Flows] = field(default_factory=dict)
    cells: dict[tuple[int, int], Flows] = field(default_factory=dict)
    centers: dict[str, Flows] = field(default_factory=dict)
    total: Flows = field(default_factory=Flows)

    def combine(self, other: FlowTable, sign: int = 1) -> FlowTable:
        """This table plus (sign 1) or minus (sign -1) another, key by key."""

        def merged(a: dict, b: dict) -> dict:
            if not b:
                return a
            out = dict(a)
            zero = Flows()
            for key, flows in b.items():
                out[key] = out.get(key, zero) + (flows if sign > 0 else -flows)
            return out

        total = self.total + other.total if sign > 0 else self.total - other.total
        return FlowTable(
            merged(self.grids, other.grids),
            merged(self.cells, other.cells),
            merged(self.centers, other.centers),
            total,
        )


@dataclass(frozen=True)
class StockTable:
    """Stocks per small grid and per assigned center, and in total."""

    centers: dict[str, Stocks] = field(default_factory=dict)
    total: Stocks = field(default_factory=Stocks)
    grids: dict[str, Stocks] = field(default_factory=dict)


def _without_statuses(flt: IncidentFilter) -> IncidentFilter:
    return replace(flt, statuses=())


def _no_jit(cur: psycopg2.extensions.cursor) -> None:
    """JIT compiling costs more than these short aggregations take (100+ ms here)."""
    cur.execute("SET LOCAL jit = off")


def _query(name: str, flt: IncidentFilter, **parts: str) -> tuple[sql.Composed, dict]:
    """A live_*.sql query with the filter's conditions (and static parts) put in."""
    conditions, params = incident_conditions(flt)
    extra = {key: sql.SQL(value) for key, value in parts.items()}
    return sql.SQL(load_sql(name)).format(conditions=conditions, **extra), params


def history(
    conn: psycopg2.extensions.connection, flt: IncidentFilter, window: Window, cell: HeatCell
) -> FlowTable:
    """Flows of the period's complete past days and of the period before, statuses ignored.

    What it counts does not change any more (only statuses do, which `flows` corrects), so
    the caller keeps the result for the day, keyed by the filter, window, cell and boundaries.
    """
    return _counted(conn, _without_statuses(flt), window.lo, window.history_hi, window, cell)


def direct_flows(
    conn: psycopg2.extensions.connection, flt: IncidentFilter, window: Window, cell: HeatCell
) -> FlowTable:
    """The period's flows counted in full, status filter included (past periods, tests)."""
    return _counted(conn, flt, window.lo, window.end, window, cell)


def _counted(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    lo: datetime,
    hi: datetime,
    window: Window,
    cell: HeatCell,
) -> FlowTable:
    """Flows of the reports in [lo, hi) (and [prev_lo, lo)) and the conclusions in [lo, hi)."""
    params = {"lo": lo, "hi": hi, "prev_lo": window.prev_lo, "cell_dx": cell.dx, "cell_dy": cell.dy}
    grids: dict[str, Flows] = {}
    cells: dict[tuple[int, int], Flows] = {}
    centers: dict[str, Flows] = {}
    concluded_total = Flows()
    with conn.cursor() as cur:
        _no_jit(cur)
        query, cond = _query("live_history_grids", flt)
        cur.execute(query, {**cond, **params})
        for grid, new, previous, major_new in cur.fetchall():
            grids[grid] = Flows(new=new, previous=previous, major_new=major_new)
        query, cond = _query("live_history_cells", flt)
        cur.execute(query, {**cond, **params})
        for cx, cy, new in cur.fetchall():
            cells[(cx, cy)] = Flows(new=new)
        query, cond = _query("live_history_concluded", flt)
        cur.execute(query, {**cond, **params})
        for grouping, center, concluded, resolved, late, hours in cur.fetchall():
            flows = Flows(concluded=concluded, resolved=resolved, late=late, hours=hours)
            if grouping:
                concluded_total = flows
            elif center is not None:
                centers[center] = flows
    reports = Flows(
        new=sum(f.new for f in grids.values()),
        previous=sum(f.previous for f in grids.values()),
        major_new=sum(f.major_new for f in grids.values()),
    )
    return FlowTable(grids, cells, centers, reports + concluded_total)


# Today's flows are split at a checkpoint this often: what came before it is counted once
# (`earlier_today`), what comes after it on every refresh.
CHECKPOINT = timedelta(minutes=10)
ALL_IDS = 2**63 - 1


@dataclass(frozen=True)
class EarlierToday:
    """Today's flows before `since` of the incidents up to `upto_id`, counted once; `through`
    adds them to the history they were counted with (None: without one)."""

    since: datetime
    upto_id: int
    flows: FlowTable
    through: FlowTable | None = None


def checkpoint(window: Window, now: datetime) -> datetime:
    """Where today's flows are split: the last CHECKPOINT boundary, not before today's start."""
    step = CHECKPOINT.total_seconds()
    return max(window.today, datetime.fromtimestamp(now.timestamp() // step * step, now.tzinfo))


def earlier_today(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    window: Window,
    cell: HeatCell,
    since: datetime,
    past: FlowTable | None = None,
) -> EarlierToday:
    """Today's reports and conclusions before `since` (statuses ignored, like the history) of
    the incidents stored so far: an incident stored later is read on every refresh instead.
    With `past` (the history) their sum is kept too, so a refresh adds only what is new."""
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM incidents")
        upto = int(cur.fetchone()[0])
    bounds = {"since": window.today, "end": since, "mark": ALL_IDS, "upto": upto}
    flows = _today_parts(conn, _without_statuses(flt), window, cell, bounds).get(
        "today", FlowTable()
    )
    return EarlierToday(since, upto, flows, None if past is None else past.combine(flows))


def live_flows(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    window: Window,
    cell: HeatCell,
    earlier: EarlierToday | None = None,
) -> dict[str, FlowTable]:
    """Today's flows ('today') and, with a status filter, the history's cases not yet closed
    ('asked' / 'other': without a status filter every case is asked for, and none is other).

    With `earlier` (no status filter only), 'today' holds only what `earlier` did not count.
    """
    bounds = {"since": window.today, "end": window.end, "mark": ALL_IDS, "upto": ALL_IDS}
    if earlier is not None:
        bounds.update(since=earlier.since, mark=earlier.upto_id)
    return _today_parts(conn, flt, window, cell, bounds)


def _today_parts(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    window: Window,
    cell: HeatCell,
    bounds: dict,
) -> dict[str, FlowTable]:
    """live_today.sql's parts as flow tables; `bounds`: since, end, mark and upto."""
    query, cond = _query("live_today", _without_statuses(flt))
    params = {
        **cond,
        **bounds,
        "lo": window.lo,
        "today": window.today,
        "prev_lo": window.prev_lo,
        "statuses": list(flt.statuses or ALL_STATUSES),
        "with_history": bool(flt.statuses),
        "cell_dx": cell.dx,
        "cell_dy": cell.dy,
    }
    tables: dict[str, dict[str, dict]] = {}
    totals: dict[str, Flows] = {}
    with conn.cursor() as cur:
        _no_jit(cur)
        cur.execute(query, params)
        for part, grouping, grid, cx, cy, center, *values in cur.fetchall():
            kind = _FLOW_SETS[grouping]
            if kind == "total":
                totals[part] = Flows(*values)
                continue
            key: Key = {"grids": grid, "cells": (cx, cy), "centers": center}[kind]
            if key is not None:
                tables.setdefault(part, {}).setdefault(kind, {})[key] = _KEEP[kind](Flows(*values))
    return {
        part: FlowTable(
            tables.get(part, {}).get("grids", {}),
            tables.get(part, {}).get("cells", {}),
            tables.get(part, {}).get("centers", {}),
            totals.get(part, Flows()),
        )
        for part in set(tables) | set(totals)
    }


def flows(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    window: Window,
    cell: HeatCell,
    past: FlowTable | None = None,
    earlier: EarlierToday | None = None,
) -> tuple[FlowTable, FlowTable]:
    """The period's flows and today's part of them; `past` is `history(...)` and `earlier`
    `earlier_today(...)` when kept (`earlier` serves only a filter without statuses; counted
    with the history, it holds it and `past` is not needed)."""
    if not window.live:
        return direct_flows(conn, flt, window, cell), FlowTable()
    earlier = earlier if not flt.statuses else None
    parts = live_flows(conn, flt, window, cell, earlier)
    fresh = parts.get("today", FlowTable())
    today = fresh if earlier is None else earlier.flows.combine(fresh)
    if flt.statuses and "closed" not in flt.statuses:
        return parts.get("asked", FlowTable()).combine(today), today
    if earlier is not None and earlier.through is not None:
        return earlier.through.combine(fresh), today  # no statuses: nothing to correct
    if past is None:
        past = history(conn, flt, window, cell)
    return past.combine(parts.get("other", FlowTable()), sign=-1).combine(today), today


OPEN_NOW = "i.status IN ('reported', 'assigned', 'in_progress')"
OPEN_AT_END = "(i.resolved_at IS NULL OR i.resolved_at >= %(end)s)"


def open_at_end(live: bool) -> str:
    """SQL for 'open at the end of the period' on incidents `i` (end is now when `live`)."""
    return OPEN_NOW if live else OPEN_AT_END


def stocks(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    end: datetime,
    live: bool = True,
    grids: list[str] | None = None,
) -> StockTable:
    """Open cases at `end` per grid, per center and in total; `live`: end is now; `grids`: the
    area's small grids (None: no such bound), through which the open cases' index finds them."""
    in_grids = "TRUE" if grids is None else "i.grid_code = ANY(%(grids)s)"
    query, params = _query("live_stocks", flt, open_at_end=open_at_end(live), in_grids=in_grids)
    by_grid: dict[str, Stocks] = {}
    centers: dict[str, Stocks] = {}
    total = Stocks()
    with conn.cursor() as cur:
        _no_jit(cur)
        cur.execute(query, {**params, "end": end, "grids": grids})
        for grouping, grid, center, *values in cur.fetchall():
            if grouping == _STOCK_TOTAL:
                total = Stocks(*values)
            elif grouping == _STOCK_GRID:
                by_grid[grid] = Stocks(*values)
            elif center is not None:
                centers[center] = Stocks(*values)
    return StockTable(centers, total, by_grid)


@dataclass(frozen=True)
class IncidentPoint:
    """One incident to draw: where, what, its state and the resident's own words."""

    id: int
    lon: float
    lat: float
    source: str
    category: str
    subcategory: str
    status: str
    severity: int
    is_major_risk: bool
    reported_at: datetime
    deadline_at: datetime
    address: str
    description: str
    grid_code: str


def _points(
    conn: psycopg2.extensions.connection, name: str, flt: IncidentFilter, params: dict
) -> list[IncidentPoint]:
    query, cond = _query(name, flt)
    with conn.cursor() as cur:
        cur.execute(query, {**cond, **params})
        return [IncidentPoint(*row) for row in cur.fetchall()]


def incident_points(
    conn: psycopg2.extensions.connection, flt: IncidentFilter, window: Window, limit: int
) -> list[IncidentPoint]:
    """The newest incidents of the period matching the filter (at most `limit`)."""
    return _points(conn, "live_points", flt, {"lo": window.lo, "end": window.end, "limit": limit})


def arrivals(
    conn: psycopg2.extensions.connection, flt: IncidentFilter, after_id: int, limit: int = 200
) -> list[IncidentPoint]:
    """Incidents matching the filter stored after incident `after_id`, newest first."""
    return _points(conn, "live_arrivals", flt, {"after": after_id, "limit": limit})


def data_version(conn: psycopg2.extensions.connection) -> tuple[int | None, int]:
    """The current boundary version (None when there is none) and the newest incident id."""
    with conn.cursor() as cur:
        cur.execute(load_sql("live_version"))
        version, newest = cur.fetchone()
    return version, int(newest)


@dataclass(frozen=True)
class Versions:
    """The boundary version, the newest incident id and the incidents' change counter."""

    boundaries: int | None
    newest: int
    changes: int


def versions(conn: psycopg2.extensions.connection) -> Versions:
    """What the data is now, in one cheap read: a change to any incident moves `changes`."""
    with conn.cursor() as cur:
        cur.execute(load_sql("live_changes"))
        boundaries, newest, changes = cur.fetchone()
    return Versions(boundaries, int(newest), int(changes))


@dataclass(frozen=True)
class AreaNode:
    """A current area: its parent, name, level, label point, box and its ancestors' codes."""

    code: str
    parent_code: str | None
    name: str
    level: str
    lon: float
    lat: float
    bbox: LngLatBbox
    ancestors: tuple[str, ...]  # city first, the parent last


def area_tree(conn: psycopg2.extensions.connection) -> dict[str, AreaNode]:
    """Every current area by code, with its ancestors (read once per boundary version)."""
    with conn.cursor() as cur:
        cur.execute(load_sql("live_area_tree"))
        rows = cur.fetchall()
    parent = {row[0]: row[1] for row in rows}

    def chain(code: str) -> tuple[str, ...]:
        out: list[str] = []
        up = parent.get(code)
        while up is not None and len(out) < 8:
            out.append(up)
            up = parent.get(up)
        return tuple(reversed(out))

    return {
        code: AreaNode(code, parent_code, name, level, lon, lat, LngLatBbox(*box), chain(code))
        for code, parent_code, name, level, lon, lat, *box in rows
    }


def within(node: AreaNode, scope_code: str | None) -> bool:
    """True when the area is the scope's area or lies inside it (no scope: everything)."""
    return scope_code is None or node.code == scope_code or scope_code in node.ancestors


def grid_owners(tree: Mapping[str, AreaNode], level: str) -> dict[str, str]:
    """Each small grid's ancestor of `level` (grids under none are left out)."""
    areas = {code for code, node in tree.items() if node.level == level}
    owner: dict[str, str] = {}
    for code, node in tree.items():
        if node.level == "grid":
            parent = next((a for a in node.ancestors if a in areas), None)
            if parent is not None:
                owner[code] = parent
    return owner


# Outline coordinates are rounded to 1e-5° (about 1 m), finer than their simplification.
SHAPE_DIGITS = 5


@dataclass(frozen=True)
class GridShape:
    """A small grid's display outline: polygons of rings of [lon, lat] (rounded)."""

    code: str
    polygons: list[list[list[list[float]]]]


def grid_shapes(conn: psycopg2.extensions.connection) -> list[GridShape]:
    """Every current small grid's simplified outline (read once per boundary version)."""
    with conn.cursor() as cur:
        cur.execute(load_sql("live_grid_shapes"))
        rows = cur.fetchall()
    geoms = shapely.from_wkb([bytes(wkb) for _, wkb in rows])
    return [GridShape(code, _polygons(geom)) for (code, _), geom in zip(rows, geoms, strict=True)]


def _polygons(geom: shapely.Geometry) -> list[list[list[list[float]]]]:
    return [
        [
            np.round(shapely.get_coordinates(ring), SHAPE_DIGITS).tolist()
            for ring in [part.exterior, *part.interiors]
        ]
        for part in shapely.get_parts(geom)
    ]


@dataclass(frozen=True)
class Center:
    """A command center: level, the area it serves, its parent center and location."""

    code: str
    name: str
    level: str
    area_code: str
    parent_code: str | None
    lon: float
    lat: float


def centers(conn: psycopg2.extensions.connection) -> list[Center]:
    """Every center of the four-level command system."""
    with conn.cursor() as cur:
        cur.execute(load_sql("live_centers"))
        return [Center(*row) for row in cur.fetchall()]


@dataclass(frozen=True)
class CenterLoad:
    """A center's workload: open and overdue cases now, concluded in the period and today."""

    center: Center
    open: int
    overdue: int
    concluded: int
    concluded_today: int
    mean_hours: float | None

    @property
    def overdue_share(self) -> float:
        """Share of its open cases that are overdue (0 when none are open)."""
        return self.overdue / self.open if self.open else 0.0


def center_loads(
    all_centers: Iterable[Center], stock_table: StockTable, flow_table: FlowTable, today: FlowTable
) -> list[CenterLoad]:
    """Each center's workload from the period's stocks and flows."""
    out = []
    for center in all_centers:
        s = stock_table.centers.get(center.code, Stocks())
        f = flow_table.centers.get(center.code, Flows())
        done_today = today.centers.get(center.code, Flows()).concluded
        out.append(CenterLoad(center, s.open, s.overdue, f.concluded, done_today, f.mean_hours))
    return out
