"""`minqing demo stream`: new incidents and status changes arriving as they would on duty.

New incidents come from the demo's own generator (`geo.demo.incidents`: where, what, who
reports, the resident's words), re-timed to now, with their first steps from the demo's
closed loop (`geo.demo.lifecycle`: deadline, status, center, events). Each is stored the way
a real feed is: a point, whose small grid (and community, street, district) PostGIS finds
at ingest. Open cases move on meanwhile: assigned, accepted, escalated, supervised when
overdue, resolved, closed after the feedback visit; every step is one `incident_events` row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg2.extensions
import psycopg2.extras
import shapely

from geo.demo import texts
from geo.demo.incidents import generate_incidents
from geo.demo.lifecycle import ANSWER_SHARES, ANSWERS, LEVELS, RESULTS, Cases, run_lifecycle
from geo.errors import DataError
from geo.settings import PROJECT_SRID
from geo.sqlfiles import load_sql
from geo.timeutil import now_utc
from geo.vocabulary import CATEGORIES, SOURCES
from geo.warnings.scan import scan_warnings
from geo.workflow.tick import load_rule
from geo.workflow.tick import tick as workflow_tick

BATCH = 400  # incidents generated at a time, then handed out as they "arrive"
STEPS_PER_INCIDENT = 3.0  # status changes per new incident: keeps the open count steady
WORKFLOW_EVERY = 60.0  # seconds between two runs of the automatic escalation
WARNINGS_EVERY = 600.0  # seconds between two early-warning scans (a scan reads every grid)
_SOURCES = list(SOURCES)
_CATEGORIES = list(CATEGORIES)

_AREAS = """
SELECT code, parent_code, name, level, kind, population, ST_AsBinary(geom)
FROM current_areas ORDER BY code
"""
_CENTERS = "SELECT code, name, level, area_code, parent_code FROM centers ORDER BY code"
_EVENT = """
INSERT INTO incident_events (incident_id, at, action, from_status, to_status, actor,
                             center_code, note, acting_center, satisfaction)
VALUES %s
"""
_OPEN_SAMPLE = """
(SELECT i.id, i.status, i.grid_code, i.community_code, i.assigned_center, i.handling_level,
        i.escalations, i.deadline_at, i.severity, i.is_major_risk, i.source
 FROM incidents i
 WHERE i.status IN ('reported', 'assigned')
   AND i.reported_at >= %(recent)s AND i.reported_at <= %(settled)s
 ORDER BY random()
 LIMIT %(first)s)
UNION ALL
(SELECT i.id, i.status, i.grid_code, i.community_code, i.assigned_center, i.handling_level,
        i.escalations, i.deadline_at, i.severity, i.is_major_risk, i.source
 FROM incidents i
 WHERE i.status <> 'closed' AND i.reported_at >= %(since)s AND i.reported_at <= %(settled)s
 ORDER BY random()
 LIMIT %(rest)s)
