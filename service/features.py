"""OGC API – Features (Part 1 Core, GeoJSON; Part 2 CRS): collections, items, one item."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from geo.area_scope import area_chain
from geo.bounds import LngLatBbox
from geo.filters import IncidentFilter, Period, Scope
from geo.live import queries as live
from geo.live.queries import ALL_STATUSES
from geo.mapapi import features as core
from geo.mapapi.clients import ApiClient
from geo.timeutil import CST, now_utc
from geo.vocabulary import CATEGORIES, SOURCES
from geo.warnings.rules import KINDS
from geo.warnings.rules import load_rules as load_warning_rules
from service import params
from service.access import caller
from service.errors import ServiceError, language
from service.links import GEOJSON, JSON, here, link, url_for

router = APIRouter(tags=["OGC API – Features"])
Caller = Annotated[ApiClient, Depends(caller)]

_LEVELS = ("city", "district", "street", "community", "grid")
_ANY_TIME = Period(datetime(2000, 1, 1, tzinfo=CST), datetime(2100, 1, 1, tzinfo=CST), "all")
_WORKLOAD_DAYS = 30
_CENTER_LEVELS = ("city_center", "sub_center", "command_post", "workstation")

TITLES = {
    "city": ("市", "City"),
    "districts": ("区县", "Districts"),
    "streets": ("街道（乡镇）· 大网格", "Streets and towns (large grids)"),
    "communities": ("社区（村）· 中网格", "Communities and villages (middle grids)"),
    "grids": ("网格 · 小网格", "Small grids"),
    "incidents": ("民情诉求", "Incidents (residents' requests and disputes)"),
    "centers": ("指挥中心及工作量", "Command centers and their workloads"),
    "warnings": ("预警单", "Early warnings"),
}
COLLECTION_IDS = tuple(TITLES)

_AREA_PROPERTIES = {
    "code": "string", "name": "string", "level": "string", "parent_code": "string",
    "kind": "string", "population": "integer", "version": "integer",
}  # fmt: skip
PROPERTIES: dict[str, dict[str, str]] = {
    **{name: _AREA_PROPERTIES for name in core.AREA_COLLECTIONS},
    "incidents": {
        "source": "string", "source_id": "string", "category": "string",
        "subcategory": "string", "severity": "integer", "is_major_risk": "boolean",
        "status": "string", "overdue": "boolean", "description": "string", "address": "string",
        "grid_code": "string", "community_code": "string", "street_code": "string",
        "district_code": "string", "reported_at": "date-time", "deadline_at": "date-time",
        "assigned_center": "string", "handling_level": "string", "escalations": "integer",
        "resolved_at": "date-time", "closed_at": "date-time", "result": "string",
        "reporter_name": "string", "reporter_phone": "string", "reporter_id_number": "string",
    },
    "centers": {
        "code": "string", "name": "string", "level": "string", "area_code": "string",
        "parent_code": "string", "open": "integer", "overdue": "integer",
        "concluded": "integer", "mean_hours": "number", "period_start": "date-time",
        "period_end": "date-time",
    },
    "warnings": {
        "kind": "string", "status": "string", "reason_zh": "string", "reason_en": "string",
        "area_code": "string", "area_name": "string", "district_code": "string",
        "street_code": "string", "community_code": "string", "grid_code": "string",
        "category": "string", "address": "string", "figures": "object",
        "window_start": "date-time", "window_end": "date-time", "detected_at": "date-time",
        "last_seen_at": "date-time", "assigned_center": "string", "closed_at": "date-time",
    },
}  # fmt: skip
# the query parameters each collection filters by, besides bbox, datetime, limit, crs
QUERYABLES = {
    **{name: ("version",) for name in core.AREA_COLLECTIONS},
    "incidents": ("category", "source", "status", "area", "major_risk"),
    "centers": ("level",),
    "warnings": ("status", "kind", "area"),
}
_QUERYABLE_SCHEMAS = {
    "category": {"type": "string", "enum": list(CATEGORIES)},
    "source": {"type": "string", "enum": list(SOURCES)},
    "status": {"type": "string"},
    "area": {"type": "string", "description": "area code at any level"},
    "major_risk": {"type": "boolean"},
    "version": {"type": "integer", "description": "boundary version (default: current)"},
    "level": {"type": "string", "enum": list(_CENTER_LEVELS)},
    "kind": {"type": "string", "enum": list(KINDS)},
}

Text = Annotated[str | None, Query()]


def _title(collection: str, lang: str) -> str:
    zh, en = TITLES[collection]
    return zh if lang == "zh" else en


def _known(collection_id: str) -> str:
    if collection_id not in TITLES:
        raise ServiceError("no_collection", name=collection_id)
    return collection_id


def _current_version(conn: object) -> int:
    version, _ = live.data_version(conn)
    if version is None:
        raise ServiceError("no_version", version="current")
    return version


def _version(conn: object, value: str | None) -> int:
    """The boundary version asked for (the current one by default); 404 for an unknown one."""
    if not value:
        return _current_version(conn)
    number = params.integer(value, "version")
    if number not in {v.id for v in core.versions(conn)}:
        raise ServiceError("no_version", version=number)
    return number


def collection_document(
    request: Request, collection_id: str, extent: dict, lang: str, versions: list[int] | None
) -> dict:
    """One collection's metadata, with links to its items, queryables and tiles."""
    items = url_for(request, f"/collections/{collection_id}/items")
    out = {
        "id": collection_id,
        "title": _title(collection_id, lang),
        "description": f"{TITLES[collection_id][0]} · {TITLES[collection_id][1]}",
        "itemType": "feature",
        "extent": extent,
        "crs": list(core.CRSS),
        "storageCrs": core.EPSG_4490,
        "links": [
            link(url_for(request, f"/collections/{collection_id}"), "self"),
            link(items, "items", GEOJSON, "GeoJSON"),
            link(
                url_for(request, f"/collections/{collection_id}/queryables"),
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
            ),
        ],
    }
    if collection_id != "centers":
        out["links"].append(
            link(
                url_for(request, f"/collections/{collection_id}/tiles"),
                "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
            )
        )
    if versions is not None:
        out["boundaryVersions"] = versions
    return out


