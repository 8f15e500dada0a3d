"""Importing reports into PostGIS: placing, routing, deadlines, dedup, links, rejects, rollback."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import psycopg2
import pytest

from geo import db
from geo.deadlines import deadline_for
from geo.errors import DatabaseError
from geo.ingest import store
from geo.ingest.read import read_bytes
from geo.ingest.store import ingest_incidents
from geo.sqlfiles import load_sql
from geo.timeutil import CST
from tests.ingest_fixtures import (
    csv_bytes,
    fetch,
    geojson_bytes,
    grid_points,
    hotline_row,
    ingest_database,
    jsonl_bytes,
    table_checksums,
)

pytestmark = pytest.mark.db


@pytest.fixture(scope="session")
def ingest_db(scratch) -> str:
    """A small seeded demo these tests may write to."""
    return ingest_database(scratch)


def _tag() -> str:
    return uuid.uuid4().hex[:8]


def _import(url: str, data: bytes, fmt: str, source: str = "hotline_12345", **kw):
    conn = db.connect(url)
    try:
        return ingest_incidents(conn, read_bytes(data, fmt).rows, source, "测试员", **kw)
    finally:
        conn.close()


def _stored(url: str, source_id: str) -> tuple:
    rows = fetch(
        url,
        "SELECT grid_code, community_code, street_code, district_code, assigned_center, "
        "handling_level, status, deadline_at, reported_at, reporter_phone, category, "
        "subcategory, id FROM incidents WHERE source_id = %s",
        (source_id,),
    )
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "geojson"])
def test_each_format_places_routes_and_times_its_rows(ingest_db, fmt):
    """A point in a known grid gets that grid, its parents, the workstation and a deadline."""
    points = grid_points(ingest_db, 3)
    tag = _tag()
    rows = [hotline_row(f"{tag}-{i}", p) for i, p in enumerate(points)]
    rows[2]["紧急程度"] = "紧急"  # severity 3: urgent hours, starts at the command post
    data = {"csv": csv_bytes, "jsonl": jsonl_bytes, "geojson": geojson_bytes}[fmt](rows)
    result = _import(ingest_db, data, fmt)
    assert (result.taken, result.duplicates, result.linked, result.rejected) == (3, 0, 0, 0)
    for i, point in enumerate(points):
        stored = _stored(ingest_db, f"{tag}-{i}")
        grid, community, street, district, center, level, status, due, at, phone = stored[:10]
        category, sub, id_ = stored[10:]
        assert (grid, community, street, district) == (
            point.grid, point.community, point.street, point.district,
        )  # fmt: skip
        assert status == "reported" and phone == "13800000000"
        assert (category, sub) == ("livelihood", "heating")
        assert at == datetime(2021, 3, 1, 10, tzinfo=CST)
        severity = 3 if i == 2 else 1
        assert due == deadline_for("livelihood", severity, at, "hotline_12345")
        expected = (
            (f"ws-{community}", "workstation") if i < 2 else (f"post-{street}", "command_post")
        )
        assert (center, level) == expected
        events = fetch(
            ingest_db,
            "SELECT action, to_status, actor, at, center_code FROM incident_events "
            "WHERE incident_id = %s",
            (id_,),
        )
        assert events == [("reported", "reported", "测试员", at, center)]


def test_rerun_adds_nothing_and_in_file_repeats_are_duplicates(ingest_db):
    point = grid_points(ingest_db, 1)[0]
    tag = _tag()
    rows = [hotline_row(f"{tag}-a", point), hotline_row(f"{tag}-b", point),
            hotline_row(f"{tag}-a", point)]  # fmt: skip
    first = _import(ingest_db, csv_bytes(rows), "csv")
    assert (first.taken, first.duplicates) == (2, 1)
    before = table_checksums(ingest_db)
    again = _import(ingest_db, csv_bytes(rows), "csv")
    assert (again.taken, again.duplicates, again.linked, again.rejected) == (0, 3, 0, 0)
    assert table_checksums(ingest_db) == before


def test_same_id_from_two_sources_is_two_reports(ingest_db):
    """Dedup is per source: the 110 and the 12345 may use the same number for different calls."""
    a, b = grid_points(ingest_db, 12)[10:12]
    tag = _tag()
    _import(ingest_db, csv_bytes([hotline_row(tag, a)]), "csv")
    police = {"警情编号": tag, "报警时间": "2021-03-05 10:00", "警情类别": "治安案件",
              "经度": str(b.lon), "纬度": str(b.lat)}  # fmt: skip
    result = _import(ingest_db, csv_bytes([police]), "csv", source="police_110")
    assert (result.taken, result.duplicates) == (1, 0)
    assert len(fetch(ingest_db, "SELECT id FROM incidents WHERE source_id = %s", (tag,))) == 2


def _police(source_id: str, lon: float, lat: float, at: str, category: str = "民生诉求") -> dict:
    return {"警情编号": source_id, "报警时间": at, "警情类别": category,
            "经度": f"{lon:.9f}", "纬度": f"{lat:.9f}"}  # fmt: skip


def test_the_same_event_from_another_source_is_linked_not_counted_twice(ingest_db):
    """A 110 call 40 m and 1 h from an open 12345 case of the same category joins that case."""
    point = grid_points(ingest_db, 5)[4]
    tag = _tag()
    at = "2021-04-02 09:00:00"
    _import(ingest_db, csv_bytes([hotline_row(f"{tag}-h", point, 来电时间=at)]), "csv")
    case = _stored(ingest_db, f"{tag}-h")[-1]
    flows = "SELECT coalesce(sum(new), 0) FROM incident_daily_flows WHERE code = '*' AND day = %s"
    new_before = fetch(ingest_db, flows, ("2021-04-02",))[0][0]
    count_before = fetch(ingest_db, "SELECT count(*) FROM incidents")[0][0]
    north = 40 / 111_000  # about 40 m north
    near = _police(f"{tag}-p1", point.lon, point.lat + north, "2021-04-02 10:00:00")
    result = _import(ingest_db, csv_bytes([near]), "csv", source="police_110")
    assert (result.taken, result.linked) == (0, 1)
    assert fetch(ingest_db, "SELECT count(*) FROM incidents")[0][0] == count_before
    assert fetch(ingest_db, flows, ("2021-04-02",))[0][0] == new_before
    link = fetch(
        ingest_db,
        "SELECT incident_id, source, source_id, round(distance_m) FROM incident_links "
        "WHERE source_id = %s",
        (f"{tag}-p1",),
    )
    assert link == [(case, "police_110", f"{tag}-p1", 40)]
    again = _import(ingest_db, csv_bytes([near]), "csv", source="police_110")
    assert (again.taken, again.linked, again.duplicates) == (0, 0, 1)


_OUTCOME_ROWS = """
SELECT 'case', source_id, grid_code, community_code, street_code, district_code,
       assigned_center, handling_level, status, deadline_at, reported_at, ST_AsText(geom),
       (SELECT count(*) FROM incident_events e WHERE e.incident_id = i.id)
