"""Load benchmark of the live map: many screens refreshing at once while reports arrive.

    .venv/bin/python bench/live_load.py --city 40 --districts 40 --streets 20 --every 10 \\
        --seconds 120 --rate 1

Seed first (`minqing demo seed --incidents 2400000 --seed 7`). Every viewer is a thread of
one process, as the sessions of one Streamlit server are: each refreshes every `--every`
seconds (first ones spread over the period) through the page's own path, under row-level
security in its own scope: the shared answer (`geo.live.view.shared_live_view`,
one pool for the process), its arrivals, and the layers and JSON the page draws. City
viewers watch the city, district viewers their district (spread over the districts), street
viewers one street each. Meanwhile the demo stream stores about `--rate` reports a second
(with their status changes), and a watcher notes when each new report is first visible.

It prints p50/p95/max of a refresh, the answers computed against the refreshes made, the
process's and the database server's CPU use, the load average, and how long each new report
took to reach each screen whose scope holds it (a screen has it once a refresh has read a
data version at least as new as the report).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
from dataclasses import dataclass, field
from functools import partial

import psycopg2.extensions
import psycopg2.pool
from live_map import _deck_json

from geo import db
from geo.demo.stream import DemoStream
from geo.filters import IncidentFilter, Scope, parse_period
from geo.live import queries as live
from geo.live.grid_status import load_rules
from geo.live.view import LIVE_ANSWERS, Static, load_static, shared_live_view
from geo.settings import get_settings, hide_password
from geo.timeutil import now_utc


@dataclass
class Viewer:
    """One screen: its scope (row-level security and the area in view) and what it saw."""

    scope: Scope
    refreshes: list[float] = field(default_factory=list)  # seconds each
    served: list[float] = field(default_factory=list)  # of which the shared answer (server work)
    seen: list[tuple[float, int]] = field(default_factory=list)  # (when, newest id read)


def _areas(conn: psycopg2.extensions.connection) -> tuple[list[str], list[str]]:
    """The current districts, and one street per district in turn (as many as there are)."""
    with conn.cursor() as cur:
        cur.execute("SELECT code FROM current_areas WHERE level = 'district' ORDER BY code")
        districts = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT code, parent_code FROM current_areas WHERE level = 'street' ORDER BY code"
        )
        by_district: dict[str, list[str]] = {}
        for code, parent in cur.fetchall():
            by_district.setdefault(parent, []).append(code)
    streets: list[str] = []
    while any(by_district.values()):
        for district in districts:
            if by_district.get(district):
                streets.append(by_district[district].pop(0))
    return districts, streets


def _viewers(args: argparse.Namespace, districts: list[str], streets: list[str]) -> list[Viewer]:
    viewers = [Viewer(Scope()) for _ in range(args.city)]
    viewers += [Viewer(Scope("district", districts[i % len(districts)]))
                for i in range(args.districts)]  # fmt: skip
    viewers += [Viewer(Scope("street", streets[i % len(streets)])) for i in range(args.streets)]
    return viewers


def _watch(
    viewer: Viewer,
    pool: psycopg2.pool.ThreadedConnectionPool,
    static: Static,
    period: str,
    every: float,
    stop: threading.Event,
    rng: random.Random,
) -> None:
    """Refresh every `every` seconds until stopped, as the page's fragment does."""
    rules = load_rules()
    opener = partial(db.scoped_transaction, pool, viewer.scope)
    key = (viewer.scope.level, viewer.scope.code or "")
    stop.wait(rng.uniform(0, every))
    while not stop.is_set():
        start = time.perf_counter()
        now = now_utc()
        flt = IncidentFilter(parse_period(period, now), scope=viewer.scope)
        view, newest = shared_live_view(opener, key, flt, now, static, rules)
        with opener() as conn:
            live.arrivals(conn, flt, newest - 50)
        viewer.served.append(time.perf_counter() - start)
        _deck_json(view, static)
        took = time.perf_counter() - start
        viewer.refreshes.append(took)
        viewer.seen.append((time.monotonic(), newest))
        stop.wait(max(0.0, every - took))


def _feed(url: str, rate: float, stop: threading.Event, stored: list) -> None:
    """The demo stream at `rate` reports a second; note each new report's id, area and time."""
    conn = db.connect(url)
    stream = DemoStream(conn, rate, seed=12)
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM incidents")
        last = cur.fetchone()[0]
    conn.commit()
    tick = time.monotonic()
    while not stop.wait(1.0):
        now = time.monotonic()
        stream.tick(now - tick)
        tick = now
        committed = time.monotonic()
        with conn.cursor() as cur:
            cur.execute(
                "SELECT id, district_code, street_code FROM incidents WHERE id > %s", (last,)
            )
            rows = cur.fetchall()
        conn.commit()
        stored.extend((committed, *row) for row in rows)
        last = max([last, *(row[0] for row in rows)])
    conn.close()


def _reach(viewers: list[Viewer], stored: list) -> list[float]:
    """Seconds from each report's commit to each covering screen's first refresh that has it."""
    delays = []
    for committed, incident, district, street in stored:
        for viewer in viewers:
            scope = viewer.scope
            if scope.level == "district" and scope.code != district:
                continue
            if scope.level == "street" and scope.code != street:
                continue
            first = next((t for t, newest in viewer.seen if newest >= incident and t >= committed),
                         None)  # fmt: skip
            if first is not None:
                delays.append(first - committed)
    return delays


