"""Intake test helpers: a small seeded demo of its own (writable), grid points, export files."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import psycopg2

from geo import db
from geo.demo.load import seed_demo
from tests.support import checksums

# Reports of 2021: before the generated demo's cases, so no demo case is near them in time.
BASE = "2021-03-01"
TABLES = (
    "incidents", "incident_events", "incident_links", "address_gazetteer",
    "incident_daily_flows", "incident_daily_stocks",
)  # fmt: skip

HOTLINE_HEADER = [
    "工单编号", "来电时间", "诉求类型", "诉求小类", "紧急程度", "诉求内容", "诉求地址",
    "经度", "纬度", "来电人", "联系电话",
]  # fmt: skip


@dataclass(frozen=True)
class GridPoint:
    """A point inside a known small grid, and the grid's codes."""

    grid: str
    community: str
    street: str
    district: str
    lon: float
    lat: float


_DATABASES: dict[int, str] = {}


def ingest_database(scratch) -> str:  # noqa: ANN001 - the conftest's ScratchDatabases
    """URL of a small seeded demo the intake tests may write to (one per test session)."""
    if id(scratch) in _DATABASES:
        return _DATABASES[id(scratch)]
    url = scratch.create_migrated("minqing_ingest")
    conn = db.connect(url)
    try:
        seed_demo(conn, incidents=2_000, seed=11, scale=0.03)
    finally:
        conn.close()
    _DATABASES[id(scratch)] = url
    return url


def grid_points(url: str, n: int) -> list[GridPoint]:
    """A point inside each of the first n small grids (by code), with the grid's codes."""
    query = """
        SELECT g.code, c.code, s.code, s.parent_code,
               ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))
        FROM current_areas g
        JOIN current_areas c ON c.code = g.parent_code AND c.level = 'community'
        JOIN current_areas s ON s.code = c.parent_code AND s.level = 'street'
        WHERE g.level = 'grid' ORDER BY g.code LIMIT %s
    """
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(query, (n,))
        rows = [GridPoint(*r) for r in cur.fetchall()]
    conn.close()
    return rows


def hotline_row(source_id: str, point: GridPoint | None, **fields: str) -> dict[str, str]:
    """A 12345 work order as the hotline exports it."""
    row = {
        "工单编号": source_id, "来电时间": f"{BASE} 10:00:00", "诉求类型": "民生诉求",
        "诉求小类": "供暖", "紧急程度": "一般", "诉求内容": "暖气不热", "诉求地址": "",
        "经度": f"{point.lon:.9f}" if point else "", "纬度": f"{point.lat:.9f}" if point else "",
        "来电人": "张三", "联系电话": "13800000000",
    }  # fmt: skip
    row.update(fields)
    return row


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    """Rows as a CSV file with a header, in an encoding."""
    header = list(dict.fromkeys(k for r in rows for k in r)) or HOTLINE_HEADER
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def jsonl_bytes(rows: list[dict[str, str]]) -> bytes:
    """Rows as JSON lines."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def geojson_bytes(rows: list[dict[str, str]], lon: str = "经度", lat: str = "纬度") -> bytes:
    """Rows as a GeoJSON FeatureCollection, the point as geometry (not in the properties)."""
    features = []
    for row in rows:
        props = {k: v for k, v in row.items() if k not in (lon, lat)}
        geometry = (
            {"type": "Point", "coordinates": [float(row[lon]), float(row[lat])]}
            if row.get(lon)
            else None
        )
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def table_checksums(url: str) -> dict[str, str]:
    """A checksum of every row of the tables an import writes."""
    return checksums(url, TABLES)


def fetch(url: str, query: str, params: tuple = ()) -> list[tuple]:
    """The rows of one query."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        rows = cur.fetchall()
    conn.close()
    return rows
