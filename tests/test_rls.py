"""Row-level security (migration 011): as the app's role with a district scope, another
district's rows never come back and never change, through raw SQL and the page functions."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta

import psycopg2
import psycopg2.errors
import psycopg2.pool
import pytest
from psycopg2 import sql

from geo import db
from geo.area_scope import area_chain, chain_in_scope
from geo.demo.load import seed_demo
from geo.drill import queries as drill
from geo.drill.step import drill_step
from geo.filters import IncidentFilter, Scope, parse_period
from geo.live import queries as live
from geo.live.grid_status import load_rules
from geo.live.view import live_view, load_static
from geo.queries.areas import district_summaries
from geo.queries.contacts import reporter_contacts
from geo.queries.kpis import area_kpis, kpis_by
from geo.reports.content import gather
from geo.reports.excel import workbook_bytes
from tests.support import owner_connection

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 20, 4, tzinfo=UTC)
MINE, OTHER = "620103", "620102"  # 七里河区 (the user's), 城关区 (another district)
MY_SCOPE = Scope("district", MINE)
ROLLUPS = ("incident_daily_flows", "incident_daily_stocks", "incident_daily_handling")
PHONE, ID_NUMBER = "13812345678", "620102199001011234"


@pytest.fixture(scope="module")
def url(scratch) -> str:
    """A small seeded demo of our own (these tests write), with contacts on some cases."""
    url = scratch.create_migrated("minqing_rls")
    conn = db.connect(url)
    try:
        seed_demo(conn, incidents=4000, seed=7, scale=0.03, now=NOW)
        with conn.cursor() as cur:
            cur.execute(
                "UPDATE incidents SET reporter_name = '张三', reporter_phone = %s, "
                "reporter_id_number = %s WHERE id %% 50 = 0",
                (PHONE, ID_NUMBER),
            )
        conn.commit()
    finally:
        conn.close()
    return url


@pytest.fixture(scope="module")
def pool(url):
    """The pool a dashboard process would use (the cluster's login role owns the tables)."""
    return db.get_pool(url, 1, 4)


def owner_rows(url: str, query: str, params: tuple = ()) -> list[tuple]:
    """What the tables' owner sees (no policies apply to it)."""
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()
    finally:
        conn.close()


def _query(template: str, name: str) -> sql.Composed:
    """A fixed query with a table or column name put in as an identifier."""
    return sql.SQL(template).format(sql.Identifier(name))


def _count_of(table: str) -> sql.Composed:
    return _query("SELECT count(*) FROM {}", table)


def scoped_rows(pool, scope: Scope | None, query, params: tuple = ()) -> list[tuple]:
    """What the app's role sees inside a scope."""
    with db.scoped_transaction(pool, scope) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def other_ids(url: str) -> list[int]:
    """Some incidents of the other district, by id."""
    rows = owner_rows(url, "SELECT id FROM incidents WHERE district_code = %s LIMIT 200", (OTHER,))
    assert rows
    return [r[0] for r in rows]


def fingerprint(url: str, district: str) -> str:
    """A digest of every row of a district's incidents and their events."""
    return owner_rows(
        url,
        "SELECT md5(string_agg(i::text, '|' ORDER BY i.id)) || "
        "(SELECT md5(string_agg(e::text, '|' ORDER BY e.id)) FROM incident_events e "
        " JOIN incidents j ON j.id = e.incident_id WHERE j.district_code = %s) "
        "FROM incidents i WHERE i.district_code = %s",
        (district, district),
    )[0][0]


def subtree(url: str, code: str) -> set[str]:
    """The area and every area below it down to the communities."""
    rows = owner_rows(
        url,
        "WITH RECURSIVE t AS (SELECT code, depth FROM current_areas WHERE code = %s "
        "UNION ALL SELECT a.code, a.depth FROM current_areas a JOIN t ON a.parent_code = t.code "
        "WHERE a.depth <= 3) SELECT code FROM t",
        (code,),
    )
    return {r[0] for r in rows}


def counted(figures) -> tuple:
    """An area's counts, and its averages rounded (float sums depend on the order of rows)."""
    k = figures.counts.kpis
    index = figures.index.value
    return (
        k.new, k.open, k.overdue, k.concluded, k.resolved, k.escalated, k.major_new,
        round(k.mean_handling_hours or 0, 6), figures.counts.repeats,
        None if index is None else round(index, 6),
    )  # fmt: skip


def figures_of(step) -> list[tuple]:
    """A drill step's own figures and each child's, comparable across plans."""
    return [("self", counted(step.current))] + [
        (row.area.code, counted(row.figures)) for row in step.children
    ]


def test_no_scope_sees_nothing(url, pool):
    """Without a scope (nobody signed in), every table under a policy is empty."""
    assert owner_rows(url, "SELECT count(*) FROM incidents")[0][0] > 0
    for table in ("incidents", "incident_events", "centers", "incident_contacts", *ROLLUPS):
        assert scoped_rows(pool, None, _count_of(table)) == [(0,)], table


def test_a_level_without_a_code_sees_nothing(pool):
    """A district scope with an empty code matches no row (fail closed)."""
    with db.transaction(pool) as conn, conn.cursor() as cur:
        cur.execute("SELECT minqing_private.set_context(NULL, NULL, 'district', '', NULL)")
        cur.execute("SET LOCAL ROLE minqing_app")
        cur.execute("SELECT count(*) FROM incidents")
        assert cur.fetchone() == (0,)
        cur.execute("SELECT count(*) FROM incident_daily_flows")
        assert cur.fetchone() == (0,)


def test_raw_reads_counts_and_aggregates_stay_in_the_district(url, pool):
    """Asking for the other district by name, counting and summing: only my rows."""
    mine = owner_rows(url, "SELECT count(*) FROM incidents WHERE district_code = %s", (MINE,))
    assert mine[0][0] > 0
    q = "SELECT count(*) FROM incidents WHERE district_code = %s"
    assert scoped_rows(pool, MY_SCOPE, q, (OTHER,)) == [(0,)]
    assert scoped_rows(pool, MY_SCOPE, q, (MINE,)) == mine
    grouped = scoped_rows(
        pool, MY_SCOPE, "SELECT district_code, count(*) FROM incidents GROUP BY 1"
    )
    assert grouped == [(MINE, mine[0][0])]
    total = "SELECT sum(severity), max(id) FROM incidents WHERE district_code = %s"
    assert scoped_rows(pool, MY_SCOPE, total, (OTHER,)) == [(None, None)]
    ids = other_ids(url)
    events = "SELECT count(*) FROM incident_events WHERE incident_id = ANY(%s)"
    assert owner_rows(url, events, (ids,))[0][0] > 0
    assert scoped_rows(pool, MY_SCOPE, events, (ids,)) == [(0,)]
    contacts = "SELECT count(*) FROM incident_contacts WHERE incident_id = ANY(%s)"
    assert scoped_rows(pool, MY_SCOPE, contacts, (ids,)) == [(0,)]
    joined = (
        "SELECT count(*) FROM incident_events e JOIN incidents i ON i.id = e.incident_id "
        "WHERE i.district_code = %s"
    )
    assert scoped_rows(pool, MY_SCOPE, joined, (OTHER,)) == [(0,)]


def test_rollups_hold_only_the_districts_areas(url, pool):
    """The daily rollups show the district, its streets and communities; not the city, others."""
    allowed = subtree(url, MINE)
    for table in ROLLUPS:
        distinct = _query("SELECT DISTINCT code FROM {}", table)
        codes = {r[0] for r in scoped_rows(pool, MY_SCOPE, distinct)}
        assert codes and codes <= allowed, table
        assert MINE in codes
        hidden = _query("SELECT count(*) FROM {} WHERE code IN ('*', %s)", table)
        assert owner_rows(url, hidden, (OTHER,))[0][0] > 0
        assert scoped_rows(pool, MY_SCOPE, hidden, (OTHER,)) == [(0,)], table
    summed = "SELECT sum(new) FROM incident_daily_flows WHERE code = %s"
    assert scoped_rows(pool, MY_SCOPE, summed, (MINE,)) == owner_rows(url, summed, (MINE,))


def test_the_scopes_codes_reach_down_to_the_communities(url, pool):
    """The codes the rollups' policies admit: the district, its streets and communities."""
    codes = scoped_rows(pool, MY_SCOPE, "SELECT minqing_scope_codes()")[0][0]
    assert len(codes) == len(set(codes)) and set(codes) == subtree(url, MINE)


def test_planning_a_rollup_read_leaves_the_scopes_codes_for_its_run(url):
    """The planner does not work out the scope's codes (a recursive walk of the areas) to
    plan a rollup read; the read works them out once, when it runs."""
    calls = (
        "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
        " WHERE funcname = 'minqing_scope_codes'"
    )
    with owner_connection(url) as conn, conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        db.enter_scope(conn, MY_SCOPE)
        for table in ROLLUPS:
            cur.execute(_query("EXPLAIN SELECT count(*) FROM {} WHERE code = %s", table), (MINE,))
        cur.execute(calls)
        assert cur.fetchone()[0] == 0
        cur.execute(_query("SELECT count(*) FROM {} WHERE code = %s", ROLLUPS[0]), (MINE,))
        assert cur.fetchone()[0] > 0
        cur.execute(calls)
        assert cur.fetchone()[0] == 1
        conn.rollback()


def test_centers_inside_the_scope_and_above_it(url, pool):
    """A district sees its sub-center, command posts and workstations, and the city center."""
    seen = {r[0] for r in scoped_rows(pool, MY_SCOPE, "SELECT code FROM centers")}
    inside = {
        r[0]
        for r in owner_rows(
            url, "SELECT code FROM centers WHERE area_code = ANY(%s)", (list(subtree(url, MINE)),)
        )
    }
    city = {r[0] for r in owner_rows(url, "SELECT code FROM centers WHERE level = 'city_center'")}
    assert inside and city
    assert seen == inside | city
    others = owner_rows(
        url, "SELECT code FROM centers WHERE area_code = ANY(%s)", (list(subtree(url, OTHER)),)
    )
    assert others and not seen & {r[0] for r in others}


def test_exports_with_copy_stay_in_the_district(url, pool):
    """COPY of a query, the way a bulk export reads, yields only the district's rows."""
    out = io.StringIO()
    with db.scoped_transaction(pool, MY_SCOPE) as conn, conn.cursor() as cur:
        cur.copy_expert("COPY (SELECT id, district_code FROM incidents) TO STDOUT", out)
    districts = {line.split("\t")[1] for line in out.getvalue().splitlines()}
    assert districts == {MINE}


def test_updates_and_deletes_of_another_district_change_nothing(url, pool):
    """UPDATE finds no row of the other district; DELETE is not allowed at all."""
    before = fingerprint(url, OTHER)
    ids = other_ids(url)
    with db.scoped_transaction(pool, MY_SCOPE) as conn, conn.cursor() as cur:
        cur.execute("UPDATE incidents SET description = 'hacked' WHERE id = ANY(%s)", (ids,))
        assert cur.rowcount == 0
        cur.execute("UPDATE incidents SET status = 'closed' WHERE district_code = %s", (OTHER,))
        assert cur.rowcount == 0
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with db.scoped_transaction(pool, MY_SCOPE) as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM incidents WHERE id = ANY(%s)", (ids,))
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with db.scoped_transaction(pool, MY_SCOPE) as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM incident_events WHERE incident_id = ANY(%s)", (ids,))
    assert fingerprint(url, OTHER) == before


def test_an_event_on_another_districts_case_is_refused(url, pool):
    """Writing a case action onto the other district's case breaks the policy."""
    before = fingerprint(url, OTHER)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
        with db.scoped_transaction(pool, MY_SCOPE) as conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO incident_events (incident_id, at, action, to_status, actor) "
                "VALUES (%s, now(), 'urged', 'assigned', 'x')",
                (other_ids(url)[0],),
            )
    assert fingerprint(url, OTHER) == before


