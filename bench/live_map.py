"""Benchmark of the live map: one refresh of the whole-city view, and a naive way, same run.

    DATABASE_URL=postgresql://…/live_bench .venv/bin/python bench/live_map.py --runs 20

Seed first, e.g. `minqing demo seed --incidents 2400000`. For each time window it reports
p50/p95 of every query of a refresh (the history, counted once per filter and day, and today
before the checkpoint, counted once per ten minutes, apart), of the whole refresh (queries +
layers + JSON) as it runs when the data changed since the last one, of a refresh whose answer
is shared (nothing changed), and the bytes one refresh sends; then the
same for a naive refresh: incidents joined to grids with ST_Contains at query time, the key
figures counted over the whole period (geo.queries.kpis), raw incident points for the heat,
and every grid's full outline in the payload.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

import psycopg2.extensions

from geo import db
from geo.filters import IncidentFilter, Scope, parse_period
from geo.live import queries as live
from geo.live.grid_status import judge_stocks, load_rules
from geo.live.shared import SharedAnswers
from geo.live.view import LiveView, Static, live_view, load_static, shared_live_view
from geo.longlived import kept
from geo.queries.areas import area_outlines
from geo.queries.kpis import area_kpis
from geo.settings import get_settings, hide_password
from geo.timeutil import now_utc
from layers.centers import center_layer
from layers.deck import make_deck, view_for
from layers.grid_status import base_records, grid_base_layer, grid_records, grid_status_layers
from layers.heat import heat_layer

NAIVE_GRIDS = """
SELECT g.code,
       count(i.id) FILTER (WHERE i.resolved_at IS NULL) AS open,
       count(i.id) FILTER (WHERE i.resolved_at IS NULL AND i.deadline_at < %(end)s) AS overdue,
       count(i.id) FILTER (WHERE i.resolved_at IS NULL AND i.is_major_risk) AS major_open,
       count(i.id) FILTER (WHERE i.resolved_at IS NULL AND i.category = 'dispute') AS disputes,
       count(i.id) FILTER (WHERE i.reported_at >= %(lo)s) AS new,
       count(i.id) FILTER (WHERE i.reported_at >= %(prev_lo)s AND i.reported_at < %(lo)s) AS prev
FROM current_areas g
JOIN incidents i ON ST_Contains(g.geom, i.geom)
WHERE g.level = 'grid' AND i.reported_at < %(end)s
  AND (i.resolved_at IS NULL OR i.reported_at >= %(prev_lo)s)
