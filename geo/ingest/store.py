"""Storing checked rows: placed, deduplicated, linked and routed set by set, in one transaction.

`ingest_incidents` is the one entry point for the CLI, the dashboard and future services.
The rows go into a temporary table by COPY; each step below makes one temporary table from
all of them in one set-based statement (never a query per row, and no row is updated):

1. place: an address known to the gazetteer gives a point to a row without one; every point
   gets its small grid and the grid's parents in one spatial join driven by the grids;
2. dedup: a row whose (source, source id) is stored already is a duplicate;
3. link: a row of the same category within the link distance and time of an open incident
   from another source is kept as a linked report of that case (`incident_links`);
4. route: the others are new cases, each sent to the center serving its grid at the level it
   starts at, with its deadline, status 'reported' and a 'reported' event.

A call of at most `FEW_ROWS_MAX` rows (the map service's pushes and batches) takes the same
steps in one statement, the rows passed as JSON (`geo/sql/ingest_few.sql`): no temporary
table, index or ANALYZE, each point placed through the grids' spatial index; then its cases'
events.

All or nothing: when any row is rejected, nothing is stored (the whole import still runs, so
every reject is found and listed at once) unless `partial=True` keeps the good rows. Nothing
is written either when the database refuses anything; a dry run rolls back at the end.
"""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import psycopg2
import psycopg2.extensions
import pyarrow as pa
from pyarrow import csv

from geo.deadlines import DeadlineRules, default_rules
from geo.errors import DatabaseError, DataError
from geo.ingest.read import RawRow
from geo.ingest.records import check_rows, frame_records
from geo.ingest.rejects import Reject
from geo.ingest.rowcheck import check_few
from geo.ingest.sources import IntakeRules, load_rules
from geo.sqlfiles import load_sql
from geo.timeutil import now_utc
from geo.vocabulary import OTHER, source_label

_COPIED = (
    "line", "source", "source_id", "category", "subcategory", "source_category",
    "source_subcategory", "severity", "is_major_risk", "description", "address", "address_key",
    "lon", "lat", "reported_at", "deadline_at", "reporter_name", "reporter_phone",
    "reporter_id_number", "start_level", "outcome",
)  # fmt: skip
# Up to this many rows (a pushed batch of up to 1,000), one statement stores them and each point
# finds its grid through the grids' spatial index; beyond, temporary tables, and each grid
# (7,507 in the city) probes the points' index once. Database CPU a row as the app's role at
# 2.4 M cases, one statement · tables: 500 rows 0.35 · 0.46–0.53 ms, 1,000 rows 0.29–0.33 ·
# 0.33–0.42 ms, 2,000 rows level (docs/benchmarks.md, issue 16).
FEW_ROWS_MAX = 1000
_SETTINGS = (
    "SET LOCAL jit = off; "  # compiling costs more than these plans run
    "SET LOCAL work_mem = '128MB'"  # the sorts of a big import (and its rollup) in memory
)
_GAZETTEER_EMPTY = "SELECT NOT EXISTS (SELECT 1 FROM address_gazetteer)"
_NEEDS_GAZETTEER = (
    "SELECT EXISTS (SELECT 1 FROM ingest_rows WHERE lon IS NULL AND address_key <> '') "
    "AND NOT EXISTS (SELECT 1 FROM address_gazetteer)"
)
_COUNT = "SELECT outcome, count(*) FROM ingest_final GROUP BY outcome"
_PLACED_BY_ADDRESS = (
    "SELECT count(*) FROM ingest_final WHERE placed_by = 'address' "
    "AND outcome IN ('new', 'linked', 'duplicate')"
)