"""


@dataclass
class StreamCounts:
    """What the stream has written so far."""

    incidents: int = 0
    events: int = 0
    changes: int = 0
    unplaced: int = 0

    def line(self) -> str:
        """One line for the terminal."""
        return (
            f"{self.incidents:,} new incidents, {self.changes:,} status changes, "
            f"{self.events:,} events"
            + (f", {self.unplaced:,} outside every grid (skipped)" if self.unplaced else "")
        )


@dataclass
class DemoStream:
    """Feeds one database: call `tick(seconds)` as time passes."""

    conn: psycopg2.extensions.connection
    rate: float
    seed: int = 1
    counts: StreamCounts = field(default_factory=StreamCounts)

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError("the rate must be above 0 incidents per second")
        self.rng = np.random.default_rng(self.seed)
        self.areas, self.centers = _read_tree(self.conn)
        if not (self.areas["level"] == "grid").any():
            raise DataError("no boundaries in the database: run `minqing demo seed` first")
        self.center_codes = self.centers["code"].to_numpy(dtype=object)
        self._index = {code: i for i, code in enumerate(self.center_codes)}
        parent = dict(zip(self.centers["code"], self.centers["parent_code"], strict=True))
        self._parent = {k: v for k, v in parent.items() if isinstance(v, str)}
        workstation = self.centers[self.centers["level"] == "workstation"]
        self._station = dict(zip(workstation["area_code"], workstation["code"], strict=True))
        self._pending = pd.DataFrame()
        self._batches = 0

    def tick(self, seconds: float, now: datetime | None = None) -> StreamCounts:
        """What arrives and what moves on in `seconds` up to `now`; commits once."""
        now = now or now_utc()
        arrivals = int(self.rng.poisson(self.rate * seconds))
        changes = int(self.rng.poisson(self.rate * seconds * STEPS_PER_INCIDENT))
        with self.conn.cursor() as cur:
            if arrivals:
                self._arrive(cur, arrivals, seconds, now)
            if changes:
                self._move_on(cur, changes, now)
        self.conn.commit()
        return self.counts

    def _templates(self, n: int, now: datetime) -> pd.DataFrame:
        """n generated incidents (where, what, words), drawn in batches from the generator."""
        while len(self._pending) < n:
            self._batches += 1
            batch, _ = generate_incidents(
                self.areas, self.centers, BATCH, self.seed * 100_003 + self._batches, now
            )
            batch = batch.sample(frac=1.0, random_state=self._batches)
            self._pending = pd.concat([self._pending, batch], ignore_index=True)
        taken, self._pending = self._pending.iloc[:n], self._pending.iloc[n:]
        return taken.reset_index(drop=True)

    def _chain(self, community: str) -> list[int]:
        """Center indexes of a community: workstation, command post, sub-center, city center."""
        code = self._station[community]
        chain = [self._index[code]]
        while len(chain) < 4:
            code = self._parent.get(code, code)
            chain.append(self._index[code])
        return chain

    def _arrive(
        self, cur: psycopg2.extensions.cursor, n: int, seconds: float, now: datetime
    ) -> None:
        """Store n new incidents reported within the last `seconds`, with their first events."""
        rows = self._templates(n, now)
        end = int(now.timestamp())
        reported = np.sort(end - self.rng.random(n) * max(seconds, 1.0)).astype(np.int64)
        placed = []
        for i, row in rows.iterrows():
            cur.execute(
                load_sql("live_stream_place"), {"lon": float(row["lon"]), "lat": float(row["lat"])}
            )
            found = cur.fetchone()
            if found is None or found[1] not in self._station:
                self.counts.unplaced += 1
                continue
            placed.append((i, *found))
        if not placed:
            return
        index = [p[0] for p in placed]
        picked = rows.iloc[index].reset_index(drop=True)
        grids, worker = np.unique(
            np.array([p[1] for p in placed], dtype=object), return_inverse=True
        )
        cases = Cases(
            reported=reported[index],
            category=np.array([_CATEGORIES.index(c) for c in picked["category"]]),
            source=np.array([_SOURCES.index(s) for s in picked["source"]]),
            severity=picked["severity"].to_numpy(),
            major=picked["is_major_risk"].to_numpy(dtype=bool),
            centers=np.array([self._chain(p[2]) for p in placed]),
            worker=worker,
        )
        state, events = run_lifecycle(cases, end, self.center_codes, grids, self.rng)
        ids = []
        for k, (_, grid, community, street, district) in enumerate(placed):
            row = picked.iloc[k]
            cur.execute(
                load_sql("live_stream_insert"),
                {
                    "source": row["source"], "category": row["category"],
                    "subcategory": row["subcategory"], "severity": int(row["severity"]),
                    "major": bool(row["is_major_risk"]), "description": row["description"],
                    "address": row["address"], "lon": float(row["lon"]), "lat": float(row["lat"]),
                    "srid": PROJECT_SRID, "grid": grid, "community": community,
                    "street": street, "district": district,
                    "reported_at": state["reported_at"][k].to_pydatetime(),
                    "deadline_at": state["deadline_at"][k].to_pydatetime(),
                    "status": state["status"][k],
                    "center": _or_none(state["assigned_center"][k]),
                    "level": _or_none(state["handling_level"][k]),
                },
            )  # fmt: skip
            ids.append(cur.fetchone()[0])
        rows_out = [
            (
                ids[int(e.incident_id) - 1], e.at.to_pydatetime(), e.action,
                _or_none(e.from_status), e.to_status, e.actor, _or_none(e.center_code),
                e.note, _or_none(e.acting_center), _or_none(e.satisfaction),
            )
            for e in events.itertuples(index=False)
        ]  # fmt: skip
        psycopg2.extras.execute_values(cur, _EVENT, rows_out)
        self.counts.incidents += len(ids)
        self.counts.events += len(rows_out)

    def _move_on(self, cur: psycopg2.extensions.cursor, n: int, now: datetime) -> None:
        """Advance n open cases one step each: half among the new ones waiting to be assigned
        or accepted (first steps come within minutes), half among all open cases."""
        cur.execute(
            _OPEN_SAMPLE,
            {
                "recent": now - timedelta(hours=2),
                "since": now - timedelta(days=60),
                "settled": now - timedelta(seconds=30),  # a case is not handled the second it comes
                "first": (n + 1) // 2,
                "rest": n // 2,
            },
        )
        seen: set[int] = set()
        for case in cur.fetchall():
            if case[0] in seen:
                continue
            seen.add(case[0])
            step = self._next_step(case, now)
            if step is None:
                continue
            changes, event = step
            cur.execute(load_sql("live_stream_update"), {"id": case[0], **changes})
            psycopg2.extras.execute_values(cur, _EVENT, [(case[0], now, *event)])
            self.counts.changes += 1
            self.counts.events += 1

    def _next_step(self, case: tuple, now: datetime) -> tuple[dict, tuple] | None:
        """The next step of an open case: the row's new values and the event."""
        _, status, grid, community, center, level, escalations, deadline, *kind = case
        row = {
            "status": status, "center": center, "level": level, "escalations": escalations,
            "resolved_at": None, "closed_at": None, "result": None,
        }  # fmt: skip
        if status == "reported":
            rank = _first_level(*kind)
            owner = self.center_codes[self._chain(community)[rank]]
            row.update(status="assigned", center=owner, level=LEVELS[rank])
            note = texts.NOTES["assigned"]
            return row, ("assigned", status, "assigned", "system", owner, note, None, None)
        handler = f"gw-{grid}" if level == "workstation" else center
        if status == "assigned":
            row.update(status="in_progress")
            note = texts.NOTES["accepted"]
            return row, ("accepted", status, "in_progress", handler, center, note, center, None)
        if status == "resolved":
            answer = ANSWERS[int(self.rng.choice(len(ANSWERS), p=ANSWER_SHARES))]
            row.update(status="closed", closed_at=now)
            note = texts.FEEDBACK_NOTES[answer]
            return row, ("closed", status, "closed", "system", center, note, None, answer)
        roll = self.rng.random()
        if deadline < now and roll < 0.3 and center in self._parent:  # the city center: none above
            boss = self._parent[center]
            note = texts.NOTES["supervised"]
            return row, ("supervised", status, status, boss, center, note, boss, None)
        if self.rng.random() < 0.05 and level != LEVELS[-1] and center in self._parent:
            up = self._parent[center]
            row.update(
                status="assigned", center=up, level=LEVELS[LEVELS.index(level) + 1],
                escalations=escalations + 1,
            )  # fmt: skip
            note = texts.NOTES["escalated"]
            return row, ("escalated", status, "assigned", handler, up, note, center, None)
        result = RESULTS[int(self.rng.choice(3, p=[0.975, 0.015, 0.01]))]
        row.update(status="resolved", resolved_at=now, result=result)
        note = texts.RESOLVED_NOTES[result]
        return row, ("resolved", status, "resolved", handler, center, note, center, None)