def _extents(box: LngLatBbox | None, times: tuple) -> dict[str, dict]:
    """A collection's extent: the city's box and, for incidents, the first and last report."""
    spatial = {
        "bbox": [[box.west, box.south, box.east, box.north]] if box else [],
        "crs": core.CRS84,
    }
    start, end = times
    temporal = {
        "interval": [[start.isoformat() if start else None, end.isoformat() if end else None]],
        "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
    }
    return {"spatial": spatial, "temporal": temporal}


@router.get(
    "/collections", summary="The collections (areas of each level, incidents, centers, warnings)"
)
def collections(request: Request, client: Caller) -> Response:
    """Every collection's metadata."""
    lang = language(request)
    backend = request.app.state.backend
    with backend.scoped(client) as conn:
        box = core.city_extent(conn)
        times = core.incident_times(conn)
        version_ids = [v.id for v in core.versions(conn)]
    documents = [
        collection_document(
            request, name, _extents(box, times if name == "incidents" else (None, None)),
            lang, version_ids if name in core.AREA_COLLECTIONS else None,
        )
        for name in COLLECTION_IDS
    ]  # fmt: skip
    body = {
        "links": [link(url_for(request, "/collections"), "self")],
        "collections": documents,
    }
    return _json(body)


@router.get("/collections/{collection_id}", summary="One collection's metadata")
def collection(collection_id: str, request: Request, client: Caller) -> Response:
    """A collection's extent, CRSs and links."""
    name = _known(collection_id)
    backend = request.app.state.backend
    with backend.scoped(client) as conn:
        box = core.city_extent(conn)
        times = core.incident_times(conn) if name == "incidents" else (None, None)
        version_ids = [v.id for v in core.versions(conn)] if name in core.AREA_COLLECTIONS else None
    extent = _extents(box, times)
    return _json(collection_document(request, name, extent, language(request), version_ids))


@router.get("/collections/{collection_id}/queryables", summary="What the items can be filtered by")
def queryables(collection_id: str, request: Request, client: Caller) -> Response:
    """The collection's queryables as a JSON Schema (OGC API – Features Part 3)."""
    name = _known(collection_id)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url_for(request, f"/collections/{name}/queryables"),
        "type": "object",
        "title": _title(name, language(request)),
        "properties": {q: _QUERYABLE_SCHEMAS[q] for q in QUERYABLES[name]},
    }
    return Response(json.dumps(schema, ensure_ascii=False), media_type="application/schema+json")


@router.get(
    "/collections/{collection_id}/items",
    summary="Features of a collection, a page at a time (follow the `next` link)",
)
def items(
    collection_id: str,
    request: Request,
    client: Caller,
    bbox: Text = None,
    datetime_: Annotated[str | None, Query(alias="datetime")] = None,
    limit: Text = None,
    crs: Text = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    after: Annotated[
        str | None, Query(description="continue after this key (next link; incidents newest first)")
    ] = None,
    category: Text = None,
    source: Text = None,
    status: Text = None,
    area: Text = None,
    major_risk: Text = None,
    version: Text = None,
    level: Text = None,
    kind: Text = None,
) -> Response:
    """GeoJSON features; filters: bbox, datetime, and the collection's queryables."""
    name = _known(collection_id)
    settings = request.app.state.settings
    out_crs = params.crs(crs)
    box = params.bbox(bbox, params.crs(bbox_crs, "bbox-crs"))
    start, end = params.interval(datetime_)
    size = params.limit(limit, settings.default_limit, settings.max_limit)
    with request.app.state.backend.scoped(client) as conn:
        if name in core.AREA_COLLECTIONS:
            page = core.area_items(
                conn, core.AREA_COLLECTIONS[name], _version(conn, version), client.scope,
                bbox=box, after=after or "", limit=size, crs=out_crs,
            )  # fmt: skip
        elif name == "incidents":
            query = _incident_query(
                conn, box, start, end, category, source, status, area, major_risk
            )
            cursor = params.integer(after, "after", core.NO_ID)
            page = core.incident_items(
                conn, query, now_utc(), before=cursor, limit=size, crs=out_crs
            )
        elif name == "centers":
            levels = params.choices(level, "level", _CENTER_LEVELS)
            listing = core.center_features(
                conn, _workload_period(start, end), client.scope, bbox=box, levels=levels,
                crs=out_crs,
            )  # fmt: skip
            page = listing.page(after, size)
        else:
            listing = core.warning_features(
                conn, load_warning_rules(),
                statuses=params.choices(status, "status", core.WARNING_STATUSES)
                or core.WARNING_STATUSES,
                kinds=params.choices(kind, "kind", KINDS), area_code=area or None, bbox=box,
                start=start, end=end, crs=out_crs,
            )  # fmt: skip
            page = listing.page(params.integer(after, "after") if after else None, size)
    return _features(request, page, out_crs)


