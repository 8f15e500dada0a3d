"""`apply_action`: one action on one case, checked, written with exactly one event.

The case's row is locked (SELECT … FOR UPDATE) before the checks, so two operators acting
on the same case at once are served one after the other and the second sees the first's
result. A refused action raises `WorkflowRefused` before anything is written. The caller
commits (or rolls back) the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions
from psycopg2.extras import Json

from geo.auth.audit import record
from geo.timeutil import now_utc
from geo.workflow.messages import WorkflowRefused
from geo.workflow.state import NOTE_LIMIT, CaseState, Center, center_chain, load_case, refusal
from geo.workflow.transitions import ANSWERS, RESULTS, TRANSITIONS, Transition

# The centers below the holder in the command chain that serve the case's place.
LOWER_CENTERS_SQL = """
WITH RECURSIVE below AS (
    SELECT code, name, level, parent_code, area_code
    FROM center_directory WHERE parent_code = %(holder)s
    UNION ALL
    SELECT c.code, c.name, c.level, c.parent_code, c.area_code
    FROM center_directory c JOIN below b ON c.parent_code = b.code
)
SELECT code, name, level, parent_code FROM below
WHERE area_code IN (%(district)s, %(street)s, %(community)s)
ORDER BY code
"""
SAME_LEVEL_SQL = """
SELECT code, name, level, parent_code FROM center_directory
WHERE level = %(level)s AND code <> %(code)s
ORDER BY (parent_code IS NOT DISTINCT FROM %(parent)s) DESC, code
"""
ASSIGNER_SQL = """
SELECT acting_center FROM incident_events
WHERE incident_id = %(id)s AND action IN ('assigned', 'transferred') AND center_code = %(holder)s
ORDER BY at DESC, id DESC
LIMIT 1
"""
# Who the transaction acts for (migration 060): NULL for the owner's own work (command line,
# escalation tick), else the signed-in user, their role and their center.
CONTEXT_SQL = "SELECT minqing_ctx_user(), minqing_ctx_role(), minqing_ctx_center()"
UPDATE_SQL = """
UPDATE incidents SET status = %(status)s, assigned_center = %(center)s,
    handling_level = %(level)s, escalations = %(escalations)s, resolved_at = %(resolved_at)s,
    closed_at = %(closed_at)s, result = %(result)s, previous_center = %(previous)s
WHERE id = %(id)s
"""
EVENT_SQL = """
INSERT INTO incident_events (incident_id, at, action, from_status, to_status, actor,
                             center_code, note, acting_center, detail, satisfaction)
VALUES (%(id)s, %(at)s, %(action)s, %(from_status)s, %(to_status)s, %(actor)s, %(center)s,
        %(note)s, %(acting)s, %(detail)s, %(satisfaction)s)
RETURNING id
"""


@dataclass(frozen=True)
class ActionResult:
    """What an action did: its event, and the case's status and holder after it."""

    event_id: int
    status: str
    center: str


def targets(cur: psycopg2.extensions.cursor, case: CaseState, action: str) -> list[Center]:
    """The centers an action may send the case to (empty for actions without a target)."""
    kind = TRANSITIONS[action].target
    holder = case.holder
    if kind == "lower":
        cur.execute(
            LOWER_CENTERS_SQL,
            {
                "holder": holder.code,
                "district": case.district_code,
                "street": case.street_code,
                "community": case.community_code,
            },
        )
        found = [Center(*row) for row in cur.fetchall()]
        return sorted(found, key=lambda c: -c.rank)
    if kind == "same_level":
        cur.execute(
            SAME_LEVEL_SQL,
            {"level": holder.level, "code": holder.code, "parent": holder.parent_code},
        )
        return [Center(*row) for row in cur.fetchall()]
    if kind == "parent":
        return list(case.holder_chain[1:2])
    if kind == "assigner":
        found = _assigner(cur, case)
        return [found] if found else []
    return []


def _assigner(cur: psycopg2.extensions.cursor, case: CaseState) -> Center | None:
    """The center that assigned the case to its holder (the holder's parent when unknown)."""
    cur.execute(ASSIGNER_SQL, {"id": case.id, "holder": case.holder.code})
    row = cur.fetchone()
    code = row[0] if row and row[0] else case.holder.parent_code
    if code is None or code == case.holder.code:
        return None
    chain = center_chain(cur, code)
    return chain[0] if chain else None


def _target(
    cur: psycopg2.extensions.cursor, transition: Transition, case: CaseState, wanted: str | None
) -> Center | None:
    """The center the case goes to, checked against what the transition allows."""
    kind = transition.target
    if kind is None:
        return None
    if kind in ("parent", "assigner"):
        found = targets(cur, case, transition.action)
        if not found:
            key = "no_level_above" if kind == "parent" else "no_assigner"
            raise WorkflowRefused(key, holder=case.holder.name, action=transition.action)
        return found[0]
    if not wanted:
        raise WorkflowRefused("target_required", action=transition.action)
    allowed = {c.code: c for c in targets(cur, case, transition.action)}
    if wanted not in allowed:
        chain = center_chain(cur, wanted)
        name = chain[0].name if chain else wanted
        key = "target_not_lower" if kind == "lower" else "target_not_same_level"
        raise WorkflowRefused(key, target=name, action=transition.action)
    return allowed[wanted]