@dataclass
class IngestResult:
    """What an import did: counts, the rows not taken with their reasons, time per stage."""

    source: str
    taken: int = 0
    duplicates: int = 0
    linked: int = 0
    placed_by_address: int = 0
    rejects: list[Reject] = field(default_factory=list)
    # the sources' own labels that no mapping names (kept as 其他), with their row counts
    unmapped: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    partial: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        """How many rows were not taken."""
        return len(self.rejects)

    @property
    def stored(self) -> bool:
        """Whether the taken and linked rows were stored (no dry run, and no reject or partial)."""
        return not self.dry_run and (self.partial or not self.rejects)

    def summary(self) -> str:
        """One line for people: the counts, and whether they were stored."""
        line = (
            f"{self.source}: taken {self.taken:,}, duplicates {self.duplicates:,}, "
            f"linked {self.linked:,}, rejected {self.rejected:,} "
            f"(placed by address {self.placed_by_address:,}) "
            f"in {self.timings.get('total', 0):.1f} s"
        )
        if self.dry_run:
            return line + " — dry run, nothing stored"
        if not self.stored:
            return line + " — nothing stored: rows were rejected (all or nothing)"
        return line


def ingest_incidents(
    conn: psycopg2.extensions.connection,
    records: Sequence[RawRow | Mapping[str, object]],
    source: str,
    actor: str,
    *,
    rules: IntakeRules | None = None,
    deadline_rules: DeadlineRules | None = None,
    dry_run: bool = False,
    partial: bool = False,
    now: datetime | None = None,
    note: str = "",
    commit: bool = True,
) -> IngestResult:
    """Check, place, deduplicate, link, route and store incident reports in one transaction.

    All or nothing: when any row is rejected, the transaction is rolled back and
    `result.stored` is false; with `partial=True` the good rows are stored all the same.
    `result.rejects` lists every rejected row either way (a DataError or DatabaseError means
    that nothing was stored and nothing could be checked). `commit=False` leaves the
    transaction open for the caller to add to and commit (the map service writes its receipts
    and audit entry with the reports); a failure still rolls back.
    """
    clock = _Clock()
    rules = rules or load_rules()
    rules.layout(source)  # an unknown source is refused before anything else
    rows = [r if isinstance(r, RawRow) else _raw(i, r) for i, r in enumerate(records, start=1)]
    good = _checked(rows, source, rules, deadline_rules or default_rules(), now or now_utc())
    clock.lap("check")
    result = IngestResult(source, dry_run=dry_run, partial=partial)
    by_line = {r.line: r for r in rows}
    result.rejects = [
        Reject(line, reason, detail, by_line[line].values) for line, reason, detail in good.rejects
    ]
    result.unmapped = good.unmapped
    autocommit = conn.autocommit
    if autocommit:  # (setting it inside the caller's open transaction is refused)
        conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute(_SETTINGS)
            if good.few is not None:
                _store_few(cur, good.few, rules, actor, note, result, by_line, clock)
            else:
                _store(cur, good.frame, rules, actor, note, result, by_line, clock)
        if not result.stored:
            conn.rollback()
        elif commit:
            conn.commit()
        clock.lap("commit")
    except psycopg2.Error as exc:
        conn.rollback()
        raise _wrapped(exc) from None
    except BaseException:
        conn.rollback()
        raise
    finally:
        if autocommit:
            conn.autocommit = autocommit
    result.rejects.sort(key=lambda r: r.line)
    result.timings = clock.timings()
    return result


