"""Area outlines cut for each tile when a version becomes current (migration 253): tiles drawn
from the cuts are byte for byte the tiles drawn by cutting the outlines per tile, and only the
owner and those who may publish boundaries write the cuts."""

from __future__ import annotations

import mapbox_vector_tile
import psycopg2
import pytest

from geo import db
from geo.live.queries import within
from geo.live.view import load_static
from geo.mapapi.clients import enter_client_for_service
from geo.mapapi.tiles import BUFFER, EXTENT, GridColour, Tile, area_statement, draw
from tests.service_fixtures import OWN_DISTRICT, service_world
from tests.support import owner_connection, owner_rows

pytestmark = pytest.mark.db
LAYERS = (("grid", "grids"), ("community", "communities"))
ZOOMS = range(8, 17)  # cut to 15: the last drawn per tile both times
CUTS = (
    "SELECT count(*) FROM area_tile_cuts"
    " WHERE version_id = %s AND level = %s AND z = %s AND x = %s AND y = %s"
)


@pytest.fixture(scope="module")
def world(scratch):
    return service_world(scratch)


def _version(url: str) -> int:
    return owner_rows(url, "SELECT id FROM boundary_versions WHERE is_current")[0][0]


def _draw_all(world, tiles: list[Tile], version: int) -> dict[tuple[str, Tile, str], bytes]:
    """Each tile's grid and community layers as the service's client draws them, city-wide
    and only the areas of a district (as for a district's client), a few grids coloured."""
    conn = db.connect(world.app_url)
    try:
        assert enter_client_for_service(conn, world.city) is not None
        tree = load_static(conn, version).tree
        grids = sorted(code for code, node in tree.items() if node.level == "grid")
        colours = {code: GridColour("red", "在办重大风险 1 件", "1 open") for code in grids[::7]}
        district = [code for code, node in tree.items() if within(node, OWN_DISTRICT)]
        drawn = {}
        for scope, codes in (("city", None), ("district", district)):
            for tile in tiles:
                for level, layer in LAYERS:
                    shown = colours if level == "grid" else None
                    statement = area_statement(tile, level, layer, version, codes, shown, tree)
                    drawn[(scope, tile, layer)] = draw(conn, [statement])
        return drawn
    finally:
        conn.close()


def test_tiles_from_the_cuts_are_the_tiles_cut_per_tile(world):
    """Grid and community tiles z8–z16 around three grids, city-wide and for a district's
    client: drawn from the cuts, then with the version's cuts set aside (every outline cut in
    the statement), the same bytes; the cut tiles hold as many features as their cuts, made
    with the tiles' own extent and buffer."""
    version = _version(world.url)
    sets = "SELECT DISTINCT extent, buffer FROM area_tile_cut_sets WHERE version_id = %s"
    assert owner_rows(world.url, sets, (version,)) == [(EXTENT, BUFFER)]
    places = owner_rows(
        world.url,
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM current_areas"
        " WHERE level = 'grid' ORDER BY code LIMIT 3 OFFSET 40) g",
    )
    tiles = sorted({Tile.containing(lon, lat, z) for lon, lat in places for z in ZOOMS}, key=str)
    cut = _draw_all(world, tiles, version)
    with owner_connection(world.url) as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM area_tile_cut_sets WHERE version_id = %s", (version,))
    try:
        uncut = _draw_all(world, tiles, version)
    finally:
        with owner_connection(world.url) as conn, conn.cursor() as cur:
            cur.execute("SELECT minqing_cut_area_tiles(%s)", (version,))
    assert cut == uncut
    assert any(cut[("city", *key[1:])] != cut[key] for key in cut if key[0] == "district")
    checked = 0
    for (scope, tile, layer), body in cut.items():
        if scope != "city" or tile.z > 15 or not body:
            continue
        level = "grid" if layer == "grids" else "community"
        features = mapbox_vector_tile.decode(body)[layer]["features"]
        rows = owner_rows(world.url, CUTS, (version, level, tile.z, tile.x, tile.y))
        assert len(features) == rows[0][0] > 0
        checked += 1
    assert checked >= 2 * len(range(8, 16))
    # the cuts are what the tile is drawn from: without one tile's grid cuts it has no grids
    tile = next(t for t in tiles if t.z == 12)
    with owner_connection(world.url) as conn, conn.cursor() as cur:
        cur.execute(
            "DELETE FROM area_tile_cuts WHERE version_id = %s AND level = 'grid'"
            " AND z = %s AND x = %s AND y = %s",
            (version, tile.z, tile.x, tile.y),
        )
    try:
        assert cut[("city", tile, "grids")]
        assert _draw_all(world, [tile], version)[("city", tile, "grids")] == b""
    finally:
        with owner_connection(world.url) as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM area_tile_cut_sets WHERE version_id = %s", (version,))
            cur.execute("SELECT minqing_cut_area_tiles(%s)", (version,))
    assert _draw_all(world, [tile], version) == {key: cut[key] for key in cut if key[1] == tile}


def test_only_publishers_cut_and_nobody_writes_the_cuts_directly(world):
    """The service's client (a reader) may not cut a version nor write or delete a cut; a
    version other than the current one is not cut (its cuts would replace the current's)."""
    version = _version(world.url)
    before = owner_rows(world.url, "SELECT count(*) FROM area_tile_cuts")
    with (
        pytest.raises(psycopg2.errors.InvalidParameterValue, match="not the current"),
        owner_connection(world.url) as conn,
        conn.cursor() as cur,
    ):
        cur.execute("SELECT minqing_cut_area_tiles(%s)", (version + 1,))
    conn = db.connect(world.app_url)
    try:
        for statement in (
            "SELECT minqing_cut_area_tiles(%(v)s)",
            "DELETE FROM area_tile_cuts WHERE version_id = %(v)s",
            "INSERT INTO area_tile_cut_sets (version_id, level, max_zoom, extent, buffer)"
            " VALUES (%(v)s, 'x', 1, 4096, 64)",
        ):
            assert enter_client_for_service(conn, world.city) is not None
            with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement, {"v": version})
            conn.rollback()
    finally:
        conn.close()
    assert owner_rows(world.url, "SELECT count(*) FROM area_tile_cuts") == before
