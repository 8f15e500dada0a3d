"""The map service's vector tiles: decoded and checked against the database and the live map."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import mapbox_vector_tile
import psycopg2.errors
import psycopg2.extensions
import pytest
from fastapi.testclient import TestClient

from geo import db
from geo.filters import OPEN_STATUSES, IncidentFilter, parse_period
from geo.live.grid_status import load_rules
from geo.live.view import live_view, load_static
from geo.mapapi.clients import add_client, rotate_token, set_disabled
from geo.mapapi.tiles import BUFFER, EXTENT, Tile
from geo.timeutil import CST, now_utc
from geo.warnings.queries import ACTIVE, list_warnings
from service import access, maps, tiles
from service.app import create_app
from service.config import ServiceSettings
from service.lane import Busy, Lane, fetch_one
from service.maps import STAMP_SECONDS
from tests.service_fixtures import OWN_DISTRICT, service_world
from tests.support import owner_rows, run_apart

pytestmark = pytest.mark.db
OPEN = list(OPEN_STATUSES)  # bound as a parameter: `status = ANY(%s)`


@pytest.fixture(scope="module")
def world(scratch):
    return service_world(scratch)


@pytest.fixture(scope="module")
def api(world):
    return TestClient(create_app(world.app_url))


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    tile = Tile.containing(lon, lat, z)
    return tile.x, tile.y


def _decode(api, token, path):
    response = api.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content), response


BUSIEST_GRID = """
    WITH busiest AS (
        SELECT grid_code, ST_Centroid(ST_Collect(geom)) AS centre FROM incidents
        WHERE status IN ('reported', 'assigned', 'in_progress')
        GROUP BY 1 ORDER BY count(*) DESC, grid_code LIMIT 1)
    SELECT b.grid_code, ST_X(n.geom), ST_Y(n.geom) FROM busiest b CROSS JOIN LATERAL (
        SELECT geom FROM incidents
        WHERE status IN ('reported', 'assigned', 'in_progress') AND grid_code = b.grid_code
        ORDER BY geom <-> b.centre, id LIMIT 1) n
"""


def _busiest_grid(url: str) -> tuple[str, float, float]:
    """The grid with the most open cases (ties by code) and the place of its open case nearest
    their centre: a tile there holds at least that case (the centre itself may fall between
    clumps of cases, in a tile with none)."""
    return owner_rows(url, BUSIEST_GRID)[0]


def test_grid_tiles_carry_the_live_maps_colours(world, api):
    """Every grid crossing the tile is in it, coloured and explained as the live map judges it."""
    conn = db.connect(world.url)
    try:
        now = now_utc()
        static = load_static(
            conn, owner_rows(world.url, "SELECT id FROM boundary_versions WHERE is_current")[0][0]
        )
        view = live_view(conn, IncidentFilter(parse_period("7d", now)), now, static, load_rules())
    finally:
        conn.close()
    judged = {g.measures.code: g for g in view.grids}
    assert judged, "the demo has red or yellow grids"
    code = next(iter(judged))
    lon, lat = owner_rows(
        world.url, "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))"
        " FROM current_areas WHERE code = %s", (code,),
    )[0]  # fmt: skip
    z = 13
    x, y = _tile_of(lon, lat, z)
    tile, _ = _decode(api, world.city, f"/tiles/WebMercatorQuad/{z}/{y}/{x}")
    grids = {f["properties"]["code"]: f["properties"] for f in tile["grids"]["features"]}
    expected = owner_rows(
        world.url,
        "SELECT code FROM current_areas WHERE level = 'grid' AND ST_Intersects("
        "ST_Transform(ST_SetSRID(geom, 4326), 3857), ST_TileEnvelope(%s, %s, %s, margin => %s))",
        (z, x, y, BUFFER / EXTENT),
    )
    assert set(grids) == {r[0] for r in expected}
    rules = load_rules()
    for grid, props in grids.items():
        status = judged.get(grid)
        assert props["color"] == (status.color if status else "blue")
        if status:
            assert props["reason_zh"] == "；".join(status.reasons(rules, "zh"))
            assert props["reason_en"] == "; ".join(status.reasons(rules, "en"))


# A grid blue whatever the clock: no open case in it or within 1 km of its point (a large
# grid's open cases can lie farther off), and none reported in the last two months (no rise).
QUIET_GRID = """
    SELECT g.code, ST_X(g.p), ST_Y(g.p)
    FROM (SELECT code, ST_PointOnSurface(geom) AS p FROM current_areas WHERE level = 'grid') g
    WHERE NOT EXISTS (
        SELECT FROM incidents i WHERE i.grid_code = g.code
          AND (i.status = ANY(%s) OR i.reported_at > now() - interval '62 days'))
      AND NOT EXISTS (
        SELECT FROM incidents i WHERE i.status = ANY(%s)
          AND ST_DWithin(i.geom::geography, g.p::geography, 1000))
    ORDER BY g.code LIMIT 1
