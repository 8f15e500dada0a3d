"""Benchmark of `minqing demo seed`: seed a scratch database and print the time of each phase.

Run on demand (it is not a test):

    .venv/bin/python bench/seed.py --incidents 2400000

The scratch database (`--database`, default `minqing_bench`) is created next to the configured
one (DATABASE_URL, else the local cluster), migrated, seeded, measured, and dropped at the end.
Besides wall-clock phases it prints the load average before and after, and the CPU seconds of
this process and of the three server processes that ran the seed (the load's, and the two that
finish it; read from /proc when the server is local): on a shared machine the CPU seconds vary
much less than the wall clock.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from urllib.parse import urlsplit

import psycopg2.extensions
from bench_db import backend_cpu_seconds, drop_database, recreate_database, sibling_url

from geo import db
from geo.demo.load import FINISHING_CONNECTIONS, seed_demo
from geo.migrate import migrate
from geo.settings import get_settings, hide_password

BENCH_DATABASE = "minqing_bench"
_PHASES = [
    ("tree", "area tree"),
    ("centers", "centers"),
    ("incidents", "incident generation"),
    ("copy_areas", "COPY areas + centers"),
    ("copy_incidents", "COPY incidents"),
    ("copy_events", "COPY incident events"),
    ("analyze", "keys (NOT VALID), sequences, ANALYZE"),
    ("commit", "commit"),
    ("finish", "finishing, 2 connections at once"),
]
_SERVER_SETTINGS = (
    "server_version",
    "wal_level",
    "shared_buffers",
    "maintenance_work_mem",
    "max_wal_size",
    "max_parallel_maintenance_workers",
    "synchronous_commit",
    "lc_collate",
)


def main(argv: list[str] | None = None) -> int:
    """Seed, print the phases and counts, drop the scratch database; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=2_400_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", default=BENCH_DATABASE, help="scratch database name")
    args = parser.parse_args(argv)

    server_url = db.database_url(get_settings())
    bench_url = sibling_url(server_url, args.database)
    admin = db.connect(server_url)
    admin.autocommit = True
    try:
        recreate_database(admin, args.database)
        conn = db.connect(bench_url)
        try:
            db.check_postgis(conn)
            conn.commit()
            migrate(conn)
            print(f"database: {hide_password(bench_url)}")
            print(_machine(conn))
            load_before = _load_average()
            local = urlsplit(bench_url).hostname in (None, "localhost", "127.0.0.1", "::1")
            # exactly the finishing connections, so that their server processes can be read
            pool = db.get_pool(bench_url, minconn=FINISHING_CONNECTIONS,
                               maxconn=FINISHING_CONNECTIONS)  # fmt: skip
            pooled = [pool.getconn() for _ in range(FINISHING_CONNECTIONS)]
            backends = [conn, *pooled]
            before = [backend_cpu_seconds(c) for c in backends] if local else []
            for c in pooled:
                pool.putconn(c)
            client = time.process_time()
            summary = seed_demo(
                conn,
                incidents=args.incidents,
                seed=args.seed,
                scale=args.scale,
                progress=print,
                pool=pool,
            )
            client = time.process_time() - client
            after = [backend_cpu_seconds(c) for c in backends] if local else []
            spent = [b - a for a, b in zip(before, after, strict=True) if None not in (a, b)]
            load_after = _load_average()
            sizes = _sizes(conn)
        finally:
            conn.close()
            db.close_pools()
    finally:
        drop_database(admin, args.database)
        admin.close()

    print(f"\nphases (s) for {args.incidents:,} incidents, scale {args.scale}, seed {args.seed}:")
    timings = summary.timings
    for key, label in _PHASES:
        print(f"  {label:<28}{timings.get(key, 0.0):8.1f}")
    copy = sum(timings.get(k, 0.0) for k in ("copy_areas", "copy_incidents", "copy_events"))
    print(f"  {'(all COPY)':<28}{copy:8.1f}")
    print(f"  {'total':<28}{timings['total']:8.1f}")
    print("finishing statements (s, two at a time):")
    for done in sorted(summary.finished, key=lambda f: -f.seconds):
        print(f"  {done.seconds:6.1f}  {done.statement[:90]}")
    server_cpu = " + ".join(f"{x:.1f}" for x in spent) if len(spent) == len(backends) else "n/a"
    print(f"CPU seconds: this process {client:.1f}; server (load, finishing ×2) {server_cpu}")
    print(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")
    print(
        f"\ncounts: {summary.areas:,} areas, {summary.centers:,} centers, "
        f"{summary.incidents:,} incidents, {summary.events:,} events"
    )
    print("table sizes (with indexes): " + ", ".join(f"{t} {s}" for t, s in sizes))
    return 0


def _machine(conn: psycopg2.extensions.connection) -> str:
    """CPU count, Python, and the server settings that matter for a bulk load."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT name, current_setting(name) FROM pg_settings "
            "WHERE name = ANY(%s) ORDER BY name",
            (list(_SERVER_SETTINGS),),
        )
        settings = ", ".join(f"{k}={v}" for k, v in cur.fetchall())
    conn.rollback()
    return f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; server: {settings}"


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages of this machine."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _sizes(conn: psycopg2.extensions.connection) -> list[tuple[str, str]]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT t, pg_size_pretty(pg_total_relation_size(to_regclass(t))) "
            "FROM unnest(ARRAY['areas', 'centers', 'incidents', 'incident_events']) t"
        )
        rows = cur.fetchall()
    conn.rollback()
    return rows


if __name__ == "__main__":
    sys.exit(main())