FROM incidents i WHERE source_id LIKE %(tag)s
UNION ALL
SELECT 'link', l.source_id, i.source_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       l.reported_at, ST_AsText(l.geom), round(l.distance_m)
FROM incident_links l JOIN incidents i ON i.id = l.incident_id WHERE l.source_id LIKE %(tag)s
ORDER BY 1, 2
"""


@pytest.mark.parametrize("few_rows_max", [store.FEW_ROWS_MAX, 0])
def test_the_few_rows_statement_and_the_import_tables_decide_alike(
    ingest_db, few_rows_max, monkeypatch
):
    """New cases (one urgent), a repeat within the call, one stored before, one linked to a
    110 case, one linked before and sent again (a duplicate, not linked twice), one without a
    place, one outside the city: the same counts, reasons and stored rows whether one
    statement (up to FEW_ROWS_MAX rows) or the temporary tables (a big import) take them."""
    points = grid_points(ingest_db, 9)[5:]
    tag = _tag()
    day = "2021-05-02" if few_rows_max else "2021-05-12"  # the two runs' cases apart
    at = f"{day} 09:00:00"
    near = _police(f"{tag}-p", points[0].lon, points[0].lat + 40 / 111_000, at)
    _import(ingest_db, csv_bytes([near]), "csv", source="police_110")
    _import(ingest_db, csv_bytes([hotline_row(f"{tag}-old", points[1], 来电时间=at)]), "csv")
    relinked = hotline_row(f"{tag}-relinked", points[0], 来电时间=f"{day} 10:30:00")
    assert _import(ingest_db, csv_bytes([relinked]), "csv").linked == 1
    rows = [
        hotline_row(f"{tag}-link", points[0], 来电时间=f"{day} 10:00:00"),
        hotline_row(f"{tag}-old", points[1], 来电时间=at),
        hotline_row(f"{tag}-new", points[2], 来电时间=at),
        hotline_row(f"{tag}-urgent", points[3], 来电时间=at, 紧急程度="紧急"),
        hotline_row(f"{tag}-new", points[2], 来电时间=at),
        hotline_row(f"{tag}-nowhere", None, 来电时间=at),
        hotline_row(f"{tag}-far", points[2], 来电时间=at, 经度="116.4", 纬度="39.9"),
        relinked,
    ]
    monkeypatch.setattr(store, "FEW_ROWS_MAX", few_rows_max)
    result = _import(ingest_db, csv_bytes(rows), "csv", partial=True)
    assert (result.taken, result.duplicates, result.linked) == (2, 3, 1)
    assert [(r.line, r.reason) for r in result.rejects] == [(7, "no_location"), (8, "outside_city")]
    stored = fetch(ingest_db, _OUTCOME_ROWS, {"tag": f"{tag}-%"})
    assert [r[:3] for r in stored] == [
        ("case", f"{tag}-new", points[2].grid), ("case", f"{tag}-old", points[1].grid),
        ("case", f"{tag}-p", points[0].grid), ("case", f"{tag}-urgent", points[3].grid),
        ("link", f"{tag}-link", f"{tag}-p"), ("link", f"{tag}-relinked", f"{tag}-p"),
    ]  # fmt: skip
    new, urgent, link = stored[0], stored[3], stored[4]
    where = (points[2].community, points[2].street, points[2].district)
    assert new[3:6] == where and new[7:9] == ("workstation", "reported") and new[12] == 1
    assert new[6] is not None and urgent[7] == "command_post" and urgent[9] < new[9]
    assert link[12] == 40


@pytest.mark.parametrize(
    ("meters", "at", "category"),
    [
        (150, "2021-04-12 10:00:00", "民生诉求"),  # too far
        (40, "2021-04-12 12:30:00", "民生诉求"),  # too late (3.5 h)
        (40, "2021-04-12 10:00:00", "治安案件"),  # another category
    ],
)
def test_reports_outside_the_link_rules_are_new_cases(ingest_db, meters, at, category):
    point = grid_points(ingest_db, 7)[6]
    tag = _tag()
    base = hotline_row(f"{tag}-h", point, 来电时间="2021-04-12 09:00:00")
    _import(ingest_db, csv_bytes([base]), "csv")
    other = _police(f"{tag}-p", point.lon, point.lat + meters / 111_000, at, category)
    result = _import(ingest_db, csv_bytes([other]), "csv", source="police_110")
    assert (result.taken, result.linked) == (1, 0)


def test_a_closed_case_is_not_linked_and_the_same_source_is_not_linked(ingest_db):
    point = grid_points(ingest_db, 9)[8]
    tag = _tag()
    at = "2021-05-03 09:00:00"
    _import(ingest_db, csv_bytes([hotline_row(f"{tag}-h", point, 来电时间=at)]), "csv")
    again = hotline_row(f"{tag}-h2", point, 来电时间="2021-05-03 09:30:00")
    assert _import(ingest_db, csv_bytes([again]), "csv").taken == 1  # same source: new case
    conn = psycopg2.connect(ingest_db)
    with conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE incidents SET status = 'closed', result = 'resolved', "
            "resolved_at = reported_at + interval '1 hour', "
            "closed_at = reported_at + interval '2 hours' WHERE source_id IN (%s, %s)",
            (f"{tag}-h", f"{tag}-h2"),
        )
    conn.close()
    other = _police(f"{tag}-p", point.lon, point.lat, "2021-05-03 10:00:00")
    assert _import(ingest_db, csv_bytes([other]), "csv", source="police_110").taken == 1


def test_a_row_without_a_point_is_placed_by_a_known_address(ingest_db):
    """The gazetteer learns an address from a row with a point; a later row uses it."""
    point = grid_points(ingest_db, 4)[3]
    tag = _tag()
    address = f"城关区测试路{tag}号"
    _import(ingest_db, csv_bytes([hotline_row(f"{tag}-1", point, 诉求地址=address)]), "csv")
    later = hotline_row(f"{tag}-2", None, 诉求地址=f" 城关区测试路{tag}号 ".replace("号", "号 "))
    result = _import(ingest_db, csv_bytes([later]), "csv")
    assert (result.taken, result.placed_by_address) == (1, 1)
    assert _stored(ingest_db, f"{tag}-2")[0] == point.grid


def test_an_empty_gazetteer_learns_the_stored_incidents_addresses(ingest_db):
    conn = psycopg2.connect(ingest_db)
    with conn, conn.cursor() as cur:
        cur.execute("DELETE FROM address_gazetteer")
    conn.close()
    address, grid = fetch(
        ingest_db,
        "SELECT address, grid_code FROM incidents WHERE source_id IS NULL AND address <> '' "
        "ORDER BY id LIMIT 1",
    )[0]
    tag = _tag()
    result = _import(ingest_db, csv_bytes([hotline_row(tag, None, 诉求地址=address)]), "csv")
    assert result.taken == 1 and _stored(ingest_db, tag)[0] == grid
    assert fetch(ingest_db, "SELECT count(*) > 100 FROM address_gazetteer")[0][0]


def test_every_bad_row_is_listed_with_its_reason_and_nothing_or_the_good_rows_stored(ingest_db):
    point = grid_points(ingest_db, 2)[1]
    tag = _tag()
    good = hotline_row(f"{tag}-ok", point)
    rows = [
        good,
        hotline_row(f"{tag}-1", None, 诉求地址="没有这个地址"),
        hotline_row(f"{tag}-2", None, 经度="116.40", 纬度="39.90"),  # Beijing
        hotline_row(f"{tag}-3", point, 来电时间="2021年3月1日 25时"),
        hotline_row(f"{tag}-4", point, 来电时间="2021-02-30 10:00"),
        hotline_row(f"{tag}-5", point, 来源渠道="微博"),
        hotline_row("", point),
        hotline_row(f"{tag}-7", point, 紧急程度="火急"),
    ]
    rows[2]["经度"], rows[2]["纬度"] = "116.40", "39.90"
    data = (
        csv_bytes(rows)
        + csv_bytes([hotline_row(f"{tag}-8", point, 诉求内容="乱码")], "gbk").split(b"\r\n", 1)[1]
    )
    expected = [
        (3, "no_location"), (4, "outside_city"), (5, "bad_date"), (6, "bad_date"),
        (7, "unknown_source"), (8, "no_source_id"), (9, "bad_severity"), (10, "encoding"),
    ]  # fmt: skip
    before = table_checksums(ingest_db)
    whole = _import(ingest_db, data, "csv")  # all or nothing: nothing stored
    assert whole.taken == 1 and not whole.stored
    assert [(r.line, r.reason) for r in whole.rejects] == expected
    assert table_checksums(ingest_db) == before
    count = fetch(ingest_db, "SELECT count(*) FROM incidents")[0][0]
    result = _import(ingest_db, data, "csv", partial=True)
    assert result.taken == 1 and result.stored
    assert [(r.line, r.reason) for r in result.rejects] == expected
    assert fetch(ingest_db, "SELECT count(*) FROM incidents")[0][0] == count + 1


_LOOKUP_POINTS = """
CREATE TEMP TABLE ingest_points ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY kind, code)::int AS line, geom, 'point' AS placed_by
FROM (
    SELECT 'inside' AS kind, code, ST_PointOnSurface(geom) AS geom
    FROM current_areas WHERE level = 'grid'
    UNION ALL  -- on the edge two grids share, and at a corner of a grid
    SELECT 'edge', a.code, ST_PointOnSurface(ST_Intersection(a.geom, b.geom))
    FROM current_areas a JOIN current_areas b ON a.level = 'grid' AND b.level = 'grid'
        AND a.code < b.code AND ST_Intersects(a.geom, b.geom)
        AND ST_Dimension(ST_Intersection(a.geom, b.geom)) = 1
    UNION ALL
    SELECT 'corner', code, ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1)
    FROM current_areas WHERE level = 'grid'
    UNION ALL
    SELECT 'outside', '', ST_SetSRID(ST_MakePoint(116.4, 39.9), 4490)
) p;
ALTER TABLE ingest_points ADD PRIMARY KEY (line);
CREATE INDEX ON ingest_points USING gist (geom);
ANALYZE ingest_points
"""
_LOOKED_UP = "SELECT * FROM ingest_grids ORDER BY line"
# the few rows' placement (geo/sql/ingest_few.sql): each point through minqing_grid_at
_BY_POINT = (
    "CREATE TEMP TABLE ingest_grids ON COMMIT DROP AS SELECT p.line, g.* "
    "FROM ingest_points p CROSS JOIN LATERAL minqing_grid_at(p.geom) g"
)


def test_the_grid_lookups_for_few_and_for_many_points_place_alike(ingest_db):
    """Points inside every grid, on shared edges, at corners, outside the city: the lookup by
    point (a few rows) and the lookup by grid (a big import) give the same grid and parents,
    the lowest code on a shared edge."""
    conn = db.connect(ingest_db)
    try:
        with conn.cursor() as cur:
            cur.execute(_LOOKUP_POINTS)
            cur.execute(load_sql("ingest_grids"))
            cur.execute(_LOOKED_UP)
            by_grid = cur.fetchall()
            cur.execute("DROP TABLE ingest_grids")
            cur.execute(_BY_POINT)
            cur.execute(_LOOKED_UP)
            by_point = cur.fetchall()
            cur.execute("SELECT count(*) FROM ingest_points")
            points = cur.fetchone()[0]
    finally:
        conn.rollback()
        conn.close()
    assert by_point == by_grid
    assert len(by_grid) == points - 1  # all but the one outside the city
    edges = fetch(
        ingest_db,
        "SELECT count(*) FROM current_areas a JOIN current_areas b ON a.level = 'grid'"
        " AND b.level = 'grid' AND a.code < b.code AND ST_Intersects(a.geom, b.geom)"
        " AND ST_Dimension(ST_Intersection(a.geom, b.geom)) = 1",
    )[0][0]
    assert edges > 0


def test_a_dry_run_counts_and_stores_nothing(ingest_db):
    point = grid_points(ingest_db, 1)[0]
    before = table_checksums(ingest_db)
    result = _import(ingest_db, csv_bytes([hotline_row(_tag(), point)]), "csv", dry_run=True)
    assert result.taken == 1 and result.dry_run
    assert table_checksums(ingest_db) == before


def test_a_failure_at_the_last_write_leaves_the_database_as_it_was(ingest_db):
    """A refusal after the new cases and events are written rolls all of it back."""
    points = grid_points(ingest_db, 6)
    tag = _tag()
    _import(ingest_db, csv_bytes([hotline_row(f"{tag}-h", points[5], 来电时间="2021-06-01 09:00")]),
            "csv")  # fmt: skip
    conn = psycopg2.connect(ingest_db)
    with conn, conn.cursor() as cur:
        cur.execute(
            "CREATE FUNCTION ingest_test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$BEGIN RAISE EXCEPTION 'refused by the test'; END$$"
        )
        cur.execute(
            "CREATE TRIGGER ingest_test_refuse BEFORE INSERT ON incident_links "
            "FOR EACH ROW EXECUTE FUNCTION ingest_test_refuse()"
        )
    try:
        before = table_checksums(ingest_db)
        rows = [_police(f"{tag}-{i}", p.lon, p.lat, "2021-06-01 09:30") for i, p in
                enumerate(points)]  # fmt: skip
        with pytest.raises(DatabaseError, match="nothing was stored"):
            _import(ingest_db, csv_bytes(rows), "csv", source="police_110")
        assert table_checksums(ingest_db) == before
    finally:
        with conn, conn.cursor() as cur:
            cur.execute("DROP TRIGGER ingest_test_refuse ON incident_links")
            cur.execute("DROP FUNCTION ingest_test_refuse()")
        conn.close()


def test_mappings_from_a_form_use_the_canonical_field_names(ingest_db):
    """The dashboard and services may pass plain mappings keyed by the field names."""
    point = grid_points(ingest_db, 1)[0]
    tag = _tag()
    when = datetime(2021, 7, 1, 23, 30, tzinfo=CST)
    record = {"source_id": tag, "reported_at": when.isoformat(), "category": "safety_hazard",
              "subcategory": "gas", "severity": 4, "lon": point.lon, "lat": point.lat}  # fmt: skip
    conn = db.connect(ingest_db)
    try:
        result = ingest_incidents(conn, [record], "grid_patrol", "表单")
    finally:
        conn.close()
    assert result.taken == 1
    stored = _stored(ingest_db, tag)
    assert stored[5] == "sub_center" and stored[7] == when + timedelta(hours=12)


_DEDUP_PLAN = """
    EXPLAIN (COSTS OFF)
    SELECT r.line
    FROM (VALUES (1, 'hotline_12345', 'a'), (2, 'police_110', 'b')) r (line, source, source_id)
    CROSS JOIN LATERAL minqing_stored_before(r.source, r.source_id) stored_before
"""


def test_the_dedup_lookup_is_planned_into_its_caller_by_key(ingest_db):
    """The stored-before function is inlined (no call per row) and reads the unique indexes."""
    plan = "\n".join(row[0] for row in fetch(ingest_db, _DEDUP_PLAN))
    assert "Function Scan" not in plan
    assert "incidents_source_id_key" in plan and "incident_links_source_id_key" in plan
