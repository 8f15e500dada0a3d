"""Tile statements prepared once per connection: the same bytes as drawn unprepared, each
layer's statement prepared once, the open cases' points on their generic plan."""

from __future__ import annotations

from datetime import datetime

import psycopg2
import pytest

from geo import db
from geo.filters import OPEN_STATUSES, IncidentFilter, Period
from geo.live.view import load_static
from geo.mapapi import prepared
from geo.mapapi.clients import enter_client_for_service
from geo.mapapi.features import IncidentQuery
from geo.mapapi.tiles import (
    Tile,
    area_statement,
    draw,
    incident_layer,
    incident_statement,
    layers_query,
    text_array,
)
from geo.timeutil import CST, now_utc
from tests.service_fixtures import service_world
from tests.support import owner_rows

pytestmark = pytest.mark.db
ANY_TIME = Period(datetime(2000, 1, 1, tzinfo=CST), datetime(2100, 1, 1, tzinfo=CST), "all")
OPEN_CASES = IncidentQuery(IncidentFilter(ANY_TIME, statuses=OPEN_STATUSES))
STATEMENTS = (
    "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
    " WHERE name LIKE 'minqing_tile_%'"
)


@pytest.fixture(scope="module")
def world(scratch):
    return service_world(scratch)


def _places(url: str) -> list[tuple[float, float]]:
    """The label points of the three grids with the most open cases."""
    return owner_rows(
        url,
        "SELECT ST_X(ST_Centroid(ST_Collect(geom))), ST_Y(ST_Centroid(ST_Collect(geom)))"
        " FROM incidents WHERE status IN ('reported', 'assigned', 'in_progress')"
        " GROUP BY grid_code ORDER BY count(*) DESC LIMIT 3",
    )


def test_tile_statements_are_prepared_once_and_draw_the_same_bytes(world):
    """Grid tiles (z11–z15) and the open cases' point tiles (z14–z16) at three places: each
    tile is byte for byte the one its statement draws unprepared; each layer's statement is
    prepared once on the connection; both run their generic plan (nothing planned per tile:
    the grids come cut for each tile already); the features come in an order of their own (the
    points newest first, the grids by code), so the bytes are the same whatever the plan."""
    conn = db.connect(world.app_url)
    try:
        assert enter_client_for_service(conn, world.city) is not None
        version = owner_rows(world.url, "SELECT id FROM boundary_versions WHERE is_current")[0][0]
        tree = load_static(conn, version).tree
        drawn = {"grids": 0, "points": 0}
        for lon, lat in _places(world.url):
            for z in range(11, 17):
                tile = Tile.containing(lon, lat, z)
                layers = {"grids": area_statement(tile, "grid", "grids", version, None, {}, tree)}
                if z >= 14:
                    layers["points"] = incident_statement(
                        incident_layer(conn, OPEN_CASES), tile, tree, now_utc()
                    )
                for name, statement in layers.items():
                    assert statement.prepared is not None
                    tile_bytes = draw(conn, [statement])
                    assert tile_bytes == draw(conn, [statement._replace(prepared=None)])
                    drawn[name] += bool(tile_bytes)
        assert drawn["grids"] >= 15 and drawn["points"] >= 6, drawn
        with conn.cursor() as cur:
            cur.execute(STATEMENTS)
            rows = cur.fetchall()
        kept = {("points" if "FROM incidents" in text else "grids"): p for text, *p in rows}
        assert len(rows) == 2 and set(kept) == {"points", "grids"}, rows
        assert kept["points"] == [9, 0]  # generic plans, custom plans
        assert kept["grids"] == [18, 0]
    finally:
        conn.close()


def test_a_filtered_incident_layer_and_a_full_connection_are_not_prepared(world, monkeypatch):
    """Only the open cases' points are prepared (a filter may want another plan), and a
    connection holding its most prepared statements draws as before."""
    conn = db.connect(world.app_url)
    try:
        assert enter_client_for_service(conn, world.city) is not None
        version = owner_rows(world.url, "SELECT id FROM boundary_versions WHERE is_current")[0][0]
        tree = load_static(conn, version).tree
        lon, lat = _places(world.url)[0]
        tile = Tile.containing(lon, lat, 15)
        closed = IncidentQuery(IncidentFilter(ANY_TIME, statuses=("closed",)))
        statement = incident_statement(incident_layer(conn, closed), tile, tree, now_utc())
        assert statement.prepared is None
        grids = area_statement(tile, "grid", "grids", version, None, {}, tree)
        monkeypatch.setattr(prepared, "MOST_PER_CONNECTION", 0)
        with conn.cursor() as cur:
            assert layers_query(cur, [grids]).startswith(b"SELECT ")
            cur.execute(STATEMENTS)
            assert cur.fetchall() == []
    finally:
        conn.close()


def test_what_a_connection_prepared_is_kept_on_it_alone(world):
    """The record of prepared statements belongs to the connection: a second connection
    prepares its own, and a connection of another kind (no record) sends the tile as text."""
    version = owner_rows(world.url, "SELECT id FROM boundary_versions WHERE is_current")[0][0]
    lon, lat = _places(world.url)[0]
    tile = Tile.containing(lon, lat, 15)
    first, second = db.connect(world.app_url), db.connect(world.app_url)
    plain = psycopg2.connect(world.app_url)
    try:
        for conn in (first, second, plain):
            assert enter_client_for_service(conn, world.city) is not None
        tree = load_static(first, version).tree
        grids = area_statement(tile, "grid", "grids", version, None, {}, tree)
        with first.cursor() as cur:
            assert b"EXECUTE " in layers_query(cur, [grids])
        assert len(first.prepared) == 1 and second.prepared == set()
        with second.cursor() as cur:
            assert b"EXECUTE " in layers_query(cur, [grids])
        assert second.prepared == first.prepared
        with plain.cursor() as cur:
            assert layers_query(cur, [grids]).startswith(b"SELECT ")
            cur.execute(STATEMENTS)
            assert cur.fetchall() == []
    finally:
        for conn in (first, second, plain):
            conn.close()


def test_a_text_array_is_read_back_as_the_same_values(world):
    """The grid codes sent as one `text[]` literal come back from the database as they were,
    quotes, backslashes, commas, braces, blanks, the word NULL and Chinese included."""
    values = ["620102001004001", 'a"b', "c\\d", "e,f", "{g}", "", " h ", "NULL", "七里河"]
    for sent in (values, [], ["x"]):
        rows = owner_rows(world.url, "SELECT %s::text[]", (text_array(sent),))
        assert rows[0][0] == sent