def _store(
    cur: psycopg2.extensions.cursor,
    good: pd.DataFrame,
    rules: IntakeRules,
    actor: str,
    note: str,
    result: IngestResult,
    by_line: dict[int, RawRow],
    clock: _Clock,
) -> None:
    """Every statement of an import of many rows, in the caller's transaction."""
    cur.execute(load_sql("ingest_rows_table"))
    _copy_rows(cur, good)
    cur.execute("ANALYZE ingest_rows")
    clock.lap("copy")
    cur.execute(_NEEDS_GAZETTEER)
    if cur.fetchone()[0]:
        cur.execute(load_sql("ingest_gazetteer_fill"))
        clock.lap("gazetteer_fill")
    cur.execute(load_sql("ingest_points"))
    clock.lap("points")
    cur.execute(load_sql("ingest_grids"))
    clock.lap("grids")
    cur.execute(load_sql("ingest_dedup"))
    clock.lap("dedup")
    link = {"distance": rules.link_distance_m, "hours": rules.link_hours}
    cur.execute(load_sql("ingest_link"), link)
    clock.lap("link")
    cur.execute(load_sql("ingest_final"))
    clock.lap("route")
    params = {"actor": actor, "note": f"{note}{result.source} 导入，来源编号 "}
    cur.execute(load_sql("ingest_insert"), params)
    result.taken = cur.rowcount
    cur.execute(load_sql("ingest_links_insert"), {"actor": actor})
    result.linked = cur.rowcount
    clock.lap("insert")
    cur.execute(load_sql("ingest_gazetteer_learn"))
    cur.execute(_PLACED_BY_ADDRESS)
    result.placed_by_address = cur.fetchone()[0]
    cur.execute(_COUNT)
    counts = dict(cur.fetchall())
    # a report stored by a concurrent import between the dedup and the insert is a duplicate
    result.duplicates = (
        counts.get("duplicate", 0)
        + counts.get("new", 0) - result.taken
        + counts.get("linked", 0) - result.linked
    )  # fmt: skip
    cur.execute(load_sql("ingest_outcomes"))
    for line, reason in cur.fetchall():
        result.rejects.append(Reject(line, reason, "", by_line[line].values))
    clock.lap("gazetteer_learn")


def _store_few(
    cur: psycopg2.extensions.cursor,
    good: list[dict[str, Any]],
    rules: IntakeRules,
    actor: str,
    note: str,
    result: IngestResult,
    by_line: dict[int, RawRow],
    clock: _Clock,
) -> None:
    """The statements of an import of a few rows: the gazetteer filled when it must be, all
    of the rows in one statement, the new cases' events."""
    if any(r["lon"] is None and r["address_key"] != "" for r in good):
        cur.execute(_GAZETTEER_EMPTY)
        if cur.fetchone()[0]:
            cur.execute(load_sql("ingest_gazetteer_fill"))
            clock.lap("gazetteer_fill")
    rows = few_rows_json(good)
    params = {
        "rows": rows, "distance": rules.link_distance_m, "hours": rules.link_hours,
        "actor": actor,
    }  # fmt: skip
    cur.execute(load_sql("ingest_few"), params)
    stored, linked, counts, placed_by_address, not_taken = cur.fetchone()
    clock.lap("store")
    note = f"{note}{result.source} 导入，来源编号 "
    cur.execute(load_sql("ingest_few_events"), {"stored": stored, "actor": actor, "note": note})
    result.taken = cur.rowcount
    result.linked = linked
    result.placed_by_address = placed_by_address
    # a report stored by a concurrent import between the dedup and the insert is a duplicate
    result.duplicates = (
        counts.get("duplicate", 0)
        + counts.get("new", 0) - result.taken
        + counts.get("linked", 0) - result.linked
    )  # fmt: skip
    for line, reason in not_taken:
        result.rejects.append(Reject(line, reason, "", by_line[line].values))
    clock.lap("events")


def few_rows_json(good: list[dict[str, Any]]) -> str:
    """The rows as the few rows' statement reads them: JSON, times in ISO 8601, full precision."""
    return json.dumps(
        [{name: row[name] for name in _COPIED} for row in good],
        ensure_ascii=False, default=datetime.isoformat,
    )  # fmt: skip


def _copy_rows(cur: psycopg2.extensions.cursor, good: pd.DataFrame) -> None:
    """COPY the checked rows into the temporary table as CSV written by Arrow.

    Arrow quotes every string, so an empty text is `""` and a missing value (NaN, None) an
    unquoted empty field: exactly PostgreSQL's CSV reading of '' and NULL.
    """
    table = pa.Table.from_pandas(good.loc[:, list(_COPIED)], preserve_index=False)
    buffer = io.BytesIO()
    csv.write_csv(table, buffer, csv.WriteOptions(include_header=False))
    buffer.seek(0)
    cur.copy_expert(f"COPY ingest_rows ({', '.join(_COPIED)}) FROM STDIN WITH (FORMAT csv)", buffer)