@router.get("/collections/{collection_id}/items/{item_id}", summary="One feature")
def item(
    collection_id: str,
    item_id: str,
    request: Request,
    client: Caller,
    crs: Text = None,
    version: Text = None,
) -> Response:
    """One feature by its id (area code, incident id, center code, warning id)."""
    name = _known(collection_id)
    out_crs = params.crs(crs)
    with request.app.state.backend.scoped(client) as conn:
        if name in core.AREA_COLLECTIONS:
            page = core.area_items(
                conn, core.AREA_COLLECTIONS[name], _version(conn, version), client.scope,
                code=item_id, limit=1, crs=out_crs,
            )  # fmt: skip
            feature = page.features[0] if page.features else None
        elif name == "incidents":
            feature = (
                core.incident_item(conn, int(item_id), now_utc(), out_crs)
                if item_id.isdigit() and len(item_id) < 19
                else None
            )
        else:
            listing = (
                core.center_features(conn, _workload_period(None, None), client.scope, crs=out_crs)
                if name == "centers"
                else core.warning_features(conn, load_warning_rules(), crs=out_crs)
            )
            feature = next((text for key, text in listing.rows if str(key) == item_id), None)
    if feature is None:
        raise ServiceError("no_item", collection=name, item=item_id)
    head = json.loads(feature)
    head["links"] = [
        link(here(request), "self", GEOJSON),
        link(url_for(request, f"/collections/{name}"), "collection"),
    ]
    return Response(
        json.dumps(head, ensure_ascii=False), media_type=GEOJSON,
        headers={"Content-Crs": f"<{out_crs}>"},
    )  # fmt: skip


def _incident_query(
    conn: object, box: object, start: datetime | None, end: datetime | None,
    category: str | None, source: str | None, status: str | None, area: str | None,
    major_risk: str | None,
) -> core.IncidentQuery:  # fmt: skip
    """The incidents' filter from the query parameters (an area code of any level)."""
    scope = Scope()
    if area:
        chain = area_chain(conn, area)
        if not chain:
            raise params.bad("area", f"没有区域 {area}", f"there is no area {area}")
        scope = Scope(_LEVELS[len(chain) - 1], area) if len(chain) > 1 else Scope()
    major = params.flag(major_risk, "major_risk")
    flt = IncidentFilter(
        _ANY_TIME,
        sources=params.choices(source, "source", SOURCES),
        categories=params.choices(category, "category", CATEGORIES),
        statuses=params.choices(status, "status", ALL_STATUSES),
        major_only=bool(major),
        scope=scope,
    )
    return core.IncidentQuery(flt, box, start, end, minor_only=major is False)


def _workload_period(start: datetime | None, end: datetime | None) -> Period:
    """The period of the centers' workloads: the datetime interval, else the last 30 days."""
    now = now_utc()
    end = min(end or now, now)
    start = start or end - timedelta(days=_WORKLOAD_DAYS)
    if start >= end:
        raise params.bad("datetime", "工作量统计区间为空", "the workload period is empty")
    return Period(start, end, "api")


def _features(request: Request, page: core.Page, out_crs: str) -> Response:
    """A FeatureCollection from Feature texts, with self and next links."""
    links = [link(here(request), "self", GEOJSON)]
    if page.next_after is not None:
        links.append(link(here(request, after=page.next_after), "next", GEOJSON, "next page"))
    head = {
        "type": "FeatureCollection",
        "timeStamp": now_utc().astimezone(CST).isoformat(timespec="seconds"),
        "numberReturned": len(page.features),
        "links": links,
    }
    text = (
        json.dumps(head, ensure_ascii=False)[:-1] + ',"features":[' + ",".join(page.features) + "]}"
    )
    return Response(
        text.encode("utf-8"), media_type=GEOJSON, headers={"Content-Crs": f"<{out_crs}>"}
    )


def _json(body: dict) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), media_type=JSON)