GROUP BY g.code
"""
NAIVE_POINTS = """
SELECT ST_X(geom), ST_Y(geom) FROM incidents WHERE reported_at >= %(lo)s AND reported_at < %(end)s
"""
NAIVE_OUTLINES = "SELECT code, ST_AsGeoJSON(geom, 6) FROM current_areas WHERE level = 'grid'"


@dataclass
class Timings:
    """Named samples in milliseconds."""

    samples: dict[str, list[float]] = field(default_factory=dict)

    def time(self, name: str, func: Callable, *args: object) -> object:
        """Call func(*args) and keep its wall time under `name`."""
        start = time.perf_counter()
        result = func(*args)
        self.samples.setdefault(name, []).append((time.perf_counter() - start) * 1000)
        return result

    def row(self, name: str) -> str:
        """'p50 / p95' of one name."""
        values = sorted(self.samples[name])
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        return f"{statistics.median(values):,.0f} / {p95:,.0f}"


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


def _sizes(payload: object) -> tuple[int, int]:
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return len(text), len(gzip.compress(text, 6))


def _deck_json(view: LiveView, static: Static, heat: bool = False) -> str:
    """The whole-city deck as the page builds it (static parts as URLs), as JSON; the default
    layers (grid colours, centers), or all of them with the heat."""
    rules = load_rules()
    statuses = {g.measures.code: g for g in view.grids}
    names = {s.code: static.tree[s.code].name for s in static.shapes if s.code in static.tree}
    records = grid_records(static.shapes, statuses, names, rules, _t, "zh", ("red", "yellow"))
    layers = [
        grid_base_layer("app/static/live/grids-v1-zh-0123456789abcdef.json"),
        *grid_status_layers(records),
        center_layer(view.centers, _t, live=True),
        *([heat_layer(view.heat(), "city")] if heat else []),
    ]
    city = next(n.bbox for n in static.tree.values() if n.level == "city")
    return make_deck(layers, view_for(city), {"html": "<b>{title}</b><div>{body}</div>"}).to_json()


def _t(key: str) -> str:
    return key


def refresh(
    conn: psycopg2.extensions.connection,
    period: str,
    static: Static,
    past: live.FlowTable,
    earlier: live.EarlierToday | None,
    timings: Timings,
    scope: Scope,
) -> int:
    """One refresh of the scope's view (the whole city by default) as the page does it; the
    deck's size in bytes."""
    start = time.perf_counter()
    now = now_utc()
    flt = IncidentFilter(parse_period(period, now), scope=scope)
    _, newest = timings.time("data version", live.data_version, conn)
    view = timings.time(
        "all queries (live part, stocks, grid colours, centers)",
        live_view, conn, flt, now, static, load_rules(), past, earlier,
    )  # fmt: skip
    timings.time("arrivals", live.arrivals, conn, flt, newest)
    text = timings.time("layers and JSON", _deck_json, view, static)
    conn.commit()
    timings.samples.setdefault("**whole refresh** (default layers)", []).append(
        (time.perf_counter() - start) * 1000
    )
    with_heat = timings.time("· layers and JSON with the heat on", _deck_json, view, static, True)
    timings.samples.setdefault("bytes with the heat on", []).append(len(with_heat.encode()))
    # each query again on its own, for the breakdown (not in the whole refresh above)
    window = live.plan_window(flt.period, now)
    cell = live.HeatCell.for_level(scope.level)
    flows, _ = timings.time(
        "· live part of the flows", live.flows, conn, flt, window, cell, past, earlier
    )
    codes = static.grids_in(scope.code) if scope.code else None
    stocks = timings.time(
        "· stocks per grid and center (one pass)", live.stocks, conn, flt, window.end, True, codes
    )
    reports = {code: (f.new, f.previous) for code, f in flows.grids.items()}
    every_grid = codes if codes is not None else [s.code for s in static.shapes]
    timings.time(
        "· grid colours (rules)",
        judge_stocks, conn, every_grid, stocks.grids, reports, load_rules(), codes is not None,
    )  # fmt: skip
    conn.commit()
    return len(text.encode())


def naive(conn: psycopg2.extensions.connection, period: str, timings: Timings) -> int:
    """A naive refresh: spatial join, KPIs over the period, raw points, full outlines."""
    start = time.perf_counter()
    now = now_utc()
    flt = IncidentFilter(parse_period(period, now))
    window = live.plan_window(flt.period, now)
    params = {"lo": window.lo, "end": window.end, "prev_lo": window.prev_lo}
    with conn.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        timings.time("naive: grids by ST_Contains join", cur.execute, NAIVE_GRIDS, params)
        cur.fetchall()
        timings.time("naive: raw points for the heat", cur.execute, NAIVE_POINTS, params)
        points = cur.fetchall()
        timings.time("naive: full grid outlines", cur.execute, NAIVE_OUTLINES)
        outlines = cur.fetchall()
    timings.time("naive: key figures over the period", area_kpis, conn, flt)
    conn.commit()
    timings.samples.setdefault("naive: whole refresh", []).append(
        (time.perf_counter() - start) * 1000
    )
    return sum(len(g) for _, g in outlines) + len(json.dumps(points))


def _scope_label(scope: Scope | None) -> str:
    if scope is None:
        return "off (the tables' owner)"
    return "city scope" if scope.level == "city" else f"{scope.level} {scope.code}"


