"""OGC API – Tiles (WebMercatorQuad, Mapbox Vector Tile) and TileJSON.

`/tiles/WebMercatorQuad/{z}/{y}/{x}` holds the map's three layers (grids with their colour and
reason, incidents, warnings); each collection has tiles of its own layer. A tile's ETag is a
digest of what it depends on (client area, layers, filter, boundary version and the data's
stamp or the grid colours' content), so `If-None-Match` answers 304 without drawing it, and
`Cache-Control: public` with `Vary` on the token headers lets a proxy keep it per client.
When the caller (token cache), the stamp, the colours and the warnings are kept, a tile is one
message to PostgreSQL: the client entered by its token and the tile drawn (a statement prepared
on the connection: `geo.mapapi.prepared`), in one transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Annotated

import psycopg2.extensions
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from geo.filters import OPEN_STATUSES, Scope
from geo.live.queries import AreaNode
from geo.mapapi import features as core
from geo.mapapi.area_index import area_index
from geo.mapapi.tiles import (
    LAYERS,
    MAX_ZOOM,
    GridColour,
    IncidentLayer,
    Statement,
    Tile,
    TileError,
    area_statement,
    draw,
    incident_layer,
    incident_statement,
    layer_bytes,
    layers_message,
    warning_statement,
)  # fmt: skip
from geo.timeutil import now_utc
from service import params
from service.access import Built, caller
from service.errors import ServiceError, language
from service.features import TITLES, _incident_query, _json, _known
from service.links import JSON, MVT, link, url_for
from service.maps import Warned

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
NONE: Warned = ([], {})  # no warnings layer asked for
# Who a one-message tile's transaction acts for (the check): the user of the context the
# entering statement just set in it ('' when it found no client), read as it stands, without
# checking its signature again (`minqing_ctx_user()`: 0.06 ms); the policies check it still.
ACTING = b"split_part(current_setting('minqing.context', true), '|', 1)"
ACTING_ONLY = b"SELECT " + ACTING  # the message of a 304 or a tile kept, after the entering
# The incidents' statements by filter parameters (`_incident_layer`): the same few for every tile
MOST_INCIDENT_LAYERS = 64
_INCIDENT_LAYERS: dict[tuple, IncidentLayer] = {}


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


FILTERS = ("datetime", "category", "source", "status", "area", "major_risk")
NO_FILTERS = (None,) * len(FILTERS)
_INTEGER = re.compile(r"-?[0-9]+")


def _described(path: tuple[str, ...], query: tuple[str, ...]) -> dict:
    """The API description's parameters of a tile route, which reads them itself (`_address`,
    `_filters`): FastAPI's checking of its ten parameters was 0.1 ms of a 3 ms tile."""

    def title(name: str) -> str:
        return name.replace("_", " ").title()

    kind = {"collection_id": "string"}
    return {
        "parameters": [
            {"name": name, "in": "path", "required": True,
             "schema": {"type": kind.get(name, "integer"), "title": title(name)}}
            for name in path
        ] + [
            {"name": name, "in": "query", "required": False,
             "schema": {"title": title(name), "nullable": True, "type": "string"}}
            for name in query
        ]
    }  # fmt: skip


def _address(request: Request) -> tuple[int, int, int]:
    """The tile's zoom, row and column from the path (a 400 naming one that is no integer)."""
    found = []
    for name in ("z", "y", "x"):
        value = request.path_params[name]
        if not _INTEGER.fullmatch(value):
            raise params.bad(name, f"应为整数：{value}", f"should be an integer: {value}")
        found.append(int(value))
    return found[0], found[1], found[2]


def _filters(request: Request) -> tuple[str | None, ...]:
    """The incidents' filter parameters, in the order `_statement` takes them."""
    if not request.scope["query_string"]:
        return NO_FILTERS
    return tuple(request.query_params.get(name) for name in FILTERS)


@router.get(
    f"/tiles/{TMS}/{{z}}/{{y}}/{{x}}", summary="A vector tile of the map",
    openapi_extra=_described(("z", "y", "x"), ("layers", *FILTERS)),
)  # fmt: skip
def map_tile(request: Request) -> Response:
    """Grids (colour and reason), incidents (counted, or points from zoom 14), warnings."""
    z, y, x = _address(request)
    return _drawn(request, _chosen(request, None), z, x, y, _filters(request))


