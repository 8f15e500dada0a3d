"""Publishing the safety reports whose period has closed, and re-making one on purpose.

A report is made exactly as `minqing report` makes it (the drill step, its gathered content,
the workbook and the PDF) and stored with the rules in effect; a month's scorecards are
stored first, so its report's 考评 sheet reads them. Each report is committed on its own:
an interruption keeps what was published and the next run makes the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions

from geo.assess.rules import load_rules as load_scorecard_rules
from geo.assess.score import compute_scorecards
from geo.assess.store import store_scorecards, stored_run
from geo.auth.audit import record
from geo.drill.safety_index import DEFAULT_RULES as SAFETY_RULES
from geo.drill.step import AreaNotFound, drill_step
from geo.errors import MinqingError
from geo.filters import Period, parse_period
from geo.publish.periods import closed_periods
from geo.publish.rules import PublishRules, load_rules
from geo.publish.store import Stored, insert_report, latest_end, next_version
from geo.reports.content import gather
from geo.reports.excel import workbook_bytes
from geo.reports.pdf import pdf_bytes, report_html

_AREAS_SQL = """
SELECT code, level FROM current_areas WHERE level = ANY(%s) ORDER BY depth, code
"""
SYSTEM = "system"


class PublishError(MinqingError):
    """A report cannot be published or re-made as asked."""

    default_message = "The report cannot be published"


@dataclass(frozen=True)
class Published:
    """One report made: which, its version, how long it took."""

    id: int
    period_key: str
    area_code: str
    area_name: str
    version: int
    seconds: float

    def line(self) -> str:
        """One line for people."""
        again = f" (version {self.version})" if self.version > 1 else ""
        return (
            f"published the safety report of {self.area_name} ({self.area_code}) for "
            f"{self.period_key}{again} in {self.seconds:.1f} s"
        )


def _areas(conn: psycopg2.extensions.connection, sets: tuple[str, ...]) -> list[str]:
    levels = ["city" if s == "city" else "district" for s in sets]
    with conn.cursor() as cur:
        cur.execute(_AREAS_SQL, (levels,))
        return [row[0] for row in cur.fetchall()]


def _rules_in_effect() -> dict:
    scorecard = load_scorecard_rules()
    text = SAFETY_RULES.read_text(encoding="utf-8")
    return {
        "safety_index": {"path": SAFETY_RULES.name, "text": text},
        "scorecard": {"version": scorecard.version, "text": scorecard.text},
    }


def _ensure_scorecards(
    conn: psycopg2.extensions.connection, period: Period, now: datetime, again: bool = False
) -> None:
    """Store the month's final scorecards unless they are stored already (or `again`)."""
    run = stored_run(conn, period.key)
    if not again and run is not None and run.final and run.period == period:
        return
    rules = load_scorecard_rules()
    store_scorecards(conn, period, compute_scorecards(conn, period, now, rules=rules), rules, now)
    conn.commit()


def make(
    conn: psycopg2.extensions.connection,
    area_code: str,
    period: Period,
    kind: str,
    now: datetime,
    made_by: str,
    reason: str = "",
) -> Published:
    """Make the report of an area for a closed period and store it as its next version."""
    started = time.perf_counter()
    try:
        step = drill_step(conn, area_code, period.key, now)
    except AreaNotFound:
        raise PublishError(f"no current area has the code {area_code!r}") from None
    content = gather(conn, step)
    k = step.current.counts.kpis
    index = step.current.index
    summary = {
        "index": index.value, "band": index.band.zh if index.band else None,
        "new": k.new, "open": k.open, "overdue": k.overdue, "resolved_rate": k.resolved_rate,
    }  # fmt: skip
    xlsx = workbook_bytes(content)
    pdf = pdf_bytes(report_html(content, made_at=now))
    version = next_version(conn, period.key, area_code)
    stored = Stored(
        kind, period, step.node.code, step.node.name, step.node.level,
        step.node.code if step.node.level == "district" else None, version, now, made_by,
        reason, _rules_in_effect(), summary, xlsx, pdf, time.perf_counter() - started,
    )  # fmt: skip
    report_id = insert_report(conn, stored)
    action = "report_publish" if version == 1 else "report_remake"
    record(conn, made_by, action, f"{step.node.code}:{period.key}",
           {"report_id": report_id, "version": version, "reason": reason})  # fmt: skip
    conn.commit()
    return Published(report_id, period.key, step.node.code, step.node.name, version, stored.seconds)


def publish_due(
    conn: psycopg2.extensions.connection,
    now: datetime,
    rules: PublishRules | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Published]:
    """Make every scheduled report whose period has closed and is not published yet: after
    the latest one published for the area (at most `catch_up` periods), or only the latest
    closed period when the area has none yet. Oldest first; each committed on its own."""
    rules = rules or load_rules()
    made = []
    for schedule in rules.schedules:
        recent = closed_periods(schedule.period, now, rules.after_hours, rules.catch_up)
        for area in _areas(conn, schedule.areas):
            last = latest_end(conn, schedule.period, area)
            due = [p for p in recent if last is None or p.end > last]
            for period in reversed(due if last is not None else due[:1]):
                if schedule.period == "month":
                    _ensure_scorecards(conn, period, now)
                progress(f"making the safety report of {area} for {period.key} …")
                made.append(make(conn, area, period, schedule.period, now, SYSTEM))
    return made


def remake(
    conn: psycopg2.extensions.connection,
    area_code: str,
    period_text: str,
    actor: str,
    reason: str,
    now: datetime,
) -> Published:
    """Make a published report again, as a new version kept beside the old (who and why are
    recorded in it and in the audit log)."""
    reason = reason.strip()
    if not reason:
        raise PublishError("say why the report is made again (--reason)")
    period = parse_period(period_text)
    kind = "week" if "-W" in period.key else "month" if len(period.key) == 7 else None
    if kind is None:
        raise PublishError(f"published reports are for months and weeks, not {period.key!r}")
    if period.end > now:
        raise PublishError(f"the period {period.key} has not closed yet")
    if next_version(conn, period.key, area_code) == 1:
        raise PublishError(
            f"no report of {area_code} for {period.key} was published: nothing to make again"
        )
    if kind == "month":
        _ensure_scorecards(conn, period, now, again=True)
    return make(conn, area_code, period, kind, now, actor, reason)
