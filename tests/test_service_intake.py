"""Push intake and the change feed: idempotent, atomic, scoped, audited; bad input stores none."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from geo import db
from geo.coords import wgs84_to_gcj02
from geo.mapapi.clients import add_client, enter_client, rotate_token, set_disabled
from geo.timeutil import CST, now_utc
from geo.workflow.actions import apply_action
from service.access import TokenCache
from service.app import create_app
from service.config import ServiceSettings
from service.intake import pushed
from tests.service_fixtures import (
    OTHER_DISTRICT,
    OWN_DISTRICT,
    service_server,
    service_world,
)
from tests.support import checksums, owner_rows, run_apart

pytestmark = pytest.mark.db
TABLES = ("incidents", "incident_events", "incident_links", "api_intake_receipts", "audit_log")
HOTLINE = "/intake/hotline_12345/reports"


@pytest.fixture(scope="module")
def world(scratch):
    return service_world(scratch)


@pytest.fixture(scope="module")
def api(world):
    return TestClient(create_app(world.app_url, ServiceSettings(max_body_bytes=4000, max_batch=50)))


@pytest.fixture(scope="module")
def points(world):
    """A point inside a grid of the client's district and one of another district."""
    rows = owner_rows(
        world.url,
        "SELECT DISTINCT ON (left(code, 6)) left(code, 6), ST_X(ST_PointOnSurface(geom)),"
        " ST_Y(ST_PointOnSurface(geom)) FROM current_areas WHERE level = 'grid'"
        " AND left(code, 6) IN (%s, %s) ORDER BY left(code, 6), code",
        (OWN_DISTRICT, OTHER_DISTRICT),
    )
    return {district: (lon, lat) for district, lon, lat in rows}


def _report(point, **fields):
    at = (now_utc() - timedelta(minutes=5)).astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")
    report = {
        "source_id": f"12345-{uuid.uuid4().hex[:10]}", "reported_at": at, "category": "民生诉求",
        "subcategory": "供暖", "description": "暖气不热", "address": "测试路1号",
        "lon": point[0], "lat": point[1], "reporter_name": "张三", "reporter_phone": "13900001111",
    }  # fmt: skip
    report.update(fields)
    return report


def _push(api, token, report, path=HOTLINE, **kw):
    return api.post(path, json=report, headers={"Authorization": f"Bearer {token}"}, **kw)


def test_a_report_becomes_one_case_however_often_it_is_sent(world, api, points):
    """201 with case, grid and deadline; a retry gets the same case (200); another report under
    the same id is refused (409) and changes nothing."""
    report = _report(points[OWN_DISTRICT])
    first = _push(api, world.hotline, report)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["outcome"] == "new" and body["grid_code"].startswith(OWN_DISTRICT)
    assert body["deadline_at"].endswith("+08:00") and first.headers["location"].endswith(
        f"/collections/incidents/items/{body['case']}"
    )
    stored = owner_rows(
        world.url,
        "SELECT i.id, i.grid_code, i.status, e.actor FROM incidents i JOIN incident_events e"
        " ON e.incident_id = i.id WHERE i.source = 'hotline_12345' AND i.source_id = %s",
        (report["source_id"],),
    )
    assert stored == [(body["case"], body["grid_code"], "reported", "api:hotline")]
    audit = owner_rows(
        world.url, "SELECT actor, detail FROM audit_log WHERE action = 'api_push' AND target = %s",
        (f"hotline_12345:{report['source_id']}",),
    )  # fmt: skip
    assert audit == [
        ("api:hotline", {"counts": {"new": 1}, "reports": [[report["source_id"], body["case"]]]})
    ]
    before = checksums(world.url, TABLES)
    again = _push(api, world.hotline, report)
    assert again.status_code == 200 and again.json()["case"] == body["case"]
    assert again.json()["outcome"] == "duplicate"
    changed = _push(api, world.hotline, {**report, "description": "别的事"})
    assert changed.status_code == 409
    assert changed.json()["type"] == "urn:minqing:problem:id_conflict"
    assert checksums(world.url, TABLES) == before