def test_moving_a_case_into_another_district_is_refused(url, pool):
    """WITH CHECK: an update may not carry a row out of the scope."""
    mine = owner_rows(url, "SELECT id FROM incidents WHERE district_code = %s LIMIT 1", (MINE,))
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
        with db.scoped_transaction(pool, MY_SCOPE) as conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE incidents SET district_code = %s WHERE id = %s", (OTHER, mine[0][0])
            )
    assert owner_rows(url, "SELECT district_code FROM incidents WHERE id = %s", mine[0]) == [
        (MINE,)
    ]


def test_a_case_action_inside_the_scope_updates_every_rollup(url, pool):
    """The rollup triggers run as the owner: the city's row counts the district's change."""
    city = "SELECT sum(closed) FROM incident_daily_stocks WHERE code = '*'"
    before = owner_rows(url, city)[0][0]
    row = owner_rows(
        url,
        "SELECT id FROM incidents WHERE district_code = %s AND resolved_at IS NULL LIMIT 1",
        (MINE,),
    )
    assert row
    with db.scoped_transaction(pool, MY_SCOPE) as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE incidents SET status = 'resolved', result = 'resolved', "
            "resolved_at = greatest(now(), reported_at) WHERE id = %s",
            row[0],
        )
        assert cur.rowcount == 1
    assert owner_rows(url, city)[0][0] == before + 1


