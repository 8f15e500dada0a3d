"""Reading the current boundary tree: the version, one level's areas, codes in use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import psycopg2.extensions
import shapely

from geo.sqlfiles import load_sql

CURRENT_VERSION = """
SELECT id, created_at, created_by, source, note
FROM boundary_versions WHERE is_current
"""

CODES_OUTSIDE_LEVEL = """
SELECT code, level FROM areas WHERE version_id = %(version_id)s AND level <> %(level)s
"""


@dataclass(frozen=True)
class VersionInfo:
    """One boundary version: who published it, when, from what."""

    id: int
    created_at: datetime
    created_by: str
    source: str
    note: str


def current_version(conn: psycopg2.extensions.connection) -> VersionInfo | None:
    """The current boundary version, or None on an empty database."""
    with conn.cursor() as cur:
        cur.execute(CURRENT_VERSION)
        row = cur.fetchone()
    return VersionInfo(*row) if row else None


def level_areas(conn: psycopg2.extensions.connection, version_id: int, level: str) -> pd.DataFrame:
    """One level's areas of a version: code, name, parent_code, kind, population, geom."""
    with conn.cursor() as cur:
        cur.execute(load_sql("boundaries_level_areas"), {"version_id": version_id, "level": level})
        rows = cur.fetchall()
    frame = pd.DataFrame(
        rows, columns=["code", "name", "parent_code", "kind", "population", "wkb"], dtype=object
    )
    wkb = np.array([bytes(w) for w in frame.pop("wkb")], dtype=object)
    frame["geom"] = shapely.from_wkb(wkb) if len(wkb) else np.empty(0, dtype=object)
    return frame


def codes_outside_level(
    conn: psycopg2.extensions.connection, version_id: int, level: str
) -> dict[str, str]:
    """Codes used by the other levels of a version (codes are unique across levels)."""
    with conn.cursor() as cur:
        cur.execute(CODES_OUTSIDE_LEVEL, {"version_id": version_id, "level": level})
        return dict(cur.fetchall())
