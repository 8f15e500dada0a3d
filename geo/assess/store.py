"""Stored scorecards (migration 101): one run per period with its rules, one row per subject."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions
import psycopg2.extras
from psycopg2 import sql
from psycopg2.extras import Json

from geo.assess.measure import COUNT_FIELDS, Counts, Subject
from geo.assess.rules import ScorecardRules, parse_rules
from geo.assess.score import Scorecard
from geo.drill.safety_index import Contribution
from geo.filters import Period

_SUBJECT_FIELDS = (
    "subject", "code", "name", "level", "parent_code", "district_code", "street_code",
    "community_code", "grid_code",
)  # fmt: skip
_RUN_SQL = """
INSERT INTO scorecard_runs (period_key, period_start, period_end, computed_at, final,
                            rules_version, rules_text)
VALUES (%(key)s, %(start)s, %(end)s, %(at)s, %(final)s, %(version)s, %(text)s)
ON CONFLICT (period_key) DO UPDATE SET
    period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end,
    computed_at = EXCLUDED.computed_at, final = EXCLUDED.final,
    rules_version = EXCLUDED.rules_version, rules_text = EXCLUDED.rules_text
"""
_COLUMNS = (
    "period_key", *_SUBJECT_FIELDS, *COUNT_FIELDS, "score", "grade", "rank", "peers",
    "contributions",
)  # fmt: skip
_INSERT_SQL = sql.SQL("INSERT INTO scorecards ({}) VALUES %s").format(
    sql.SQL(", ").join(map(sql.Identifier, _COLUMNS))
)
_SELECT_SQL = sql.SQL(
    "SELECT {} FROM scorecards WHERE period_key = %(key)s "
    "ORDER BY subject, level, rank NULLS LAST, code"
).format(sql.SQL(", ").join(map(sql.Identifier, _COLUMNS[1:])))
_RUN_SELECT = """
SELECT period_key, period_start, period_end, computed_at, final, rules_version, rules_text
FROM scorecard_runs WHERE period_key = %s
"""


@dataclass(frozen=True)
class StoredRun:
    """A stored period: when it was made, whether final, and its rules."""

    period: Period
    computed_at: datetime
    final: bool
    rules: ScorecardRules


def store_scorecards(
    conn: psycopg2.extensions.connection,
    period: Period,
    cards: list[Scorecard],
    rules: ScorecardRules,
    now: datetime,
) -> None:
    """Replace the period's stored scorecards with these (in the caller's transaction)."""
    with conn.cursor() as cur:
        cur.execute("DELETE FROM scorecards WHERE period_key = %s", (period.key,))
        cur.execute(
            _RUN_SQL,
            {
                "key": period.key, "start": period.start, "end": period.end, "at": now,
                "final": period.end <= now, "version": rules.version, "text": rules.text,
            },
        )  # fmt: skip
        psycopg2.extras.execute_values(
            cur, _INSERT_SQL.as_string(cur), [_row(period.key, c) for c in cards], page_size=2000
        )


def _row(key: str, card: Scorecard) -> tuple:
    s = card.subject
    subject = (s.kind, s.code, s.name, s.level, s.parent_code, s.district_code, s.street_code,
               s.community_code, s.grid_code)  # fmt: skip
    counts = tuple(getattr(card.counts, name) for name in COUNT_FIELDS)
    parts = [
        {"key": c.key, "value": c.value, "base": c.base, "score": c.score, "weight": c.weight,
         "points": c.points, "lost": c.lost}
        for c in card.contributions
    ]  # fmt: skip
    grade = card.band.key if card.band else None
    return (key, *subject, *counts, card.score, grade, card.rank, card.peers, Json(parts))


def stored_run(conn: psycopg2.extensions.connection, period_key: str) -> StoredRun | None:
    """The stored run of a period (None when it was never made)."""
    with conn.cursor() as cur:
        cur.execute(_RUN_SELECT, (period_key,))
        row = cur.fetchone()
    if row is None:
        return None
    key, start, end, at, final, _, text = row
    return StoredRun(Period(start, end, key), at, final, parse_rules(text))


def stored_scorecards(conn: psycopg2.extensions.connection, run: StoredRun) -> list[Scorecard]:
    """A run's scorecards the caller may see, with the grades of the rules they were made by."""
    bands = {b.key: b for b in run.rules.bands}
    with conn.cursor() as cur:
        cur.execute(_SELECT_SQL, {"key": run.period.key})
        rows = cur.fetchall()
    cards = []
    n_subject, n_counts = len(_SUBJECT_FIELDS), len(COUNT_FIELDS)
    for row in rows:
        subject = Subject(*row[:n_subject])
        counts = Counts(*row[n_subject : n_subject + n_counts])
        score, grade, rank, peers, parts = row[n_subject + n_counts :]
        contributions = tuple(Contribution(**part) for part in parts)
        cards.append(
            Scorecard(subject, counts, score, bands.get(grade), contributions, rank, peers)
        )
    return cards