def _acting_center(cur: psycopg2.extensions.cursor, code: str) -> Center:
    chain = center_chain(cur, code)
    if not chain:
        raise WorkflowRefused("unknown_center", center=code)
    return chain[0]


def _locked_case(
    cur: psycopg2.extensions.cursor, incident_id: int, center: str, action: str
) -> CaseState:
    """The case, locked; a case the signed-in operator sees but may not change (one its center
    just handed on, migration 130) is refused as held by another center, not as missing."""
    try:
        return load_case(cur, incident_id, lock=True)
    except WorkflowRefused as missing:
        if missing.key != "no_case":
            raise
        seen = load_case(cur, incident_id)  # refused as missing when not even seen
        acting = _acting_center(cur, center)
        raise WorkflowRefused(
            "not_holder", holder=seen.holder.name, center=acting.name, action=action
        ) from None


def _check_acting(cur: psycopg2.extensions.cursor, actor: str, acting: Center) -> None:
    """A signed-in user acts in their own name, an operator only as the center of its account
    (issue 14): the database's policy on case events refuses anything else; this says why."""
    cur.execute(CONTEXT_SQL)
    user, role, own = cur.fetchone()
    if user is None:
        return
    if actor != user:
        raise WorkflowRefused("not_own_name")
    if role != "admin" and acting.code != own:
        raise WorkflowRefused("not_own_center", center=acting.name)


def apply_action(
    conn: psycopg2.extensions.connection,
    incident_id: int,
    action: str,
    actor: str,
    center: str,
    *,
    target: str | None = None,
    result: str | None = None,
    note: str = "",
    detail: dict | None = None,
    reply_by: datetime | None = None,
    satisfaction: str | None = None,
    now: datetime | None = None,
    client: str | None = None,
) -> ActionResult:
    """Check and apply one action by `actor` of `center`; one incident update, one event.

    `reply_by` is a supervision's time limit (督办限期), kept in the event's detail;
    `satisfaction` the resident's answer to the follow-up call that closing a case records
    (回访: one of `ANSWERS`). The action is also written to the audit log (`client`: where it
    came from).
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise WorkflowRefused("unknown_action", action=action)
    now = now or now_utc()
    note = (note or "").strip()
    with conn.cursor() as cur:
        case = _locked_case(cur, incident_id, center, action)
        acting = _acting_center(cur, center)
        _check_acting(cur, actor, acting)
        refused = refusal(transition, case, acting, now)
        if refused is not None:
            raise refused
        if transition.needs_note and not note:
            raise WorkflowRefused("note_required", action=action)
        if len(note) > NOTE_LIMIT:
            raise WorkflowRefused("note_too_long", limit=str(NOTE_LIMIT), action=action)
        if action == "resolve" and result not in RESULTS:
            raise WorkflowRefused("bad_result", action=action)
        if reply_by is not None and (action != "supervise" or reply_by <= now):
            raise WorkflowRefused("bad_reply_by", action=action)
        if satisfaction not in (ANSWERS if action == "close" else (None,)):
            raise WorkflowRefused("bad_satisfaction", action=action)
        goes_to = _target(cur, transition, case, target)
        row = _new_row(transition, case, goes_to, result, now)
        extra = dict(detail or {})
        if goes_to is not None:
            extra.update(from_center=case.holder.code, to_center=goes_to.code)
        if action == "resolve":
            extra["result"] = result
        if reply_by is not None:
            extra["reply_by"] = reply_by.isoformat()
        if row is not None:
            cur.execute(UPDATE_SQL, row)
        holder_after = row["center"] if row and row["center"] else case.holder.code
        cur.execute(
            EVENT_SQL,
            {
                "id": case.id, "at": now, "action": transition.event,
                "from_status": case.status,
                "to_status": transition.to_status or case.status, "actor": actor,
                "center": holder_after, "note": note, "acting": acting.code,
                "detail": Json(extra), "satisfaction": satisfaction,
            },
        )  # fmt: skip
        event_id = cur.fetchone()[0]
    audit = {"action": action, "event_id": event_id, "center": acting.code, **extra}
    record(conn, actor, "case_action", str(case.id), audit, client)
    return ActionResult(event_id, transition.to_status or case.status, holder_after)


def _new_row(
    transition: Transition,
    case: CaseState,
    goes_to: Center | None,
    result: str | None,
    now: datetime,
) -> dict | None:
    """The incident's columns after the action (None: the row does not change)."""
    if transition.to_status is None:
        return None
    row = {
        "id": case.id, "status": transition.to_status,
        "center": case.assigned_center, "level": case.handling_level,
        "escalations": case.escalations, "resolved_at": case.resolved_at,
        "closed_at": case.closed_at, "result": case.result, "previous": case.previous_center,
    }  # fmt: skip
    if goes_to is not None:
        row.update(center=goes_to.code, level=goes_to.level, previous=case.holder.code)
    elif case.assigned_center is None:
        row.update(center=case.holder.code, level=case.holder.level)
    if transition.action == "escalate":
        row["escalations"] = case.escalations + 1
    elif transition.action == "resolve":
        row.update(resolved_at=now, result=result)
    elif transition.action == "close":
        row["closed_at"] = max(now, case.resolved_at or now)
    elif transition.action == "reopen":
        row.update(resolved_at=None, closed_at=None, result=None)
    return row
