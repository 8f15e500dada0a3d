"""Everything one refresh of the live map needs, in one call (the page and the benchmark)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import psycopg2.extensions

from geo.filters import IncidentFilter
from geo.live import queries as live
from geo.live.grid_status import COLORS, GridRules, GridStatus, judge_stocks
from geo.live.shared import SharedAnswers, T

POINT_LEVELS = ("street", "community", "grid")  # incident points are drawn inside these
POINTS_LIMIT = 3000
# the community workstations (1,086 in Lanzhou) join the map once a district is opened
CITY_CENTER_LEVELS = ("city_center", "sub_center", "command_post")


@dataclass(frozen=True)
class Static:
    """What changes only with the boundaries (or the centers): read once per version."""

    version: int
    tree: dict[str, live.AreaNode]
    shapes: list[live.GridShape]
    centers: list[live.Center]

    @cached_property
    def street_of(self) -> dict[str, str]:
        """Each small grid's street (made once per Static, which the page keeps per version)."""
        return live.grid_owners(self.tree, "street")

    def grids_in(self, scope_code: str | None) -> list[str]:
        """Codes of the small grids inside an area (all of them for None)."""
        return [
            s.code for s in self.shapes if s.code in self.tree and
            live.within(self.tree[s.code], scope_code)
        ]  # fmt: skip

    def centers_in(self, scope_code: str | None) -> list[live.Center]:
        """The centers serving the area or one inside it (for None: the city's top three levels)."""
        return [
            c for c in self.centers
            if c.area_code in self.tree and live.within(self.tree[c.area_code], scope_code)
            and (scope_code is not None or c.level in CITY_CENTER_LEVELS)
        ]  # fmt: skip


def load_static(conn: psycopg2.extensions.connection, version: int) -> Static:
    """The area tree, grid outlines and centers of the current boundary version."""
    return Static(version, live.area_tree(conn), live.grid_shapes(conn), live.centers(conn))


@dataclass(frozen=True)
class LiveView:
    """One refresh: flows and stocks, grid colours, center loads, heat, points."""

    window: live.Window
    cell: live.HeatCell
    flows: live.FlowTable
    today: live.FlowTable
    stocks: live.StockTable
    grids: list[GridStatus]  # every grid in an area; the red and yellow ones for the city
    grid_counts: dict[str, int]
    centers: list[live.CenterLoad]
    points: list[live.IncidentPoint]

    def heat(self) -> list[tuple[float, float, int]]:
        """Heat cells as (lon, lat, reports in the period)."""
        return [(*self.cell.centre(*key), f.new) for key, f in self.flows.cells.items() if f.new]

    @property
    def resolved_rate(self) -> float | None:
        """化解率: share of the cases concluded in the period that were resolved."""
        total = self.flows.total
        return total.resolved / total.concluded if total.concluded else None


def needs_history(flt: IncidentFilter, window: live.Window) -> bool:
    """True when a refresh adds the (kept) history to the live part."""
    return window.live and (not flt.statuses or "closed" in flt.statuses)


def live_view(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    now: datetime,
    static: Static,
    rules: GridRules,
    past: live.FlowTable | None = None,
    earlier: live.EarlierToday | None = None,
) -> LiveView:
    """Read and judge everything one refresh shows; `past` is the kept history and `earlier`
    today's kept flows before the checkpoint, if any."""
    window = live.plan_window(flt.period, now)
    cell = live.HeatCell.for_level(flt.scope.level)
    flows, today = live.flows(conn, flt, window, cell, past, earlier)
    scope_code = flt.scope.code
    codes = static.grids_in(scope_code) if scope_code else None
    stocks = live.stocks(conn, flt, window.end, live=window.live, grids=codes)
    reports = {code: (f.new, f.previous) for code, f in flows.grids.items()}
    every_grid = codes if codes is not None else [s.code for s in static.shapes]
    grids = judge_stocks(conn, every_grid, stocks.grids, reports, rules, every=codes is not None)
    counts = {color: sum(1 for g in grids if g.color == color) for color in COLORS}
    counts["blue"] = len(every_grid) - counts["red"] - counts["yellow"]
    centers = live.center_loads(static.centers_in(scope_code), stocks, flows, today)
    points = (
        live.incident_points(conn, flt, window, POINTS_LIMIT)
        if flt.scope.level in POINT_LEVELS
        else []
    )
    return LiveView(window, cell, flows, today, stocks, grids, counts, centers, points)


