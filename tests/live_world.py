"""A tiny hand-made world for the live map's tests: 2 districts, 4 small grids, 7 centers.

Every incident is written by hand, so each test knows exactly what every count must be.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg2.extensions

from geo.timeutil import CST
from tests.support import owner_connection

# Two districts side by side; each one street, one community and two small grids (W and E).
# (code, parent, name, level, kind, west, south, east, north)
AREAS = [
    ("620100", None, "兰州市", "city", None, 103.70, 36.00, 103.80, 36.10),
    ("620102", "620100", "城关区", "district", None, 103.70, 36.00, 103.75, 36.10),
    ("620103", "620100", "七里河区", "district", None, 103.75, 36.00, 103.80, 36.10),
    ("620102001", "620102", "张掖路街道", "street", None, 103.70, 36.00, 103.75, 36.10),
    ("620103001", "620103", "西园街道", "street", None, 103.75, 36.00, 103.80, 36.10),
    ("620102001001", "620102001", "青关社区", "community", None, 103.70, 36.00, 103.75, 36.10),
    ("620103001001", "620103001", "西园社区", "community", None, 103.75, 36.00, 103.80, 36.10),
    ("620102001001001", "620102001001", "第1网格", "grid", "urban", 103.70, 36.00, 103.725, 36.10),
    ("620102001001002", "620102001001", "第2网格", "grid", "urban", 103.725, 36.00, 103.75, 36.10),
    ("620103001001001", "620103001001", "第1网格", "grid", "rural", 103.75, 36.00, 103.775, 36.10),
    ("620103001001002", "620103001001", "第2网格", "grid", "urban", 103.775, 36.00, 103.80, 36.10),
]  # fmt: skip
GRID_A, GRID_B, GRID_C, GRID_D = (a[0] for a in AREAS if a[3] == "grid")
CENTERS = [
    ("city-620100", "小兰社会治理中心", "city_center", "620100", None),
    ("sub-620102", "城关区分中心", "sub_center", "620102", "city-620100"),
    ("sub-620103", "七里河区分中心", "sub_center", "620103", "city-620100"),
    ("post-620102001", "张掖路街道指挥所", "command_post", "620102001", "sub-620102"),
    ("post-620103001", "西园街道指挥所", "command_post", "620103001", "sub-620103"),
    ("ws-620102001001", "青关社区工作站", "workstation", "620102001001", "post-620102001"),
    ("ws-620103001001", "西园社区工作站", "workstation", "620103001001", "post-620103001"),
]
OPEN = ("reported", "assigned", "in_progress")


def _box(west: float, south: float, east: float, north: float) -> str:
    return (
        f"MULTIPOLYGON((({west} {south},{east} {south},{east} {north},"
        f"{west} {north},{west} {south})))"
    )


def build_world(conn: psycopg2.extensions.connection) -> None:
    """Write the boundaries and centers (the schema must be migrated)."""
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO boundary_versions (created_by, source, is_current) "
            "VALUES ('test', 'live_world', true) RETURNING id"
        )
        version = cur.fetchone()[0]
        for code, parent, name, level, kind, *box in AREAS:
            wkt = _box(*box)
            cur.execute(
                "INSERT INTO areas (version_id, code, parent_code, name, level, kind, "
                "population, geom, geom_display) VALUES (%s, %s, %s, %s, %s, %s, 1000, "
                "ST_GeomFromText(%s, 4490), ST_GeomFromText(%s, 4490))",
                (version, code, parent, name, level, kind, wkt, wkt),
            )
        for code, name, level, area, parent in CENTERS:
            row = next(a for a in AREAS if a[0] == area)
            lon, lat = (row[5] + row[7]) / 2, (row[6] + row[8]) / 2
            cur.execute(
                "INSERT INTO centers (code, name, level, area_code, parent_code, geom) "
                "VALUES (%s, %s, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4490))",
                (code, name, level, area, parent, lon, lat),
            )
    conn.commit()


def build_world_at(url: str) -> None:
    """`build_world` in the database at `url`."""
    with owner_connection(url) as conn:
        build_world(conn)


@dataclass
class Incidents:
    """Writes incidents into the tiny world, each at the middle of its grid (offset a little)."""

    conn: psycopg2.extensions.connection
    now: datetime
    _n: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add(
        self,
        grid: str,
        reported_days_ago: float,
        status: str = "in_progress",
        category: str = "livelihood",
        source: str = "hotline_12345",
        major: bool = False,
        deadline_days: float = 5,
        resolved_days_ago: float | None = None,
        description: str = "路灯不亮",
    ) -> int:
        """One incident `reported_days_ago` before now; open unless resolved/closed."""
        row = next(a for a in AREAS if a[0] == grid)
        community = row[1]
        street = next(a for a in AREAS if a[0] == community)[1]
        district = next(a for a in AREAS if a[0] == street)[1]
        k = next(self._n)
        lon = (row[5] + row[7]) / 2 + 0.0001 * (k % 50)
        lat = (row[6] + row[8]) / 2 + 0.0001 * (k // 50 % 50)
        reported = self.now - timedelta(days=reported_days_ago)
        done = status in ("resolved", "closed")
        resolved = (
            self.now - timedelta(days=resolved_days_ago)
            if done and resolved_days_ago is not None
            else (reported + timedelta(hours=1) if done else None)
        )
        closed = resolved + timedelta(minutes=30) if status == "closed" else None
        center = f"ws-{community}" if status != "reported" else None
        with self.conn.cursor() as cur:
            cur.execute(
                "INSERT INTO incidents (source, category, severity, is_major_risk, description,"
                " address, geom, grid_code, community_code, street_code, district_code,"
                " reported_at, deadline_at, status, assigned_center, handling_level,"
                " resolved_at, closed_at, result) VALUES (%s, %s, 2, %s, %s, '某小区1号楼',"
                " ST_SetSRID(ST_MakePoint(%s, %s), 4490), %s, %s, %s, %s, %s, %s, %s, %s,"
                " %s, %s, %s, %s) RETURNING id",
                (
                    source, category, major, description, lon, lat, grid, community, street,
                    district, reported, reported + timedelta(days=deadline_days), status, center,
                    "workstation" if center else None, resolved, closed,
                    "resolved" if done else None,
                ),
            )  # fmt: skip
            new_id = cur.fetchone()[0]
        self.conn.commit()
        return new_id

    def clear(self) -> None:
        """Delete every incident."""
        with self.conn.cursor() as cur:
            cur.execute("DELETE FROM incident_events")
            cur.execute("DELETE FROM incidents")
        self.conn.commit()


def cst_noon(now: datetime) -> datetime:
    """Noon (CST) of today: a `now` that leaves room on both sides of the day."""
    local = now.astimezone(CST)
    return local.replace(hour=12, minute=0, second=0, microsecond=0)
