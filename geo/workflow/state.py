"""A case's state as the workflow checks it, the centers around it, and the checks themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions

from geo.workflow.messages import WorkflowRefused
from geo.workflow.transitions import OPEN, TRANSITIONS, Transition

LEVEL_RANK = {"workstation": 1, "command_post": 2, "sub_center": 3, "city_center": 4}
NOTE_LIMIT = 2000

_CASE_COLUMNS = """
SELECT i.id, i.status, i.assigned_center, i.handling_level, i.escalations, i.reported_at,
       i.deadline_at, i.district_code, i.street_code, i.community_code, i.is_major_risk,
       i.resolved_at, i.closed_at, i.result, i.previous_center
FROM incidents i WHERE i.id = %s
"""
CASE_SQL = _CASE_COLUMNS
CASE_FOR_UPDATE_SQL = _CASE_COLUMNS + " FOR UPDATE OF i"
CENTER_CHAIN_SQL = """
WITH RECURSIVE up AS (
    SELECT code, name, level, parent_code, 0 AS depth FROM center_directory WHERE code = %s
    UNION ALL
    SELECT c.code, c.name, c.level, c.parent_code, up.depth + 1
    FROM center_directory c JOIN up ON c.code = up.parent_code
)
SELECT code, name, level, parent_code FROM up ORDER BY depth
"""
ROOT_CENTER_SQL = (
    "SELECT code FROM center_directory WHERE parent_code IS NULL ORDER BY code LIMIT 1"
)


@dataclass(frozen=True)
class Center:
    """A center of the four-level command system."""

    code: str
    name: str
    level: str
    parent_code: str | None

    @property
    def rank(self) -> int:
        """1 for a workstation up to 4 for the city center."""
        return LEVEL_RANK[self.level]


@dataclass(frozen=True)
class CaseState:
    """What the checks read of a case, with its holder and the holder's chain upwards."""

    id: int
    status: str
    assigned_center: str | None
    handling_level: str | None
    escalations: int
    reported_at: datetime
    deadline_at: datetime
    district_code: str
    street_code: str
    community_code: str
    is_major_risk: bool
    resolved_at: datetime | None
    closed_at: datetime | None
    result: str | None
    previous_center: str | None  # the center that held the case before its last move
    holder_chain: tuple[Center, ...]  # the holder first, then each center above it

    @property
    def holder(self) -> Center:
        """The center holding the case (the city center while it is not routed)."""
        return self.holder_chain[0]

    def is_overdue(self, now: datetime) -> bool:
        """Open and past its deadline."""
        return self.status in OPEN and self.deadline_at < now


def center_chain(cur: psycopg2.extensions.cursor, code: str) -> tuple[Center, ...]:
    """The center and every center above it, nearest first (empty when unknown)."""
    cur.execute(CENTER_CHAIN_SQL, (code,))
    return tuple(Center(*row) for row in cur.fetchall())


def load_case(cur: psycopg2.extensions.cursor, incident_id: int, lock: bool = False) -> CaseState:
    """The case's state (locked for the transaction when `lock`); refused when missing."""
    cur.execute(CASE_FOR_UPDATE_SQL if lock else CASE_SQL, (incident_id,))
    row = cur.fetchone()
    if row is None:
        raise WorkflowRefused("no_case", case=str(incident_id))
    holder = row[2]
    if holder is None:
        cur.execute(ROOT_CENTER_SQL)
        found = cur.fetchone()
        if found is None:
            raise WorkflowRefused("unknown_center", center="-")
        holder = found[0]
    return CaseState(*row, holder_chain=center_chain(cur, holder))


def refusal(
    transition: Transition, case: CaseState, acting: Center, now: datetime
) -> WorkflowRefused | None:
    """Why the acting center may not take this action on the case now (None: it may)."""
    action = transition.action
    if case.status not in transition.from_statuses:
        return WorkflowRefused("bad_status", status=case.status, action=action)
    holder = case.holder
    is_holder = acting.code == holder.code
    is_above = any(c.code == acting.code for c in case.holder_chain[1:])
    allowed = {
        "holder": is_holder,
        "above": is_above,
        "holder_or_above": is_holder or is_above,
    }[transition.who]
    if not allowed:
        key = "not_above" if transition.who == "above" else "not_holder"
        return WorkflowRefused(key, holder=holder.name, center=acting.name, action=action)
    if transition.needs_overdue and not case.is_overdue(now):
        return WorkflowRefused("not_overdue", action=action)
    if transition.target == "parent" and holder.parent_code is None:
        return WorkflowRefused("no_level_above", holder=holder.name, action=action)
    return None


def allowed_actions(
    case: CaseState, acting: Center, now: datetime
) -> list[tuple[str, WorkflowRefused | None]]:
    """Every action with the reason it is refused (None when allowed), in the table's order."""
    return [(name, refusal(t, case, acting, now)) for name, t in TRANSITIONS.items()]
