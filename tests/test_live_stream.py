"""`minqing demo stream`: new incidents placed at ingest, status changes, every step an event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from geo import db
from geo.cli import main
from geo.demo.load import seed_demo
from geo.demo.stream import DemoStream
from geo.errors import DataError
from geo.timeutil import now_utc

pytestmark = pytest.mark.db

CONSISTENT = """
SELECT count(*) FROM incidents i
JOIN current_areas g ON g.code = i.grid_code AND g.level = 'grid'
JOIN current_areas c ON c.code = i.community_code AND c.code = g.parent_code
JOIN current_areas s ON s.code = i.street_code AND s.code = c.parent_code
WHERE i.id > %s AND s.parent_code = i.district_code AND ST_Covers(g.geom, i.geom)
"""
LAST_EVENT_MATCHES = """
SELECT count(*) FROM incidents i
JOIN LATERAL (SELECT to_status FROM incident_events e WHERE e.incident_id = i.id
              ORDER BY e.at DESC, e.id DESC LIMIT 1) last ON true
WHERE i.id = ANY(%s) AND last.to_status = i.status
"""


@pytest.fixture(scope="module")
def small_demo(scratch):
    """A writable database with a small seeded demo."""
    url = scratch.create_migrated("minqing_live_stream")
    conn = db.connect(url)
    seed_demo(conn, incidents=3000, seed=5, scale=0.02)
    yield url, conn
    conn.close()


def test_new_incidents_are_placed_in_their_grid_with_events(small_demo):
    """Each new incident lies in its grid (found at ingest), with its first event(s)."""
    _, conn = small_demo
    with conn.cursor() as cur:
        cur.execute("SELECT max(id) FROM incidents")
        before = cur.fetchone()[0]
    stream = DemoStream(conn, rate=20, seed=3)
    now = now_utc()
    counts = stream.tick(5, now)
    assert 50 <= counts.incidents <= 160  # Poisson(100)
    with conn.cursor() as cur:
        cur.execute(CONSISTENT, (before,))
        assert cur.fetchone()[0] == counts.incidents
        cur.execute(
            "SELECT min(reported_at), max(reported_at), count(DISTINCT status) FILTER "
            "(WHERE status NOT IN ('reported', 'assigned')) FROM incidents WHERE id > %s",
            (before,),
        )
        first, last, settled = cur.fetchone()
        assert now - timedelta(seconds=6) <= first <= last <= now
        assert settled == 0  # nothing is handled within seconds of arriving
        cur.execute(
            "SELECT count(*) FROM incidents i WHERE i.id > %s AND NOT EXISTS "
            "(SELECT 1 FROM incident_events e WHERE e.incident_id = i.id "
            " AND e.action = 'reported' AND e.at = i.reported_at)",
            (before,),
        )
        assert cur.fetchone()[0] == 0


def test_open_cases_move_on_one_event_per_step(small_demo):
    """Status changes each add one event whose target is the case's new status."""
    _, conn = small_demo
    stream = DemoStream(conn, rate=10, seed=4)
    with conn.cursor() as cur:
        cur.execute("SELECT max(id) FROM incident_events")
        events_before = cur.fetchone()[0]
    counts = stream.tick(6, now_utc())
    assert counts.changes > 0
    with conn.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT incident_id FROM incident_events WHERE id > %s AND action <> "
            "'reported'",
            (events_before,),
        )
        moved = [row[0] for row in cur.fetchall()]
        cur.execute(LAST_EVENT_MATCHES, (moved,))
        assert cur.fetchone()[0] == len(moved)
        cur.execute("SELECT count(*) FROM incident_events WHERE id > %s", (events_before,))
        assert cur.fetchone()[0] == counts.events


def test_the_command_streams_for_the_time_asked(small_demo):
    """`minqing demo stream --seconds` stops by itself and says what it wrote."""
    url, _ = small_demo
    result = CliRunner().invoke(
        main, ["demo", "stream", "--rate", "5", "--seconds", "2"], env={"DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    assert "new incidents" in result.output


def test_a_rate_of_zero_is_refused(small_demo):
    """The rate must be positive (the command says so, the class too)."""
    url, conn = small_demo
    result = CliRunner().invoke(main, ["demo", "stream", "--rate", "0"], env={"DATABASE_URL": url})
    assert result.exit_code != 0
    with pytest.raises(ValueError):
        DemoStream(conn, rate=0)


def test_an_empty_database_is_refused_clearly(scratch):
    """Without boundaries there is nothing to stream into."""
    url = scratch.create_migrated("minqing_live_stream_empty")
    conn = db.connect(url)
    try:
        with pytest.raises(DataError, match="demo seed"):
            DemoStream(conn, rate=1)
    finally:
        conn.close()