def _first_level(severity: int, major: bool, source: str) -> int:
    """Where a case starts (as in geo.demo.lifecycle): 小事不出村、大事不出镇、难事不出县."""
    rank = 2 if severity >= 4 or major else 1 if severity == 3 else 0
    return max(rank, 1) if source in ("letters_visits", "petition", "court_case") else rank


def _read_tree(conn: psycopg2.extensions.connection) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The current areas (with geometry) and the centers, as the demo generator takes them."""
    with conn.cursor() as cur:
        cur.execute(_AREAS)
        rows = cur.fetchall()
        cur.execute(_CENTERS)
        centers = pd.DataFrame(
            cur.fetchall(), columns=["code", "name", "level", "area_code", "parent_code"]
        )
    frame = pd.DataFrame(
        [r[:6] for r in rows],
        columns=["code", "parent_code", "name", "level", "kind", "population"],
    )
    geometry = shapely.from_wkb([bytes(r[6]) for r in rows])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=PROJECT_SRID), centers


def _or_none(value: object) -> object:
    """None for pandas' missing values."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def run_stream(
    conn: psycopg2.extensions.connection,
    rate: float,
    seed: int,
    seconds: float | None,
    every: float = 1.0,
    report: Callable[[str], None] = lambda _: None,
) -> StreamCounts:
    """Feed the database until `seconds` have passed (None: until interrupted); every
    `WORKFLOW_EVERY` seconds run the automatic escalation (`rules/workflow.toml`), every
    `WARNINGS_EVERY` the early-warning scan: together, `minqing workflow tick`."""
    stream = DemoStream(conn, rate, seed)
    rule = load_rule()
    start = last = ticked = scanned = time.monotonic()
    shown = start
    while seconds is None or last - start < seconds:
        time.sleep(max(0.0, every - (time.monotonic() - last)))
        now = time.monotonic()
        stream.tick(now - last)
        last = now
        if now - ticked >= WORKFLOW_EVERY:
            escalated = workflow_tick(conn, rule).escalated
            ticked = now
            if escalated:
                report(f"workflow tick: {escalated:,} overdue case(s) escalated")
        if now - scanned >= WARNINGS_EVERY:
            for line in scan_warnings(conn).lines():
                report(line)
            conn.commit()
            scanned = now
        if now - shown >= 10:
            report(stream.counts.line())
            shown = now
    return stream.counts
