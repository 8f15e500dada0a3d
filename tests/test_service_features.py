"""The map service's OGC API – Features, read by GDAL as QGIS would, and who may read what."""

from __future__ import annotations

import json
import re

import httpx
import psycopg2.errors
import pyogrio
import pytest
from fastapi.testclient import TestClient

from geo import db
from geo.errors import ConfigError
from geo.mapapi.clients import enter_client, set_disabled
from geo.mapapi.features import PROBE_MOST
from service.app import create_app
from tests.service_fixtures import (
    OTHER_DISTRICT,
    OWN_DISTRICT,
    service_server,
    service_world,
)
from tests.support import owner_rows

pytestmark = pytest.mark.db

LEVEL_OF = {
    "city": "city", "districts": "district", "streets": "street", "communities": "community",
    "grids": "grid",
}  # fmt: skip


@pytest.fixture(scope="module")
def world(scratch):
    return service_world(scratch)


@pytest.fixture(scope="module")
def api(world):
    return TestClient(create_app(world.app_url))


def _get(api, path, token, **params):
    return api.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


def _all_features(api, path, token, **params):
    """Every feature of a collection, following the next links."""
    features, url, seen = [], path, 0
    query = {"limit": 500, **params}
    while url:
        page = api.get(url, params=query, headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 200, page.text
        body = page.json()
        features += body["features"]
        url = next((ln["href"] for ln in body["links"] if ln["rel"] == "next"), None)
        query = None
        seen += 1
        assert seen < 200
    return features


def test_gdal_reads_every_collection_as_stored(world):
    """GDAL's OAPIF driver (QGIS's reader) reads each collection: counts and attributes agree."""
    with service_server(world.url) as url:
        pyogrio.set_gdal_config_options(
            {"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": world.city}
        )
        try:
            layers = dict(pyogrio.list_layers(f"OAPIF:{url}/"))
            frames = {
                name: pyogrio.read_dataframe(f"OAPIF:{url}/", layer=name, use_arrow=False)
                for name in layers
            }
        finally:
            pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None, "GDAL_HTTP_BEARER": None})
    assert set(layers) == {*LEVEL_OF, "incidents", "centers", "warnings"}
    for name, level in LEVEL_OF.items():
        rows = owner_rows(
            world.url, "SELECT code, name, population FROM current_areas WHERE level = %s", (level,)
        )
        frame = frames[name]
        assert sorted(frame["code"]) == sorted(r[0] for r in rows), name
        assert dict(zip(frame["code"], frame["name"], strict=True)) == {r[0]: r[1] for r in rows}
        assert dict(zip(frame["code"], frame["population"], strict=True)) == {
            r[0]: r[2] for r in rows
        }
    incidents = frames["incidents"]
    stored = owner_rows(
        world.url,
        "SELECT id, category, status, severity, grid_code, reported_at, ST_X(geom), ST_Y(geom),"
        " minqing_mask_phone(reporter_phone), source, coalesce(source_id, '') FROM incidents"
        " ORDER BY id",
    )
    assert len(incidents) == len(stored) > 0
    by_code = incidents.set_index("grid_code", drop=False)
    assert sorted(by_code.index) == sorted(r[4] for r in stored)
    frame = incidents.assign(source_id=incidents["source_id"].fillna(""))
    order = ["reported_at", "source", "source_id", "grid_code"]
    frame = frame.sort_values(order).reset_index(drop=True)
    stored_by_time = sorted(stored, key=lambda r: (r[5], r[9], r[10], r[4]))
    assert [str(c) for c in frame["category"]] == [r[1] for r in stored_by_time]
    assert [int(s) for s in frame["severity"]] == [r[3] for r in stored_by_time]
    # GDAL keeps milliseconds; a pushed case's time carries microseconds
    read_times = frame["reported_at"].dt.tz_convert("UTC").tolist()
    assert len(read_times) == len(stored_by_time)
    pairs = zip(read_times, stored_by_time, strict=True)
    assert max(abs((t - r[5]).total_seconds()) for t, r in pairs) < 0.001
    points = frame.geometry
    assert max(abs(p.x - r[6]) for p, r in zip(points, stored_by_time, strict=True)) < 1e-6
    assert max(abs(p.y - r[7]) for p, r in zip(points, stored_by_time, strict=True)) < 1e-6
    centers = owner_rows(world.url, "SELECT code FROM centers")
    assert sorted(frames["centers"]["code"]) == sorted(r[0] for r in centers)
    warnings = owner_rows(world.url, "SELECT count(*) FROM warnings")[0][0]
    assert len(frames["warnings"]) == warnings > 0


