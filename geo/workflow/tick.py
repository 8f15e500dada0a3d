"""`minqing workflow tick`: the automatic escalation rule, run now and then.

The rule (`rules/workflow.toml`, or `--escalate-after-hours`): an open case overdue by N
hours or more, whose holder has a level above, and which nobody escalated in the last N
hours, is escalated by the actor 'system' through `apply_action` (one event each, the rule
in its detail). Each run is logged in `workflow_ticks`.
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

import psycopg2.extensions

from geo.errors import ConfigError
from geo.timeutil import now_utc
from geo.workflow.actions import apply_action
from geo.workflow.messages import WorkflowRefused

DEFAULT_RULES = Path(str(resources.files("geo.rules").joinpath("workflow.toml")))
DUE_SQL = """
SELECT i.id, i.assigned_center
FROM incidents i JOIN centers c ON c.code = i.assigned_center
WHERE i.status IN ('reported', 'assigned', 'in_progress')
  AND i.deadline_at <= %(overdue_since)s
  AND c.parent_code IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM incident_events e
                  WHERE e.incident_id = i.id AND e.action = 'escalated'
                    AND e.at > %(quiet_since)s)
ORDER BY i.deadline_at, i.id
LIMIT %(limit)s
"""
LOG_SQL = """
INSERT INTO workflow_ticks (at, escalate_after_h, escalated, seconds)
VALUES (%s, %s, %s, %s)
"""


@dataclass(frozen=True)
class EscalationRule:
    """Overdue by `after_hours` → the level above, at most `limit` cases a tick."""

    enabled: bool
    after_hours: float
    limit: int


@dataclass(frozen=True)
class TickResult:
    """What one tick did."""

    escalated: int
    seconds: float


def load_rule(path: Path = DEFAULT_RULES) -> EscalationRule:
    """The escalation rule from its TOML file, checked."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))["escalation"]
        rule = EscalationRule(
            bool(data["enabled"]), float(data["after_hours"]), int(data["limit_per_tick"])
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path.name}: the escalation rule is malformed ({exc})") from None
    if rule.after_hours <= 0 or rule.limit <= 0:
        raise ConfigError(f"{path.name}: after_hours and limit_per_tick must be above 0")
    return rule


def tick(
    conn: psycopg2.extensions.connection,
    rule: EscalationRule,
    now: datetime | None = None,
) -> TickResult:
    """Run the escalation rule once (when enabled), log the run and commit."""
    now = now or now_utc()
    started = time.perf_counter()
    escalated = 0
    if rule.enabled:
        window = timedelta(hours=rule.after_hours)
        with conn.cursor() as cur:
            cur.execute(
                DUE_SQL,
                {"overdue_since": now - window, "quiet_since": now - window, "limit": rule.limit},
            )
            due = cur.fetchall()
        for incident_id, holder in due:
            try:
                apply_action(
                    conn, incident_id, "escalate", "system", holder,
                    note=f"超期 {rule.after_hours:g} 小时自动上报",
                    detail={"rule": "overdue_hours", "after_hours": rule.after_hours},
                    now=now,
                )  # fmt: skip
            except WorkflowRefused:
                continue  # moved on since it was picked (another operator acted)
            escalated += 1
    seconds = time.perf_counter() - started
    with conn.cursor() as cur:
        cur.execute(LOG_SQL, (now, rule.after_hours if rule.enabled else None, escalated, seconds))
    conn.commit()
    return TickResult(escalated, seconds)