def test_bad_input_is_a_clear_4xx_and_stores_nothing(world, api, points):
    """Malformed JSON, too large, outside the city, unknown source or category, no or revoked
    token, a source not the client's, another client's area: a problem each, nothing stored."""
    conn = db.connect(world.url)
    try:
        _, old = add_client(conn, "revoked-src", "source", "620100", ("hotline_12345",))
        rotate_token(conn, "revoked-src")
        conn.commit()
    finally:
        conn.close()
    good = _report(points[OWN_DISTRICT])
    cases = [
        ({"content": b'{"source_id": "x",', "headers": {"Content-Type": "application/json"}},
         world.hotline, HOTLINE, 400, "bad_json"),
        ({"json": {**good, "description": "长" * 3000}}, world.hotline, HOTLINE, 413, "too_large"),
        ({"json": _report((116.4, 39.9))}, world.hotline, HOTLINE, 422, "rejected"),
        ({"json": good}, world.hotline, "/intake/hotline_99999/reports", 404, "unknown_source"),
        ({"json": {**good, "category": "外星人", "subcategory": ""}}, world.hotline, HOTLINE, 422,
         "rejected"),
        ({"json": {**good, "reported_at": "9999999999999"}}, world.hotline, HOTLINE, 422,
         "rejected"),
        ({"json": good}, None, HOTLINE, 401, "no_token"),
        ({"json": good}, old, HOTLINE, 401, "bad_token"),
        ({"json": good}, world.hotline, "/intake/police_110/reports", 403, "forbidden"),
        ({"json": good}, world.city, HOTLINE, 403, "forbidden"),
        ({"content": "a=1", "headers": {"Content-Type": "text/plain"}}, world.hotline,
         HOTLINE, 415, "media_type"),
        ({"content": "<report><source_id>x</report>", "headers": {"Content-Type": "text/xml"}},
         world.hotline, HOTLINE, 400, "bad_xml"),
        ({"json": [good]}, world.hotline, HOTLINE, 400, "bad_body"),
        ({"json": _report(points[OTHER_DISTRICT])}, world.district_hotline, HOTLINE, 422,
         "outside_area"),
        ({"json": [{}] * 51}, world.hotline, HOTLINE + "/batch", 413, "too_many_reports"),
    ]  # fmt: skip
    before = checksums(world.url, TABLES)
    for kwargs, token, path, status, key in cases:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = api.post(path, headers=headers, **kwargs)
        assert response.status_code == status, (key, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == f"urn:minqing:problem:{key}"
        assert problem["zh"] and problem["en"] and problem["zh"] != problem["en"]
    assert checksums(world.url, TABLES) == before
    xml = "<report>" + "".join(f"<{k}>{v}</{k}>" for k, v in good.items()) + "</report>"
    taken = api.post(HOTLINE, content=xml.encode(), headers={
        "Content-Type": "application/xml", "Authorization": f"Bearer {world.hotline}"})  # fmt: skip
    assert taken.status_code == 201 and taken.json()["source_id"] == good["source_id"]
    outside = _push(api, world.hotline, _report((116.4, 39.9))).json()
    assert outside["reason"] == "outside_city" and "坐标不在本市" in outside["title"]


def test_times_finer_than_a_microsecond_are_stored_as_postgresql_reads_them(world, api, points):
    """A seventh decimal of a second and an epoch in milliseconds not a whole second: stored
    (they were a 500), at the instant PostgreSQL reads from the same text."""
    base = (now_utc() - timedelta(minutes=5)).replace(microsecond=0).astimezone(CST)
    cases = [
        (base.strftime("%Y-%m-%dT%H:%M:%S.1234567+08:00"), _READ_WITH_ZONE),
        (base.strftime("%Y-%m-%d %H:%M:%S.9999996"), _READ_IN_CST),
        (f"{int(base.timestamp()) * 1000 + 123}", _READ_EPOCH_MS),
    ]
    for text, reading in cases:
        report = _report(points[OWN_DISTRICT], reported_at=text)
        answer = _push(api, world.hotline, report)
        assert answer.status_code == 201, (text, answer.text)
        [(stored, expected)] = owner_rows(world.url, reading, (text, report["source_id"]))
        assert stored == expected, text


# a stored report's time beside PostgreSQL's own reading of the text it was sent as
_STORED_TIME = " FROM incidents WHERE source = 'hotline_12345' AND source_id = %s"
_READ_WITH_ZONE = "SELECT reported_at, %s::timestamptz" + _STORED_TIME
_READ_IN_CST = "SELECT reported_at, %s::timestamp AT TIME ZONE 'Asia/Shanghai'" + _STORED_TIME
_READ_EPOCH_MS = "SELECT reported_at, to_timestamp(%s::numeric / 1000)" + _STORED_TIME


def test_a_batch_is_stored_all_or_nothing(world, api, points):
    """Three good reports: three cases. One bad among them: 422 naming it, none stored."""
    reports = [_report(points[OWN_DISTRICT]) for _ in range(3)]
    batch = api.post(HOTLINE + "/batch", json={"reports": reports},
                     headers={"Authorization": f"Bearer {world.hotline}"})  # fmt: skip
    assert batch.status_code == 200, batch.text
    assert batch.json()["counts"] == {"new": 3, "linked": 0, "duplicate": 0}
    assert len({r["case"] for r in batch.json()["reports"]}) == 3
    before = checksums(world.url, TABLES)
    mixed = [_report(points[OWN_DISTRICT]), _report(points[OWN_DISTRICT], reported_at="昨天")]
    refused = api.post(HOTLINE + "/batch", json=mixed,
                       headers={"Authorization": f"Bearer {world.hotline}"})  # fmt: skip
    assert refused.status_code == 422
    outcomes = [r["outcome"] for r in refused.json()["reports"]]
    assert outcomes == ["unchecked", "rejected"]  # the good one got no case: nothing was stored
    assert refused.json()["reports"][1]["reason"] == "bad_date"
    assert "case" not in refused.json()["reports"][0]
    assert checksums(world.url, TABLES) == before


@pytest.mark.parametrize("turns", [1, 3])
def test_batches_are_stored_so_many_at_a_time(world, points, turns):
    """Three batches sent at once are stored `MINQING_SERVICE_INTAKE_BATCHES` at a time, each
    with its cases."""
    app = create_app(world.app_url, ServiceSettings(intake_batches=turns))
    intake = app.state.intake
    storing, most, lock = [0], [0], threading.Lock()
    store_all = intake.store_all

    def watched(*args):
        with lock:
            storing[0] += 1
            most[0] = max(most[0], storing[0])
        time.sleep(0.3)  # long enough for the others to start, were it their turn
        try:
            return store_all(*args)
        finally:
            with lock:
                storing[0] -= 1

    intake.store_all = watched
    headers = {"Authorization": f"Bearer {world.hotline}"}

    async def send_three() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
            return await asyncio.gather(*(
                http.post(HOTLINE + "/batch", headers=headers,
                          json=[_report(points[OWN_DISTRICT]) for _ in range(2)])
                for _ in range(3)
            ))  # fmt: skip

    answers = run_apart(send_three())
    assert [a.status_code for a in answers] == [200, 200, 200], answers[0].text
    assert [a.json()["counts"]["new"] for a in answers] == [2, 2, 2]
    assert most[0] == turns


def test_single_reports_stored_together_each_get_their_own_answer(world, api, points):
    """Singles grouped in one transaction: a bad one is refused alone, its neighbours stored."""
    intake = api.app.state.intake
    client = intake.backend.client(world.hotline)
    sent = [
        _report(points[OWN_DISTRICT]), _report(points[OWN_DISTRICT], reported_at="昨天"),
        _report(points[OWN_DISTRICT]),
    ]  # fmt: skip
    outcomes = intake.store(
        client, "hotline_12345", [pushed(r, "hotline_12345", intake.rules) for r in sent], None
    )
    assert [o.outcome for o in outcomes] == ["new", "rejected", "new"]
    assert outcomes[1].reason == "bad_date"
    stored = owner_rows(
        world.url, "SELECT source_id FROM incidents WHERE source_id = ANY(%s)",
        ([r["source_id"] for r in sent],),
    )  # fmt: skip
    assert sorted(r[0] for r in stored) == sorted([sent[0]["source_id"], sent[2]["source_id"]])


def test_the_link_lookup_sees_only_the_clients_area(world):
    """The intake's link lookup reads as the owner (the open cases' spatial index), but finds
    for a client only what its area holds: another district's open case for a city client,
    not for a district client, nothing without a client."""
    geom, category, at = owner_rows(
        world.url, "SELECT geom, category, reported_at FROM incidents WHERE district_code = %s"
        " AND status IN ('reported', 'assigned', 'in_progress') ORDER BY id LIMIT 1",
        (OTHER_DISTRICT,),
    )[0]  # fmt: skip
    lookup = (
        "SELECT id FROM minqing_open_case_near(%s::geometry, 100, %s, 'none',"
        " %s - interval '2 hours', %s + interval '2 hours')"
    )
    args = (geom, category, at, at)
    pool = db.get_pool(world.app_url, 1, 2)

    def found(token):
        with db.transaction(pool) as conn, conn.cursor() as cur:
            if token:
                assert enter_client(conn, token) is not None
            cur.execute(lookup, args)
            return [row[0] for row in cur.fetchall()]

    everything = owner_rows(world.url, lookup, args)
    district_of = "SELECT district_code FROM incidents WHERE id = %s"
    assert owner_rows(world.url, district_of, everything[0]) == [(OTHER_DISTRICT,)]
    assert found(world.hotline) == [everything[0][0]]
    assert found(None) == []
    for case in found(world.district_hotline):
        assert owner_rows(world.url, district_of, (case,)) == [(OWN_DISTRICT,)]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_concurrent_pushes_and_retries_make_each_case_once(world, points, workers):
    """Forty reports from concurrent clients, each sent twice at once: forty cases, with one
    service process or two (each with its own pool and grouping)."""
    reports = [_report(points[OWN_DISTRICT], description=f"并发{i}") for i in range(40)]
    server = service_server(world.url, MINQING_SERVICE_WORKERS=workers)
    with server as url, httpx.Client(timeout=30) as http:
        headers = {"Authorization": f"Bearer {world.hotline}"}

        def send(report):
            return http.post(url + HOTLINE, json=report, headers=headers)

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(send, reports + reports))
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers][:3]
    by_id: dict[str, set[int]] = {}
    for answer in answers:
        by_id.setdefault(answer.json()["source_id"], set()).add(answer.json()["case"])
    assert all(len(cases) == 1 for cases in by_id.values()) and len(by_id) == 40
    assert sorted(a.json()["outcome"] for a in answers).count("new") == 40
    ids = [r["source_id"] for r in reports]
    assert owner_rows(
        world.url, "SELECT count(*) FROM incidents WHERE source_id = ANY(%s)", (ids,)
    )[0][0] == 40  # fmt: skip


