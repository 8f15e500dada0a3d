"""What the case desk reads: a center's queue (paged, sorted in SQL), a case, its history.

Overdue is derived, never stored: a case is overdue while it is open and `deadline_at` is
past. The queue puts overdue cases first, then major risks, then the nearest deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions

from geo.bounds import LngLatBbox
from geo.queries.areas import AreaOutline
from geo.vocabulary import SOURCES
from geo.workflow.actions import targets
from geo.workflow.messages import WorkflowRefused
from geo.workflow.state import (
    ROOT_CENTER_SQL,
    CaseState,
    Center,
    allowed_actions,
    center_chain,
    load_case,
)
from geo.workflow.transitions import TRANSITIONS

CENTERS_SQL = """
SELECT c.code, c.name, c.level, c.parent_code
FROM center_directory c JOIN center_levels l USING (level)
ORDER BY l.rank DESC, c.code
"""
# The centers below the desk's center, for the queue of the cases they hold (supervision).
_BELOW = """
WITH RECURSIVE below AS (
    SELECT code FROM center_directory WHERE parent_code = %(center)s
    UNION ALL
    SELECT c.code FROM center_directory c JOIN below b ON c.parent_code = b.code
)
"""
_QUEUE_WHERE = """
WHERE i.status IN ('reported', 'assigned', 'in_progress')
  AND CASE WHEN %(below)s THEN i.assigned_center IN (SELECT code FROM below)
           ELSE i.assigned_center = %(center)s OR (%(is_root)s AND i.assigned_center IS NULL)
      END
  AND (%(statuses)s::text[] IS NULL OR i.status = ANY(%(statuses)s::text[]))
  AND (%(category)s::text IS NULL OR i.category = %(category)s::text)
  AND (NOT %(overdue_only)s OR i.deadline_at < %(now)s)
  AND (%(pattern)s::text IS NULL OR i.description ILIKE %(pattern)s::text
       OR i.address ILIKE %(pattern)s::text)
"""
QUEUE_SQL = (
    _BELOW
    + """
SELECT i.id, i.source, i.category, i.subcategory, i.severity, i.is_major_risk, i.description,
       i.address, i.status, i.reported_at, i.deadline_at, i.escalations, i.assigned_center
FROM incidents i
"""
    + _QUEUE_WHERE
    + """
ORDER BY (i.deadline_at < %(now)s) DESC, i.is_major_risk DESC, i.deadline_at, i.id
LIMIT %(limit)s OFFSET %(offset)s
"""
)
QUEUE_COUNTS_SQL = (
    _BELOW
    + """
SELECT count(*), count(*) FILTER (WHERE i.deadline_at < %(now)s),
       count(*) FILTER (WHERE i.is_major_risk)
FROM incidents i
"""
    + _QUEUE_WHERE
)
CASE_SQL = """
SELECT i.id, i.source, i.category, i.subcategory, i.severity, i.is_major_risk, i.description,
       i.address, ST_X(i.geom), ST_Y(i.geom), i.grid_code, i.status, i.reported_at,
       i.deadline_at, i.assigned_center, c.name, i.escalations, i.resolved_at, i.closed_at,
       i.result, i.source_category, i.source_subcategory
FROM incidents i LEFT JOIN center_directory c ON c.code = i.assigned_center
WHERE i.id = %s
"""
HISTORY_SQL = """
SELECT e.id, e.at, e.action, e.from_status, e.to_status, e.actor, e.center_code, c.name,
       e.acting_center, a.name, e.note, e.detail, e.satisfaction, w.name, g.name
FROM incident_events e
LEFT JOIN center_directory c ON c.code = e.center_code
LEFT JOIN center_directory a ON a.code = e.acting_center
LEFT JOIN center_directory w ON w.code = e.actor
LEFT JOIN current_areas g
       ON e.actor LIKE 'gw-%%' AND g.code = substr(e.actor, 4) AND g.level = 'grid'
WHERE e.incident_id = %s
ORDER BY e.at, e.id
"""
GRID_SQL = """
SELECT a.code, a.parent_code, a.name, a.level, a.population,
       ST_AsGeoJSON(coalesce(a.geom_display, a.geom), 5),
       ST_X(ST_PointOnSurface(a.geom)), ST_Y(ST_PointOnSurface(a.geom)),
       ST_XMin(a.geom), ST_YMin(a.geom), ST_XMax(a.geom), ST_YMax(a.geom)
