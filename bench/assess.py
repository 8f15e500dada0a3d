"""Benchmark of the scorecards' counts (研判 tab, issue 12): `measure()` per scope, as the page.

    DATABASE_URL=postgresql://…/fc_bench .venv/bin/python bench/assess.py \\
        --scope city --scope district:620104 [--period 2026-11] [--runs 3] [--owner]

Runs the one statement of `geo/sql/assess_counts.sql` as the app's role inside each scope (the
context a page's transaction has, no center: a leader), scope after scope and run after run so
that a shared machine's load falls on all alike; with `--owner` also as the tables' owner (no
row-level security, the whole city). Prints the data size, the load average before and after,
and per scope the rows counted and the median, min and max seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict

from geo import db
from geo.assess.measure import measure
from geo.assess.rules import load_rules
from geo.filters import Scope, parse_period
from geo.settings import get_settings, hide_password
from geo.timeutil import now_utc


def main() -> None:
    """Time the counts in every scope asked for and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scope", type=Scope.parse, action="append", required=True,
                        help="city or LEVEL:CODE, repeatable")  # fmt: skip
    parser.add_argument("--period", default="2026-11")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--owner", action="store_true", help="also as the tables' owner")
    args = parser.parse_args()
    url = db.database_url(get_settings())
    conn = db.connect(url)
    now = now_utc()
    period = parse_period(args.period, now)
    hours = load_rules().accept_within_hours
    subjects: list[Scope | None] = [*args.scope, *([None] if args.owner else [])]
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM incidents")
        incidents = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM incident_events WHERE at >= %s AND at < %s",
                    (period.start, period.end))  # fmt: skip
        events = cur.fetchone()[0]
    conn.rollback()
    print(f"database {hide_password(url)}: {incidents:,} incidents, {events:,} events in "
          f"{period.key}; load average before {os.getloadavg()}")  # fmt: skip
    seconds: dict[str, list[float]] = defaultdict(list)
    rows: dict[str, int] = {}
    try:
        for _ in range(args.runs):
            for scope in subjects:
                name = "owner" if scope is None else f"{scope.level}:{scope.code or ''}"
                if scope is not None:
                    db.enter_scope(conn, scope)
                started = time.perf_counter()
                rows[name] = len(measure(conn, period, now, hours))
                seconds[name].append(time.perf_counter() - started)
                conn.rollback()
    finally:
        conn.close()
    print(f"{'scope':<26} {'rows':>6} {'median s':>9} {'min s':>7} {'max s':>7}")
    for name, times in seconds.items():
        print(f"{name:<26} {rows[name]:>6} {statistics.median(times):9.2f} "
              f"{min(times):7.2f} {max(times):7.2f}")  # fmt: skip
    print(f"load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
