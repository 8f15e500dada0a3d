"""Links in responses: absolute URLs on the address clients reach the service at."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from starlette.datastructures import URL
from starlette.requests import Request

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
MVT = "application/vnd.mapbox-vector-tile"


def base_url(request: Request) -> str:
    """The service's root URL without a trailing slash (MINQING_SERVICE_PUBLIC_URL when set)."""
    configured = request.app.state.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def here(request: Request, **changes: str | None) -> str:
    """This request's URL on the public address, with query parameters changed (None drops)."""
    url = URL(base_url(request) + request.url.path).replace(query=request.url.query)
    for name, value in changes.items():
        url = url.remove_query_params(name)
        if value is not None:
            url = url.include_query_params(**{name: value})
    return str(url)


def url_for(request: Request, path: str, **query: str) -> str:
    """An absolute URL of a path of the service, carrying the caller's `api_key` if it used one."""
    url = URL(base_url(request) + path)
    key = request.query_params.get("api_key")
    if key:
        query = {**query, "api_key": key}
    return str(url.include_query_params(**query)) if query else str(url)


def url_maker(request: Request) -> Callable[[str], str]:
    """`url_for` without query parameters of its own, the request's base and `api_key` read
    once (a batch's answer links each of its reports twice)."""
    base = base_url(request)
    key = request.query_params.get("api_key")
    query = "?" + urlencode({"api_key": key}) if key else ""
    return lambda path: base + path + query


def link(href: str, rel: str, media_type: str = JSON, title: str | None = None) -> dict:
    """One link object."""
    out = {"href": href, "rel": rel, "type": media_type}
    if title:
        out["title"] = title
    return out