def test_a_pooled_connection_never_carries_a_scope_over(url):
    """Two scopes alternating on a pool of one connection, then no scope: each sees its own."""
    single = psycopg2.pool.ThreadedConnectionPool(1, 1, url)
    try:
        q = "SELECT DISTINCT district_code FROM incidents"
        for scope, expected in [
            (MY_SCOPE, {(MINE,)}),
            (Scope("district", OTHER), {(OTHER,)}),
            (MY_SCOPE, {(MINE,)}),
            (None, set()),
        ]:
            assert set(scoped_rows(single, scope, q)) == expected
        with pytest.raises(psycopg2.errors.DivisionByZero):
            with db.scoped_transaction(single, MY_SCOPE) as conn, conn.cursor() as cur:
                cur.execute("SELECT 1 / 0")
        with db.transaction(single) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT current_user = session_user, "
                "coalesce(current_setting('minqing.context', true), ''), minqing_context()"
            )
            assert cur.fetchone() == (True, "", None)
        assert set(scoped_rows(single, Scope("district", OTHER), q)) == {(OTHER,)}
    finally:
        single.closeall()


def test_city_scope_sees_what_the_owner_sees(url, pool):
    """City staff: every row, and the same figures as the owner."""
    for table in ("incidents", "incident_events", "centers", *ROLLUPS):
        q = _count_of(table)
        assert scoped_rows(pool, Scope(), q) == owner_rows(url, q), table
    owner = db.connect(url)
    try:
        expected = drill_step(owner, None, "2026-10", NOW)
        expected_kpis = kpis_by(owner, IncidentFilter(parse_period("2026-10")), "district")
    finally:
        owner.close()
    with db.scoped_transaction(pool, Scope()) as conn:
        step = drill_step(conn, None, "2026-10", NOW)
        assert kpis_by(conn, IncidentFilter(parse_period("2026-10")), "district") == expected_kpis
    assert figures_of(step) == figures_of(expected)
    assert step.trend == expected.trend


