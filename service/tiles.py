"""OGC API – Tiles (WebMercatorQuad, Mapbox Vector Tile) and TileJSON.

`/tiles/WebMercatorQuad/{z}/{y}/{x}` holds the map's three layers (grids with their colour and
reason, incidents, warnings); each collection has tiles of its own layer. A tile's ETag is a
digest of what it depends on (client area, layers, filter, boundary version and the data's
stamp or the grid colours' content), so `If-None-Match` answers 304 without drawing it, and
`Cache-Control: public` with `Vary` on the token headers lets a proxy keep it per client.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Annotated

import psycopg2.extensions
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from geo.filters import OPEN_STATUSES
from geo.live.queries import AreaNode
from geo.mapapi import features as core
from geo.mapapi.tiles import (
    LAYERS,
    MAX_ZOOM,
    GridColour,
    Tile,
    TileError,
    area_layer,
    incident_layer,
    warning_layer,
)  # fmt: skip
from geo.timeutil import now_utc
from geo.warnings.queries import ACTIVE, list_warnings
from geo.warnings.rules import load_rules as load_warning_rules
from service import params
from service.access import caller
from service.errors import ServiceError, language
from service.features import TITLES, Text, _incident_query, _json, _known
from service.links import JSON, MVT, link, url_for

router = APIRouter(tags=["OGC API – Tiles"])
TMS = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
_ORIGIN = 20037508.3427892
_CELL_0 = 156543.03392804097
BOUNDARY_MAX_AGE = 3600
TILED = ("city", "districts", "streets", "communities", "grids", "incidents", "warnings")
FIELDS = {
    "grids": {"code": "String", "name": "String", "parent_code": "String", "color": "String",
              "reason_zh": "String", "reason_en": "String"},
    "incidents": {"code": "String", "count": "Number", "major": "Number", "overdue": "Number",
                  "id": "Number", "source": "String", "category": "String",
                  "subcategory": "String", "severity": "Number", "is_major_risk": "Boolean",
                  "status": "String", "reported_at": "String", "grid_code": "String"},
    "warnings": {"id": "Number", "kind": "String", "status": "String", "reason_zh": "String",
                 "reason_en": "String"},
    "areas": {"code": "String", "name": "String", "parent_code": "String"},
}  # fmt: skip
Caller = Annotated[object, Depends(caller)]


def tile_matrix_set() -> dict:
    """The WebMercatorQuad tile matrix set (OGC Two Dimensional Tile Matrix Set 2.0)."""
    return {
        "id": TMS,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": [
            {
                "id": str(z),
                "scaleDenominator": _CELL_0 / 2**z / 0.00028,
                "cellSize": _CELL_0 / 2**z,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-_ORIGIN, _ORIGIN],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": 2**z,
                "matrixHeight": 2**z,
            }  # fmt: skip
            for z in range(MAX_ZOOM + 1)
        ],
    }


def _template(request: Request, prefix: str) -> str:
    return url_for(request, f"{prefix}/tiles/{TMS}") + "/{tileMatrix}/{tileRow}/{tileCol}"


def _layers_of(collection: str | None) -> tuple[str, ...]:
    return LAYERS if collection is None else (collection,)


def _vector_layers(layers: tuple[str, ...]) -> list[dict]:
    return [
        {"id": name, "fields": FIELDS.get(name, FIELDS["areas"]), "minzoom": 0, "maxzoom": MAX_ZOOM}
        for name in layers
    ]


def _tileset(request: Request, collection: str | None) -> dict:
    prefix = f"/collections/{collection}" if collection else ""
    title = TITLES[collection][0 if language(request) == "zh" else 1] if collection else "民情地图"
    return {
        "title": title,
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": TMS_URI,
        "layers": [
            {
                "id": v["id"],
                "dataType": "vector",
                "geometryType": "points" if v["id"] in ("incidents", "warnings") else "polygons",
            }
            for v in _vector_layers(_layers_of(collection))
        ],  # fmt: skip
        "links": [
            link(url_for(request, f"{prefix}/tiles/{TMS}"), "self"),
            link(
                url_for(request, f"/tileMatrixSets/{TMS}"),
                "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
            ),
            {**link(_template(request, prefix), "item", MVT), "templated": True},
            link(
                url_for(request, f"{prefix}/tiles/{TMS}/tilejson.json"),
                "describedby",
                JSON,
                "TileJSON",
            ),
        ],  # fmt: skip
    }


@router.get("/tileMatrixSets", summary="The tile matrix sets (WebMercatorQuad)")
def tile_matrix_sets(request: Request) -> Response:
    """The one tile matrix set the tiles use."""
    ref = link(url_for(request, f"/tileMatrixSets/{TMS}"), "self")
    return _json({"tileMatrixSets": [{"id": TMS, "title": TMS, "uri": TMS_URI, "links": [ref]}]})


@router.get(f"/tileMatrixSets/{TMS}", summary="WebMercatorQuad")
def web_mercator_quad() -> Response:
    """The WebMercatorQuad definition."""
    return _json(tile_matrix_set())


@router.get("/tiles", summary="The map's vector tilesets")
def tilesets(request: Request, client: Caller) -> Response:
    """The tileset of the map (grids, incidents, warnings)."""
    return _json({"tilesets": [_tileset(request, None)]})


@router.get(f"/tiles/{TMS}", summary="The map's vector tileset")
def tileset(request: Request, client: Caller) -> Response:
    """Metadata of the map's tileset: layers, tile matrix set, the tile URL template."""
    return _json(_tileset(request, None))


