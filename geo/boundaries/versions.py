"""Boundary versions and the audit trail of publications and rollbacks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions
import psycopg2.extras

from geo.sqlfiles import load_sql

_LEVEL_ORDER = ("city", "district", "street", "community", "grid")


def changes_text(counts: dict) -> str:
    """'+added −removed ~reshaped ✎renamed' (empty when nothing is known)."""
    if not counts:
        return ""
    return (
        f"+{counts.get('added', 0):,} −{counts.get('removed', 0):,} "
        f"~{counts.get('reshaped', 0):,} ✎{counts.get('renamed', 0):,}"
    )


@dataclass(frozen=True)
class Version:
    """One boundary version with its size per level and the changes it brought."""

    id: int
    created_at: datetime
    created_by: str
    source: str
    note: str
    is_current: bool
    counts: dict
    sizes: dict

    @property
    def sizes_text(self) -> str:
        """'district 8 · street 110 · …' in tree order."""
        return " · ".join(
            f"{level} {self.sizes[level]:,}" for level in _LEVEL_ORDER if level in self.sizes
        )

    @property
    def changes_text(self) -> str:
        """The changes it brought, in symbols."""
        return changes_text(self.counts)


@dataclass(frozen=True)
class Event:
    """One publication or rollback: who, when, which file, what it did."""

    id: int
    at: datetime
    action: str
    actor: str
    version_id: int
    previous_version_id: int | None
    level: str | None
    file_name: str
    file_sha256: str
    file_bytes: int
    note: str
    summary: dict

    @property
    def action_text(self) -> str:
        """'publish → 5 (from 4)' style."""
        return f"{self.action} → {self.version_id} (← {self.previous_version_id})"

    @property
    def summary_text(self) -> str:
        """Changes and incidents moved."""
        moved = self.summary.get("reassigned", {}).get("moved", 0)
        return f"{changes_text(self.summary.get('diff', {}))} · incidents {moved:,}".lstrip(" ·")


def boundary_versions(conn: psycopg2.extensions.connection) -> list[Version]:
    """Every version, newest first."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(load_sql("boundaries_versions"))
        rows = cur.fetchall()
    return [Version(**{**row, "sizes": row["sizes"] or {}}) for row in rows]


def boundary_events(conn: psycopg2.extensions.connection, limit: int = 100) -> list[Event]:
    """The latest publications and rollbacks, newest first."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(load_sql("boundaries_events"), {"limit": limit})
        rows = cur.fetchall()
    return [Event(**row) for row in rows]
