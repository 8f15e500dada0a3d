"""Seeding the demo into the real PostGIS: the schema left exactly as migrated, in one
transaction or finished over two connections."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import psycopg2.pool
import pyarrow as pa
import pytest
from psycopg2 import sql

from geo import db, deferred
from geo.demo import load
from geo.demo.load import BULK_TABLES, demo_is_loaded, seed_demo
from geo.errors import DatabaseError, DataError
from geo.migrate import migrate
from tests.support import checksums

pytestmark = pytest.mark.db

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
SCHEMA_OBJECTS = """
SELECT 'index', indexname, indexdef FROM pg_indexes
WHERE schemaname = 'public' AND tablename = ANY(%(tables)s)
UNION ALL
SELECT 'constraint', c.conname, pg_get_constraintdef(c.oid) || ' valid=' || c.convalidated
FROM pg_constraint c WHERE c.conrelid = ANY(ARRAY(SELECT to_regclass(t) FROM unnest(%(tables)s) t))
UNION ALL
SELECT 'trigger', g.tgname, g.tgenabled::text FROM pg_trigger g
WHERE NOT g.tgisinternal
  AND g.tgrelid = ANY(ARRAY(SELECT to_regclass(t) FROM unnest(%(tables)s) t))
ORDER BY 1, 2
"""


def _schema(conn) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(SCHEMA_OBJECTS, {"tables": list(BULK_TABLES)})
        rows = cur.fetchall()
    conn.rollback()
    return rows


def _counts(conn) -> dict[str, int]:
    with conn.cursor() as cur:
        counts = {}
        for table in ("boundary_versions", "areas", "centers", "incidents", "incident_events"):
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cur.fetchone()[0]
    conn.rollback()
    return counts


@pytest.fixture
def seeded(scratch, conn_to):
    """A fresh migrated database with a tiny demo; returns an open connection."""
    conn = conn_to(scratch.create_migrated("minqing_seed"))
    seed_demo(conn, incidents=600, seed=5, scale=0.02, now=NOW)
    return conn


def test_demo_is_loaded(empty_db, migrated_db, demo_db, conn_to):
    """False without the schema and on an empty schema; true once seeded."""
    assert demo_is_loaded(conn_to(empty_db)) is False
    assert demo_is_loaded(conn_to(migrated_db)) is False
    assert demo_is_loaded(conn_to(demo_db)) is True


def test_indexes_and_keys_are_those_of_the_migrations(migrated_db, demo_db, conn_to):
    """Indexes, constraints and triggers set aside for the COPY come back identical."""
    assert _schema(conn_to(demo_db)) == _schema(conn_to(migrated_db))


def test_what_was_generated_is_what_is_stored(seeded):
    """One current version; the counts of the generated data; identities continue after it."""
    counts = _counts(seeded)
    assert counts["boundary_versions"] == 1 and counts["incidents"] == 600
    assert counts["incident_events"] >= 600
    with seeded.cursor() as cur:
        cur.execute("SELECT created_by, source, is_current FROM boundary_versions")
        assert cur.fetchone() == ("demo", "minqing demo seed", True)
        cur.execute("SELECT last_value FROM pg_sequences WHERE sequencename LIKE 'incidents_id%%'")
        assert cur.fetchone()[0] == 600
        cur.execute(
            "SELECT count(*) FROM incidents i JOIN current_areas a "
            "ON a.code = i.grid_code AND a.level = 'grid' WHERE NOT ST_Contains(a.geom, i.geom)"
        )
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT count(*) FROM areas WHERE geom_display IS NULL")
        assert cur.fetchone()[0] == 0
    seeded.rollback()


def test_daily_rollups_count_the_seeded_incidents(seeded):
    """The rollups rebuilt after the COPY agree with counting the incidents themselves."""
    with seeded.cursor() as cur:
        cur.execute(
            "SELECT code, sum(new), sum(major_new), sum(concluded) FROM incident_daily_flows "
            "WHERE code = '*' OR length(code) = 6 GROUP BY code ORDER BY code"
        )
        rollups = cur.fetchall()
        cur.execute(
            "SELECT coalesce(district_code, '*'), count(*), count(*) FILTER (WHERE is_major_risk),"
            " count(resolved_at) FROM incidents GROUP BY ROLLUP (district_code) ORDER BY 1"
        )
        counted = cur.fetchall()
        cur.execute("SELECT sum(opened) - sum(closed) FROM incident_daily_stocks WHERE code = '*'")
        still_open = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM incidents WHERE resolved_at IS NULL")
        assert still_open == cur.fetchone()[0]
    seeded.rollback()
    assert rollups == counted


def test_reseeding_replaces_everything(seeded):
    """A second seed replaces the data instead of adding to it, and forgets the addresses the
    gazetteer learned from the replaced incidents and what was made from them (scorecards,
    forecasts, published reports)."""
    with seeded.cursor() as cur:
        cur.execute(
            "INSERT INTO address_gazetteer (address_key, address, geom, grid_code) "
            "SELECT 'k', address, geom, grid_code FROM incidents LIMIT 1"
        )
        cur.execute(
            "INSERT INTO forecast_runs (kind, made_at, origin, weeks, rules_version, rules_text)"
            " VALUES ('forecast', now(), now(), 1, 'v', '')"
        )
    seeded.commit()
    seed_demo(seeded, incidents=300, seed=6, scale=0.02, now=NOW)
    counts = _counts(seeded)
    assert counts["boundary_versions"] == 1 and counts["incidents"] == 300
    with seeded.cursor() as cur:
        cur.execute("SELECT count(*) FROM address_gazetteer")
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT count(*) FROM forecast_runs")
        assert cur.fetchone()[0] == 0
    seeded.rollback()


def test_a_failed_seed_changes_nothing(seeded, monkeypatch):
    """A row the database rejects aborts the seed: data, indexes and keys stay as they were."""
    before, schema = _counts(seeded), _schema(seeded)
    good = load._events_table

    def bad_events(events):
        table = good(events)
        actions = pa.array(["teleported"] * table.num_rows)
        return table.set_column(table.column_names.index("action"), "action", actions)

    monkeypatch.setattr(load, "_events_table", bad_events)
    with pytest.raises(DataError, match="nothing was written"):
        seed_demo(seeded, incidents=400, seed=9, scale=0.02, now=NOW)
    assert _counts(seeded) == before
    assert _schema(seeded) == schema


def test_autocommit_connection_still_gets_one_transaction(seeded):
    """An autocommit connection is seeded in one transaction and given back as it came."""
    seeded.autocommit = True
    seed_demo(seeded, incidents=200, seed=2, scale=0.02, now=NOW)
    assert seeded.autocommit is True
    assert _counts(seeded)["incidents"] == 200


def test_seed_after_a_read_on_the_same_connection(scratch):
    """`minqing run`'s first start: asks whether the demo is loaded, then seeds on that
    connection (the read's transaction is still open)."""
    conn = db.connect(scratch.create_migrated("minqing_seed"))
    try:
        assert not demo_is_loaded(conn)
        seed_demo(conn, incidents=300, seed=5, scale=0.02, now=NOW)
        assert demo_is_loaded(conn)
    finally:
        conn.close()


ROLLUPS = ("incident_daily_flows", "incident_daily_stocks", "incident_daily_handling")


@pytest.fixture
def pool_to():
    """Connection pools to a URL, closed after the test."""
    opened: list[psycopg2.pool.ThreadedConnectionPool] = []

    def _open(url: str) -> psycopg2.pool.ThreadedConnectionPool:
        pool = psycopg2.pool.ThreadedConnectionPool(1, load.FINISHING_CONNECTIONS, url)
        opened.append(pool)
        return pool

    yield _open
    for pool in opened:
        pool.closeall()


def _deferred_rows(conn) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT statement FROM deferred_statements ORDER BY id")
        rows = [row[0] for row in cur.fetchall()]
    conn.rollback()
    return rows


def test_pooled_seed_finishes_over_two_connections_with_the_same_result(
    scratch, conn_to, pool_to, migrated_db
):
    """With a pool the load commits and the finishing work runs two at a time: the schema,
    the rows and the rollups end exactly as a one-transaction seed leaves them."""
    serial_url, pooled_url = (scratch.create_migrated("minqing_seed") for _ in range(2))
    seed_demo(conn_to(serial_url), incidents=700, seed=3, scale=0.02, now=NOW)
    summary = seed_demo(
        conn_to(pooled_url), incidents=700, seed=3, scale=0.02, now=NOW,
        pool=pool_to(pooled_url),
    )  # fmt: skip
    pooled = conn_to(pooled_url)
    assert _schema(pooled) == _schema(conn_to(migrated_db))
    assert _deferred_rows(pooled) == []
    statements = [done.statement for done in summary.finished]
    assert "SELECT rollup_rebuild()" in statements
    assert any(s.startswith("CREATE INDEX incidents_grid_idx") for s in statements)
    assert any("VALIDATE CONSTRAINT" in s for s in statements)
    tables = ("incidents", "incident_events", *ROLLUPS)
    assert checksums(pooled_url, tables) == checksums(serial_url, tables)


def test_finishing_work_a_killed_seed_left_is_done_by_migrate(
    scratch, conn_to, pool_to, migrated_db, monkeypatch
):
    """A seed stopped right after its load committed leaves its index builds, key checks and
    rollup recount in `deferred_statements`; the next `migrate()` finishes them."""
    url = scratch.create_migrated("minqing_seed")
    conn = conn_to(url)
    monkeypatch.setattr(load, "_finish_pooled", lambda pool: [])
    seed_demo(conn, incidents=500, seed=4, scale=0.02, now=NOW, pool=pool_to(url))
    left = _deferred_rows(conn)
    assert "SELECT rollup_rebuild()" in left and len(left) > 10
    assert _schema(conn) != _schema(conn_to(migrated_db))
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM incident_daily_flows")
        assert cur.fetchone()[0] == 0
    conn.rollback()

    said: list[str] = []
    migrate(conn, progress=said.append)
    assert said == [f"finishing {len(left)} statements an interrupted seed left "
                    "(index builds, key checks, rollup recount) …"]  # fmt: skip
    assert _deferred_rows(conn) == []
    assert _schema(conn) == _schema(conn_to(migrated_db))
    with conn.cursor() as cur:
        cur.execute("SELECT sum(new) FROM incident_daily_flows WHERE code = '*'")
        assert cur.fetchone()[0] == 500
    conn.rollback()


def test_a_seed_after_a_killed_one_keeps_its_index_builds(
    scratch, conn_to, pool_to, migrated_db, monkeypatch
):
    """Indexes a killed seed had dropped are not in the catalog any more: the next seed takes
    their definitions from `deferred_statements` and builds them on its own rows."""
    url = scratch.create_migrated("minqing_seed")
    conn = conn_to(url)
    with monkeypatch.context() as patched:
        patched.setattr(load, "_finish_pooled", lambda pool: [])
        seed_demo(conn, incidents=500, seed=4, scale=0.02, now=NOW, pool=pool_to(url))
    seed_demo(conn, incidents=300, seed=8, scale=0.02, now=NOW)
    assert _deferred_rows(conn) == []
    assert _schema(conn) == _schema(conn_to(migrated_db))
    assert _counts(conn)["incidents"] == 300


def test_a_failing_finishing_statement_is_reported_and_kept(scratch, conn_to):
    """A statement that fails stops the finishing with one clear message; it and those not
    reached stay for the next run, those done are gone."""
    url = scratch.create_migrated("minqing_seed")
    conn = conn_to(url)
    with conn.cursor() as cur:
        deferred.defer(cur, ["CREATE TABLE finished_first ()", "SELECT 1 / 0"])
    conn.commit()
    with pytest.raises(DatabaseError, match="division by zero.*minqing db migrate"):
        deferred.finish([conn])
    assert _deferred_rows(conn) == ["SELECT 1 / 0"]
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('finished_first') IS NOT NULL")
        assert cur.fetchone()[0] is True
    conn.rollback()


def test_an_interrupted_finishing_stops_the_other_connections(scratch, conn_to, monkeypatch):
    """Ctrl-C while finishing: the statement running on the other connection is cancelled at
    once instead of holding the command for its whole length, and both rows stay pending."""
    url = scratch.create_migrated("minqing_seed")
    conn = conn_to(url)
    with conn.cursor() as cur:
        deferred.defer(cur, ["SELECT pg_sleep(60)", "SELECT pg_sleep(60)"])
    conn.commit()
    run_one = deferred._run_one

    def interrupted_here(c, statement_id, settings):
        if c is conn:
            time.sleep(1)  # the other connection is in its pg_sleep by now
            raise KeyboardInterrupt
        return run_one(c, statement_id, settings)

    monkeypatch.setattr(deferred, "_run_one", interrupted_here)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        deferred.finish([conn, conn_to(url)])
    assert time.perf_counter() - start < 20
    assert _deferred_rows(conn) == ["SELECT pg_sleep(60)", "SELECT pg_sleep(60)"]