def test_page_functions_show_nothing_of_another_district(url, pool):
    """Key figures, drill-down, live map, report and summaries for the other district: empty."""
    period = parse_period("2026-10")
    other = IncidentFilter(period, scope=Scope("district", OTHER))
    owner = db.connect(url)
    try:
        assert area_kpis(owner, other).new > 0
        version, _ = live.data_version(owner)
    finally:
        owner.close()
    with db.scoped_transaction(pool, MY_SCOPE) as conn:
        kpis = area_kpis(conn, other)
        assert (kpis.new, kpis.open, kpis.overdue, kpis.concluded) == (0, 0, 0, 0)
        assert set(kpis_by(conn, IncidentFilter(period), "district")) == {MINE}

        step = drill_step(conn, OTHER, "2026-10", NOW)
        assert step.current.counts.kpis.new == 0 and step.current.counts.kpis.open == 0
        assert all(row.figures.counts.kpis.new == 0 for row in step.children)
        assert sum(point.new for point in step.trend) == 0
        content = gather(conn, step)
        assert content.overdue == [] and content.centers == []
        assert workbook_bytes(content)  # the workbook is built from the empty figures above

        grid = next(g for g in owner_rows(url, "SELECT DISTINCT grid_code FROM incidents "
                                          "WHERE district_code = %s", (OTHER,)))[0]  # fmt: skip
        assert drill.grid_cases(conn, grid, period) == []

        static = load_static(conn, version)
        assert {c.code for c in static.centers} <= {
            r[0] for r in scoped_rows(pool, MY_SCOPE, "SELECT code FROM centers")
        }
        view = live_view(conn, other, NOW, static, load_rules())
        assert view.flows.total.new == 0 and view.grid_counts["red"] == 0
        assert view.points == [] and all(c.open == 0 for c in view.centers)

        summaries = {s.code: s for s in district_summaries(conn, NOW - timedelta(days=30), NOW)}
        assert (summaries[OTHER].recent, summaries[OTHER].open) == (0, 0)


