"""Benchmark of row-level security: the same work as the owner and under scopes, interleaved.

Runs the live map's refresh (history, flows, the whole `live_view`) and drill-down steps as
the tables' owner and as `minqing_app` under the city scope (the whole city's view), then as
the owner and under a district scope (the district's view: the page's area is the user's),
taking turns run by run so that the load of a shared machine falls on all alike; prints
p50 / p95 of each and the ratio of its p50 to the owner's for the same view.

    DATABASE_URL=postgresql://…/minqing .venv/bin/python bench/rls.py --district 620102
"""

from __future__ import annotations

import argparse
import os
import statistics
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from time import perf_counter

import psycopg2.extensions

from geo import db
from geo.drill.step import drill_step
from geo.filters import IncidentFilter, Scope, parse_period
from geo.live import queries as live
from geo.live.grid_status import load_rules
from geo.live.view import Static, live_view, load_static
from geo.settings import get_settings, hide_password
from geo.timeutil import CST, now_utc


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def timed(samples: list[float], work: Callable[..., object], *args: object) -> None:
    """Run the work once and add its time in milliseconds."""
    start = perf_counter()
    work(*args)
    samples.append((perf_counter() - start) * 1000)


def one_round(
    conn: psycopg2.extensions.connection,
    name: str,
    scope: Scope | None,
    view: Scope,
    static: Static,
    periods: list[str],
    month: str,
    samples: dict[tuple[str, str], list[float]],
) -> None:
    """Every measured piece of work once, as the owner (scope None) or inside a scope."""
    for period in periods:
        now = now_utc()
        flt = IncidentFilter(parse_period(period, now), scope=view)
        window = live.plan_window(flt.period, now)
        cell = live.HeatCell.for_level(view.level)
        if scope is not None:
            db.enter_scope(conn, scope)
        past = live.history(conn, flt, window, cell)
        conn.rollback()
        if scope is not None:
            db.enter_scope(conn, scope)
        timed(samples[(f"live map {period}: history", name)],
              live.history, conn, flt, window, cell)  # fmt: skip
        timed(samples[(f"live map {period}: refresh", name)],
              live_view, conn, flt, now, static, load_rules(), past)  # fmt: skip
        conn.rollback()
    if scope is not None:
        db.enter_scope(conn, scope)
    timed(samples[(f"drill step {month}", name)], drill_step, conn, view.code, month, now_utc())
    conn.rollback()


def _label(name: str, view: Scope) -> str:
    return f"{name} @ {view.code or 'city'}"


def main() -> None:
    """Run the benchmark and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--district", default="620102", help="the district scope's code")
    parser.add_argument("--runs", type=int, default=8, help="turns of each scope")
    parser.add_argument("--periods", default="today,30d", help="live map windows")
    args = parser.parse_args()
    url = db.database_url(get_settings())
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM incidents")
        incidents = cur.fetchone()[0]
    static = load_static(conn, live.data_version(conn)[0])
    conn.rollback()
    month = (now_utc().astimezone(CST).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    district = Scope("district", args.district)
    scopes = [
        ("owner", None, Scope()),
        ("city scope", Scope(), Scope()),
        ("owner", None, district),
        (f"district {args.district} scope", district, district),
    ]
    load = os.getloadavg()[0]
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    for _ in range(args.runs):
        for name, scope, view in scopes:
            one_round(conn, _label(name, view), scope, view, static, args.periods.split(","),
                      month, samples)  # fmt: skip
    conn.close()
    print(f"{hide_password(url)} · {incidents:,} incidents · {os.cpu_count()} CPUs · "
          f"load {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end\n")  # fmt: skip
    print("| view | work | as | p50 / p95 ms | p50 vs owner |\n|---|---|---|---|---|")
    for work in dict.fromkeys(w for w, _ in samples):
        for name, _, view in scopes:
            owner = statistics.median(samples[(work, _label("owner", view))])
            ms = samples[(work, _label(name, view))]
            p50 = statistics.median(ms)
            print(f"| {view.code or 'city'} | {work} | {name} | {p50:,.0f} / "
                  f"{percentile(ms, 0.95):,.0f} | {p50 / owner:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
