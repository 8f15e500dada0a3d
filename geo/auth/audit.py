"""The append-only audit log: who did what, to what, when and from where."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg2.extensions
from psycopg2.extras import Json

from geo.cells import csv_cell
from geo.timeutil import format_cst
from geo.vocabulary import (
    AREA_LEVELS,
    AUDIT_ACTIONS,
    AUDIT_FIELDS,
    AUDIT_VALUES,
    CASE_ACTIONS,
    ROLES,
    STATUSES,
    WARNING_STATUSES,
    Label,
    name,
)

# The actions written by the project (their names in words: geo/vocabulary.AUDIT_ACTIONS);
# others may be added (lower case, dots and underscores).
ACTIONS = tuple(AUDIT_ACTIONS)
# Which words a detail's value is in, by the detail's key (the rest are shown as they are).
_VALUE_WORDS: dict[str, dict[str, Label]] = {
    "role": ROLES, "from": ROLES, "to": ROLES, "method": AUDIT_VALUES, "reason": AUDIT_VALUES,
    "level": AREA_LEVELS, "action": CASE_ACTIONS, "from_status": STATUSES, "to_status": STATUSES,
}  # fmt: skip

_INSERT = """
INSERT INTO audit_log (actor, action, target, detail, client)
VALUES (%(actor)s, %(action)s, %(target)s, %(detail)s, %(client)s)
"""

_SEARCH = """
SELECT id, at, actor, action, target, detail, client
FROM audit_log
WHERE at >= %(since)s AND at < %(until)s
  AND (%(actor)s::text IS NULL OR actor = %(actor)s)
  AND (cardinality(%(actions)s::text[]) = 0 OR action = ANY (%(actions)s::text[]))
  AND (%(text)s::text IS NULL OR target ILIKE %(text)s OR detail::text ILIKE %(text)s)
ORDER BY at DESC, id DESC
LIMIT %(limit)s
"""

_ACTORS = "SELECT DISTINCT actor FROM audit_log ORDER BY actor"


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    client: str | None


def record(
    conn: psycopg2.extensions.connection,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
    client: str | None = None,
) -> None:
    """Append one entry in the caller's transaction (it is kept only if that commits)."""
    with conn.cursor() as cur:
        cur.execute(
            _INSERT,
            {
                "actor": actor[:200],
                "action": action,
                "target": str(target)[:500],
                "detail": Json(detail or {}),
                "client": client,
            },
        )


def search(
    conn: psycopg2.extensions.connection,
    since: datetime,
    until: datetime,
    actor: str | None = None,
    actions: tuple[str, ...] = (),
    text: str | None = None,
    limit: int = 5000,
) -> list[AuditEntry]:
    """Entries in [since, until), newest first, by actor, actions and a text in target/detail."""
    pattern = None
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
    with conn.cursor() as cur:
        cur.execute(
            _SEARCH,
            {
                "since": since,
                "until": until,
                "actor": actor or None,
                "actions": list(actions),
                "text": pattern,
                "limit": limit,
            },
        )
        return [AuditEntry(*row) for row in cur.fetchall()]


def actors(conn: psycopg2.extensions.connection) -> list[str]:
    """Everyone who appears in the log."""
    with conn.cursor() as cur:
        cur.execute(_ACTORS)
        return [row[0] for row in cur.fetchall()]


def to_csv(entries: list[AuditEntry]) -> bytes:
    """The entries as CSV (UTF-8 with BOM for Excel; times in CST; formulas defused)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "time_cst", "actor", "action", "target", "detail", "client"])
    for entry in entries:
        writer.writerow(
            [
                entry.id,
                format_cst(entry.at),
                csv_cell(entry.actor),
                entry.action,
                csv_cell(entry.target),
                csv_cell(json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)),
                csv_cell(entry.client or ""),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def action_text(action: str, lang: str = "zh") -> str:
    """An action in words in the language (`user_add` → 新增用户); unknown ones as they are."""
    return name(AUDIT_ACTIONS, action, lang)


def _value_text(action: str, key: str, value: Any, lang: str) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    words = _VALUE_WORDS.get(key)
    if words is STATUSES and action.startswith("warning_"):
        words = WARNING_STATUSES
    return name(words, value, lang) if words and isinstance(value, str) else str(value)


def detail_text(action: str, detail: dict[str, Any], lang: str = "zh") -> str:
    """A detail in words: `{"method": "password"}` → 方式：密码 (empty values left out)."""
    colon, comma = ("：", "，") if lang == "zh" else (": ", "; ")
    return comma.join(
        f"{name(AUDIT_FIELDS, key, lang)}{colon}{_value_text(action, key, value, lang)}"
        for key, value in detail.items()
        if value not in (None, "", [], {})
    )
