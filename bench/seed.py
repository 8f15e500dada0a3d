"""Benchmark of `minqing demo seed`: seed a scratch database and print the time of each phase.

Run on demand (it is not a test):

    .venv/bin/python bench/seed.py --incidents 2400000

The scratch database (`--database`, default `minqing_bench`) is created next to the configured
one (DATABASE_URL, else the local cluster), migrated, seeded, measured, and dropped at the end.
Besides wall-clock phases it prints the load average before and after, and the CPU seconds of
this process and of the server backend that ran the seed (read from /proc when the server is
local; parallel index-build workers are not included): on a shared machine the CPU seconds
vary much less than the wall clock.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2.extensions
from psycopg2 import sql

from geo import db
from geo.demo.load import seed_demo
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
    ("indexes", "indexes rebuilt"),
    ("constraints", "foreign keys re-validated"),
    ("analyze", "sequences + ANALYZE"),
    ("rollups", "daily rollups rebuilt"),
    ("commit", "commit"),
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
    bench_url = _sibling(server_url, args.database)
    admin = db.connect(server_url)
    admin.autocommit = True
    try:
        _recreate(admin, args.database)
        conn = db.connect(bench_url)
        try:
            db.check_postgis(conn)
            conn.commit()
            migrate(conn)
            print(f"database: {hide_password(bench_url)}")
            print(_machine(conn))
            load_before = _load_average()
            local = urlsplit(bench_url).hostname in (None, "localhost", "127.0.0.1", "::1")
            backend = _backend_cpu(conn) if local else None
            client = time.process_time()
            summary = seed_demo(
                conn, incidents=args.incidents, seed=args.seed, scale=args.scale, progress=print
            )
            client = time.process_time() - client
            backend = _backend_cpu(conn) - backend if backend is not None else None
            load_after = _load_average()
            sizes = _sizes(conn)
        finally:
            conn.close()
    finally:
        _drop(admin, args.database)
        admin.close()

    print(f"\nphases (s) for {args.incidents:,} incidents, scale {args.scale}, seed {args.seed}:")
    timings = summary.timings
    for key, label in _PHASES:
        print(f"  {label:<28}{timings.get(key, 0.0):8.1f}")
    copy = sum(timings.get(k, 0.0) for k in ("copy_areas", "copy_incidents", "copy_events"))
    print(f"  {'(all COPY)':<28}{copy:8.1f}")
    print(f"  {'total':<28}{timings['total']:8.1f}")
    server_cpu = f"{backend:.1f}" if backend is not None else "n/a (server not local)"
    print(f"CPU seconds: this process {client:.1f}, server backend {server_cpu}")
    print(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")
    print(
        f"\ncounts: {summary.areas:,} areas, {summary.centers:,} centers, "
        f"{summary.incidents:,} incidents, {summary.events:,} events"
    )
    print("table sizes (with indexes): " + ", ".join(f"{t} {s}" for t, s in sizes))
    return 0


def _sibling(url: str, name: str) -> str:
    """The same server URL with another database name."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _recreate(admin: psycopg2.extensions.connection, name: str) -> None:
    _drop(admin, name)
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop(admin: psycopg2.extensions.connection, name: str) -> None:
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


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


def _backend_cpu(conn: psycopg2.extensions.connection) -> float | None:
    """CPU seconds used so far by the connection's (local) server process, None if unreadable."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    conn.rollback()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
