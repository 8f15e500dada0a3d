"""The live map's queries against PostGIS: the history + live split against a direct count,
against the shared key figures (geo.queries.kpis), and on hand-made incidents."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from geo import db
from geo.filters import IncidentFilter, Scope, parse_period
from geo.live import queries as live
from geo.live.grid_status import load_rules
from geo.live.view import live_view, load_static, needs_history
from geo.queries.kpis import area_kpis
from geo.timeutil import now_utc, start_of_day_cst
from tests.live_world import GRID_A, GRID_B, GRID_C, GRID_D, Incidents, build_world, cst_noon

pytestmark = pytest.mark.db


def _same(a: live.FlowTable, b: live.FlowTable) -> None:
    """Two flow tables agree everywhere (hours to rounding)."""

    def close(x: live.Flows, y: live.Flows) -> bool:
        return replace(x, hours=0) == replace(y, hours=0) and abs(x.hours - y.hours) < 1e-6

    for name in ("grids", "cells", "centers"):
        mine, theirs = getattr(a, name), getattr(b, name)
        for key in set(mine) | set(theirs):
            assert close(mine.get(key, live.Flows()), theirs.get(key, live.Flows())), (name, key)
    assert close(a.total, b.total)


@pytest.fixture(scope="module")
def world(scratch):
    """The tiny hand-made world, with a mix of old, recent, open and closed incidents."""
    url = scratch.create_migrated("minqing_live_queries")
    conn = db.connect(url)
    build_world(conn)
    now = cst_noon(datetime.now(UTC))
    add = Incidents(conn, now).add
    for grid, days in [(GRID_A, 0.2), (GRID_A, 0.4), (GRID_B, 0.1), (GRID_C, 0.3)]:
        add(grid, days, status="reported")  # today, waiting
    add(GRID_A, 0.3, status="closed")  # reported and closed today
    add(GRID_B, 2, status="resolved", resolved_days_ago=0.2)  # concluded today, not closed
    add(GRID_B, 3, status="closed", resolved_days_ago=0.1)  # concluded and closed today
    add(GRID_C, 4, status="resolved", resolved_days_ago=1.5)  # concluded in the history
    add(GRID_C, 5, status="closed", resolved_days_ago=2.5, category="dispute")
    add(GRID_D, 6.3, status="in_progress", category="dispute", major=True, deadline_days=15)
    add(GRID_D, 9, status="closed", resolved_days_ago=8)  # the period before
    add(GRID_D, 11, status="assigned", deadline_days=2)  # before, still open, overdue
    add(GRID_A, 40, status="in_progress", deadline_days=10)  # long open, overdue
    add(GRID_A, 45, status="closed", resolved_days_ago=44)  # long done: counts nowhere
    yield conn, now
    conn.close()


FILTERS = [
    {},
    {"statuses": ("closed",)},
    {"statuses": ("reported", "in_progress")},
    {"statuses": ("resolved", "closed")},
    {"categories": ("dispute",)},
    {"major_only": True},
    {"scope": Scope("district", "620102")},
    {"scope": Scope("street", "620103001"), "statuses": ("assigned", "closed")},
]


@pytest.mark.parametrize("period", ["today", "7d", "30d"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_history_plus_live_equals_a_direct_count(world, period, filters):
    """Every window and filter: grids, cells, centers and totals as a direct count gives them."""
    conn, now = world
    flt = IncidentFilter(parse_period(period, now), **filters)
    window = live.plan_window(flt.period, now)
    cell = live.HeatCell.for_level(flt.scope.level)
    combined, _ = live.flows(conn, flt, window, cell)
    _same(combined, live.direct_flows(conn, flt, window, cell))
    conn.rollback()


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_key_figures_agree_with_the_shared_kpis(world, filters):
    """New, open, overdue, concluded, resolved and major open: as geo.queries.kpis counts them."""
    conn, now = world
    flt = IncidentFilter(parse_period("7d", now), **filters)
    view = live_view(conn, flt, now, load_static(conn, live.data_version(conn)[0]), load_rules())
    kpis = area_kpis(conn, flt)
    conn.rollback()
    total, stocks = view.flows.total, view.stocks.total
    assert (total.new, stocks.open, stocks.overdue, total.concluded, total.resolved) == (
        kpis.new, kpis.open, kpis.overdue, kpis.concluded, kpis.resolved,
    )  # fmt: skip
    assert (total.major_new, stocks.major_open) == (kpis.major_new, kpis.major_open)


def test_hand_counted_numbers(world):
    """The week's counts, worked out by hand from the fixture."""
    conn, now = world
    flt = IncidentFilter(parse_period("7d", now))
    view = live_view(conn, flt, now, load_static(conn, live.data_version(conn)[0]), load_rules())
    conn.rollback()
    assert view.today.total.new == 5  # four waiting and one closed, all reported today
    assert view.today.total.concluded == 3  # closed today, resolved today x2
    assert view.flows.total.new == 10  # + 2, 3, 4, 5 and 6.3 days ago
    assert view.flows.total.concluded == 5
    assert view.stocks.total.open == 7  # four waiting, D in progress and assigned, A long open
    assert view.stocks.total.overdue == 2  # assigned 11 days ago (2 days) and the 40-day one
    grids = {g.measures.code: g.measures for g in view.grids}
    assert (grids[GRID_D].new, grids[GRID_D].previous, grids[GRID_D].major_open) == (1, 2, 1)
    assert {c.center.level for c in view.centers} == {"city_center", "sub_center", "command_post"}
    flt = replace(flt, scope=Scope("district", "620102"))
    static = load_static(conn, live.data_version(conn)[0])
    district = live_view(conn, flt, now, static, load_rules())
    conn.rollback()
    loads = {c.center.code: c for c in district.centers}
    assert set(loads) == {"sub-620102", "post-620102001", "ws-620102001001"}
    assert loads["ws-620102001001"].open == 1  # A's long-open case (waiting ones have none)
    assert loads["ws-620102001001"].concluded_today == 3