def test_contacts_are_masked_as_for_pages(world, api):
    """A reporter's phone comes masked (the service is no center's operator)."""
    conn = db.connect(world.url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "UPDATE incidents SET reporter_phone = '13812345678', reporter_name = '王五'"
                " WHERE id = (SELECT min(id) FROM incidents) RETURNING id"
            )
            case = cur.fetchone()[0]
        conn.commit()
    finally:
        conn.close()
    feature = _get(api, f"/collections/incidents/items/{case}", world.city).json()
    assert feature["properties"]["reporter_phone"] == "138****5678"
    assert feature["properties"]["reporter_name"] == "王五"
    assert "13812345678" not in json.dumps(feature)


def test_a_district_client_reads_nothing_of_another_district(world, api):
    """Every collection, paged to the end, holds only the client's district."""
    own_areas = {
        r[0]
        for r in owner_rows(
            world.url,
            "WITH RECURSIVE t AS (SELECT code FROM current_areas WHERE code = %s UNION ALL"
            " SELECT a.code FROM current_areas a JOIN t ON a.parent_code = t.code)"
            " SELECT code FROM t",
            (OWN_DISTRICT,),
        )
    }
    for name in LEVEL_OF:
        codes = {
            f["properties"]["code"]
            for f in _all_features(api, f"/collections/{name}/items", world.district)
        }
        assert codes <= own_areas, name
    grids = _all_features(api, "/collections/grids/items", world.district)
    assert len(grids) == owner_rows(
        world.url, "SELECT count(*) FROM current_areas WHERE level = 'grid' AND code LIKE %s",
        (OWN_DISTRICT + "%",),
    )[0][0]  # fmt: skip
    incidents = _all_features(api, "/collections/incidents/items", world.district)
    assert {f["properties"]["district_code"] for f in incidents} == {OWN_DISTRICT}
    assert (
        len(incidents)
        == owner_rows(
            world.url, "SELECT count(*) FROM incidents WHERE district_code = %s", (OWN_DISTRICT,)
        )[0][0]
    )
    other = _all_features(api, "/collections/incidents/items", world.district, area=OTHER_DISTRICT)
    assert other == []
    centers = _all_features(api, "/collections/centers/items", world.district)
    assert (
        all(f["properties"]["area_code"] in own_areas | {"620100"} for f in centers)
        and len(centers) > 1
    )
    for warning in _all_features(api, "/collections/warnings/items", world.district):
        assert warning["properties"]["district_code"] == OWN_DISTRICT


