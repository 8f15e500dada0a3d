"""The migrations and the constraints that keep bad data out, against the real PostGIS."""

from __future__ import annotations

import re

import psycopg2
import pytest
from psycopg2 import sql

from geo import db
from geo.errors import MigrationError
from geo.migrate import applied_versions, load_migrations, migrate

pytestmark = pytest.mark.db

SQUARE = "SRID=4490;MULTIPOLYGON(((103.8 36.0,103.9 36.0,103.9 36.1,103.8 36.1,103.8 36.0)))"
INNER = (
    "SRID=4490;MULTIPOLYGON(((103.82 36.02,103.84 36.02,103.84 36.04,103.82 36.04,103.82 36.02)))"
)


def _tables(conn) -> set[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row[0] for row in cur.fetchall()}


def test_migrations_apply_on_empty_database(empty_db, conn_to):
    """An empty database gets every migration and every table."""
    conn = conn_to(empty_db)
    db.check_postgis(conn)
    conn.commit()
    applied = migrate(conn)
    assert [m.version for m in applied] == [m.version for m in load_migrations()]
    assert {"areas", "centers", "incidents", "incident_events", "boundary_versions"} <= _tables(
        conn
    )


def test_reapplying_migrations_is_a_no_op(empty_db, conn_to):
    """A second run applies nothing and changes no table."""
    conn = conn_to(empty_db)
    db.check_postgis(conn)
    migrate(conn)
    before = _tables(conn), applied_versions(conn)
    assert migrate(conn) == []
    assert (_tables(conn), applied_versions(conn)) == before


def test_an_edited_migration_is_refused(empty_db, conn_to):
    """A migration whose text changed after it was applied stops the migrator."""
    conn = conn_to(empty_db)
    db.check_postgis(conn)
    migrate(conn)
    with conn.cursor() as cur:
        cur.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    conn.commit()
    with pytest.raises(MigrationError, match="edited after it was applied"):
        migrate(conn)


def test_a_migration_numbered_below_the_highest_applied_is_refused(empty_db, conn_to):
    """A pending migration below the highest applied number stops the migrator, naming it,
    and applies nothing."""
    conn = conn_to(empty_db)
    db.check_postgis(conn)
    migrate(conn)
    middle = load_migrations()[len(load_migrations()) // 2]
    with conn.cursor() as cur:
        cur.execute("DELETE FROM schema_migrations WHERE version = %s", (middle.version,))
    conn.commit()
    before = applied_versions(conn)
    with pytest.raises(MigrationError, match=f"{middle.version:03d}_{middle.name} is numbered"):
        migrate(conn)
    assert applied_versions(conn) == before


@pytest.fixture
def tx(migrated_db, conn_to):
    """A connection inside a transaction that is rolled back after the test."""
    conn = conn_to(migrated_db)
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO boundary_versions (created_by, source, is_current) "
            "VALUES ('test', 'test', true) RETURNING id"
        )
        version = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO areas (version_id, code, parent_code, name, level, geom) "
            "VALUES (%s, '620100', NULL, '兰州市', 'city', %s)",
            (version, SQUARE),
        )
    yield conn, version
    conn.rollback()


def _insert_area(conn, version, code, parent, level, geom=INNER, kind=None):
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO areas (version_id, code, parent_code, name, level, kind, geom) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (version, code, parent, code, level, kind, geom),
        )
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_child_level_one_below_parent(tx):
    """A street directly under the city is refused: its parent must be a district."""
    conn, version = tx
    _insert_area(conn, version, "620102", "620100", "district")
    with pytest.raises(psycopg2.errors.ForeignKeyViolation):
        _insert_area(conn, version, "620102001", "620100", "street")


def test_duplicate_code_refused(tx):
    """Two areas with one code in one version are refused."""
    conn, version = tx
    _insert_area(conn, version, "620102", "620100", "district")
    with pytest.raises(psycopg2.errors.UniqueViolation):
        _insert_area(conn, version, "620102", "620100", "district")


def test_grid_needs_a_kind(tx):
    """A small grid without urban/rural/dedicated kind is refused."""
    conn, version = tx
    _insert_area(conn, version, "620102", "620100", "district")
    _insert_area(conn, version, "620102001", "620102", "street")
    _insert_area(conn, version, "620102001001", "620102001", "community")
    with pytest.raises(psycopg2.errors.CheckViolation):
        _insert_area(conn, version, "620102001001001", "620102001001", "grid")


def test_wrong_srid_refused(tx):
    """Geometry in another SRID (WGS84 4326) is refused by the column type."""
    conn, version = tx
    with pytest.raises(psycopg2.errors.InvalidParameterValue):
        _insert_area(
            conn, version, "620102", "620100", "district", geom=SQUARE.replace("4490", "4326")
        )


