"""A warning's status changes (acknowledge, assign to a center, close), each one recorded.

Allowed: new → acknowledged; new / acknowledged / assigned → assigned (to another center);
any status but closed → closed (with a note). Anything else is refused with a reason.
"""

from __future__ import annotations

from datetime import datetime

import psycopg2.extensions

from geo.auth.audit import record
from geo.errors import BilingualError
from geo.timeutil import now_utc
from geo.vocabulary import WARNING_ACTIONS, WARNING_STATUSES, text_table

ACTIONS: dict[str, tuple[str, ...]] = {
    "acknowledge": ("new",),
    "assign": ("new", "acknowledged", "assigned"),
    "close": ("new", "acknowledged", "assigned"),
}
TO_STATUS = {"acknowledge": "acknowledged", "assign": "assigned", "close": "closed"}


# Why a change was refused, in Chinese and English (the page shows the user's language).
MESSAGES: dict[str, dict[str, str]] = {
    "no_warning": {"zh": "预警 {id} 不存在", "en": "warning {id} does not exist"},
    "bad_status": {
        "zh": "预警 {id} 当前为「{status_zh}」，不能{action_zh}（仅限：{allowed_zh}）",
        "en": "warning {id} is {status}: cannot {action} it (allowed from {allowed})",
    },
    "no_actor": {
        "zh": "请说明操作人（1 至 100 个字符）",
        "en": "say who acts (1 to 100 characters)",
    },
    "no_center": {"zh": "没有中心 {center}", "en": "there is no center {center}"},
    "same_center": {
        "zh": "预警 {id} 已交办给 {center}",
        "en": "warning {id} is already assigned to {center}",
    },
    "no_note": {
        "zh": "请填写关闭说明",
        "en": "say why the warning is closed (a note is required)",
    },
}
# The names people read (the warnings page shows the same ones).
STATUS_NAMES: dict[str, dict[str, str]] = text_table(WARNING_STATUSES)
ACTION_NAMES: dict[str, dict[str, str]] = text_table(WARNING_ACTIONS)


class WarningTransitionError(BilingualError):
    """A warning status change that is not allowed (or a warning that does not exist).

    `text(lang)` gives the reason in one language; the message holds both.
    """

    default_message = "This change of the warning's status is not allowed"
    messages = MESSAGES


def allowed_actions(status: str) -> list[str]:
    """The actions allowed from a status."""
    return [action for action, froms in ACTIONS.items() if status in froms]


def _locked_status(cur: psycopg2.extensions.cursor, warning_id: int) -> tuple[str, str | None]:
    cur.execute(
        "SELECT status, assigned_center FROM warnings WHERE id = %s FOR UPDATE", (warning_id,)
    )
    row = cur.fetchone()
    if row is None:
        raise WarningTransitionError("no_warning", id=warning_id)
    return row[0], row[1]


def _refuse_unless(action: str, status: str, warning_id: int) -> None:
    if status not in ACTIONS[action]:
        allowed = ACTIONS[action]
        raise WarningTransitionError(
            "bad_status", id=warning_id, status=status, status_zh=STATUS_NAMES[status]["zh"],
            action=action, action_zh=ACTION_NAMES[action]["zh"], allowed=", ".join(allowed),
            allowed_zh="、".join(STATUS_NAMES[s]["zh"] for s in allowed),
        )  # fmt: skip


def _record(
    cur: psycopg2.extensions.cursor, warning_id: int, action: str, from_status: str,
    to_status: str, actor: str, at: datetime, center: str | None, note: str,
    client: str | None,
) -> None:  # fmt: skip
    """The warning's own event, and the same change in the audit log."""
    cur.execute(
        "INSERT INTO warning_events (warning_id, at, action, from_status, to_status, actor,"
        " center_code, note) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (warning_id, at, TO_STATUS[action], from_status, to_status, actor, center, note),
    )
    detail = {"from_status": from_status, "to_status": to_status, "center": center, "note": note}
    record(cur.connection, actor, f"warning_{action}", str(warning_id), detail, client)


def _actor(actor: str) -> str:
    actor = actor.strip()
    if not 1 <= len(actor) <= 100:
        raise WarningTransitionError("no_actor")
    return actor


def acknowledge(
    conn: psycopg2.extensions.connection, warning_id: int, actor: str, note: str = "",
    at: datetime | None = None, client: str | None = None,
) -> None:  # fmt: skip
    """Mark a new warning as seen (签收), audited (`client`: from where); the caller commits."""
    actor, at = _actor(actor), at or now_utc()
    with conn.cursor() as cur:
        status, center = _locked_status(cur, warning_id)
        _refuse_unless("acknowledge", status, warning_id)
        cur.execute("UPDATE warnings SET status = 'acknowledged' WHERE id = %s", (warning_id,))
        _record(
            cur, warning_id, "acknowledge", status, "acknowledged", actor, at, center, note, client
        )


def assign(
    conn: psycopg2.extensions.connection, warning_id: int, center_code: str, actor: str,
    note: str = "", at: datetime | None = None, client: str | None = None,
) -> None:  # fmt: skip
    """Hand a warning to a center (交办), audited; re-assigning to the same center is refused."""
    actor, at = _actor(actor), at or now_utc()
    with conn.cursor() as cur:
        status, current = _locked_status(cur, warning_id)
        _refuse_unless("assign", status, warning_id)
        cur.execute("SELECT 1 FROM centers WHERE code = %s", (center_code,))
        if cur.fetchone() is None:
            raise WarningTransitionError("no_center", center=center_code)
        if status == "assigned" and current == center_code:
            raise WarningTransitionError("same_center", id=warning_id, center=center_code)
        cur.execute(
            "UPDATE warnings SET status = 'assigned', assigned_center = %s WHERE id = %s",
            (center_code, warning_id),
        )
        _record(cur, warning_id, "assign", status, "assigned", actor, at, center_code, note, client)


def close(
    conn: psycopg2.extensions.connection, warning_id: int, actor: str, note: str,
    at: datetime | None = None, client: str | None = None,
) -> None:  # fmt: skip
    """Close a warning with a note saying what was done (required), audited."""
    actor, at = _actor(actor), at or now_utc()
    if not note.strip():
        raise WarningTransitionError("no_note")
    with conn.cursor() as cur:
        status, center = _locked_status(cur, warning_id)
        _refuse_unless("close", status, warning_id)
        cur.execute(
            "UPDATE warnings SET status = 'closed', closed_at = %s WHERE id = %s",
            (at, warning_id),
        )
        _record(cur, warning_id, "close", status, "closed", actor, at, center, note.strip(), client)
