"""Benchmark of `minqing incidents import`: 100,000 reports into a database with the full demo
boundaries, timed stage by stage (read, check, COPY, placement, dedup, link, routing, insert).

Run on demand (it is not a test):

    .venv/bin/python bench/ingest.py --rows 100000 --seed-incidents 50000

The scratch database `minqing_ingest_bench` is created next to the configured one
(DATABASE_URL, else the local cluster), migrated and seeded with the full-scale demo
boundaries and a few incidents, then an export of the 12345 hotline is written and imported
(timed), and imported again (every row a duplicate, timed). Besides the wall time it prints
the CPU time of this process and of the server backend (read from /proc: the server must run
on this machine), which is what the wall time approaches when the machine is not shared.
`--url` uses an existing seeded database instead (written to!). The scratch database is
dropped at the end.

The export: 88 % of the rows with a point (at a stored case's address, moved about 20 m),
10 % with a known address and no point, 1 % reports of open cases of other sources (to be
linked), 1 % with a broken date.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg2.extensions
from bench_db import backend_cpu_seconds, drop_database, recreate_database, sibling_url

from geo import db
from geo.demo.load import seed_demo
from geo.ingest.read import read_file
from geo.ingest.store import ingest_incidents
from geo.migrate import migrate
from geo.settings import get_settings, hide_password
from geo.timeutil import CST, now_utc
from geo.vocabulary import CATEGORIES

BENCH_DATABASE = "minqing_ingest_bench"
_STAGES = [
    ("check", "check rows (pandas)"),
    ("copy", "COPY into a temp table"),
    ("gazetteer_fill", "gazetteer filled (first use)"),
    ("points", "points (own or by address)"),
    ("grids", "grid + parents (spatial join)"),
    ("dedup", "dedup (source, source id)"),
    ("link", "cross-source link"),
    ("route", "routing to centers"),
    ("insert", "insert incidents + events"),
    ("gazetteer_learn", "gazetteer learns, counts"),
    ("commit", "commit"),
]
_CASES = """
SELECT i.address, ST_X(i.geom), ST_Y(i.geom), i.category, i.source, i.reported_at, i.status
FROM incidents i WHERE i.address <> ''
"""


def main(argv: list[str] | None = None) -> int:
    """Seed (or reuse), write the export, import it twice, print the figures; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed-incidents", type=int, default=50_000)
    parser.add_argument("--url", help="an existing seeded database to import into (written to)")
    args = parser.parse_args(argv)
    server_url = db.database_url(get_settings())
    admin = None
    url = args.url
    if url is None:
        url = sibling_url(server_url, BENCH_DATABASE)
        admin = db.connect(server_url)
        admin.autocommit = True
        recreate_database(admin, BENCH_DATABASE)
    try:
        conn = db.connect(url)
        try:
            if admin is not None:
                db.check_postgis(conn)
                conn.commit()
                migrate(conn)
                seed_demo(conn, incidents=args.seed_incidents, seed=7, progress=print)
            print(f"database: {hide_password(url)}")
            print(_machine(conn))
            _run(conn, args.rows)
        finally:
            conn.close()
    finally:
        if admin is not None:
            drop_database(admin, BENCH_DATABASE)
            admin.close()
    return 0