def test_the_service_logs_in_as_the_app_role_never_as_the_owner(world):
    """Given the owner's login it refuses to start; started for real, its connections are
    minqing_app's and a district client's request reads nothing of another district."""
    with pytest.raises(ConfigError, match="minqing_app"):
        create_app(world.url)
    activity = (
        "SELECT pid, usename FROM pg_stat_activity WHERE datname = current_database()"
        " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    before = {pid for pid, _ in owner_rows(world.url, activity)}
    headers = {"Authorization": f"Bearer {world.district}"}
    with service_server(world.url) as url, httpx.Client(timeout=60) as http:
        items = f"{url}/collections/incidents/items"
        query = {"limit": 10000, "category": "dispute"}
        own = http.get(items, params=query, headers=headers)
        other = http.get(items, params={**query, "area": OTHER_DISTRICT}, headers=headers)
        logins = {user for pid, user in owner_rows(world.url, activity) if pid not in before}
    assert logins == {"minqing_app"}
    assert own.status_code == 200 and other.status_code == 200, own.text
    districts = [f["properties"]["district_code"] for f in own.json()["features"]]
    assert set(districts) == {OWN_DISTRICT} and len(districts) == owner_rows(
        world.url, "SELECT count(*) FROM incidents WHERE district_code = %s"
        " AND category = 'dispute'", (OWN_DISTRICT,),
    )[0][0]  # fmt: skip
    assert other.json()["features"] == []


def test_the_database_checks_the_token_and_scopes_the_transaction(world):
    """The app's login reads no token hash and sees nothing without a client's token; with a
    district client's, only that district, as `api:NAME` with contacts masked."""
    pool = db.get_pool(world.app_url, 1, 2)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with db.transaction(pool) as conn, conn.cursor() as cur:
            cur.execute("SELECT token_hash FROM api_clients")
    counts = (
        "SELECT count(*) FILTER (WHERE district_code = %s), count(*), minqing_ctx_user(),"
        " minqing_ctx_role(), minqing_sees_contacts(min(assigned_center)) FROM incidents"
    )
    with db.transaction(pool) as conn, conn.cursor() as cur:
        assert enter_client(conn, world.district + "x") is None
        cur.execute(counts, (OTHER_DISTRICT,))
        assert cur.fetchone() == (0, 0, None, None, False)
    with db.transaction(pool) as conn, conn.cursor() as cur:
        client = enter_client(conn, world.district)
        assert client is not None and client.area_code == OWN_DISTRICT
        cur.execute(counts, (OTHER_DISTRICT,))
        other, seen, user, role, contacts = cur.fetchone()
    assert (other, user, role, contacts) == (0, "api:chengguan-gis", "api_reader", False)
    assert seen == owner_rows(
        world.url, "SELECT count(*) FROM incidents WHERE district_code = %s", (OWN_DISTRICT,)
    )[0][0] > 0  # fmt: skip


def test_paging_filters_and_crs(world, api):
    """Pages cover the filtered set once; EPSG:4490 answers latitude first."""
    disputes = _all_features(api, "/collections/incidents/items", world.city, category="dispute",
                             major_risk="true", limit=3)  # fmt: skip
    ids = [f["id"] for f in disputes]
    expected = owner_rows(
        world.url,
        "SELECT id FROM incidents WHERE category = 'dispute' AND is_major_risk ORDER BY id DESC",
    )
    assert ids == [r[0] for r in expected] and len(ids) > 3
    window = _get(
        api, "/collections/incidents/items", world.city,
        datetime="2026-01-01T00:00:00+08:00/2026-02-01T00:00:00+08:00", limit=10000,
        bbox="103.5,35.9,104.0,36.2",
    ).json()  # fmt: skip
    counted = owner_rows(
        world.url,
        "SELECT count(*) FROM incidents WHERE reported_at >= '2026-01-01T00:00+08'"
        " AND reported_at < '2026-02-01T00:00+08'"
        " AND ST_Intersects(geom, ST_MakeEnvelope(103.5, 35.9, 104.0, 36.2, 4490))",
    )[0][0]
    assert window["numberReturned"] == counted > 0
    first = disputes[0]
    flipped = _get(
        api, f"/collections/incidents/items/{first['id']}", world.city,
        crs="http://www.opengis.net/def/crs/EPSG/0/4490",
    )  # fmt: skip
    assert flipped.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4490>"
    assert flipped.json()["geometry"]["coordinates"] == first["geometry"]["coordinates"][::-1]


def test_pages_found_among_the_newest_rows_or_by_the_filter_continue_exactly(world, api):
    """A box over the last 10 days (matched by most of the newest rows: the probe's page) and a
    rare filter (the fallback through its indexes) page through exactly the matching ids, newest
    first, for the city and for a district client."""
    box = "103.6,35.95,103.95,36.15"
    since = owner_rows(world.url, "SELECT max(reported_at) - interval '10 days' FROM incidents")
    start = since[0][0].isoformat()
    common = owner_rows(
        world.url,
        "SELECT id, district_code FROM incidents WHERE reported_at >= %s"
        " AND ST_Intersects(geom, ST_MakeEnvelope(103.6, 35.95, 103.95, 36.15, 4490))"
        " ORDER BY id DESC", (since[0][0],),
    )  # fmt: skip
    rare = owner_rows(
        world.url,
        "SELECT id, district_code FROM incidents WHERE is_major_risk ORDER BY id DESC",
    )
    # pages of 5 probe the newest PROBE_MOST × 6 rows at most: the box fills a page from them,
    # the rare filter does not (and takes its indexes)
    newest = owner_rows(world.url, "SELECT min(id) FROM (SELECT id FROM incidents ORDER BY id DESC"
                        " LIMIT %s) n", (PROBE_MOST * 6,))[0][0]  # fmt: skip
    assert sum(i >= newest for i, _ in common) > 5 >= sum(i >= newest for i, _ in rare)
    assert len(rare) > 5
    for token, district in ((world.city, None), (world.district, OWN_DISTRICT)):
        for rows, params in (
            (common, {"bbox": box, "datetime": f"{start}/.."}),
            (rare, {"major_risk": "true"}),
        ):
            pages = _all_features(api, "/collections/incidents/items", token, limit=5, **params)
            expected = [i for i, d in rows if district is None or d == district]
            assert [f["id"] for f in pages] == expected and expected


@pytest.mark.parametrize(
    ("path", "params", "status", "name"),
    [
        ("/collections/incidents/items", {"bbox": "1,2,3"}, 400, "bbox"),
        ("/collections/incidents/items", {"limit": "0"}, 400, "limit"),
        ("/collections/incidents/items", {"category": "aliens"}, 400, "category"),
        ("/collections/incidents/items", {"datetime": "yesterday"}, 400, "datetime"),
        ("/collections/incidents/items", {"crs": "EPSG:3857"}, 400, "crs"),
        ("/collections/grids/items", {"version": "999"}, 404, None),
        ("/collections/rivers/items", {}, 404, None),
        ("/collections/incidents/items/123456789", {}, 404, None),
    ],
)
def test_bad_requests_are_clear_problems(world, api, path, params, status, name):
    """A clear 4xx problem+json in Chinese by default, English on request."""
    zh = _get(api, path, world.city, **params)
    assert zh.status_code == status
    assert zh.headers["content-type"] == "application/problem+json"
    body = zh.json()
    assert body["status"] == status and body["title"] == body["zh"] and body["en"]
    assert re.search(r"[\u4e00-\u9fff]", body["zh"])
    if name:
        assert name in body["en"]
    en = api.get(path, params=params, headers={
        "Authorization": f"Bearer {world.city}", "Accept-Language": "en-US,en;q=0.9"})  # fmt: skip
    assert en.json()["title"] == body["en"]


def test_tokens_missing_wrong_disabled_and_rate_limited(world, api):
    """No token, a wrong one, a disabled client's: 401; over the rate: 429 with Retry-After."""
    missing = api.get("/collections")
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert _get(api, "/collections", "mq_not-a-token").status_code == 401
    assert api.get("/collections", headers={"X-API-Key": world.city}).status_code == 200
    assert api.get("/collections", params={"api_key": world.city}).status_code == 200
    first = _get(api, "/collections", world.slow)
    second = _get(api, "/collections", world.slow)
    assert first.status_code == 200 and second.status_code == 429
    assert int(second.headers["retry-after"]) >= 1
    conn = db.connect(world.url)
    try:
        set_disabled(conn, "slow", True)
        conn.commit()
        assert _get(api, "/collections", world.slow).status_code == 401
    finally:
        set_disabled(conn, "slow", False)
        conn.commit()
        conn.close()


def test_api_description_is_openapi_30_and_served_locally(api):
    """/api is OpenAPI 3.0 (no 3.1 constructs); its viewer loads nothing from another host."""
    spec = api.get("/api")
    assert spec.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    document = spec.json()
    assert document["openapi"].startswith("3.0")
    text = json.dumps(document)
    assert '{"type": "null"}' not in text and '"const"' not in text
    assert "/collections/{collection_id}/items" in document["paths"]
    page = api.get("/api.html").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("http://testserver/static/") for s in sources)
    assert "validatorUrl: null" in page
    for source in sources:
        assert api.get(source).status_code == 200
