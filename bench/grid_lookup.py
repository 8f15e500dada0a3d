"""Benchmark of the intake's two grid lookups: each grid probing the points (big imports,
geo/sql/ingest_grids.sql) and each point looking its grid up through the areas' spatial index
(`minqing_grid_at`, migration 160: a few rows, pushes and small imports, geo/sql/ingest_few.sql),
for a range of point counts, to place `geo.ingest.store.FEW_ROWS_MAX`.

Run on demand (it is not a test), on a database with the full-scale boundaries:

    .venv/bin/python bench/grid_lookup.py --url postgresql://…/minqing_service_bench

Points are stored cases' places; each lookup runs `--repeat` times per size in a transaction
that is rolled back, as the owner and as the app's role (the map service's login: the areas
are under row-level security for it). Median milliseconds are printed with the load average.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import db  # noqa: E402
from geo.settings import Settings, get_settings  # noqa: E402
from geo.sqlfiles import load_sql  # noqa: E402

SIZES = (1, 10, 100, 500, 2_000, 5_000)
SAMPLE = "SELECT ST_X(geom), ST_Y(geom) FROM incidents TABLESAMPLE SYSTEM (5) LIMIT %s"
POINTS = """
CREATE TEMP TABLE ingest_points ON COMMIT DROP AS
SELECT line::int, ST_SetSRID(ST_MakePoint(lon, lat), 4490) AS geom, 'point' AS placed_by
FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p (lon, lat, line);
ALTER TABLE ingest_points ADD PRIMARY KEY (line);
CREATE INDEX ON ingest_points USING gist (geom);
ANALYZE ingest_points
"""
LOOKUPS = {
    "by grid": load_sql("ingest_grids"),
    "by point": "CREATE TEMP TABLE ingest_grids ON COMMIT DROP AS SELECT p.line, g.* "
    "FROM ingest_points p CROSS JOIN LATERAL minqing_grid_at(p.geom) g",
}


def load() -> str:
    """The 1-minute load average (the machine is shared)."""
    return Path("/proc/loadavg").read_text().split()[0]


def app_url(url: str) -> str:
    """The pages' and the service's login on that database (the app's role)."""
    settings = get_settings()
    password = settings.app_password or db.local_cluster(settings).app_password()
    return db.app_database_url(Settings(database_url=url, app_password=password))


def sample(url: str, size: int) -> tuple[list[float], list[float]]:
    """Longitudes and latitudes of `size` stored cases."""
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(SAMPLE, (size,))
            rows = cur.fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows], [r[1] for r in rows]


def timed(url: str, points: tuple[list[float], list[float]], lookup: str) -> float:
    """Seconds the lookup takes for the points (their table made beforehand)."""
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute(POINTS, points)
            start = time.perf_counter()
            cur.execute(LOOKUPS[lookup])
            return time.perf_counter() - start
    finally:
        conn.rollback()
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="a database with full-scale boundaries")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = parser.parse_args()
    logins = {"owner": args.url, "app role": app_url(args.url)}
    for size in map(int, args.sizes.split(",")):
        points = sample(args.url, size)
        for who, url in logins.items():
            figures = []
            for lookup in LOOKUPS:
                spent = [timed(url, points, lookup) for _ in range(args.repeat)]
                figures.append(f"{lookup} {statistics.median(spent) * 1000:,.1f} ms")
            print(f"{size:>7,} points, {who}: " + ", ".join(figures) + f" (load {load()})")


if __name__ == "__main__":
    main()
