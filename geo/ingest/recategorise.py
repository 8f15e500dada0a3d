"""Moving stored reports out of the catch-all category once a mapping names their label.

An import keeps a report whose category label no mapping names in the category `other`
(其他), with the source's own labels (`source_category`, `source_subcategory`). After a
mapping for such a label is added to `[category_names]` (the rules file or a `--mapping`
file), `recategorise` moves every stored case and linked report carrying it to the mapped
category and subcategory in one transaction, keeps the daily rollups exact, and records who
did it in the audit log. It is a command, not a side effect of the next import: a mapping
changes figures that leaders have seen, so someone decides when, and sees what moves.
Deadlines stay as they were set when the case was reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import psycopg2
import psycopg2.extensions

from geo.auth import audit
from geo.ingest.records import categorise
from geo.ingest.sources import IntakeRules, load_rules
from geo.sqlfiles import load_sql
from geo.vocabulary import OTHER

_MAP_TABLE = """
CREATE TEMP TABLE recategorise_map ON COMMIT DROP AS
SELECT * FROM unnest(%(labels)s::text[], %(sublabels)s::text[], %(categories)s::text[],
                     %(subcategories)s::text[])
    AS m (source_category, source_subcategory, category, subcategory)
"""


@dataclass(frozen=True)
class LabelMove:
    """One source label (category, subcategory) in `other`, where it goes and how many."""

    label: str
    sublabel: str
    category: str
    subcategory: str
    incidents: int
    links: int


@dataclass
class Recategorised:
    """What a run moved (or would move, on a dry run) and the labels still in `other`."""

    moved: list[LabelMove] = field(default_factory=list)
    remaining: list[LabelMove] = field(default_factory=list)
    dry_run: bool = False


def recategorise(
    conn: psycopg2.extensions.connection,
    actor: str,
    *,
    rules: IntakeRules | None = None,
    dry_run: bool = False,
) -> Recategorised:
    """Move the cases and linked reports in `other` whose label now maps, in one transaction."""
    rules = rules or load_rules()
    try:
        with conn.cursor() as cur:
            cur.execute(load_sql("recategorise_labels"))
            found = pd.DataFrame(
                cur.fetchall(), columns=["label", "sublabel", "incidents", "links"], dtype=object
            )
            category, subcategory = categorise(
                found["label"].astype(object), found["sublabel"].astype(object),
                rules.category_names,
            )  # fmt: skip
            moves = [
                LabelMove(row.label, row.sublabel, cat, sub, int(row.incidents), int(row.links))
                for row, cat, sub in zip(found.itertuples(), category, subcategory, strict=True)
            ]
            result = Recategorised(
                moved=[m for m in moves if m.category != OTHER],
                remaining=[m for m in moves if m.category == OTHER],
                dry_run=dry_run,
            )
            if result.moved:
                cur.execute(_MAP_TABLE, _arrays(result.moved))
                cur.execute(load_sql("recategorise"))
                audit.record(conn, actor, "incidents_recategorise", OTHER, _detail(result.moved))
        if dry_run:
            conn.rollback()
        else:
            conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return result


def _arrays(moves: list[LabelMove]) -> dict[str, list[str]]:
    return {
        "labels": [m.label for m in moves],
        "sublabels": [m.sublabel for m in moves],
        "categories": [m.category for m in moves],
        "subcategories": [m.subcategory for m in moves],
    }


def _detail(moves: list[LabelMove]) -> dict[str, object]:
    """The audit entry's detail: each label, where it went and how many moved."""
    return {
        "moved": [
            {"label": m.label, "sublabel": m.sublabel, "to": f"{m.category}/{m.subcategory}",
             "incidents": m.incidents, "links": m.links}
            for m in moves
        ]
    }  # fmt: skip