# How an answer is shared (geo.live.shared): a view per viewer's scope, area, filters, data
# change and VIEW_SECONDS of the clock (overdue counts move with time alone); the history per
# filter, window and HISTORY_SECONDS; today's flows before the checkpoint once per checkpoint.
VIEW_SECONDS = 5
HISTORY_SECONDS = 900
LIVE_ANSWERS = SharedAnswers(max_slots=256)
# The boundaries (area tree, grid outlines) per database and version: no scope applies to them
STATIC_ANSWERS = SharedAnswers(max_slots=8)

Opener = Callable[[], AbstractContextManager[psycopg2.extensions.connection]]


def shared_static(
    open_conn: Opener, version: int, answers: SharedAnswers = STATIC_ANSWERS
) -> Static:
    """The area tree and grid outlines of a boundary version (no centers: those depend on
    the viewer's scope), read once per process and database and shared by every viewer: the
    areas have no row-level security, whoever reads them reads them all."""
    with open_conn() as conn:
        database = (conn.info.host, conn.info.port, conn.info.dbname)

    def read() -> Static:
        with open_conn() as conn:
            return Static(version, live.area_tree(conn), live.grid_shapes(conn), [])

    return answers.get(("static", database, version), 0, read)


def shared_live_view(
    open_conn: Opener,
    viewer: Hashable,
    flt: IncidentFilter,
    now: datetime,
    static: Static,
    rules: GridRules,
    answers: SharedAnswers = LIVE_ANSWERS,
    view_seconds: float = VIEW_SECONDS,
    seen: live.Versions | None = None,
) -> tuple[LiveView, int]:
    """One refresh's view and the newest incident id, computed once for every viewer who asks
    the same question of the same data: N screens on one area cost one count per change.

    `open_conn()` gives a connection in the viewer's row-level-security scope and `viewer`
    names that scope: an answer is shared only with viewers of the same scope, never filtered
    for another one. A connection is held only while reading, not while waiting for another
    thread's answer. The change counter moves when a writer's statement runs, before it
    commits: a count made in between is kept until the next change or the next `view_seconds`
    of the clock, whichever comes first. `seen` is the data's versions when the caller has
    just read them in the viewer's scope (read here otherwise).
    """
    with open_conn() as conn:
        seen = seen or live.versions(conn)
        # one process may read several databases (tests, a changed setting): never share across
        database = (conn.info.host, conn.info.port, conn.info.dbname)
    window = live.plan_window(flt.period, now)
    cell = live.HeatCell.for_level(flt.scope.level)
    asked = (
        database,
        viewer,
        static.version,
        flt.scope,
        flt.sources,
        flt.categories,
        flt.major_only,
    )
    history_stamp = int(now.timestamp() // HISTORY_SECONDS)

    def kept_history() -> live.FlowTable | None:
        if not needs_history(flt, window):
            return None

        def count(conn: psycopg2.extensions.connection) -> live.FlowTable:
            return live.history(conn, flt, window, cell)

        slot = ("history", asked, window.lo, window.history_hi, window.prev_lo, cell)
        return answers.get(slot, history_stamp, lambda: _read(open_conn, count))

    def kept_earlier(past: live.FlowTable | None) -> live.EarlierToday | None:
        if not window.live or flt.statuses:
            return None
        since = live.checkpoint(window, now)

        def count(conn: psycopg2.extensions.connection) -> live.EarlierToday:
            return live.earlier_today(conn, flt, window, cell, since, past)

        slot = ("earlier", asked, window.lo, window.prev_lo, window.today, since, cell)
        return answers.get(slot, history_stamp, lambda: _read(open_conn, count))

    def counted() -> LiveView:
        past = kept_history()
        earlier = kept_earlier(past)
        with open_conn() as conn:
            return live_view(conn, flt, now, static, rules, past, earlier)

    question, stamp = view_key(flt, now, seen, view_seconds)
    view = answers.get(("view", asked, *question), stamp, counted)
    return view, seen.newest


def view_key(
    flt: IncidentFilter, now: datetime, seen: live.Versions, view_seconds: float = VIEW_SECONDS
) -> tuple[tuple, tuple[int, int]]:
    """What `shared_live_view` keeps a view by, besides the database, viewer, boundaries and
    filters it shares: the statuses and period asked, and the stamp (change counter, clock
    bucket of `view_seconds`) under which a kept view is still the answer."""
    question = (flt.statuses, flt.period.key, flt.period.start)
    return question, (seen.changes, int(now.timestamp() // view_seconds))


def _read(open_conn: Opener, work: Callable[[psycopg2.extensions.connection], T]) -> T:
    with open_conn() as conn:
        return work(conn)