@router.get("/collections/{collection_id}/tiles", summary="A collection's vector tilesets")
def collection_tilesets(collection_id: str, request: Request, client: Caller) -> Response:
    """The collection's tileset."""
    return _json({"tilesets": [_tileset(request, _tiled(collection_id))]})


@router.get(f"/collections/{{collection_id}}/tiles/{TMS}", summary="A collection's tileset")
def collection_tileset(collection_id: str, request: Request, client: Caller) -> Response:
    """Metadata of the collection's tileset."""
    return _json(_tileset(request, _tiled(collection_id)))


def _tilejson(request: Request, collection: str | None) -> Response:
    prefix = f"/collections/{collection}" if collection else ""
    with request.app.state.backend.scoped(request.state.client) as conn:
        box = core.city_extent(conn)
    bounds = [box.west, box.south, box.east, box.north] if box else [-180, -85, 180, 85]
    template = url_for(request, f"{prefix}/tiles/{TMS}") + "/{z}/{y}/{x}"
    body = {
        "tilejson": "3.0.0",
        "name": TITLES[collection][0] if collection else "民情地图",
        "scheme": "xyz",
        "tiles": [template],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 10],
        "vector_layers": _vector_layers(_layers_of(collection)),
    }
    return _json(body)


@router.get(f"/tiles/{TMS}/tilejson.json", summary="TileJSON of the map's tiles")
def tilejson(request: Request, client: Caller) -> Response:
    """TileJSON 3.0 for MapLibre, Mapbox GL, QGIS."""
    return _tilejson(request, None)


@router.get(f"/collections/{{collection_id}}/tiles/{TMS}/tilejson.json", summary="TileJSON")
def collection_tilejson(collection_id: str, request: Request, client: Caller) -> Response:
    """TileJSON 3.0 of one collection's tiles."""
    return _tilejson(request, _tiled(collection_id))


def _tiled(collection_id: str) -> str:
    name = _known(collection_id)
    if name not in TILED:
        raise ServiceError("no_collection", name=f"{collection_id}/tiles")
    return name


@router.get(f"/tiles/{TMS}/{{z}}/{{y}}/{{x}}", summary="A vector tile of the map")
def map_tile(
    z: int, y: int, x: int, request: Request,
    layers: Text = None, datetime_: Annotated[str | None, Query(alias="datetime")] = None,
    category: Text = None, source: Text = None, status: Text = None, area: Text = None,
    major_risk: Text = None,
) -> Response:  # fmt: skip
    """Grids (colour and reason), incidents (counted, or points from zoom 14), warnings."""

    def which() -> tuple[str | None, tuple[str, ...]]:
        return None, params.choices(layers, "layers", LAYERS) or LAYERS

    filters = (datetime_, category, source, status, area, major_risk)
    return _tile(request, which, z, x, y, filters)