def main() -> None:
    """Run the benchmark and print a markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="refreshes per window")
    parser.add_argument("--naive-runs", type=int, default=3, help="naive refreshes per window")
    parser.add_argument("--periods", default="today,7d,30d")
    parser.add_argument(
        "--scope",
        type=Scope.parse,
        help="work as the dashboard does, under row-level security in this scope: "
        "city or LEVEL:CODE (e.g. district:620102), whose view is then refreshed",
    )
    args = parser.parse_args()
    url = db.database_url(get_settings())
    # with a scope: the app's role in it, entered again after each commit like a page's
    conn = db.connect(url) if args.scope is None else db.scoped_connection(url, args.scope)
    scope = args.scope or Scope()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*), version() FROM incidents")
        incidents, version = cur.fetchone()
    load = os.getloadavg()
    print(f"# Live map benchmark\n\n{hide_password(url)} · {incidents:,} incidents · "
          f"{os.cpu_count()} CPUs · load {load[0]:.1f} · {version.split(',')[0]} · "
          f"row-level security: {_scope_label(args.scope)}\n")  # fmt: skip
    timings = Timings()
    static = timings.time("boundaries and centers (once per version)", load_static, conn,
                          live.data_version(conn)[0])  # fmt: skip
    conn.commit()
    grids = base_records(static.shapes, {}, _t)
    outlines = area_outlines(conn, ["district", "street"])
    conn.commit()
    kept(grids)  # as the dashboard keeps its boundaries' parts (geo.longlived)
    once = _sizes(grids)[0] + sum(len(o.geojson) for o in outlines)
    once_gz = _sizes(grids)[1] + len(gzip.compress(b"".join(o.geojson.encode() for o in outlines)))
    print(f"Fetched once per boundary version: {_kb(once)} ({_kb(once_gz)} gzipped)\n")
    print("| window | query / step | p50 / p95 ms |\n|---|---|---|")
    for period in args.periods.split(","):
        window_timings = Timings()
        now = now_utc()
        flt = IncidentFilter(parse_period(period, now), scope=scope)
        window = live.plan_window(flt.period, now)
        cell = live.HeatCell.for_level(scope.level)
        past = earlier = None
        for _ in range(3):
            past = window_timings.time("history (once per filter and day)", live.history, conn,
                                       flt, window, cell)  # fmt: skip
            earlier = window_timings.time(
                "today before the checkpoint (once per 10 min)", live.earlier_today, conn, flt,
                window, cell, live.checkpoint(window, now),
            )  # fmt: skip
            conn.commit()
        sizes = [
            refresh(conn, period, static, past, earlier, window_timings, scope)
            for _ in range(args.runs)
        ]
        answers = SharedAnswers()
        for _ in range(args.runs):
            window_timings.time(
                "shared refresh, data unchanged (the kept answer)", shared_live_view,
                lambda: nullcontext(conn), _scope_label(args.scope), IncidentFilter(
                    parse_period(period, now_utc()), scope=scope), now_utc(), static,
                load_rules(), answers,
            )  # fmt: skip
            conn.commit()
        naive_sizes = [naive(conn, period, window_timings) for _ in range(args.naive_runs)]
        for name in window_timings.samples:
            if not name.startswith("bytes"):
                print(f"| {period} | {name} | {window_timings.row(name)} |")
        heat_bytes = int(max(window_timings.samples["bytes with the heat on"]))
        print(f"| {period} | bytes per refresh, default layers | {_kb(max(sizes))} |")
        print(f"| {period} | bytes per refresh, heat on too | {_kb(heat_bytes)} |")
        if naive_sizes:
            print(f"| {period} | naive: bytes per refresh | {_kb(max(naive_sizes))} |")
    load = os.getloadavg()
    print(f"\nload at the end: {load[0]:.1f}")
    conn.close()


if __name__ == "__main__":
    main()