def test_a_report_of_an_open_case_from_another_source_is_linked(world, api, points):
    """A mini-program report (GCJ-02, as its exports) next to an open 12345 case of the same
    kind joins that case."""
    lonely = owner_rows(
        world.url, "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))"
        " FROM current_areas WHERE level = 'grid' AND code LIKE %s ORDER BY code DESC LIMIT 1",
        (OWN_DISTRICT + "%",),
    )[0]  # fmt: skip
    case = _push(api, world.hotline, _report(lonely)).json()["case"]
    shifted = wgs84_to_gcj02(*lonely)
    report = _report(shifted, source_id="mp-" + uuid.uuid4().hex)
    linked = _push(api, world.hotline, report, path="/intake/mini_program/reports")
    assert linked.status_code == 201, linked.text
    assert linked.json()["outcome"] == "linked" and linked.json()["case"] == case


def _feed_holding(api, token, enough, seconds: float = 180) -> list[dict]:
    """The client's whole feed once `enough(changes)` holds (or the time is up). The feed gives
    a change only when every older transaction on the server has ended (its cursor never
    passes a later commit): a long transaction elsewhere on the server, such as another test's
    in another database, holds it back for a while."""
    deadline = time.monotonic() + seconds
    while True:
        found = _feed(api, token)
        if enough(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def _feed(api, token, source="hotline_12345"):
    """Every change the client may read, polling from the start until caught up."""
    found, since = [], "0"
    for _ in range(100):
        page = api.get(f"/intake/{source}/changes", params={"since": since, "limit": 500},
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert page.status_code == 200, page.text
        body = page.json()
        found += body["changes"]
        if body["next"] == since:
            return found
        since = body["next"]
    raise AssertionError("the feed did not catch up")


def test_the_change_feed_tells_a_source_what_happened_in_its_area_only(world, api, points):
    """The reported and the accepted event of a pushed case; a district client's feed holds
    its district's cases only."""
    own = _push(api, world.hotline, _report(points[OWN_DISTRICT])).json()
    other = _push(api, world.hotline, _report(points[OTHER_DISTRICT])).json()
    conn = db.connect(world.url)
    try:
        apply_action(conn, own["case"], "accept", "测试员", own["assigned_center"])
        conn.commit()
    finally:
        conn.close()
    everything = _feed_holding(
        api, world.hotline,
        lambda found: sum(c["case"] == own["case"] for c in found) >= 2
        and any(c["case"] == other["case"] for c in found),
    )  # fmt: skip
    mine = [(c["action"], c["to_status"]) for c in everything if c["source_id"] == own["source_id"]]
    assert mine == [("reported", "reported"), ("accepted", "in_progress")]
    assert any(c["case"] == other["case"] for c in everything)
    cursors = [tuple(map(int, c["cursor"].split("."))) for c in everything]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    district = _feed_holding(
        api, world.district_hotline, lambda found: any(c["case"] == own["case"] for c in found)
    )
    assert {c["case"] for c in district} >= {own["case"]}
    districts = owner_rows(
        world.url, "SELECT DISTINCT district_code FROM incidents WHERE id = ANY(%s)",
        ([c["case"] for c in district],),
    )  # fmt: skip
    assert districts == [(OWN_DISTRICT,)]
    bad = api.get("/intake/hotline_12345/changes", params={"since": "x"},
                  headers={"Authorization": f"Bearer {world.hotline}"})  # fmt: skip
    assert bad.status_code == 400 and json.loads(bad.text)["type"].endswith("bad_parameter")


def test_a_revoked_token_stores_nothing_from_the_moment_it_is_revoked(world, points):
    """The door of a pushed report trusts a token the database found lately (no lookup a
    report), but the transaction storing it asks the database again: right after the client
    is disabled, or its token rotated, a report is refused (401) and nothing is stored; once
    the cache's seconds have passed the door itself asks again."""
    conn = db.connect(world.url)
    try:
        _, token = add_client(conn, "cached-src", "source", "620100", ("hotline_12345",))
        conn.commit()
        clock = [0.0]
        app = create_app(world.app_url, ServiceSettings(token_seconds=30))
        backend = app.state.backend
        backend.tokens = TokenCache(30, clock=lambda: clock[0])
        with TestClient(app) as api:
            assert _push(api, token, _report(points[OWN_DISTRICT])).status_code == 201
            assert backend.tokens.get(token) is not None  # the next report's door asks nobody
            set_disabled(conn, "cached-src", True)
            conn.commit()
            refused = _report(points[OWN_DISTRICT])
            answer = _push(api, token, refused)
            assert answer.status_code == 401, answer.text
            assert backend.tokens.get(token) is not None  # refused by the store, not the door
            clock[0] = 30.0
            assert _push(api, token, refused).status_code == 401
            assert backend.tokens.get(token) is None  # refused at the door: not cached again
            set_disabled(conn, "cached-src", False)
            conn.commit()
            assert _push(api, token, _report(points[OWN_DISTRICT])).status_code == 201
            new = rotate_token(conn, "cached-src")
            conn.commit()
            assert _push(api, token, refused).status_code == 401
            assert _push(api, new, _report(points[OWN_DISTRICT])).status_code == 201
    finally:
        conn.close()
    stored = owner_rows(
        world.url, "SELECT count(*) FROM incidents WHERE source_id = %s", (refused["source_id"],)
    )
    assert stored == [(0,)]