def _run(conn: psycopg2.extensions.connection, rows: int) -> None:
    """Write the export, import it twice and print each run's stages."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM incidents")
        stored = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM current_areas WHERE level = 'grid'")
        grids = cur.fetchone()[0]
        cur.execute(_CASES)
        cases = pd.DataFrame(
            cur.fetchall(),
            columns=["address", "lon", "lat", "category", "source", "reported_at", "status"],
        )
    conn.rollback()
    print(f"data: {stored:,} incidents stored, {grids:,} small grids; importing {rows:,} rows")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "12345工单.csv"
        _export(cases, rows, path)
        print(f"export: {path.stat().st_size / 1e6:.1f} MB CSV")
        for label in ("first import", "same file again (all duplicates)"):
            cpu = _cpu_seconds(conn)
            started = time.perf_counter()
            read = read_file(path)
            reading = time.perf_counter() - started
            result = ingest_incidents(conn, read.rows, "hotline_12345", "bench", partial=True)
            total = time.perf_counter() - started
            now_cpu = _cpu_seconds(conn)
            print(f"\n{label}: {result.summary()}")
            if None not in (*cpu, *now_cpu):
                used = [after - before for before, after in zip(cpu, now_cpu, strict=True)]
                print(
                    f"  CPU time: Python {used[0]:.1f} s + PostgreSQL backend {used[1]:.1f} s = "
                    f"{sum(used):.1f} s (what the wall time approaches on an idle machine)"
                )
            print(f"  {'read file (CSV, encoding)':<32}{reading:8.2f}")
            for key, name in _STAGES:
                if key in result.timings:
                    print(f"  {name:<32}{result.timings[key]:8.2f}")
            print(f"  {'total':<32}{total:8.2f} s  ({rows / total:,.0f} rows/s)")


def _export(cases: pd.DataFrame, rows: int, path: Path) -> None:
    """A 12345 export drawn from the stored cases' addresses (see the module docstring)."""
    rng = np.random.default_rng(6)
    pick = cases.iloc[rng.integers(0, len(cases), rows)].reset_index(drop=True)
    now = now_utc()
    when = now - pd.to_timedelta(rng.random(rows) * 30 * 86400, unit="s")
    names = np.array([c.zh for c in CATEGORIES.values()], dtype=object)
    category = names[rng.integers(0, len(names), rows)]
    lon = pick["lon"].to_numpy() + rng.normal(0, 0.0002, rows)
    lat = pick["lat"].to_numpy() + rng.normal(0, 0.0002, rows)
    kind = rng.random(rows)
    by_address = kind < 0.10
    open_other = cases[
        cases["status"].isin(["reported", "assigned", "in_progress"])
        & (cases["source"] != "hotline_12345")
    ]
    linked = np.flatnonzero((kind >= 0.10) & (kind < 0.11))
    if len(open_other):
        match = open_other.iloc[rng.integers(0, len(open_other), len(linked))]
        lon[linked], lat[linked] = match["lon"].to_numpy(), match["lat"].to_numpy()
        when_linked = pd.to_datetime(match["reported_at"], utc=True) + pd.Timedelta(minutes=30)
        when = pd.Series(when)
        when.iloc[linked] = when_linked.to_numpy()
        category[linked] = [CATEGORIES[c].zh for c in match["category"]]
    text = pd.Series(pd.to_datetime(when, utc=True)).dt.tz_convert(CST)
    stamps = text.dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object)
    stamps[(kind >= 0.11) & (kind < 0.12)] = "2026-13-45 99:99"
    frame = pd.DataFrame(
        {
            "工单编号": [f"GD{i:09d}" for i in range(rows)],
            "来电时间": stamps,
            "诉求类型": category,
            "紧急程度": rng.choice(["一般", "较急", "紧急"], rows, p=[0.7, 0.2, 0.1]),
            "诉求内容": "市民来电反映：" + pd.Series(category) + "问题，请尽快处理。",
            "诉求地址": pick["address"].to_numpy(),
            "经度": np.where(by_address, np.nan, lon),
            "纬度": np.where(by_address, np.nan, lat),
            "来电人": "市民",
            "联系电话": [f"139{i:08d}" for i in range(rows)],
        }
    )
    frame.to_csv(path, index=False, float_format="%.7f", encoding="utf-8")


def _cpu_seconds(conn: psycopg2.extensions.connection) -> tuple[float, float | None]:
    """CPU seconds used so far by this process and by the connection's (local) server process."""
    mine = os.times()
    return mine.user + mine.system, backend_cpu_seconds(conn)


def _machine(conn: psycopg2.extensions.connection) -> str:
    """CPU count, load average, Python and the server version."""
    with conn.cursor() as cur:
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
    conn.rollback()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} CPUs, load average {load}, "
        f"Python {platform.python_version()}, PostgreSQL {version}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