"""


def test_a_grid_turns_red_in_its_tile_as_soon_as_a_major_risk_is_pushed(world, api):
    """A blue grid with no open case near it gets a pushed major-risk report: its next tile
    (the shared live view, judged again on the change) shows it red, with the reason."""
    code, lon, lat = owner_rows(world.url, QUIET_GRID, (OPEN, OPEN))[0]
    z = 15
    x, y = _tile_of(lon, lat, z)
    path = f"/collections/grids/tiles/WebMercatorQuad/{z}/{y}/{x}"

    def colour() -> str:
        tile, _ = _decode(api, world.city, path)
        return {f["properties"]["code"]: f["properties"] for f in tile["grids"]["features"]}[code]

    assert colour()["color"] == "blue"
    at = (now_utc() - timedelta(minutes=5)).astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")
    report = {
        "source_id": f"red-{code}", "reported_at": at, "category": "民生诉求",
        "description": "重大风险", "lon": lon, "lat": lat, "major_risk": "true",
    }  # fmt: skip
    pushed = api.post("/intake/hotline_12345/reports", json=report,
                      headers={"Authorization": f"Bearer {world.hotline}"})  # fmt: skip
    assert pushed.status_code == 201 and pushed.json()["grid_code"] == code, pushed.text
    time.sleep(STAMP_SECONDS)
    red = colour()
    assert red["color"] == "red" and red["reason_en"] == "1 open major-risk case(s)"


def test_incidents_are_counted_when_zoomed_out_and_points_when_zoomed_in(world, api):
    """Counts per community and per grid add up to the open cases; points from zoom 14."""
    whole, _ = _decode(api, world.city, "/tiles/WebMercatorQuad/0/0/0")
    total_open = owner_rows(
        world.url, "SELECT count(*) FROM incidents WHERE status = ANY(%s)", (OPEN,)
    )[0][0]
    assert sum(f["properties"]["count"] for f in whole["incidents"]["features"]) == total_open
    per_community = dict(
        owner_rows(
            world.url,
            "SELECT community_code, count(*) FROM incidents WHERE status = ANY(%s) GROUP BY 1",
            (OPEN,),
        )
    )
    assert {
        f["properties"]["code"]: f["properties"]["count"] for f in whole["incidents"]["features"]
    } == per_community
    grid, lon, lat = _busiest_grid(world.url)
    # a grid's count sits at its label point, which the incidents' centre may not share a tile with
    label = owner_rows(
        world.url,
        "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))"
        " FROM current_areas WHERE code = %s",
        (grid,),
    )[0]
    x, y = _tile_of(*label, 12)
    middle, _ = _decode(api, world.city, f"/tiles/WebMercatorQuad/12/{y}/{x}")
    counted = {
        f["properties"]["code"]: f["properties"]["count"] for f in middle["incidents"]["features"]
    }
    assert (
        counted[grid]
        == owner_rows(
            world.url,
            "SELECT count(*) FROM incidents WHERE status = ANY(%s) AND grid_code = %s",
            (OPEN, grid),
        )[0][0]
    )
    x, y = _tile_of(lon, lat, 15)
    close, _ = _decode(api, world.city, f"/tiles/WebMercatorQuad/15/{y}/{x}?layers=incidents")
    assert set(close) == {"incidents"}
    ids = {f["properties"]["id"] for f in close["incidents"]["features"]}
    # a tile holds the points of its buffer too (64 of 4096 units each side), as MVT tiles do
    expected = owner_rows(
        world.url,
        "SELECT id FROM incidents WHERE status = ANY(%s) AND ST_Intersects("
        "ST_Transform(ST_SetSRID(geom, 4326), 3857), ST_TileEnvelope(15, %s, %s, margin => %s))",
        (OPEN, x, y, BUFFER / EXTENT),
    )
    assert ids == {r[0] for r in expected} and ids
    disputes, _ = _decode(
        api,
        world.city,
        "/collections/incidents/tiles/WebMercatorQuad/0/0/0?category=dispute&status=closed",
    )
    assert (
        sum(f["properties"]["count"] for f in disputes["incidents"]["features"])
        == owner_rows(
            world.url,
            "SELECT count(*) FROM incidents WHERE category = 'dispute' AND status = 'closed'",
        )[0][0]
    )


def test_a_district_client_gets_no_tile_content_of_another_district(world, api):
    """Grids, counts and warnings of the client's district only, at every zoom."""
    for z, lon, lat in (
        (0, 103.8, 36.0),
        (8, 103.83, 36.06),
        (10, 103.6, 36.05),
        (12, 103.75, 36.07),
    ):
        x, y = _tile_of(lon, lat, z)
        tile, _ = _decode(api, world.district, f"/tiles/WebMercatorQuad/{z}/{y}/{x}")
        for feature in tile.get("grids", {}).get("features", []):
            assert feature["properties"]["code"].startswith(OWN_DISTRICT)
        for feature in tile.get("incidents", {}).get("features", []):
            assert feature["properties"]["code"].startswith(OWN_DISTRICT)
        for feature in tile.get("warnings", {}).get("features", []):
            assert owner_rows(
                world.url, "SELECT district_code FROM warnings WHERE id = %s",
                (feature["properties"]["id"],),
            )[0][0] == OWN_DISTRICT  # fmt: skip
    whole, _ = _decode(api, world.district, "/tiles/WebMercatorQuad/0/0/0")
    assert sum(f["properties"]["count"] for f in whole["incidents"]["features"]) == owner_rows(
        world.url, "SELECT count(*) FROM incidents WHERE status = ANY(%s) AND district_code = %s",
        (OPEN, OWN_DISTRICT),
    )[0][0]  # fmt: skip
    districts, _ = _decode(
        api, world.district, "/collections/districts/tiles/WebMercatorQuad/0/0/0"
    )
    assert [f["properties"]["code"] for f in districts["districts"]["features"]] == [OWN_DISTRICT]