@router.get(
    f"/collections/{{collection_id}}/tiles/{TMS}/{{z}}/{{y}}/{{x}}",
    summary="A vector tile of one collection",
    openapi_extra=_described(("collection_id", "z", "y", "x"), FILTERS),
)
def collection_tile(request: Request) -> Response:
    """The collection's one layer in a tile."""
    z, y, x = _address(request)
    chosen = _chosen(request, request.path_params["collection_id"])
    return _drawn(request, chosen, z, x, y, _filters(request))


Chosen = Callable[[], tuple[str | None, tuple[str, ...]]]


def _chosen(request: Request, collection_id: str | None) -> Chosen:
    """The collection and layers a tile asks for, checked when called (after the caller): the
    map's layers (`layers`), or the collection's one (a 404 for a collection without tiles)."""
    if collection_id is None:
        layers = request.query_params.get("layers")
        return lambda: (None, params.choices(layers, "layers", LAYERS) or LAYERS)

    def collection() -> tuple[str | None, tuple[str, ...]]:
        name = _tiled(collection_id)
        return name, (name,)

    return collection


async def kept_tile(
    request: Request, collection_id: str | None, address: Sequence[str]
) -> Response | None:
    """The tile at `address` (zoom, row, column as in its path) when all it depends on is kept
    (`_at_once`: one message to the database), for `service.kept_tiles` before FastAPI's
    routing; None when it is not, or an address part is no integer (the route answers)."""
    if not all(_INTEGER.fullmatch(part) for part in address):
        return None
    z, y, x = (int(part) for part in address)
    return await _at_once(request, _chosen(request, collection_id), z, x, y, _filters(request))


def _drawn(
    request: Request, which: Chosen, z: int, x: int, y: int, filters: tuple,
) -> Response:  # fmt: skip
    """The tile in one transaction that also admits the caller: the caller is checked first
    (401, 429), then the collection and layers asked for, then the address."""
    maps = request.app.state.maps
    with request.app.state.backend.admitted(request) as conn:
        client = request.state.client
        collection, layers = which()
        try:
            tile = Tile(z, x, y)
        except TileError as exc:
            raise ServiceError("not_found", path=f"{request.url.path} ({exc})") from None
        stamp, seen = maps.stamp(conn, client.scope)
        version = stamp[0]
        if version is None:
            raise ServiceError("no_version", version="current")
        static = maps.static(conn, version)
        colours, tag = (
            maps.colours(conn, client.scope, static, seen) if "grids" in layers else ({}, "")
        )
        warned = maps.warnings(conn, client.scope, stamp) if "warnings" in layers else NONE
        headers = _headers(request, client.scope, collection, layers, tile, stamp, tag)
        if _revalidated(request, headers):
            return Response(status_code=304, headers=headers)
        cached = maps.tiles.get(headers["ETag"])
        if cached is None:
            statements = _statements(
                conn, request, layers, tile, version, static.tree, colours, warned, filters
            )
            cached = draw(conn, statements)
            maps.tiles.put(headers["ETag"], cached)
    return Response(cached, media_type=MVT, headers=headers)


async def _at_once(
    request: Request, which: Chosen, z: int, x: int, y: int, filters: tuple,
) -> Response | None:  # fmt: skip
    """The tile in one message to the database (`Backend.in_one_message`: the client entered
    by its token, then the tile drawn, or only the entering for a 304 or a tile kept) when all
    it depends on is kept: the caller in the token cache, the scope's data stamp (under a
    second old), the boundaries, grid colours and warnings of that stamp; and no area filter
    (read before drawing). None otherwise."""
    backend = request.app.state.backend
    maps = request.app.state.maps
    client = backend.kept_client(request)
    if client is None:
        return None
    try:
        collection, layers = which()
        tile = Tile(z, x, y)
    except (ServiceError, TileError):
        return None
    if "incidents" in layers and filters[4]:
        return None
    kept = maps.kept_stamp(client.scope)
    if kept is None or kept[0][0] is None:
        return None
    stamp, seen = kept
    static = maps.kept_static(stamp[0])
    judged = maps.kept_colours(client.scope, stamp[0], seen) if "grids" in layers else ({}, "")
    warned = maps.kept_warnings(client.scope, stamp) if "warnings" in layers else NONE
    if static is None or judged is None or warned is None:
        return None
    colours, tag = judged
    headers = _headers(request, client.scope, collection, layers, tile, stamp, tag)
    revalidated = _revalidated(request, headers)
    cached = None if revalidated else maps.tiles.get(headers["ETag"])
    if revalidated or cached is not None:
        await backend.in_one_message(request, client, lambda cur: (ACTING_ONLY, _nothing))
        if revalidated:
            return Response(status_code=304, headers=headers)
        return Response(cached, media_type=MVT, headers=headers)

    def query(cur: psycopg2.extensions.cursor) -> Built:
        """The tile's statement, its `PREPARE` before it when the connection has not
        prepared it (then recorded once the message succeeded)."""
        drawn = _statements(
            cur.connection, request, layers, tile, stamp[0], static.tree, colours, warned, filters
        )
        first, message = layers_message(cur, drawn, ACTING)
        if first is None:
            return message, _nothing
        return first.sent, lambda: first.record(cur.connection)

    body = layer_bytes(await backend.in_one_message(request, client, query))
    maps.tiles.put(headers["ETag"], body)
    return Response(body, media_type=MVT, headers=headers)