FROM current_areas a
WHERE a.code = %s AND a.level = 'grid'
"""
LINKS_SQL = """
SELECT l.id, l.source, l.source_id, l.category, l.description, l.address, l.reported_at,
       l.distance_m
FROM incident_links l
WHERE l.incident_id = %s
ORDER BY l.reported_at, l.id
"""


@dataclass(frozen=True)
class QueueFilter:
    """The desk's filters: statuses, a category, overdue only, words in description/address;
    `below`: the cases held by the centers below instead of the center's own (to supervise)."""

    statuses: tuple[str, ...] = ()
    category: str | None = None
    overdue_only: bool = False
    text: str = ""
    below: bool = False


@dataclass(frozen=True)
class QueueRow:
    """One open case in a center's queue."""

    id: int
    source: str
    category: str
    subcategory: str
    severity: int
    is_major_risk: bool
    description: str
    address: str
    status: str
    reported_at: datetime
    deadline_at: datetime
    escalations: int
    assigned_center: str | None


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue, with the counts of the whole filtered queue."""

    rows: list[QueueRow]
    total: int
    overdue: int
    major: int


@dataclass(frozen=True)
class CaseView:
    """A case as the desk shows it."""

    id: int
    source: str
    category: str
    subcategory: str
    severity: int
    is_major_risk: bool
    description: str
    address: str
    lon: float
    lat: float
    grid_code: str
    status: str
    reported_at: datetime
    deadline_at: datetime
    assigned_center: str | None
    center_name: str | None
    escalations: int
    resolved_at: datetime | None
    closed_at: datetime | None
    result: str | None
    source_category: str = ""  # the source's own labels, shown for a case in 其他
    source_subcategory: str = ""


@dataclass(frozen=True)
class Event:
    """One step of a case's history."""

    id: int
    at: datetime
    action: str
    from_status: str | None
    to_status: str
    actor: str
    center_code: str | None
    center_name: str | None
    acting_center: str | None
    acting_name: str | None
    note: str
    detail: dict
    satisfaction: str | None = None  # the resident's answer recorded on closing (回访)
    actor_center: str | None = None  # the name of the center the actor is, if it is one
    actor_grid: str | None = None  # the grid's name, for a grid worker (`gw-<grid code>`)


ACTOR_WORDS = {
    "system": {"zh": "系统", "en": "system"},
    "grid_worker": {"zh": "{grid}网格员", "en": "grid worker of {grid}"},
}


def actor_name(event: Event, lang: str) -> str:
    """Who acted, in words: a source's name for a report coming in, a center's name, a grid's
    worker, the system; a signed-in user by their user name."""
    label = SOURCES.get(event.actor)
    if label is not None:
        return label.zh if lang == "zh" else label.en
    if event.actor == "system":
        return ACTOR_WORDS["system"][lang]
    if event.actor_center:
        return event.actor_center
    if event.actor_grid:
        return ACTOR_WORDS["grid_worker"][lang].format(grid=event.actor_grid)
    return event.actor


@dataclass(frozen=True)
class Countdown:
    """Time left before a deadline, or how long it is past."""

    overdue: bool
    days: int
    hours: int
    minutes: int