def test_open_and_overdue_per_center(world):
    """Centers count the open cases assigned to them; waiting ones belong to no center yet."""
    conn, now = world
    flt = IncidentFilter(parse_period("7d", now))
    table = live.stocks(conn, flt, now)
    conn.rollback()
    assert table.centers["ws-620103001001"].open == 2  # D's in progress and assigned
    assert table.centers["ws-620103001001"].overdue == 1
    assert sum(s.open for s in table.centers.values()) + 4 == table.total.open


def test_a_past_period_is_counted_directly(world):
    """A period that ended before today has no live part: one direct count, statuses included."""
    conn, now = world
    yesterday = (start_of_day_cst(now) - timedelta(days=1)).date().isoformat()
    flt = IncidentFilter(parse_period(f"{yesterday}..{yesterday}", now))
    window = live.plan_window(flt.period, now)
    assert not window.live and not needs_history(flt, window)
    combined, today = live.flows(conn, flt, window, live.HeatCell.for_level("city"))
    conn.rollback()
    assert today.total == live.Flows()
    assert combined.total.concluded == 1  # C's case resolved 1.5 days before noon


def test_points_and_arrivals_follow_the_filter(world):
    """Points of the period inside the scope, newest first; arrivals after an id."""
    conn, now = world
    flt = IncidentFilter(parse_period("today", now), scope=Scope("street", "620102001"))
    window = live.plan_window(flt.period, now)
    points = live.incident_points(conn, flt, window, limit=10)
    assert [p.grid_code for p in points] == [GRID_B, GRID_A, GRID_A, GRID_A]
    assert points == sorted(points, key=lambda p: p.reported_at, reverse=True)
    newest = live.data_version(conn)[1]
    assert live.arrivals(conn, flt, after_id=newest) == []
    later = live.arrivals(conn, replace(flt, scope=Scope()), after_id=newest - 5)
    conn.rollback()
    assert [p.id for p in later] == list(range(newest, newest - 5, -1))


def test_heat_cells_hold_the_period_reports(world):
    """Heat cells sum to the period's reports, and each centre lies near its incidents."""
    conn, now = world
    flt = IncidentFilter(parse_period("7d", now))
    view = live_view(conn, flt, now, load_static(conn, live.data_version(conn)[0]), load_rules())
    conn.rollback()
    cells = view.heat()
    assert sum(n for *_, n in cells) == view.flows.total.new
    for lon, lat, _ in cells:
        assert 103.69 < lon < 103.81 and 35.99 < lat < 36.11


@pytest.mark.parametrize(
    "filters",
    [{}, {"statuses": ("in_progress",)}, {"statuses": ("resolved", "closed")},
     {"categories": ("dispute", "fraud")}, {"sources": ("hotline_12345",), "major_only": False}],
    ids=lambda f: ",".join(f) or "none",
)  # fmt: skip
def test_split_on_the_seeded_demo(demo_db, filters):
    """On the generated Lanzhou demo the split and the direct count agree, and so do the KPIs."""
    conn = db.connect(demo_db)
    try:
        now = now_utc()
        tree = live.area_tree(conn)
        district = next(n.code for n in tree.values() if n.level == "district")
        for scope in (Scope(), Scope("district", district)):
            flt = IncidentFilter(parse_period("30d", now), scope=scope, **filters)
            window = live.plan_window(flt.period, now)
            cell = live.HeatCell.for_level(scope.level)
            combined, _ = live.flows(conn, flt, window, cell)
            _same(combined, live.direct_flows(conn, flt, window, cell))
            kpis = area_kpis(conn, flt)
            stocks = live.stocks(conn, flt, window.end)
            assert (combined.total.new, stocks.total.open, stocks.total.overdue) == (
                kpis.new, kpis.open, kpis.overdue,
            )  # fmt: skip
            assert combined.total.resolved == kpis.resolved
    finally:
        conn.close()


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_a_checkpoint_splits_today_without_changing_it(world, filters):
    """Today counted once before a checkpoint and on every refresh after it: the same flows as
    today counted whole, also for a case stored after the checkpoint with an earlier report."""
    conn, now = world
    flt = IncidentFilter(parse_period("7d", now), **filters)
    window = live.plan_window(flt.period, now)
    cell = live.HeatCell.for_level(flt.scope.level)
    since = now - timedelta(hours=5)  # 07:00 CST: between today's reports
    earlier = live.earlier_today(conn, flt, window, cell, since)
    conn.commit()
    late = Incidents(conn, now).add(GRID_B, 0.35, status="reported")  # 03:36 CST
    try:
        split = live.flows(conn, flt, window, cell, earlier=earlier)
        whole = live.flows(conn, flt, window, cell)
        _same(split[0], whole[0])
        _same(split[1], whole[1])
    finally:
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("DELETE FROM incidents WHERE id = %s", (late,))
        conn.commit()
    if not filters:
        assert 0 < earlier.flows.total.new < whole[1].total.new
        assert earlier.upto_id < late


def test_the_checkpoint_is_a_ten_minute_boundary_within_today(world):
    """Ten-minute steps of the clock, never before today's CST midnight."""
    _, now = world
    window = live.plan_window(parse_period("7d", now), now)
    assert live.checkpoint(window, now + timedelta(minutes=17)) == now + timedelta(minutes=10)
    midnight = start_of_day_cst(now)
    assert live.checkpoint(window, midnight + timedelta(minutes=3)) == midnight