@router.get(
    f"/collections/{{collection_id}}/tiles/{TMS}/{{z}}/{{y}}/{{x}}",
    summary="A vector tile of one collection",
)
def collection_tile(
    collection_id: str, z: int, y: int, x: int, request: Request,
    datetime_: Annotated[str | None, Query(alias="datetime")] = None,
    category: Text = None, source: Text = None, status: Text = None, area: Text = None,
    major_risk: Text = None,
) -> Response:  # fmt: skip
    """The collection's one layer in a tile."""

    def which() -> tuple[str | None, tuple[str, ...]]:
        name = _tiled(collection_id)
        return name, (name,)

    filters = (datetime_, category, source, status, area, major_risk)
    return _tile(request, which, z, x, y, filters)


def _tile(
    request: Request, which: Callable[[], tuple[str | None, tuple[str, ...]]],
    z: int, x: int, y: int, filters: tuple,
) -> Response:  # fmt: skip
    """A tile drawn (or kept) in one transaction that also admits the caller: the caller is
    checked first (401, 429), then the collection and layers asked for, then the address."""
    maps = request.app.state.maps
    query_key = tuple(sorted((k, v) for k, v in request.query_params.items() if k != "api_key"))
    with request.app.state.backend.admitted(request) as conn:
        client = request.state.client
        collection, layers = which()
        try:
            tile = Tile(z, x, y)
        except TileError as exc:
            raise ServiceError("not_found", path=f"{request.url.path} ({exc})") from None
        dynamic = any(name in ("grids", "incidents", "warnings") for name in layers)
        stamp, seen = maps.stamp(conn, client.scope)
        version = stamp[0]
        if version is None:
            raise ServiceError("no_version", version="current")
        static = maps.static(conn, version)
        colours, tag = (
            maps.colours(conn, client.scope, static, seen) if "grids" in layers else ({}, "")
        )
        depends = [version, tag]
        if "incidents" in layers:
            depends += [stamp[1], stamp[2]]
        if "warnings" in layers:
            depends += [stamp[3], stamp[4]]
        etag = _etag(client.scope, collection, layers, query_key, tile, depends)
        headers = {
            "ETag": etag,
            "Cache-Control": f"public, max-age={_max_age(request, dynamic)}",
            "Vary": "Authorization, X-API-Key",
        }
        if etag in _tags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        cached = maps.tiles.get(etag)
        if cached is None:
            cached = b"".join(
                _layer(conn, request, name, tile, version, static.tree, colours, filters)
                for name in layers
            )
            maps.tiles.put(etag, cached)
    return Response(cached, media_type=MVT, headers=headers)


def _layer(
    conn: psycopg2.extensions.connection, request: Request, name: str, tile: Tile, version: int,
    tree: Mapping[str, AreaNode], colours: Mapping[str, GridColour], filters: tuple,
) -> bytes:  # fmt: skip
    """One layer of a tile, scoped to the client (incidents: the open cases by default)."""
    client = request.state.client
    scope = client.scope
    codes = None
    if scope.level != "city":
        codes = [n.code for n in tree.values() if n.code == scope.code or scope.code in n.ancestors]
    if name in core.AREA_COLLECTIONS:
        level = core.AREA_COLLECTIONS[name]
        shown = colours if name == "grids" else None
        return area_layer(conn, tile, level, name, version, codes, shown, tree)
    if name == "incidents":
        datetime_, category, source, status, area, major_risk = filters
        start, end = params.interval(datetime_)
        query = _incident_query(conn, None, start, end, category, source, status, area, major_risk)
        if not query.flt.statuses and start is None and end is None:
            query = replace(query, flt=replace(query.flt, statuses=OPEN_STATUSES))
        return incident_layer(conn, tile, query, tree, now_utc())
    rules = load_warning_rules()
    warnings = list_warnings(conn, ACTIVE)
    described = {w.id: core.warning_properties(w, rules) for w in warnings}
    reasons = {key: (p["reason_zh"], p["reason_en"]) for key, p in described.items()}
    return warning_layer(conn, tile, warnings, reasons)


def _max_age(request: Request, dynamic: bool) -> int:
    return int(request.app.state.settings.status_seconds) if dynamic else BOUNDARY_MAX_AGE


def _etag(*parts: object) -> str:
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}
