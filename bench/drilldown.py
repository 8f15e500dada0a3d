"""Benchmark of the drill-down: each drill step's server work and the safety report's time.

Runs against the database of DATABASE_URL (seed it first, e.g.
`minqing demo seed --incidents 2400000`). For every level it takes a few areas (the largest
by residents), a finished month and the current month, runs each step REPEAT times after one
warm-up, and prints p50 / p95 per part (key figures now and before, read together; children
ranking, trend, breakdowns) and for the whole step; then times `write_report` for the largest
district.

    DATABASE_URL=postgresql://…/minqing .venv/bin/python bench/drilldown.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from time import perf_counter

from geo import db
from geo.drill import queries as drill
from geo.drill.step import drill_step
from geo.filters import Scope
from geo.reports.write import write_report
from geo.settings import get_settings
from geo.timeutil import CST, now_utc

PARTS = ("kpis", "children", "trend", "categories", "sources")
AREAS_PER_LEVEL = 3


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def sample_areas(conn, scope: Scope) -> dict[str, list[str | None]]:  # noqa: ANN001
    """A few areas per level, the most populous first, walking down from the scope's area."""
    levels = ("city", "district", "street", "community", "grid")
    top = levels.index(scope.level)
    areas: dict[str, list[str | None]] = {scope.level: [scope.code]}
    parents: list[str] = [drill.area_node(conn, scope.code).code]
    for level in levels[top + 1 :]:
        kids = [k for p in parents for k in drill.children(conn, p)]
        kids.sort(key=lambda k: -k.population)
        areas[level] = [k.code for k in kids[:AREAS_PER_LEVEL]]
        parents = areas[level]
    return areas


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="runs of each step")
    parser.add_argument(
        "--scope",
        type=Scope.parse,
        help="work as the dashboard does, under row-level security in this scope: "
        "city or LEVEL:CODE (e.g. district:620102), whose areas are then sampled",
    )
    args = parser.parse_args()
    url = db.database_url(get_settings())
    # with a scope: the app's role in it, entered again after each commit like a page's
    conn = db.connect(url) if args.scope is None else db.scoped_connection(url, args.scope)
    scope = args.scope or Scope()
    now = now_utc()
    this_month = now.astimezone(CST).date().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    periods = [f"{last_month:%Y-%m}", f"{this_month:%Y-%m}"]
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM incidents")
        incidents = cur.fetchone()[0]
    print(
        f"database: {url.split('@')[-1]}  incidents: {incidents:,}  periods: {periods}  "
        f"row-level security: {'off' if args.scope is None else args.scope}"
    )
    print(f"{'level':<10} {'part':<14} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    try:
        for level, codes in sample_areas(conn, scope).items():
            samples: dict[str, list[float]] = defaultdict(list)
            for code in codes:
                for period in periods:
                    drill_step(conn, code, period, now)  # warm-up
                    for _ in range(args.repeat):
                        start = perf_counter()
                        step = drill_step(conn, code, period, now)
                        samples["step"].append(perf_counter() - start)
                        for part in PARTS:
                            samples[part].append(step.timings.get(part, 0.0))
            for part in (*PARTS, "step"):
                ms = [s * 1000 for s in samples[part]]
                print(
                    f"{level:<10} {part:<14} {statistics.median(ms):8.1f} "
                    f"{percentile(ms, 0.95):8.1f} {max(ms):8.1f}"
                )
        areas = sample_areas(conn, scope)
        district = (areas.get("district") or areas[scope.level])[0]
        with tempfile.TemporaryDirectory() as folder:
            times = []
            for _ in range(3):
                written = write_report(conn, district, periods[0], Path(folder), now)
                times.append(written.seconds)
        print(
            f"report (xlsx + pdf) for district {district}, {periods[0]}: "
            f"median {statistics.median(times):.1f} s, max {max(times):.1f} s"
        )
    finally:
        conn.close()


if __name__ == "__main__":
    main()
