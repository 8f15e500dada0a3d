"""Benchmark of the intake's two grid lookups (geo/sql/ingest_grids*.sql): each grid probing the
points (big imports) and each point looking its grid up through the areas' spatial index (a
few rows: pushes, small imports), for a range of point counts, to place
`geo.ingest.store.POINT_LOOKUP_MAX`.

Run on demand (it is not a test), on a database with the full-scale boundaries:

    .venv/bin/python bench/grid_lookup.py --url postgresql://…/minqing_service_bench

Points are stored cases' places; each lookup runs `--repeat` times per size in a transaction
that is rolled back, as the owner (the map service's app role reads the same areas: their
policy admits every row). Median milliseconds are printed with the load average.
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
from geo.sqlfiles import load_sql  # noqa: E402

SIZES = (1, 10, 100, 500, 2_000, 5_000, 20_000, 100_000)
POINTS = """
CREATE TEMP TABLE ingest_points ON COMMIT DROP AS
SELECT row_number() OVER ()::int AS line, geom, 'point' AS placed_by
FROM (SELECT geom FROM incidents TABLESAMPLE SYSTEM (5) LIMIT %s) p;
ALTER TABLE ingest_points ADD PRIMARY KEY (line);
CREATE INDEX ON ingest_points USING gist (geom);
ANALYZE ingest_points
"""


def load() -> str:
    """The 1-minute load average (the machine is shared)."""
    return Path("/proc/loadavg").read_text().split()[0]


def timed(url: str, size: int, lookup: str) -> float:
    """Seconds the lookup takes for `size` points (the points' table made beforehand)."""
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute(POINTS, (size,))
            start = time.perf_counter()
            cur.execute(load_sql(lookup))
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
    for size in map(int, args.sizes.split(",")):
        figures = []
        for lookup in ("ingest_grids", "ingest_grids_by_point"):
            spent = [timed(args.url, size, lookup) for _ in range(args.repeat)]
            figures.append(f"{lookup} {statistics.median(spent) * 1000:,.1f} ms")
        print(f"{size:>7,} points: " + ", ".join(figures) + f" (load {load()})")


if __name__ == "__main__":
    main()