def test_invalid_geometry_refused(tx):
    """A bow-tie polygon is refused."""
    conn, version = tx
    bowtie = "SRID=4490;MULTIPOLYGON(((103.8 36.0,103.9 36.1,103.9 36.0,103.8 36.1,103.8 36.0)))"
    with pytest.raises(psycopg2.errors.CheckViolation):
        _insert_area(conn, version, "620102", "620100", "district", geom=bowtie)


def test_incident_outside_city_refused(tx):
    """An incident point in Beijing is refused."""
    conn, _ = tx
    with conn.cursor() as cur, pytest.raises(psycopg2.errors.CheckViolation):
        cur.execute(
            "INSERT INTO incidents (source, category, severity, geom, grid_code, community_code,"
            " street_code, district_code, reported_at, deadline_at, status) VALUES"
            " ('hotline_12345', 'dispute', 2, 'SRID=4490;POINT(116.4 39.9)', 'g', 'c', 's', 'd',"
            " now(), now() + interval '1 day', 'reported')"
        )


# Each column checked against a vocabulary (migration 255): (table, column, vocabulary, its key)
VOCABULARY_CHECKS = (
    ("incidents", "status", "incident_statuses", "status"),
    ("incidents", "source", "incident_sources", "source"),
    ("incidents", "handling_level", "center_levels", "level"),
    ("incident_events", "from_status", "incident_statuses", "status"),
    ("incident_events", "to_status", "incident_statuses", "status"),
    ("incident_events", "action", "incident_actions", "action"),
    ("api_intake_receipts", "source", "incident_sources", "source"),
)
_CHECKED = (
    "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c"
    " WHERE c.conrelid = %s::regclass AND c.contype = 'c'"
    " AND c.conname = %s || '_' || %s || '_known'"
)


def test_every_vocabulary_check_holds_its_vocabulary(migrated_db, conn_to):
    """Each column checked against a vocabulary accepts exactly the codes of its table (a
    vocabulary changed by a later migration must change its checks too), and the code
    columns of the hot tables have no foreign key to a vocabulary left."""
    conn = conn_to(migrated_db)
    with conn.cursor() as cur:
        for table, column, vocabulary, key in VOCABULARY_CHECKS:
            cur.execute(_CHECKED, (table, table, column))
            (definition,) = cur.fetchone()
            listed = re.search(r"ANY \('\{([^}]*)\}'::text\[\]\)", definition)
            assert listed is not None, definition
            cur.execute(
                sql.SQL("SELECT array_agg({key}) FROM {vocabulary}").format(
                    key=sql.Identifier(key), vocabulary=sql.Identifier(vocabulary)
                )
            )
            assert set(listed[1].split(",")) == set(cur.fetchone()[0]), (table, column)
        cur.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid = ANY (ARRAY['incidents', 'incident_events', 'api_intake_receipts']"
            "::regclass[]) AND confrelid = ANY (ARRAY['incident_statuses', 'incident_sources',"
            " 'incident_actions', 'center_levels']::regclass[])"
        )
        assert cur.fetchone()[0] == 0


def test_unknown_source_refused(tx):
    """A source outside the eight is refused."""
    conn, _ = tx
    with conn.cursor() as cur, pytest.raises(psycopg2.errors.CheckViolation):
        cur.execute(
            "INSERT INTO incidents (source, category, severity, geom, grid_code, community_code,"
            " street_code, district_code, reported_at, deadline_at, status) VALUES"
            " ('weibo', 'dispute', 2, 'SRID=4490;POINT(103.83 36.05)', 'g', 'c', 's', 'd',"
            " now(), now() + interval '1 day', 'reported')"
        )


def test_closed_incident_needs_result(tx):
    """A closed case without resolved time and result is refused."""
    conn, _ = tx
    with conn.cursor() as cur, pytest.raises(psycopg2.errors.CheckViolation):
        cur.execute(
            "INSERT INTO incidents (source, category, severity, geom, grid_code, community_code,"
            " street_code, district_code, reported_at, deadline_at, status) VALUES"
            " ('hotline_12345', 'dispute', 2, 'SRID=4490;POINT(103.83 36.05)', 'g', 'c', 's', 'd',"
            " now(), now() + interval '1 day', 'closed')"
        )


def test_one_current_boundary_version(tx):
    """Two current boundary versions at once are refused."""
    conn, _ = tx
    with conn.cursor() as cur, pytest.raises(psycopg2.errors.UniqueViolation):
        cur.execute(
            "INSERT INTO boundary_versions (created_by, source, is_current) "
            "VALUES ('test', 'test', true)"
        )