def test_my_own_district_has_the_owners_figures(url, pool):
    """Inside the scope the page functions give exactly what the owner computes."""
    owner = db.connect(url)
    try:
        expected = drill_step(owner, MINE, "2026-10", NOW)
    finally:
        owner.close()
    with db.scoped_transaction(pool, MY_SCOPE) as conn:
        step = drill_step(conn, MINE, "2026-10", NOW)
    assert step.current.counts.kpis.new > 0
    assert figures_of(step) == figures_of(expected)
    assert step.categories == expected.categories


def test_contacts_are_masked_except_for_the_handling_center(url, pool):
    """The handling center's operator sees the phone and ID number; a leader sees them masked."""
    case_id, center = owner_rows(
        url,
        "SELECT id, assigned_center FROM incidents WHERE reporter_phone IS NOT NULL "
        "AND district_code = %s AND assigned_center IS NOT NULL LIMIT 1",
        (MINE,),
    )[0]
    with db.scoped_transaction(pool, MY_SCOPE, contact_center=center) as conn:
        full = reporter_contacts(conn, case_id)
    with db.scoped_transaction(pool, MY_SCOPE) as conn:
        leader = reporter_contacts(conn, case_id)
    with db.scoped_transaction(pool, MY_SCOPE, contact_center="someone-else") as conn:
        elsewhere = reporter_contacts(conn, case_id)
    assert (full.phone, full.id_number, full.in_full) == (PHONE, ID_NUMBER, True)
    assert (leader.phone, leader.id_number, leader.in_full) == (
        "138****5678",
        "6201**********1234",
        False,
    )
    assert elsewhere == leader
    assert leader.name == "张三"


