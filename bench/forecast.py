"""Benchmark of 预判 (issue 17: a full run for 7,507 grids × categories within 5 minutes on 2
cores; MAE at least 10 % below the better baseline at grid level, PAI above it).

    DATABASE_URL=postgresql://…/fc_bench .venv/bin/python bench/forecast.py [--threads 1]

Seed first, e.g. `minqing demo seed --incidents 2400000 --seed 7`. Runs `minqing forecast run`
and `minqing forecast backtest` as the CLI does (both are kept in the database, like the
CLI's) and prints: the data size, the machine, the load average before and after, the time
and CPU seconds of each, and the backtest's table (MAE, MASE, PAI at 1 % and 5 % of the
area, interval coverage, per method and horizon). Figures on the demo are not claims about
any real city's data.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from dataclasses import replace

from geo import db
from geo.forecast.backtest import report_lines, run_backtest
from geo.forecast.rules import load_rules
from geo.forecast.run import run_forecast
from geo.settings import get_settings, hide_password
from geo.timeutil import now_utc

LIMIT_S = 300.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Run the forecast and the backtest once each and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="threads of each model fit")
    parser.add_argument("--no-backtest", action="store_true", help="the run only")
    args = parser.parse_args()
    rules = load_rules()
    if args.threads:
        rules = replace(rules, model={**rules.model, "num_threads": args.threads})
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
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{rules.model['num_threads']} thread(s) per fit")  # fmt: skip
    print(f"load average before: {os.getloadavg()}")
    try:
        started, cpu = time.perf_counter(), _cpu()
        result = run_forecast(conn, now_utc(), rules)
        conn.commit()
        seconds = time.perf_counter() - started
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
        print(f"\nforecast run: {result.series:,} series, {result.weeks} weeks of history, "
              f"{result.rows:,} rows stored")  # fmt: skip
        print(f"  {seconds:.1f} s wall ({steps}), {_cpu() - cpu:.0f} CPU s in this process")
        verdict = "within" if seconds <= LIMIT_S else "OVER"
        print(f"  {verdict} the {LIMIT_S:.0f} s limit; load average now {os.getloadavg()}")
        if not args.no_backtest:
            started, cpu = time.perf_counter(), _cpu()
            backtest = run_backtest(conn, now_utc(), rules)
            conn.commit()
            print(f"\n{time.perf_counter() - started:.0f} s wall, {_cpu() - cpu:.0f} CPU s")
            for line in report_lines(backtest.figures):
                print(line)
    finally:
        conn.close()
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