@dataclass
class _Good:
    """The checked rows that can be taken: a frame (many) or one dict a row (few, for the
    one statement), the rejected ones (line, reason, detail) and the unmapped labels."""

    frame: pd.DataFrame | None
    few: list[dict[str, Any]] | None
    rejects: list[tuple[int, str, str]]
    unmapped: dict[str, int]


def _checked(
    rows: list[RawRow],
    source: str,
    rules: IntakeRules,
    deadline_rules: DeadlineRules,
    now: datetime,
) -> _Good:
    """The rows checked: row by row when few (`rowcheck.check_few`), else (or when it is not
    sure of a value) by check_rows; the good ones a frame only when more than the few."""
    few = check_few(rows, source, rules, deadline_rules, now) if len(rows) <= FEW_ROWS_MAX else None
    if few is None:
        frame = check_rows(rows, source, rules, deadline_rules, now)
        if frame["reason"].isna().sum() <= FEW_ROWS_MAX:
            few = frame_records(frame)
        else:
            return _many(frame)
    rejects = [(r["line"], r["reason"], str(r["detail"])) for r in few if r["reason"] is not None]
    taken = [r for r in few if r["reason"] is None]
    if len({r["line"] for r in taken}) < len(taken):
        raise DataError("two records share a line number")
    for record in taken:
        record["outcome"] = "duplicate" if record["duplicate"] else None
    labels = ((r["source_category"], r["source_subcategory"]) for r in taken
              if r["category"] == OTHER)  # fmt: skip
    return _Good(None, taken, rejects, _unmapped(labels))


def _many(frame: pd.DataFrame) -> _Good:
    """check_rows' frame split into the good rows (a frame, with their outcome) and the rest."""
    bad = frame[frame["reason"].notna()]
    rejects = [
        (int(line), reason, str(detail))
        for line, reason, detail in zip(bad["line"], bad["reason"], bad["detail"], strict=True)
    ]
    good = frame[frame["reason"].isna()].copy()
    if good["line"].duplicated().any():
        raise DataError("two records share a line number")
    good["outcome"] = good["duplicate"].map({True: "duplicate", False: None})
    other = good[good["category"] == OTHER]
    labels = zip(other["source_category"], other["source_subcategory"], strict=True)
    return _Good(good, None, rejects, _unmapped(labels))


def _unmapped(labels: Iterable[tuple[str, str]]) -> dict[str, int]:
    """The source labels of the rows in the catch-all category, most frequent first."""
    counts = Counter(labels)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {source_label(*pair): n for pair, n in ranked}


def _raw(line: int, record: Mapping[str, object]) -> RawRow:
    """A record given as a mapping (e.g. from a form), its values as text."""
    values = {str(k): "" if v is None else str(v).strip() for k, v in record.items()}
    return RawRow(line, values)


def _wrapped(exc: psycopg2.Error) -> Exception:
    """The project's error for a driver error during an import (nothing was stored)."""
    lines = (exc.pgerror or str(exc)).strip().splitlines()
    first = lines[0] if lines else type(exc).__name__
    if isinstance(exc, psycopg2.IntegrityError | psycopg2.DataError):
        return DataError(f"the database refused the import, nothing was stored: {first}")
    return DatabaseError(f"the import failed, nothing was stored: {first}")


class _Clock:
    """Wall-clock time per stage."""

    def __init__(self) -> None:
        self._start = self._last = time.perf_counter()
        self._laps: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self._laps[stage] = self._laps.get(stage, 0.0) + now - self._last
        self._last = now

    def timings(self) -> dict[str, float]:
        return {**self._laps, "total": time.perf_counter() - self._start}