def like_pattern(text: str) -> str | None:
    """An ILIKE pattern matching `text` anywhere, its wildcards escaped (None for no text)."""
    text = text.strip()
    if not text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def countdown(deadline: datetime, now: datetime) -> Countdown:
    """Days, hours and minutes to the deadline (or past it), whole minutes rounded down."""
    seconds = int((deadline - now).total_seconds())
    overdue = seconds < 0
    minutes_total = abs(seconds) // 60
    days, rest = divmod(minutes_total, 24 * 60)
    return Countdown(overdue, days, rest // 60, rest % 60)


def list_centers(conn: psycopg2.extensions.connection) -> list[Center]:
    """Every center, the city center first, then by level and code."""
    with conn.cursor() as cur:
        cur.execute(CENTERS_SQL)
        return [Center(*row) for row in cur.fetchall()]


def root_center(conn: psycopg2.extensions.connection) -> str | None:
    """The code of the city center (None before any center exists)."""
    with conn.cursor() as cur:
        cur.execute(ROOT_CENTER_SQL)
        row = cur.fetchone()
    return row[0] if row else None


def queue(
    conn: psycopg2.extensions.connection,
    center: str,
    filters: QueueFilter,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
    most: int = 500,
) -> QueuePage:
    """One page of the center's open cases (or of those below it): overdue first, then major
    risks, then the nearest deadline; at most `most` rows (the export asks for more)."""
    params = {
        "center": center,
        "is_root": center == root_center(conn),
        "below": filters.below,
        "statuses": list(filters.statuses) or None,
        "category": filters.category,
        "overdue_only": filters.overdue_only,
        "pattern": like_pattern(filters.text),
        "now": now,
        "limit": max(1, min(limit, most)),
        "offset": max(0, offset),
    }
    with conn.cursor() as cur:
        cur.execute(QUEUE_COUNTS_SQL, params)
        total, overdue, major = cur.fetchone()
        cur.execute(QUEUE_SQL, params)
        rows = [QueueRow(*row) for row in cur.fetchall()]
    return QueuePage(rows, total, overdue, major)


def case_view(conn: psycopg2.extensions.connection, incident_id: int) -> CaseView | None:
    """The case with its position and holder's name (None when there is no such case)."""
    with conn.cursor() as cur:
        cur.execute(CASE_SQL, (incident_id,))
        row = cur.fetchone()
    return CaseView(*row) if row else None


def history(conn: psycopg2.extensions.connection, incident_id: int) -> list[Event]:
    """Every event of the case, oldest first."""
    with conn.cursor() as cur:
        cur.execute(HISTORY_SQL, (incident_id,))
        return [Event(*row) for row in cur.fetchall()]


@dataclass(frozen=True)
class LinkedReport:
    """A report of the same event from another source, linked to the case at intake."""

    id: int
    source: str
    source_id: str | None
    category: str
    description: str
    address: str
    reported_at: datetime
    distance_m: float


def linked_reports(conn: psycopg2.extensions.connection, incident_id: int) -> list[LinkedReport]:
    """The reports linked to the case, oldest first."""
    with conn.cursor() as cur:
        cur.execute(LINKS_SQL, (incident_id,))
        return [LinkedReport(*row) for row in cur.fetchall()]


@dataclass(frozen=True)
class DeskActions:
    """The actions of a case for one center: allowed ones with their targets, refused ones
    with the reason."""

    case: CaseState
    allowed: dict[str, list[Center]]
    refused: dict[str, WorkflowRefused]


def desk_actions(
    conn: psycopg2.extensions.connection, incident_id: int, center: str, now: datetime
) -> DeskActions | None:
    """What `center` may do with the case now (None when the case or the center is unknown)."""
    with conn.cursor() as cur:
        try:
            case = load_case(cur, incident_id)
        except WorkflowRefused:
            return None
        chain = center_chain(cur, center)
        if not chain:
            return None
        acting = chain[0]
        allowed: dict[str, list[Center]] = {}
        refused: dict[str, WorkflowRefused] = {}
        for action, reason in allowed_actions(case, acting, now):
            kind = TRANSITIONS[action].target
            found = targets(cur, case, action) if reason is None else []
            if reason is None and kind is not None and not found:
                key = {"assigner": "no_assigner", "parent": "no_level_above"}.get(kind, "no_target")
                reason = WorkflowRefused(key, action=action, holder=case.holder.name)
            if reason is None:
                allowed[action] = found
            else:
                refused[action] = reason
    return DeskActions(case, allowed, refused)


def grid_outline(
    conn: psycopg2.extensions.connection, grid_code: str
) -> tuple[AreaOutline, LngLatBbox] | None:
    """The case's small grid: its outline for the map and its box (None when not current)."""
    with conn.cursor() as cur:
        cur.execute(GRID_SQL, (grid_code,))
        row = cur.fetchone()
    if row is None:
        return None
    return AreaOutline(*row[:8]), LngLatBbox(*row[8:])
