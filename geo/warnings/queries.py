"""Reading warnings: the list (newest first, filtered), one warning's history, the map's few."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg2.extensions

from geo.sqlfiles import load_sql

ACTIVE = ("new", "acknowledged", "assigned")


@dataclass(frozen=True)
class EarlyWarning:
    """One warning as listed and drawn (lon/lat of its map position)."""

    id: int
    kind: str
    status: str
    district_code: str
    street_code: str | None
    community_code: str | None
    grid_code: str | None
    lon: float
    lat: float
    category: str | None
    address: str | None
    figures: dict[str, Any]
    window_start: datetime
    window_end: datetime
    detected_at: datetime
    last_seen_at: datetime
    assigned_center: str | None
    closed_at: datetime | None
    area_name: str
    area_path: tuple[str, ...] = ()  # names from the district down to the finest area

    def path_text(self, separator: str = " › ") -> str:
        """The names of the warning's areas, district first (its finest name if none known)."""
        return separator.join(self.area_path) or self.area_name or self.area_code

    @property
    def area_code(self) -> str:
        """The finest area code the warning has."""
        return self.grid_code or self.community_code or self.street_code or self.district_code

    @property
    def parent_code(self) -> str | None:
        """The area one level above the finest (None for a warning on a whole district)."""
        chain = [self.district_code, self.street_code, self.community_code, self.grid_code]
        codes = [c for c in chain if c]
        return codes[-2] if len(codes) > 1 else None

    def still_met(self, last_scan: datetime | None) -> bool:
        """Whether the latest scan still found this warning's rule to hold."""
        return last_scan is None or self.last_seen_at >= last_scan


@dataclass(frozen=True)
class WarningEvent:
    """One recorded change of a warning."""

    at: datetime
    action: str
    from_status: str | None
    to_status: str
    actor: str
    center_code: str | None
    note: str


def list_warnings(
    conn: psycopg2.extensions.connection,
    statuses: Sequence[str] = ACTIVE,
    kinds: Sequence[str] = (),
    area_code: str | None = None,
    limit: int = 500,
) -> list[EarlyWarning]:
    """Warnings of some statuses (and kinds, all when empty) in an area, newest first."""
    params = {
        "statuses": list(statuses),
        "kinds": list(kinds) or None,
        "area": area_code,
        "limit": limit,
    }
    with conn.cursor() as cur:
        cur.execute(load_sql("warnings_list"), params)
        return [EarlyWarning(*row[:-1], tuple(row[-1])) for row in cur.fetchall()]


def last_scan_at(conn: psycopg2.extensions.connection) -> datetime | None:
    """When the latest scan ran (the newest last_seen_at), None before any."""
    with conn.cursor() as cur:
        cur.execute("SELECT max(last_seen_at) FROM warnings")
        return cur.fetchone()[0]


def warning_history(conn: psycopg2.extensions.connection, warning_id: int) -> list[WarningEvent]:
    """A warning's events, oldest first."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT at, action, from_status, to_status, actor, center_code, note"
            " FROM warning_events WHERE warning_id = %s ORDER BY at, id",
            (warning_id,),
        )
        return [WarningEvent(*row) for row in cur.fetchall()]


def centers_for(
    conn: psycopg2.extensions.connection, warning: EarlyWarning
) -> list[tuple[str, str]]:
    """The centers serving the warning's area and its parents (code, name), lowest first."""
    codes = [
        c
        for c in (
            warning.community_code, warning.street_code, warning.district_code,
        )
        if c
    ]  # fmt: skip
    with conn.cursor() as cur:
        cur.execute(
            "SELECT c.code, c.name FROM centers c JOIN center_levels l ON l.level = c.level"
            " WHERE c.area_code = ANY(%s) OR c.level = 'city_center' ORDER BY l.rank",
            (codes,),
        )
        return cur.fetchall()