def test_tiles_are_cacheable_and_revalidate(world, api):
    """An ETag tied to the data, Cache-Control for proxies, 304 on a match, 404 off the matrix."""
    _, first = _decode(api, world.city, "/tiles/WebMercatorQuad/9/198/404")
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert "Authorization" in first.headers["vary"]
    again = api.get(
        "/tiles/WebMercatorQuad/9/198/404",
        headers={"Authorization": f"Bearer {world.city}", "If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304 and not again.content
    _, district = _decode(api, world.district, "/tiles/WebMercatorQuad/9/198/404")
    assert district.headers["etag"] != first.headers["etag"]
    _, outline = _decode(api, world.city, "/collections/districts/tiles/WebMercatorQuad/9/198/404")
    assert outline.headers["cache-control"] == "public, max-age=3600"
    missing = api.get(
        "/tiles/WebMercatorQuad/3/9/1", headers={"Authorization": f"Bearer {world.city}"}
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_tilejson_and_tileset_describe_the_tiles(world, api):
    """TileJSON names the layers and a template; the tileset links the tile matrix set."""
    headers = {"Authorization": f"Bearer {world.city}"}
    tilejson = api.get("/tiles/WebMercatorQuad/tilejson.json", headers=headers).json()
    assert tilejson["tilejson"] == "3.0.0"
    assert [v["id"] for v in tilejson["vector_layers"]] == ["grids", "incidents", "warnings"]
    assert tilejson["tiles"][0].endswith("/tiles/WebMercatorQuad/{z}/{y}/{x}")
    tileset = api.get("/tiles/WebMercatorQuad", headers=headers).json()
    template = next(ln for ln in tileset["links"] if ln["rel"] == "item")
    assert template["href"].endswith("/{tileMatrix}/{tileRow}/{tileCol}") and template["templated"]
    matrix = api.get("/tileMatrixSets/WebMercatorQuad").json()
    assert matrix["tileMatrices"][10]["matrixWidth"] == 1024


class _Counted(psycopg2.extensions.cursor):
    """A cursor counting the messages its connection sends through it."""

    sent = 0

    def execute(self, query, vars=None):  # noqa: ANN001, ANN201 - psycopg2's signature
        _Counted.sent += 1
        return super().execute(query, vars)


def _in_one_message(api, path: str, headers: dict):  # noqa: ANN001, ANN202 - test client
    """The tile at `path` asked twice: the second (its caller kept) is one message to the
    database and the same tile as the first, drawn in a full transaction."""
    full = api.get(path, headers=headers)
    with _counting(api.app):
        _Counted.sent = 0
        kept = api.get(path, headers=headers)
        assert _Counted.sent == 1, path
    assert kept.content == full.content
    return kept


@contextmanager
def _counting(app) -> Iterator[None]:
    """Count the statements the app's pooled connections send and the messages its lane
    awaits (restored after)."""
    pool = app.state.backend.pool
    conns = list(pool._pool) + list(pool._used.values())
    for conn in conns:
        conn.cursor_factory = _Counted
    awaited = access.fetch_one

    async def counted(cur, message: bytes):  # noqa: ANN001, ANN202 - the lane's signature
        _Counted.sent += 1
        return await awaited(cur, message)

    access.fetch_one = counted
    try:
        yield
    finally:
        access.fetch_one = awaited
        for conn in conns:
            conn.cursor_factory = psycopg2.extensions.cursor


def _kept_app(world, monkeypatch, **settings: int) -> TestClient:  # noqa: ANN001 - fixtures
    """An app of its own with the tile cache off, whose callers, data stamps and colours stay
    kept for the whole test however slow the machine (an hour, a day), so that its tiles take
    the one-message way whenever the test asks twice."""
    monkeypatch.setattr(maps, "STAMP_SECONDS", 3600.0)
    kept = ServiceSettings(tile_cache_mb=0, token_seconds=3600, status_seconds=86400, **settings)
    return TestClient(create_app(world.app_url, kept))


def test_a_kept_caller_gets_its_tile_in_one_message_with_the_same_content(world, monkeypatch):
    """Once the caller, the stamp, the colours and the warnings are kept, a grid, incident or
    whole-map tile is one message to the database (the client entered by its token and the
    tile drawn); the tile, ETag included, is the one drawn by the full transaction, and a 304
    is one message too."""
    api = _kept_app(world, monkeypatch)
    lon, lat = _busiest_grid(world.url)[1:]
    conn = db.connect(world.url)
    try:
        warning = list_warnings(conn, ACTIVE)[0]
    finally:
        conn.close()
    paths = [
        f"/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}"
        for collection, z in (("grids", 13), ("incidents", 12), ("incidents", 15))
        for x, y in [_tile_of(lon, lat, z)]
    ] + [
        f"/tiles/WebMercatorQuad/{z}/{y}/{x}"
        for z in (11, 15)
        for x, y in [_tile_of(warning.lon, warning.lat, z)]
    ]  # fmt: skip
    for path in paths:
        headers = {"Authorization": f"Bearer {world.city}"}
        full = api.get(path, headers=headers)
        with _counting(api.app):
            _Counted.sent = 0
            kept = api.get(path, headers=headers)
            assert _Counted.sent == 1, path
            _Counted.sent = 0
            again = api.get(path, headers={**headers, "If-None-Match": kept.headers["etag"]})
            assert _Counted.sent == 1 and again.status_code == 304
        assert kept.status_code == 200 and kept.content == full.content and kept.content
        assert kept.headers["etag"] == full.headers["etag"]
        if path.startswith("/tiles/"):
            features = mapbox_vector_tile.decode(kept.content)["warnings"]["features"]
            assert warning.id in {f["properties"]["id"] for f in features}


def test_the_entering_statement_is_prepared_once_on_a_lane_connection(world, monkeypatch):
    """A lane connection's first message prepares the statement entering the client; the
    next ones execute it, and draw the same tile."""
    api = _kept_app(world, monkeypatch)
    sent: list[bytes] = []
    awaited = access.fetch_one

    async def recorded(cur, message: bytes):  # noqa: ANN001, ANN202 - the lane's signature
        sent.append(message)
        return await awaited(cur, message)

    monkeypatch.setattr(access, "fetch_one", recorded)
    headers = {"Authorization": f"Bearer {world.city}"}
    x, y = _tile_of(*_busiest_grid(world.url)[1:], 15)
    path = f"/collections/incidents/tiles/WebMercatorQuad/15/{y}/{x}"
    full = api.get(path, headers=headers)
    kept = [api.get(path, headers=headers) for _ in range(2)]
    assert [k.content for k in kept] == [full.content] * 2 and full.content
    entering = b'"' + access.ENTER_STATEMENT.encode() + b'"'
    assert sent[0].startswith(b"PREPARE " + entering + b" AS ")
    assert sent[1].startswith(b"EXECUTE " + entering + b"(") and b"PREPARE" not in sent[1]
    [lane_connection] = api.app.state.backend.lane.idle
    assert access.ENTER_STATEMENT in lane_connection.prepared


def test_a_revoked_client_is_refused_at_once_though_its_token_is_kept(world, monkeypatch):
    """The token cache only spares the door: the one message enters the client by the
    database, so a client disabled, or whose token is rotated, after its last tile gets a 401
    on the next one, within the cache's window."""
    api = _kept_app(world, monkeypatch)
    conn = db.connect(world.url)
    try:
        _, token = add_client(conn, "revoked-gis", "reader", OWN_DISTRICT)
        conn.commit()
        headers = {"Authorization": f"Bearer {token}"}
        path = "/collections/grids/tiles/WebMercatorQuad/12/1619/3241"
        assert api.get(path, headers=headers).status_code == 200
        assert api.app.state.backend.tokens.get(token) is not None
        set_disabled(conn, "revoked-gis", True)
        conn.commit()
        refused = api.get(path, headers=headers)
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith(
            "Bearer"
        )
        set_disabled(conn, "revoked-gis", False)
        conn.commit()
        assert api.get(path, headers=headers).status_code == 200
        rotate_token(conn, "revoked-gis")
        conn.commit()
        assert api.get(path, headers=headers).status_code == 401
        assert api.get(path, headers={**headers, "If-None-Match": "*"}).status_code == 401
    finally:
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("DELETE FROM api_clients WHERE name = 'revoked-gis'")
        conn.commit()
        conn.close()


def test_a_district_client_in_one_message_reads_its_district_only(world, monkeypatch):
    """The one-message tiles of a district client hold its district's grids and incidents
    only, the same as its full transaction's, at every zoom."""
    api = _kept_app(world, monkeypatch)
    headers = {"Authorization": f"Bearer {world.district}"}
    shown = {"grids": 0, "incidents": 0}
    for collection, z, lon, lat in (
        ("grids", 10, 103.6, 36.05), ("grids", 12, 103.75, 36.07),
        ("incidents", 8, 103.83, 36.06), ("incidents", 12, 103.75, 36.07),
        ("incidents", 14, 103.75, 36.07),
    ):  # fmt: skip
        x, y = _tile_of(lon, lat, z)
        path = f"/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}"
        kept = _in_one_message(api, path, headers)
        features = mapbox_vector_tile.decode(kept.content).get(collection, {}).get("features", [])
        shown[collection] += len(features)
        for feature in features:
            code = feature["properties"].get("code") or feature["properties"]["grid_code"]
            assert str(code).startswith(OWN_DISTRICT)
    assert all(shown.values()), shown
    whole = "/tiles/WebMercatorQuad/0/0/0"
    kept = _in_one_message(api, whole, headers)
    warnings = mapbox_vector_tile.decode(kept.content)["warnings"]["features"]
    assert warnings and {
        owner_rows(world.url, "SELECT district_code FROM warnings WHERE id = %s",
                   (f["properties"]["id"],))[0][0]
        for f in warnings
    } == {OWN_DISTRICT}  # fmt: skip
    x, y = _tile_of(103.6, 36.05, 10)
    city, _ = _decode(api, world.city, f"/collections/grids/tiles/WebMercatorQuad/10/{y}/{x}")
    assert any(
        not f["properties"]["code"].startswith(OWN_DISTRICT) for f in city["grids"]["features"]
    )


def test_a_kept_callers_tile_is_answered_before_the_routes(world, monkeypatch):
    """A kept caller's tile is answered by the service's own tile path (`service.kept_tiles`),
    not by FastAPI's routes: with the routes' drawing made to fail, it still comes, the same
    bytes and ETag as drawn; a caller not kept yet goes on to the route; a refusal on the
    path is the app's problem+json (a 429 with Retry-After once the client's rate is spent)."""
    api = _kept_app(world, monkeypatch)
    headers = {"Authorization": f"Bearer {world.city}"}
    x, y = _tile_of(*_busiest_grid(world.url)[1:], 13)
    path = f"/collections/grids/tiles/WebMercatorQuad/13/{y}/{x}"
    drawn = api.get(path, headers=headers)
    assert drawn.status_code == 200 and drawn.content

    def by_the_route(*args: object) -> None:
        raise AssertionError("drawn by the route")

    monkeypatch.setattr(tiles, "_drawn", by_the_route)
    kept = api.get(path, headers=headers)
    assert kept.status_code == 200 and kept.content == drawn.content
    assert kept.headers["etag"] == drawn.headers["etag"]
    with pytest.raises(AssertionError, match="drawn by the route"):
        api.get(path, headers={"Authorization": f"Bearer {world.district}"})
    monkeypatch.undo()
    conn = db.connect(world.url)
    try:
        _, token = add_client(conn, "slow-gis", "reader", "620100", rate_per_minute=6)
        conn.commit()
        slow = {"Authorization": f"Bearer {token}"}
        assert api.get(path, headers=slow).status_code == 200
        assert api.app.state.backend.tokens.get(token) is not None
        refused = api.get(path, headers=slow)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("rate_limited")
    finally:
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("DELETE FROM api_clients WHERE name = 'slow-gis'")
        conn.commit()
        conn.close()


def test_a_one_message_tile_on_a_lost_connection_is_a_503_then_drawn_again(world, monkeypatch):
    """When the database ends the service's sessions (a restart), a kept caller's one-message
    tile is a 503 with Retry-After, never a 500, until a new connection of the lane draws it
    (the same bytes: its statement prepared again on the new connection); a request drawn on
    the pool is a 503 until the pool's lost connections are gone."""
    api = _kept_app(world, monkeypatch)
    headers = {"Authorization": f"Bearer {world.city}"}
    path = "/collections/grids/tiles/WebMercatorQuad/12/1619/3241"
    assert api.get(path, headers=headers).status_code == 200
    drawn = api.get(path, headers=headers)
    assert drawn.status_code == 200 and len(api.app.state.backend.lane.idle) == 1
    pool, lane = api.app.state.backend.pool, api.app.state.backend.lane
    pooled = [c.info.backend_pid for c in [*pool._pool, *pool._used.values()]]
    pids = [*pooled, lane.idle[0].info.backend_pid]
    owner_rows(world.url, "SELECT pg_terminate_backend(p) FROM unnest(%s::int[]) p", (pids,))
    answers = [api.get(path, headers=headers) for _ in range(2)]
    assert answers[0].status_code == 503 and answers[0].headers["retry-after"] == "2"
    assert answers[1].status_code == 200 and answers[1].content == drawn.content
    items = [api.get("/collections/grids/items?limit=1", headers=headers) for _ in pooled]
    items.append(api.get("/collections/grids/items?limit=1", headers=headers))
    assert items[0].status_code == 503 and items[-1].status_code == 200
    assert all(a.status_code in (200, 503) for a in items)


def test_kept_tiles_are_awaited_on_the_event_loop_side_by_side(world, monkeypatch):
    """Two kept callers' tiles asked at once are answered side by side on the event loop: the
    second message is sent while the first is awaited (two of the lane's connections lent at
    the same time), and each is the tile its route draws."""
    api = _kept_app(world, monkeypatch)
    app = api.app
    headers = {"Authorization": f"Bearer {world.city}"}
    lon, lat = _busiest_grid(world.url)[1:]
    paths = [
        f"/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}"
        for collection, z in (("grids", 13), ("incidents", 15))
        for x, y in [_tile_of(lon, lat, z)]
    ]  # fmt: skip
    drawn = [api.get(path, headers=headers).content for path in paths]
    lane = app.state.backend.lane
    assert len(lane.idle) == 1  # the second tile's (its caller kept by then)

    async def both() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
            return await asyncio.gather(*(http.get(path, headers=headers) for path in paths))

    # The clients' table locked, so that both messages wait in the database: the second is
    # sent only if the event loop goes on while the first is awaited (a blocking wait would
    # hold the loop until the lock goes, released after 20 s at most).
    holder = db.connect(world.url)
    with holder.cursor() as cur:
        cur.execute("LOCK TABLE api_clients IN ACCESS EXCLUSIVE MODE")
    waiting: list[int] = []
    release = threading.Thread(target=_release_when_waiting, args=(holder, world.url, waiting))
    release.start()
    try:
        with _counting(app):
            _Counted.sent = 0
            answers = run_apart(both())
            assert _Counted.sent == 2
    finally:
        release.join()
        holder.close()
    assert max(waiting) == 2
    assert [a.content for a in answers] == drawn and all(drawn)
    assert len(lane.idle) == 2


def _release_when_waiting(holder, url: str, waiting: list[int]) -> None:  # noqa: ANN001
    """Roll the holder's transaction back once two sessions wait for its lock (or after 20 s),
    noting how many waited each time it looked."""
    watcher = db.connect(url)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with watcher.cursor() as cur:
                cur.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                waiting.append(cur.fetchone()[0])
            watcher.rollback()
            if waiting[-1] >= 2:
                break
            time.sleep(0.05)
    finally:
        watcher.close()
        holder.rollback()


def test_a_kept_tile_while_the_lane_is_busy_is_drawn_by_its_route(world, monkeypatch):
    """With every connection of the lane lent (none here), a kept caller's tile goes on to
    its route and is drawn on the pool: the same bytes and ETag, and the lane opens none."""
    api = _kept_app(world, monkeypatch, tile_connections=0)
    headers = {"Authorization": f"Bearer {world.city}"}
    x, y = _tile_of(*_busiest_grid(world.url)[1:], 15)
    path = f"/collections/incidents/tiles/WebMercatorQuad/15/{y}/{x}"
    first = api.get(path, headers=headers)
    routed: list[int] = []
    drawn_by_route = tiles._drawn

    def counted(*args: object) -> object:
        routed.append(1)
        return drawn_by_route(*args)

    monkeypatch.setattr(tiles, "_drawn", counted)
    again = api.get(path, headers=headers)
    assert routed == [1] and again.status_code == 200 and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"] and first.content
    assert api.app.state.backend.lane.idle == []


def test_a_lane_connection_that_failed_is_closed_not_kept(world):
    """The lane lends at most its size (then `Busy`), keeps a connection that served its
    message, and closes one whose message failed."""
    lane = Lane(world.app_url, 1)

    async def use() -> None:
        async with lane.lent() as conn:
            with conn.cursor() as cur:
                assert await fetch_one(cur, b"SELECT 1") == (1,)
            assert lane.busy
            with pytest.raises(Busy):
                async with lane.lent():
                    pass
        assert not lane.busy and len(lane.idle) == 1
        kept = lane.idle[0]
        with pytest.raises(psycopg2.errors.DivisionByZero):
            async with lane.lent() as conn:
                assert conn is kept
                with conn.cursor() as cur:
                    await fetch_one(cur, b"SELECT 1 / 0")
        assert kept.closed and lane.idle == [] and not lane.busy

    run_apart(use())


def test_tile_routes_read_and_describe_their_own_parameters(world, api):
    """The tile routes read their address and filters themselves: a zoom, row or column that
    is no integer is a 400 naming it (before the token is looked at), a filter applies as
    before, and the API description lists every parameter."""
    headers = {"Authorization": f"Bearer {world.city}"}
    for path, name in (("/tiles/WebMercatorQuad/1a/0/0", "z"),
                       ("/collections/grids/tiles/WebMercatorQuad/3/x/0", "y"),
                       ("/collections/grids/tiles/WebMercatorQuad/3/0/1.5", "x")):  # fmt: skip
        refused = api.get(path)
        assert refused.status_code == 400, path
        assert refused.json()["type"].endswith("bad_parameter")
        assert f"Parameter {name} is invalid" in refused.json()["en"]
    lon, lat = _busiest_grid(world.url)[1:]
    x, y = _tile_of(lon, lat, 15)
    path = f"/collections/incidents/tiles/WebMercatorQuad/15/{y}/{x}"
    every, _ = _decode(api, world.city, path)
    major, _ = _decode(api, world.city, path + "?major_risk=true")
    majors = major.get("incidents", {}).get("features", [])
    assert len(majors) < len(every["incidents"]["features"])
    assert all(f["properties"]["is_major_risk"] for f in majors)
    described = api.get("/api", headers=headers).json()["paths"]
    for route, first in (("/tiles/WebMercatorQuad/{z}/{y}/{x}", ["z", "y", "x", "layers"]),
                         ("/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{y}/{x}",
                          ["collection_id", "z", "y", "x"])):  # fmt: skip
        names = [p["name"] for p in described[route]["get"]["parameters"]]
        assert names == [*first, "datetime", "category", "source", "status", "area", "major_risk"]
