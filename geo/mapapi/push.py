"""Reports pushed by the sources' systems: through the intake every file import uses
(`geo.ingest.store.ingest_incidents`: place, dedup, link, route, deadline), in the caller's
transaction, with a receipt per source id so a retry gets the same case and a different report
under a used id is refused. Also the change feed a source reads to tell its residents (反馈).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg2.extensions

from geo.auth.audit import record
from geo.ingest.rejects import REASONS
from geo.ingest.sources import IntakeRules
from geo.ingest.store import ingest_incidents
from geo.sqlfiles import load_sql

# new: a new case; linked: joined an open case of another source; duplicate: sent (or imported)
# before, nothing new; conflict: the id was used for another report; elsewhere: the id is used
# outside the client's area; rejected: not taken (reason); outside: placed outside the client's
# area; unchecked: not stored, another report of its batch was refused (all or nothing).
OUTCOMES = (
    "new", "linked", "duplicate", "conflict", "elsewhere", "rejected", "outside", "unchecked",
)  # fmt: skip
FEED_SCAN = 5000  # events examined per feed request at most


@dataclass(frozen=True)
class Pushed:
    """One report as sent: its fields (as the source names them), source id and digest."""

    values: Mapping[str, Any]
    source_id: str
    digest: str


@dataclass(frozen=True)
class PushOutcome:
    """What became of one pushed report: its case (when it has one) or why not."""

    source_id: str
    outcome: str
    case: int | None = None
    status: str | None = None
    grid_code: str | None = None
    district_code: str | None = None
    assigned_center: str | None = None
    deadline_at: datetime | None = None
    reason: str | None = None
    detail: str = ""

    @property
    def accepted(self) -> bool:
        """True when the report is (now or already) part of a case of this client's area."""
        return self.outcome in ("new", "linked", "duplicate")

    def reason_text(self, lang: str) -> str:
        """Why a report was rejected, with the offending value."""
        if self.reason is None:
            return ""
        zh, en = REASONS.get(self.reason, (self.reason, self.reason))
        said = zh if lang == "zh" else en
        return f"{said}{'：' if lang == 'zh' else ': '}{self.detail}" if self.detail else said