def test_raw_contact_columns_are_not_readable_by_the_app(pool):
    """The phone and ID number columns themselves are closed to the app, in any scope."""
    for column in ("reporter_phone", "reporter_id_number"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            scoped_rows(pool, Scope(), _query("SELECT {} FROM incidents LIMIT 1", column))
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            scoped_rows(pool, Scope(), _query("SELECT {} FROM incident_links LIMIT 1", column))
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        scoped_rows(pool, Scope(), "SELECT * FROM incidents LIMIT 1")


def test_contacts_of_another_district_are_not_found(url, pool):
    """Even the masked contacts of a case outside the scope do not come back."""
    case_id = owner_rows(
        url,
        "SELECT id FROM incidents WHERE reporter_phone IS NOT NULL AND district_code = %s LIMIT 1",
        (OTHER,),
    )[0][0]
    with db.scoped_transaction(pool, MY_SCOPE) as conn:
        assert reporter_contacts(conn, case_id) is None


def test_warnings_of_another_district_stay_hidden_and_unchanged(url, pool):
    """Warnings (migration 009) and their events follow the same scope as incidents."""
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            for district in (MINE, OTHER):
                cur.execute(
                    "INSERT INTO warnings (kind, dedup_key, district_code, geom, reason, "
                    "window_start, window_end, detected_at, last_seen_at) "
                    "SELECT 'grid_surge', %(key)s, %(d)s, geom, 'grid_surge', "
                    "now() - interval '1 day', now(), now(), now() "
                    "FROM incidents WHERE district_code = %(d)s LIMIT 1 RETURNING id",
                    {"key": f"rls-{district}", "d": district},
                )
                cur.execute(
                    "INSERT INTO warning_events (warning_id, at, action, to_status, actor) "
                    "VALUES (%s, now(), 'raised', 'new', 'scan')",
                    cur.fetchone(),
                )
        conn.commit()
    finally:
        conn.close()
    q = "SELECT district_code, count(*) FROM warnings WHERE dedup_key LIKE 'rls-%%' GROUP BY 1"
    assert scoped_rows(pool, MY_SCOPE, q) == [(MINE, 1)]
    assert sorted(scoped_rows(pool, Scope(), q)) == [(OTHER, 1), (MINE, 1)]
    assert scoped_rows(pool, None, q) == []
    events = (
        "SELECT count(*) FROM warning_events e JOIN warnings w ON w.id = e.warning_id "
        "WHERE w.dedup_key = %s"
    )
    assert scoped_rows(pool, MY_SCOPE, events, (f"rls-{OTHER}",)) == [(0,)]
    with db.scoped_transaction(pool, MY_SCOPE) as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE warnings SET status = 'acknowledged' WHERE district_code = %s", (OTHER,)
        )
        assert cur.rowcount == 0
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
        with db.scoped_transaction(pool, MY_SCOPE) as conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE warnings SET district_code = %s WHERE dedup_key = %s",
                (OTHER, f"rls-{MINE}"),
            )
    assert owner_rows(
        url, "SELECT status FROM warnings WHERE dedup_key = %s", (f"rls-{OTHER}",)
    ) == [("new",)]


def test_an_area_lies_in_or_out_of_a_scope(url):
    """The check a page makes on `?area=`: the area's chain of codes against the scope."""
    street = owner_rows(
        url, "SELECT code FROM current_areas WHERE parent_code = %s LIMIT 1", (MINE,)
    )
    conn = db.connect(url)
    try:
        chain = area_chain(conn, street[0][0])
        assert area_chain(conn, "no-such-area") == []
    finally:
        conn.close()
    assert chain[1:] == [MINE, street[0][0]]
    assert chain_in_scope(chain, MY_SCOPE) and chain_in_scope(chain, Scope())
    assert not chain_in_scope(chain, Scope("district", OTHER))
    assert not chain_in_scope(chain, None)


CASE_ROWS = ("incident_events", "incident_links", "boundary_unplaced_incidents")


