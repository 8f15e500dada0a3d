"""A warning's status changes (acknowledge, assign to a center, close), each one recorded.

Allowed: new → acknowledged; new / acknowledged / assigned → assigned (to another center);
any status but closed → closed (with a note). Anything else is refused with a reason.
"""

from __future__ import annotations

from datetime import datetime

import psycopg2.extensions

from geo.errors import MinqingError
from geo.timeutil import now_utc

ACTIONS: dict[str, tuple[str, ...]] = {
    "acknowledge": ("new",),
    "assign": ("new", "acknowledged", "assigned"),
    "close": ("new", "acknowledged", "assigned"),
}
TO_STATUS = {"acknowledge": "acknowledged", "assign": "assigned", "close": "closed"}


class WarningTransitionError(MinqingError):
    """A warning status change that is not allowed (or a warning that does not exist)."""

    default_message = "This change of the warning's status is not allowed"


def allowed_actions(status: str) -> list[str]:
    """The actions allowed from a status."""
    return [action for action, froms in ACTIONS.items() if status in froms]


def _locked_status(cur: psycopg2.extensions.cursor, warning_id: int) -> tuple[str, str | None]:
    cur.execute(
        "SELECT status, assigned_center FROM warnings WHERE id = %s FOR UPDATE", (warning_id,)
    )
    row = cur.fetchone()
    if row is None:
        raise WarningTransitionError(f"warning {warning_id} does not exist")
    return row[0], row[1]


def _refuse_unless(action: str, status: str, warning_id: int) -> None:
    if status not in ACTIONS[action]:
        raise WarningTransitionError(
            f"warning {warning_id} is {status}: cannot {action} it "
            f"(allowed from {', '.join(ACTIONS[action])})"
        )


def _record(
    cur: psycopg2.extensions.cursor, warning_id: int, action: str, from_status: str,
    to_status: str, actor: str, at: datetime, center: str | None, note: str,
) -> None:  # fmt: skip
    cur.execute(
        "INSERT INTO warning_events (warning_id, at, action, from_status, to_status, actor,"
        " center_code, note) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (warning_id, at, TO_STATUS[action], from_status, to_status, actor, center, note),
    )


def _actor(actor: str) -> str:
    actor = actor.strip()
    if not 1 <= len(actor) <= 100:
        raise WarningTransitionError("say who acts (1 to 100 characters)")
    return actor


def acknowledge(
    conn: psycopg2.extensions.connection, warning_id: int, actor: str, note: str = "",
    at: datetime | None = None,
) -> None:  # fmt: skip
    """Mark a new warning as seen (签收); the caller commits."""
    actor, at = _actor(actor), at or now_utc()
    with conn.cursor() as cur:
        status, center = _locked_status(cur, warning_id)
        _refuse_unless("acknowledge", status, warning_id)
        cur.execute("UPDATE warnings SET status = 'acknowledged' WHERE id = %s", (warning_id,))
        _record(cur, warning_id, "acknowledge", status, "acknowledged", actor, at, center, note)


def assign(
    conn: psycopg2.extensions.connection, warning_id: int, center_code: str, actor: str,
    note: str = "", at: datetime | None = None,
) -> None:  # fmt: skip
    """Hand a warning to a center (交办); re-assigning to the same center is refused."""
    actor, at = _actor(actor), at or now_utc()
    with conn.cursor() as cur:
        status, current = _locked_status(cur, warning_id)
        _refuse_unless("assign", status, warning_id)
        cur.execute("SELECT 1 FROM centers WHERE code = %s", (center_code,))
        if cur.fetchone() is None:
            raise WarningTransitionError(f"there is no center {center_code!r}")
        if status == "assigned" and current == center_code:
            raise WarningTransitionError(
                f"warning {warning_id} is already assigned to {center_code}"
            )
        cur.execute(
            "UPDATE warnings SET status = 'assigned', assigned_center = %s WHERE id = %s",
            (center_code, warning_id),
        )
        _record(cur, warning_id, "assign", status, "assigned", actor, at, center_code, note)


def close(
    conn: psycopg2.extensions.connection, warning_id: int, actor: str, note: str,
    at: datetime | None = None,
) -> None:  # fmt: skip
    """Close a warning with a note saying what was done (the note is required)."""
    actor, at = _actor(actor), at or now_utc()
    if not note.strip():
        raise WarningTransitionError("say why the warning is closed (a note is required)")
    with conn.cursor() as cur:
        status, center = _locked_status(cur, warning_id)
        _refuse_unless("close", status, warning_id)
        cur.execute(
            "UPDATE warnings SET status = 'closed', closed_at = %s WHERE id = %s",
            (at, warning_id),
        )
        _record(cur, warning_id, "close", status, "closed", actor, at, center, note.strip())