def _headers(
    request: Request, scope: Scope, collection: str | None, layers: tuple[str, ...], tile: Tile,
    stamp: tuple, tag: str,
) -> dict[str, str]:  # fmt: skip
    """ETag (what the tile depends on: client area, layers, filter, boundary version, the
    data's stamp or the colours' tag), Cache-Control and Vary of a tile."""
    query = request.query_params if request.scope["query_string"] else {}
    query_key = tuple(sorted((k, v) for k, v in query.items() if k != "api_key"))
    depends = [stamp[0], tag]
    if "incidents" in layers:
        depends += [stamp[1], stamp[2]]
    if "warnings" in layers:
        depends += [stamp[3], stamp[4]]
    dynamic = any(name in ("grids", "incidents", "warnings") for name in layers)
    return {
        "ETag": _etag(
            scope.level, scope.code, collection, layers, query_key, tile.z, tile.x, tile.y, *depends
        ),
        "Cache-Control": f"public, max-age={_max_age(request, dynamic)}",
        "Vary": "Authorization, X-API-Key",
    }


def _revalidated(request: Request, headers: Mapping[str, str]) -> bool:
    return headers["ETag"] in _tags(request.headers.get("if-none-match", ""))


def _statements(
    conn: psycopg2.extensions.connection, request: Request, layers: tuple[str, ...], tile: Tile,
    version: int, tree: Mapping[str, AreaNode], colours: Mapping[str, GridColour],
    warned: Warned, filters: tuple,
) -> list[Statement]:  # fmt: skip
    """The statements of the tile's layers (a layer with nothing to draw has none)."""
    statements = (
        _statement(conn, request, name, tile, version, tree, colours, warned, filters)
        for name in layers
    )
    return [s for s in statements if s is not None]


def _statement(
    conn: psycopg2.extensions.connection, request: Request, name: str, tile: Tile, version: int,
    tree: Mapping[str, AreaNode], colours: Mapping[str, GridColour], warned: Warned,
    filters: tuple,
) -> Statement | None:  # fmt: skip
    """One layer's statement, scoped to the client (incidents: the open cases by default)."""
    client = request.state.client
    scope = client.scope
    if name in core.AREA_COLLECTIONS:
        level = core.AREA_COLLECTIONS[name]
        codes = None if scope.level == "city" else area_index(tree).within(scope.code, level)
        shown = colours if name == "grids" else None
        return area_statement(tile, level, name, version, codes, shown, tree)
    if name == "incidents":
        return incident_statement(_incident_layer(conn, filters), tile, tree, now_utc())
    return warning_statement(tile, *warned)


def _incident_layer(conn: psycopg2.extensions.connection, filters: tuple) -> IncidentLayer:
    """The incidents' statements for the filter parameters (the open cases by default): made
    once per filter and kept, but for an area filter (its grids read in the transaction)."""
    kept = _INCIDENT_LAYERS.get(filters)
    if kept is not None:
        return kept
    datetime_, category, source, status, area, major_risk = filters
    start, end = params.interval(datetime_)
    query = _incident_query(conn, None, start, end, category, source, status, area, major_risk)
    if not query.flt.statuses and start is None and end is None:
        query = replace(query, flt=replace(query.flt, statuses=OPEN_STATUSES))
    layer = incident_layer(conn, query)
    if not area:
        if len(_INCIDENT_LAYERS) >= MOST_INCIDENT_LAYERS:
            _INCIDENT_LAYERS.clear()
        _INCIDENT_LAYERS[filters] = layer
    return layer


def _nothing() -> None:
    """Nothing to record after a message."""


def _max_age(request: Request, dynamic: bool) -> int:
    return int(request.app.state.settings.status_seconds) if dynamic else BOUNDARY_MAX_AGE


def _etag(*parts: object) -> str:
    """A tag of the parts (plain values: their `repr` is their content)."""
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}
