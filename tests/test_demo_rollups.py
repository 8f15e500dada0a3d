"""The seed's one-pass recount of the daily rollups equals what the triggers build statement by
statement (migration 013's `rollup_rebuild()` against migration 003's triggers)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from psycopg2 import sql

from geo.demo.load import seed_demo

pytestmark = pytest.mark.db

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
BATCHES = 4
# every column of each rollup, in key order; hours rounded (sums of floats in another order)
ROLLUPS = {
    "incident_daily_flows": "code, day, category, source, new, major_new, escalated_new, "
    "repeat_new, concluded, resolved, concluded_late, round(hours::numeric, 6)",
    "incident_daily_stocks": "code, day, opened, closed, due, due_done, major_opened, major_closed",
    "incident_daily_handling": "code, day, bucket, n",
}


def _rollups(cur) -> dict[str, list[tuple]]:
    found = {}
    for table, columns in ROLLUPS.items():
        cur.execute(
            sql.SQL("SELECT {} FROM {} ORDER BY 1, 2, 3, 4").format(
                sql.SQL(columns), sql.Identifier(table)
            )
        )
        found[table] = cur.fetchall()
    return found


@pytest.fixture
def seeded(scratch, conn_to):
    """A migrated database seeded with a small demo (its rollups recounted after the COPY)."""
    conn = conn_to(scratch.create_migrated("minqing_rollups"))
    seed_demo(conn, incidents=3000, seed=11, scale=0.02, now=NOW)
    return conn


def test_recount_equals_the_triggers_incremental_rollups(seeded):
    """Delete every incident (the counts fall to zero; a repeat flag is decided once, when a
    case is reported, and stays), then insert them again in batches through the triggers: the
    rollups come back exactly as the seed's recount made them."""
    with seeded.cursor() as cur:
        recounted = _rollups(cur)
        assert all(recounted.values())
        cur.execute(
            "SELECT sum(repeat_new), sum(concluded) FROM incident_daily_flows WHERE code = '*'"
        )
        repeats, concluded = cur.fetchone()
        assert repeats > 0 and concluded > 0  # the repeat rule and the resolutions are exercised

        cur.execute("CREATE TEMP TABLE saved_incidents AS SELECT * FROM incidents")
        cur.execute("DELETE FROM incident_events")
        cur.execute("DELETE FROM incidents")
        cur.execute(
            "SELECT (SELECT count(*) FROM incident_daily_flows WHERE new <> 0 OR concluded <> 0"
            " OR abs(hours) > 1e-6)"
            " + (SELECT count(*) FROM incident_daily_stocks WHERE opened <> 0 OR closed <> 0"
            " OR due <> 0 OR due_done <> 0)"
            " + (SELECT count(*) FROM incident_daily_handling WHERE n <> 0)"
        )
        assert cur.fetchone()[0] == 0

        cur.execute("TRUNCATE incident_daily_flows, incident_daily_stocks, incident_daily_handling")
        cur.execute("SELECT max(id) FROM saved_incidents")
        last = cur.fetchone()[0]
        step = -(-last // BATCHES)
        for first in range(1, last + 1, step):  # ids follow reported_at: earlier batches first
            cur.execute(
                "INSERT INTO incidents SELECT * FROM saved_incidents WHERE id BETWEEN %s AND %s",
                (first, first + step - 1),
            )
        incremental = _rollups(cur)
    seeded.rollback()
    for table in ROLLUPS:
        assert incremental[table] == recounted[table], table


def test_updates_keep_the_rollups_equal_to_a_recount(seeded):
    """The update trigger applies only what changed: incidents moved to another community,
    street and district, cases resolved, and an update of every row that changes nothing
    leave the rollups exactly as recounting the incidents makes them."""
    with seeded.cursor() as cur:
        cur.execute(
            "SELECT grid_code, community_code, street_code, district_code FROM incidents "
            "GROUP BY 1, 2, 3, 4 ORDER BY count(*) DESC LIMIT 1"
        )
        grid, *codes = cur.fetchone()
        cur.execute(
            "SELECT community_code, street_code, district_code FROM incidents "
            "WHERE district_code <> %s LIMIT 1",
            (codes[2],),
        )
        elsewhere = cur.fetchone()
        cur.execute(
            "UPDATE incidents SET community_code = %s, street_code = %s, district_code = %s "
            "WHERE grid_code = %s",
            (*elsewhere, grid),
        )
        assert cur.rowcount > 0
        cur.execute(
            "UPDATE incidents SET status = 'resolved', result = 'resolved', "
            "resolved_at = reported_at + interval '5 hours' "
            "WHERE resolved_at IS NULL AND id % 3 = 0"
        )
        assert cur.rowcount > 0
        cur.execute("UPDATE incidents SET status = status")
        incremental = _counted(_rollups(cur))
        cur.execute("SELECT rollup_rebuild()")
        recounted = _counted(_rollups(cur))
    seeded.rollback()
    for table in ROLLUPS:
        assert incremental[table] == recounted[table], table


def _counted(rollups: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Rows with a count other than zero (taking every row out leaves zeros, a recount none),
    without the flows' repeat count: whether a case repeats an earlier one is decided once,
    when it is reported, and an update does not move it."""
    out = {}
    for table, rows in rollups.items():
        keys = 2 if table == "incident_daily_stocks" else 3 if table.endswith("handling") else 4
        if table == "incident_daily_flows":
            rows = [row[:7] + row[8:] for row in rows]
        out[table] = [row for row in rows if any(row[keys:])]
    return out


def test_rebuild_twice_changes_nothing(seeded):
    """Recounting stored incidents again gives the same rollups and keeps their primary keys."""
    with seeded.cursor() as cur:
        before = _rollups(cur)
        cur.execute("SELECT rollup_rebuild()")
        after = _rollups(cur)
        cur.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'p' AND conrelid::regclass::text LIKE 'incident_daily_%%' ORDER BY 1"
        )
        keys = cur.fetchall()
    seeded.rollback()
    assert after == before
    assert keys == [  # with the counters the drill step reads from them (migration 251)
        (
            "incident_daily_flows",
            "PRIMARY KEY (code, day, category, source) INCLUDE (new, major_new, escalated_new, "
            "repeat_new, concluded, resolved, concluded_late, hours)",
        ),
        ("incident_daily_handling", "PRIMARY KEY (code, day, bucket) INCLUDE (n)"),
        (
            "incident_daily_stocks",
            "PRIMARY KEY (code, day) INCLUDE (opened, closed, due, due_done, major_opened, "
            "major_closed)",
        ),
    ]


def test_rollups_are_vacuumed_after_a_hundredth_changes(seeded):
    """The drill step's index-only scans need a fresh visibility map: autovacuum visits the
    rollups after 1 % of their rows changed or arrived, not the default 20 %, also after a
    rebuild (migration 251)."""
    with seeded.cursor() as cur:
        cur.execute("SELECT rollup_rebuild()")
        cur.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'incident_daily_%%'"
            " AND relkind = 'r' ORDER BY 1"
        )
        options = cur.fetchall()
    seeded.rollback()
    assert [name for name, _ in options] == [
        "incident_daily_flows", "incident_daily_handling", "incident_daily_stocks"
    ]  # fmt: skip
    for _, reloptions in options:
        assert set(reloptions) == {
            "autovacuum_vacuum_scale_factor=0.01",
            "autovacuum_vacuum_insert_scale_factor=0.01",
        }