def _busy() -> tuple[int, int]:
    """The machine's busy and total CPU ticks so far (/proc/stat), all cores together."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]
    return sum(ticks) - idle, sum(ticks)


def _server_cpu(pool: psycopg2.pool.ThreadedConnectionPool) -> dict[int, float]:
    """CPU seconds so far of each server process connected to this database (this machine)."""
    with db.transaction(pool) as conn, conn.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [row[0] for row in cur.fetchall()]
    out = {}
    for pid in pids:
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    """Run the load and print a markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--city", type=int, default=40, help="viewers of the whole city")
    parser.add_argument("--districts", type=int, default=40, help="viewers of a district")
    parser.add_argument("--streets", type=int, default=20, help="viewers of a street")
    parser.add_argument("--every", type=float, default=10.0, help="refresh period, seconds")
    parser.add_argument("--seconds", type=float, default=120.0, help="how long to run")
    parser.add_argument("--period", default="7d", help="the time window every viewer shows")
    parser.add_argument("--rate", type=float, default=1.0, help="new reports a second")
    parser.add_argument("--pool", type=int, default=8, help="connections in the pool")
    args = parser.parse_args()
    url = db.database_url(get_settings())
    pool = db.get_pool(url, 1, args.pool)
    with db.transaction(pool) as conn:
        districts, streets = _areas(conn)
        static = load_static(conn, live.data_version(conn)[0])
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM incidents")
        incidents = cur.fetchone()[0]
    viewers = _viewers(args, districts, streets)
    stop = threading.Event()
    stored: list = []
    rng = random.Random(7)
    threads = [
        threading.Thread(target=_watch, args=(v, pool, static, args.period, args.every, stop, rng))
        for v in viewers
    ]
    feeder = threading.Thread(target=_feed, args=(url, args.rate, stop, stored))
    cpu0, busy0, wall0 = time.process_time(), _busy(), time.monotonic()
    server0 = _server_cpu(pool)
    feeder.start()
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in [*threads, feeder]:
        thread.join()
    wall = time.monotonic() - wall0
    cpu, busy = time.process_time() - cpu0, _busy()
    server = sum(t - server0.get(pid, 0.0) for pid, t in _server_cpu(pool).items())
    load = os.getloadavg()
    # each screen's first refresh counts the history (once per day and filter): apart
    firsts = [v.refreshes[0] * 1000 for v in viewers if v.refreshes]
    times = [t * 1000 for v in viewers for t in v.refreshes[1:]]
    served = [t * 1000 for v in viewers for t in v.served[1:]]
    print(f"# Live map load benchmark\n\n{hide_password(url)} · {incidents:,} incidents · "
          f"{os.cpu_count()} CPUs · load {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)"
          f" · {len(viewers)} viewers ({args.city} city, {args.districts} district, "
          f"{args.streets} street) every {args.every:g} s for {args.seconds:g} s · window "
          f"{args.period} · {args.rate:g} reports/s · pool {args.pool}\n")  # fmt: skip
    print("| measure | value |\n|---|---|")
    print(f"| refreshes | {len(times) + len(firsts):,} ({(len(times) + len(firsts)) / wall:.1f}"
          " a second) |")  # fmt: skip
    print(f"| first refresh of a screen p50 / max ms | {statistics.median(firsts):,.0f} / "
          f"{max(firsts):,.0f} |")  # fmt: skip
    print(f"| later refreshes p50 / p95 / max ms | {statistics.median(times):,.0f} / "
          f"{_pct(times, 0.95):,.0f} / {max(times):,.0f} |")  # fmt: skip
    print(f"| · of which the shared answer and arrivals (server work) p50 / p95 ms | "
          f"{statistics.median(served):,.0f} / {_pct(served, 0.95):,.0f} |")  # fmt: skip
    for level in ("city", "district", "street"):
        mine = [t * 1000 for v in viewers if v.scope.level == level for t in v.refreshes[1:]]
        if mine:
            print(f"| · {level} viewers p50 / p95 ms | {statistics.median(mine):,.0f} / "
                  f"{_pct(mine, 0.95):,.0f} |")  # fmt: skip
    print(f"| answers computed (all kinds) | {LIVE_ANSWERS.computed:,} |")
    machine = (busy[0] - busy0[0]) / max(1, busy[1] - busy0[1])
    print(f"| CPU: this process (viewers and stream) | {cpu / wall:.0%} of one core |")
    print(f"| CPU: this database's server processes | {server / wall:.0%} of one core |")
    print(f"| CPU demand of this benchmark, both together | {(cpu + server) / wall:.2f} cores "
          f"of {os.cpu_count()} |")  # fmt: skip
    print(f"| CPU: the whole machine, every process | {machine:.0%} of {os.cpu_count()} cores |")
    delays = _reach(viewers, stored)
    if delays:
        print(f"| new reports stored | {len(stored):,} |")
        print(f"| report → screen p50 / p95 / max s | {statistics.median(delays):.1f} / "
              f"{_pct(delays, 0.95):.1f} / {max(delays):.1f} |")  # fmt: skip
    db.close_pools()


if __name__ == "__main__":
    main()
