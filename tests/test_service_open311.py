"""Open311 GeoReport v2: file and follow a request in JSON and XML as a 311 client does."""

from __future__ import annotations

import uuid
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from geo.vocabulary import CATEGORIES
from service.app import create_app
from tests.service_fixtures import OWN_DISTRICT, service_world
from tests.support import checksums, owner_rows

pytestmark = pytest.mark.db
BASE = "/open311/v2"


@pytest.fixture(scope="module")
def world(scratch):
    return service_world(scratch)


@pytest.fixture(scope="module")
def api(world):
    return TestClient(create_app(world.app_url))


@pytest.fixture(scope="module")
def spot(world):
    return owner_rows(
        world.url,
        "SELECT ST_Y(ST_PointOnSurface(geom)), ST_X(ST_PointOnSurface(geom)) FROM current_areas"
        " WHERE level = 'grid' AND code LIKE %s ORDER BY code LIMIT 1 OFFSET 3",
        (OWN_DISTRICT + "%",),
    )[0]


def test_services_list_every_category_and_subcategory(world, api):
    """JSON and XML service lists agree; a definition exists for each; unknown codes are 400."""
    services = api.get(f"{BASE}/services.json", params={"api_key": world.hotline}).json()
    expected = len(CATEGORIES) + sum(len(c.subcategories) for c in CATEGORIES.values())
    assert len(services) == expected
    assert {"service_code": "livelihood.heating", "service_name": "供暖"}.items() <= next(
        s for s in services if s["service_code"] == "livelihood.heating"
    ).items()
    xml = ElementTree.fromstring(
        api.get(f"{BASE}/services.xml", params={"api_key": world.hotline}).text
    )
    assert [e.findtext("service_code") for e in xml] == [s["service_code"] for s in services]
    definition = api.get(
        f"{BASE}/services/dispute.neighbour.json", params={"api_key": world.hotline}
    )
    assert definition.json() == {"service_code": "dispute.neighbour", "attributes": []}
    unknown = api.get(f"{BASE}/services/aliens.json", params={"api_key": world.hotline})
    assert unknown.status_code == 400 and unknown.json()[0]["code"] == 400


def test_a_request_is_filed_followed_and_found_by_token(world, api, spot):
    """POST (form, as GeoReport posts) gives the case; GET by id, list and token find it."""
    lat, lon = spot
    key = uuid.uuid4().hex
    form = {
        "api_key": world.hotline, "service_code": "safety_hazard.fire", "lat": f"{lat}",
        "long": f"{lon}", "description": "楼道堆放杂物", "last_name": "李", "first_name": "四",
        "phone": "13700001234",
    }  # fmt: skip
    filed = api.post(f"{BASE}/requests.json", data=form, headers={"Idempotency-Key": key})
    assert filed.status_code == 201, filed.text
    answer = filed.json()[0]
    case = int(answer["service_request_id"])
    assert answer["token"] == f"o311-{key}" and "办理时限" in answer["service_notice"]
    stored = owner_rows(
        world.url,
        "SELECT category, subcategory, source, reporter_name, reporter_phone,"
        " abs(ST_X(geom) - %s) < 1e-6 AND abs(ST_Y(geom) - %s) < 1e-6 FROM incidents WHERE id = %s",
        (lon, lat, case),
    )
    assert stored == [("safety_hazard", "fire", "hotline_12345", "李 四", "13700001234", True)]
    before = checksums(world.url, ("incidents", "incident_events"))
    again = api.post(f"{BASE}/requests.json", data=form, headers={"Idempotency-Key": key})
    assert again.status_code == 200 and again.json()[0]["service_request_id"] == str(case)
    assert checksums(world.url, ("incidents", "incident_events")) == before
    one = api.get(f"{BASE}/requests/{case}.xml", params={"api_key": world.hotline})
    request = ElementTree.fromstring(one.text).find("request")
    assert request.findtext("status") == "open"
    assert request.findtext("service_code") == "safety_hazard.fire"
    assert request.findtext("expected_datetime").endswith("+08:00")
    query = {"api_key": world.hotline, "service_code": "safety_hazard.fire", "status": "open"}
    listed = api.get(f"{BASE}/requests.json", params=query).json()
    assert case in [int(r["service_request_id"]) for r in listed]
    assert all(r["status"] == "open" and r["service_code"] == "safety_hazard.fire" for r in listed)
    token = api.get(f"{BASE}/tokens/o311-{key}.json", params={"api_key": world.hotline}).json()
    assert token == [{"service_request_id": str(case), "token": f"o311-{key}"}]


def test_open311_refusals_are_georeport_errors(world, api, spot):
    """Missing key, a reader's key, malformed XML, no location: GeoReport errors, nothing stored."""
    before = checksums(world.url, ("incidents", "incident_events"))
    lat, lon = spot
    no_key = api.post(
        f"{BASE}/requests.json", data={"service_code": "dispute", "lat": lat, "long": lon}
    )
    assert no_key.status_code == 401 and "access token" in no_key.json()[0]["description"]
    reader = api.get(f"{BASE}/requests.json", params={"api_key": world.city})
    assert reader.status_code == 403
    xml = {"Content-Type": "application/xml", "X-API-Key": world.hotline}
    broken = api.post(f"{BASE}/requests.xml", content="<request><service_code>dispute", headers=xml)
    assert broken.status_code == 400
    error = ElementTree.fromstring(broken.text).find("error")
    assert error.findtext("code") == "400" and "XML" in error.findtext("description")
    nowhere = api.post(
        f"{BASE}/requests.json", data={"api_key": world.hotline, "service_code": "dispute"}
    )
    assert nowhere.status_code == 400
    beijing = {"api_key": world.hotline, "service_code": "dispute", "lat": "39.9", "long": "116.4"}
    far = api.post(f"{BASE}/requests.json", data=beijing)
    assert far.status_code == 422 and "坐标不在本市" in far.json()[0]["description"]
    assert checksums(world.url, ("incidents", "incident_events")) == before