def digest(report: Mapping[str, Any]) -> str:
    """The SHA-256 of a report's canonical JSON (same fields and values: same digest)."""
    text = json.dumps(report, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_id_of(values: Mapping[str, Any], source: str, rules: IntakeRules) -> str:
    """The report's source id as the intake reads it ('' when missing)."""
    column = rules.layout(source).column_for("source_id", set(values))
    value = values.get(column) if column else None
    return "" if value is None else str(value).strip()


def unknown_category(values: Mapping[str, Any], source: str, rules: IntakeRules) -> str | None:
    """The category text when the intake's names know neither it nor the subcategory."""
    layout = rules.layout(source)
    present = set(values)
    texts = []
    for field in ("category", "subcategory"):
        column = layout.column_for(field, present)
        value = values.get(column) if column else None
        texts.append("" if value is None else str(value).strip())
    category, subcategory = texts
    if category in rules.category_names or subcategory in rules.category_names:
        return None
    return category or subcategory


def store_reports(
    conn: psycopg2.extensions.connection,
    reports: Sequence[Pushed],
    source: str,
    client: str,
    actor: str,
    rules: IntakeRules,
    *,
    partial: bool = False,
) -> list[PushOutcome]:
    """Store reports of one source in the caller's transaction (not committed here); the
    outcome of each, in order. All or nothing unless `partial`: a rejected report rolls the
    transaction back and the others are 'unchecked'; with `partial` the others are stored."""
    result = ingest_incidents(
        conn, [r.values for r in reports], source, actor, rules=rules, partial=partial,
        commit=False,
    )  # fmt: skip
    rejected = {reject.line: reject for reject in result.rejects}
    if not result.stored:  # rolled back: nothing of the transaction is left to read
        return [
            PushOutcome(r.source_id, "rejected", reason=rejected[line].reason,
                        detail=rejected[line].detail)
            if line in rejected else PushOutcome(r.source_id, "unchecked")
            for line, r in enumerate(reports, start=1)
        ]  # fmt: skip
    lines = [line for line in range(1, len(reports) + 1) if line not in rejected]
    ids = [reports[line - 1].source_id for line in lines]
    with conn.cursor() as cur:
        cur.execute(
            load_sql("mapapi_push_cases"),
            {"lines": lines, "ids": ids, "source": source, "actor": actor},
        )
        cases = {row[0]: row for row in cur.fetchall()}
        found = [line for line in lines if line in cases]
        cur.execute(
            load_sql("mapapi_push_receipts"),
            {
                "ids": [reports[line - 1].source_id for line in found],
                "digests": [reports[line - 1].digest for line in found],
                "cases": [cases[line][1] for line in found],
                "source": source,
                "client": client,
            },
        )
        kept = dict(cur.fetchall())
    outcomes = []
    for line, report in enumerate(reports, start=1):
        if line in rejected:
            reject = rejected[line]
            outcomes.append(PushOutcome(report.source_id, "rejected", reason=reject.reason,
                                        detail=reject.detail))  # fmt: skip
            continue
        row = cases.get(line)
        if row is None:
            outcomes.append(PushOutcome(report.source_id, "elsewhere"))
            continue
        _, case, kind, fresh, status, grid, district, center, deadline = row
        if kept.get(report.source_id) != report.digest:
            outcome = "conflict"
        else:
            outcome = kind if fresh else "duplicate"
        outcomes.append(
            PushOutcome(report.source_id, outcome, case, status, grid, district, center, deadline)
        )
    return outcomes


def audit_push(
    conn: psycopg2.extensions.connection,
    actor: str,
    source: str,
    outcomes: Sequence[PushOutcome],
    client_address: str | None,
) -> None:
    """One audit entry for the reports a push stored (none when it stored nothing), in the
    push's transaction."""
    stored = [o for o in outcomes if o.outcome in ("new", "linked")]
    if not stored:
        return
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
    target = f"{source}:{stored[0].source_id}" if len(stored) == 1 else f"{source}: {len(stored)}"
    detail = {
        "counts": counts,
        "reports": [[o.source_id, o.case] for o in stored[:1000]],
    }
    record(conn, actor, "api_push", target, detail, client_address)


@dataclass(frozen=True)
class Change:
    """One event of a case that holds a report of the source: what the source tells its resident."""

    cursor: str
    case: int
    source_id: str
    at: datetime
    action: str
    from_status: str | None
    to_status: str
    center_code: str | None
    note: str
    case_status: str
    result: str | None


def parse_cursor(text: str | None) -> tuple[int, int] | None:
    """A feed cursor `TXID.ID` (None when malformed; '' or '0' is the start)."""
    if not text or text == "0":
        return (0, 0)
    txid, _, event = text.partition(".")
    if not (txid.isdigit() and event.isdigit()) or len(txid) > 19 or len(event) > 19:
        return None
    return int(txid), int(event)


def changes(
    conn: psycopg2.extensions.connection,
    source: str,
    since: tuple[int, int],
    limit: int,
) -> tuple[list[Change], str]:
    """The changes after the cursor (at most `limit`) that the transaction may see, and the
    cursor to ask from next time."""
    with conn.cursor() as cur:
        cur.execute(
            load_sql("mapapi_feed"),
            {"txid": str(since[0]), "id": since[1], "source": source, "limit": limit,
             "scan": FEED_SCAN},
        )  # fmt: skip
        rows = cur.fetchall()
    found = [Change(f"{r[0]}.{r[1]}", *r[2:]) for r in rows if r[2] is not None]
    found.sort(key=lambda c: tuple(map(int, c.cursor.split("."))))
    last_scanned = [f"{r[0]}.{r[1]}" for r in rows if r[2] is None]
    if len(found) >= limit or not last_scanned:
        cursor = found[-1].cursor if found else f"{since[0]}.{since[1]}"
    else:
        cursor = last_scanned[0]
    return found, cursor
