"""Benchmark of the warning scan (issue 6: under 30 s over 2.4 million incidents).

    DATABASE_URL=postgresql://…/warn_bench .venv/bin/python bench/warnings.py --runs 5

Seed first, e.g. `minqing demo seed --incidents 2400000 --seed 7`. Each run is one
transaction, rolled back at the end (the database keeps no warnings): a first scan, which
raises every warning, then a re-scan a minute later, which finds the same places and only
updates them (what `minqing workflow tick` does most of the time). Prints p50/p95 per rule and
for the whole scan, the warnings found per rule, the data size and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
from collections import defaultdict
from datetime import timedelta

from geo import db
from geo.settings import get_settings, hide_password
from geo.timeutil import now_utc
from geo.warnings.rules import load_rules
from geo.warnings.scan import ScanResult, scan_warnings

LIMIT_S = 30.0


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _report(title: str, scans: list[ScanResult]) -> float:
    """Print per-rule p50/p95 of one kind of scan; return the p95 of the whole scan."""
    times: dict[str, list[float]] = defaultdict(list)
    found: dict[str, int] = {}
    for scan in scans:
        for rule in scan.rules:
            times[rule.kind].append(rule.seconds)
            found[rule.kind] = rule.found
        times["total"].append(scan.seconds)
    print(f"\n{title} ({len(scans)} runs)")
    print(f"  {'rule':<17} {'p50 s':>7} {'p95 s':>7} {'found':>7}")
    for kind, values in times.items():
        shown = f"{found[kind]:>7,}" if kind in found else ""
        print(f"  {kind:<17} {statistics.median(values):7.2f} {_p(values, 0.95):7.2f} {shown}")
    return _p(times["total"], 0.95)


def main() -> None:
    """Run the scans and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = db.database_url(get_settings())
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*), min(reported_at), max(reported_at) FROM incidents")
        incidents, first, last = cur.fetchone()
        cur.execute("SELECT count(*) FROM current_areas WHERE level = 'grid'")
        grids = cur.fetchone()[0]
    conn.rollback()
    print(f"database {hide_password(url)}")
    print(f"{incidents:,} incidents ({first:%Y-%m-%d} .. {last:%Y-%m-%d}), {grids:,} grids")
    print(f"{os.cpu_count()} cores, load average before: {os.getloadavg()}")
    rules = load_rules()
    firsts, rescans = [], []
    try:
        for _ in range(args.runs):
            now = now_utc()
            firsts.append(scan_warnings(conn, now, rules))
            rescans.append(scan_warnings(conn, now + timedelta(minutes=1), rules))
            conn.rollback()
    finally:
        conn.close()
    worst = max(_report("first scan (raises)", firsts), _report("re-scan (updates)", rescans))
    print(f"\nload average after: {os.getloadavg()}")
    verdict = "within" if worst < LIMIT_S else "OVER"
    print(f"whole scan p95 {worst:.2f} s: {verdict} the {LIMIT_S:.0f} s limit")


if __name__ == "__main__":
    main()
