"""The map service's application: landing page, conformance, API description, error handling."""

from __future__ import annotations

import logging
from functools import cache

import psycopg2
import psycopg2.pool
import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from starlette.exceptions import HTTPException

from geo import db
from geo.cluster import APP_ROLE
from geo.errors import ConfigError, DatabaseUnreachable
from geo.settings import get_settings, hide_password
from service import features, intake, open311, tiles
from service.access import Backend, is_owner_login
from service.config import ServiceSettings
from service.errors import ServiceError, language, problem
from service.kept_tiles import KeptTiles
from service.lane import Lane
from service.links import JSON, OPENAPI, link, url_for
from service.maps import MapState
from service.openapi import to_openapi30, viewer_page

log = logging.getLogger("minqing.service")

TITLE = "民情地图 · Minqing Map service"
DESCRIPTION = (
    "OGC API – Features and Tiles over the grids, incidents, centers and early warnings of "
    "民情地图, push intake for the eight sources, a change feed, and Open311 GeoReport v2. "
    "Every request needs a client token (`Authorization: Bearer …`); see docs/api.md."
)
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
]
STATIC = "/static/swagger-ui"
# FastAPI records and, when the environment asks it to (FASTAPI_OTEL_AUTO_CONFIGURE and an
# OTLP endpoint), exports OpenTelemetry traces, metrics and logs: an intranet service sends
# nothing anywhere, whatever its environment holds.
NO_TELEMETRY: TelemetryConfig = {
    "tracing": False, "metrics": False, "logs": False, "operation_spans": False,
    "auto_configure": False,
}  # fmt: skip


def create_app(database_url: str | None = None, settings: ServiceSettings | None = None) -> FastAPI:
    """The service logged in at `database_url` (default: the pages' login, as the app's role:
    MINQING_APP_DATABASE_URL, or minqing_app on DATABASE_URL's server); refused (ConfigError)
    when that login is the tables' owner or a superuser, for whom row-level security is off."""
    settings = settings or ServiceSettings()
    geo_settings = get_settings()
    url = database_url or db.app_database_url(geo_settings)
    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version="1.0",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        telemetry=NO_TELEMETRY,
    )
    app.state.settings = settings
    size = geo_settings.pool_max
    pool = db.get_pool(url, geo_settings.pool_min, size)
    with db.transaction(pool) as conn:
        if is_owner_login(conn):
            raise ConfigError(
                f"the map service logs in as {APP_ROLE} (row-level security), not as the tables' "
                f"owner: {hide_password(url)} is the owner's login (docs/api.md)"
            )
    lane = Lane(url, settings.tile_connections)
    app.state.backend = Backend(pool, size, lane, settings.token_seconds)
    app.state.maps = MapState(settings.status_seconds, settings.tile_cache_mb * 1024 * 1024)
    app.state.intake = intake.Intake(
        app.state.backend, settings.intake_wait_ms, settings.intake_group,
        settings.intake_parallel, settings.intake_batches,
    )  # fmt: skip
    app.mount(STATIC, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger-ui")
    _handlers(app)
    app.add_middleware(KeptTiles)
    _root_routes(app)
    app.include_router(features.router)
    app.include_router(tiles.router)
    app.include_router(intake.router)
    app.include_router(open311.router)
    return app


def _root_routes(app: FastAPI) -> None:
    @app.get("/", tags=["Service"], summary="Landing page")
    def landing(request: Request) -> JSONResponse:
        """Links to the API description, conformance, collections, tiles and Open311."""
        return JSONResponse(
            {
                "title": TITLE,
                "description": DESCRIPTION,
                "links": [
                    link(url_for(request, "/"), "self", JSON, "this document"),
                    link(url_for(request, "/api"), "service-desc", OPENAPI, "API definition"),
                    link(
                        url_for(request, "/api.html"),
                        "service-doc",
                        "text/html",
                        "API documentation",
                    ),
                    link(url_for(request, "/conformance"), "conformance", JSON),
                    link(url_for(request, "/collections"), "data", JSON, "collections"),
                    link(
                        url_for(request, "/tiles"),
                        "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                        JSON,
                        "vector tiles",
                    ),
                    link(
                        url_for(request, "/tileMatrixSets"),
                        "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                    ),
                ],
            }
        )

    @app.get("/conformance", tags=["Service"], summary="Conformance classes")
    def conformance() -> JSONResponse:
        """The OGC conformance classes the service implements."""
        return JSONResponse({"conformsTo": CONFORMANCE})

    @app.get("/api", tags=["Service"], summary="This API as OpenAPI 3.0")
    def api() -> Response:
        """The OpenAPI 3.0 document."""
        return JSONResponse(_openapi(app), media_type=OPENAPI)

    @app.get("/api.html", tags=["Service"], summary="This API's documentation (served locally)")
    def api_html(request: Request) -> HTMLResponse:
        """Swagger UI from the service's own files."""
        base = url_for(request, "")
        return HTMLResponse(viewer_page(TITLE, base + STATIC, base + "/api"))


def _openapi(app: FastAPI) -> dict:
    return _openapi_cached(id(app), app)


@cache
def _openapi_cached(_key: int, app: FastAPI) -> dict:
    document = to_openapi30(app.openapi())
    # the client token, so that the documentation page can try requests (Authorize)
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["token"] = {"type": "http", "scheme": "bearer", "description": "minqing clients add"}
    document["security"] = [{"token": []}]
    return document


def _handlers(app: FastAPI) -> None:
    def refuse(request: Request, error: ServiceError) -> Response:
        if request.url.path.startswith(open311.router.prefix + "/"):
            return open311.error_response(request, error)
        return problem(request, error)

    @app.exception_handler(ServiceError)
    def refused(request: Request, exc: ServiceError) -> Response:
        return refuse(request, exc)

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        name = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
        reason = str(first.get("msg", "invalid"))
        return refuse(request, ServiceError("bad_parameter", name=name, reason=reason))

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 405:
            return refuse(request, ServiceError("method"))
        return refuse(request, ServiceError("not_found", path=request.url.path))

    @app.exception_handler(psycopg2.OperationalError)
    @app.exception_handler(psycopg2.InterfaceError)
    @app.exception_handler(psycopg2.pool.PoolError)
    @app.exception_handler(DatabaseUnreachable)
    def unavailable(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable: %s", str(exc).strip().splitlines()[:1])
        return refuse(request, ServiceError("unavailable", headers={"Retry-After": "2"}))

    @app.exception_handler(Exception)
    def failed(request: Request, exc: Exception) -> Response:
        log.exception("request failed: %s %s", request.method, request.url.path)
        body = {
            "type": "urn:minqing:problem:internal",
            "title": "服务内部错误" if language(request) == "zh" else "Internal error",
            "status": 500,
            "zh": "服务内部错误，已记录",
            "en": "Internal error; it was logged",
        }
        return JSONResponse(body, status_code=500, media_type="application/problem+json")