@pytest.fixture(scope="module")
def case_rows(url) -> None:
    """Linked reports and unplaced cases on some cases of every district (the demo has none)."""
    with owner_connection(url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO incident_links (incident_id, source, category, severity, geom, "
            "reported_at, distance_m, linked_by) "
            "SELECT id, source, category, severity, geom, reported_at, 0, 'rls' "
            "FROM incidents WHERE id % 7 = 0"
        )
        cur.execute(
            "INSERT INTO boundary_unplaced_incidents "
            "(version_id, incident_id, distance_m, previous_grid, assigned_grid) "
            "SELECT v.id, i.id, 1, i.grid_code, i.grid_code FROM incidents i "
            "CROSS JOIN (SELECT id FROM boundary_versions WHERE is_current) v "
            "WHERE i.id % 11 = 0"
        )


def _area_of(url: str, column: str) -> str:
    """The area of MINE at this column's level holding the most cases."""
    return owner_rows(
        url,
        _query("SELECT {0} FROM incidents WHERE district_code = %s GROUP BY {0} "
               "ORDER BY count(*) DESC LIMIT 1", column),
        (MINE,),
    )[0][0]  # fmt: skip


def test_rows_of_cases_follow_their_case_at_every_level(url, pool, case_rows):
    """Events, linked reports and unplaced cases: each scope sees exactly those of the cases it
    sees, none of another district's; the city sees every one (migration 230)."""
    others = [r[0] for r in owner_rows(
        url, "SELECT id FROM incidents WHERE district_code = %s", (OTHER,))]  # fmt: skip
    scopes = [(Scope(level, _area_of(url, f"{level}_code")), f"{level}_code")
              for level in ("district", "street", "community", "grid")]  # fmt: skip
    for table in CASE_ROWS:
        count = _count_of(table)
        everything = owner_rows(url, count)
        assert everything[0][0] > 0, table
        assert scoped_rows(pool, Scope(), count) == everything, table
        assert scoped_rows(pool, None, count) == [(0,)], table
        of_others = _query("SELECT count(*) FROM {} WHERE incident_id = ANY(%s)", table)
        assert owner_rows(url, of_others, (others,))[0][0] > 0, table
        assert scoped_rows(pool, MY_SCOPE, of_others, (others,)) == [(0,)], table
        for scope, column in scopes:
            expected = owner_rows(
                url,
                sql.SQL(
                    "SELECT count(*) FROM {} t JOIN incidents i ON i.id = t.incident_id "
                    "WHERE i.{} = %s"
                ).format(sql.Identifier(table), sql.Identifier(column)),
                (scope.code,),
            )
            assert expected[0][0] > 0, (table, scope)
            assert scoped_rows(pool, scope, count) == expected, (table, scope)


def test_the_city_reads_rows_of_cases_without_looking_up_their_cases(pool, case_rows):
    """City-wide every case is visible and every such row has one: their policies do not read
    incidents (a hash of every case, or a lookup per row, was most of the scorecards' time)."""
    for table in CASE_ROWS:
        with db.scoped_transaction(pool, Scope()) as conn, conn.cursor() as cur:
            cur.execute(_query("EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM {}", table))
            plan = cur.fetchone()[0][0]["Plan"]
        nodes, loops = [plan], Counter()
        while nodes:
            node = nodes.pop()
            nodes.extend(node.get("Plans", []))
            loops[node.get("Relation Name")] += node["Actual Loops"]
        assert loops[table] == 1 and loops["incidents"] == 0, (table, loops)


def test_a_city_wide_event_still_needs_its_case(pool):
    """City-wide, an event on a case that does not exist is refused: by its foreign key now
    that the policy no longer looks the case up (by the policy before migration 230)."""
    refused = (psycopg2.errors.ForeignKeyViolation, psycopg2.errors.InsufficientPrivilege)
    with pytest.raises(refused):
        with db.scoped_transaction(pool, Scope(), username="x") as conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO incident_events (incident_id, at, action, to_status, actor) "
                "VALUES (-1, now(), 'urged', 'assigned', 'x')"
            )
