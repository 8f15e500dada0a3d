"""Published reports in the database (migration 103): insert, list, read a file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions
from psycopg2 import sql
from psycopg2.extras import Json

from geo.filters import Period
from geo.reports.write import report_stem

_INSERT_SQL = """
INSERT INTO published_reports (period_kind, period_key, period_start, period_end, area_code,
    area_name, area_level, district_code, version, made_at, made_by, reason, rules, summary,
    xlsx, pdf, seconds)
VALUES (%(kind)s, %(key)s, %(start)s, %(end)s, %(code)s, %(name)s, %(level)s, %(district)s,
        %(version)s, %(at)s, %(by)s, %(reason)s, %(rules)s, %(summary)s, %(xlsx)s, %(pdf)s,
        %(seconds)s)
RETURNING id
"""
_NEXT_VERSION_SQL = """
SELECT coalesce(max(version), 0) + 1 FROM published_reports
WHERE period_key = %s AND area_code = %s
"""
_LATEST_END_SQL = """
SELECT max(period_end) FROM published_reports WHERE period_kind = %s AND area_code = %s
"""
_LIST_SQL = """
SELECT id, period_kind, period_key, period_start, period_end, area_code, area_name, area_level,
       version, made_at, made_by, reason, summary,
       md5(rules->'safety_index'->>'text'), rules->'scorecard'->>'version',
       octet_length(xlsx), octet_length(pdf)
FROM published_reports
WHERE (%(kind)s::text IS NULL OR period_kind = %(kind)s)
  AND (%(area)s::text IS NULL OR area_code = %(area)s)
ORDER BY period_end DESC, area_level, area_code, version DESC
LIMIT %(limit)s
"""
_FILE_SQL = (
    "SELECT area_name, area_code, period_key, version, {} FROM published_reports WHERE id = %s"
)
FILE_KINDS = {"xlsx": "xlsx", "pdf": "pdf"}


@dataclass(frozen=True)
class Stored:
    """A report to store: what, for which area and period, by whom, with its rules and files."""

    kind: str
    period: Period
    area_code: str
    area_name: str
    area_level: str
    district_code: str | None
    version: int
    made_at: datetime
    made_by: str
    reason: str
    rules: dict
    summary: dict
    xlsx: bytes
    pdf: bytes
    seconds: float


@dataclass(frozen=True)
class Listed:
    """A published report as the list shows it (the files are read on demand)."""

    id: int
    period_kind: str
    period_key: str
    period_start: datetime
    period_end: datetime
    area_code: str
    area_name: str
    area_level: str
    version: int
    made_at: datetime
    made_by: str
    reason: str
    summary: dict
    safety_rules: str  # digest of the safety index's rules text it was made with
    scorecard_rules: str
    xlsx_bytes: int
    pdf_bytes: int


def insert_report(conn: psycopg2.extensions.connection, report: Stored) -> int:
    """Store a report (in the caller's transaction); its id."""
    with conn.cursor() as cur:
        cur.execute(
            _INSERT_SQL,
            {
                "kind": report.kind, "key": report.period.key, "start": report.period.start,
                "end": report.period.end, "code": report.area_code, "name": report.area_name,
                "level": report.area_level, "district": report.district_code,
                "version": report.version, "at": report.made_at, "by": report.made_by,
                "reason": report.reason, "rules": Json(report.rules),
                "summary": Json(report.summary), "xlsx": report.xlsx, "pdf": report.pdf,
                "seconds": report.seconds,
            },
        )  # fmt: skip
        return cur.fetchone()[0]


def next_version(conn: psycopg2.extensions.connection, period_key: str, area_code: str) -> int:
    """1 for a report never published, else one more than its latest version."""
    with conn.cursor() as cur:
        cur.execute(_NEXT_VERSION_SQL, (period_key, area_code))
        return cur.fetchone()[0]


def latest_end(conn: psycopg2.extensions.connection, kind: str, area_code: str) -> datetime | None:
    """The end of the latest period of this kind published for the area (None: none yet)."""
    with conn.cursor() as cur:
        cur.execute(_LATEST_END_SQL, (kind, area_code))
        return cur.fetchone()[0]


def list_reports(
    conn: psycopg2.extensions.connection,
    kind: str | None = None,
    area_code: str | None = None,
    limit: int = 500,
) -> list[Listed]:
    """The published reports the caller may see, newest period first, every version."""
    with conn.cursor() as cur:
        cur.execute(_LIST_SQL, {"kind": kind, "area": area_code, "limit": limit})
        return [Listed(*row) for row in cur.fetchall()]


def report_file(
    conn: psycopg2.extensions.connection, report_id: int, file_kind: str
) -> tuple[str, bytes] | None:
    """A stored file (its download name and bytes), or None when the caller may not see it."""
    column = sql.Identifier(FILE_KINDS[file_kind])
    with conn.cursor() as cur:
        cur.execute(sql.SQL(_FILE_SQL).format(column), (report_id,))
        row = cur.fetchone()
    if row is None:
        return None
    name, code, key, version, data = row
    again = f"_v{version}" if version > 1 else ""
    return f"{report_stem(name, code, key)}{again}.{file_kind}", bytes(data)
