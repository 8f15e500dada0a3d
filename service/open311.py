"""Open311 GeoReport v2 (`/open311/v2/…​.json` or `.xml`): services, service definitions,
POST and GET requests, one request, tokens. For source clients: a request is filed under the
client's first source and goes through the push intake (`service.intake.Intake`); the
requests listed are those of the client's sources in its area. Errors are GeoReport's
`[{"code", "description"}]` (description in Chinese and English).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from geo.coords import wgs84_to_gcj02
from geo.filters import OPEN_STATUSES
from geo.mapapi import open311 as core
from geo.mapapi.clients import ApiClient
from geo.mapapi.push import Pushed, digest
from geo.timeutil import CST, now_utc
from service import params
from service.access import admit, token_of
from service.errors import ServiceError, language
from service.intake import (
    JSON_TYPES,
    XML_TYPES,
    Intake,
    _refusal,
    parse_xml,
    read_body,
    report_values,
)

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
FORMATS = ("json", "xml")
FORM = "application/x-www-form-urlencoded"
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")
DEFAULT_DAYS = 90
Text = Annotated[str | None, Query()]


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ServiceError("not_found", path=f"…{fmt}")
    return fmt


def _client(request: Request, token: str | None = None) -> ApiClient:
    client = admit(request, token_of(request) or token)
    if client.role != "source":
        raise ServiceError("forbidden", action="通过 Open311 报事或查询", action_en="use Open311")
    return client


def render(fmt: str, root: str, item: str, rows: list[dict], status: int = 200) -> Response:
    """GeoReport's list answer as JSON (an array) or XML (`<root><item>…`)."""
    if fmt == "json":
        body = json.dumps(rows, ensure_ascii=False, default=_value)
        return Response(body, status_code=status, media_type="application/json")
    top = ElementTree.Element(root)
    for row in rows:
        element = ElementTree.SubElement(top, item)
        for name, value in row.items():
            _xml_value(ElementTree.SubElement(element, name), value)
    text = ElementTree.tostring(top, encoding="unicode")
    return Response('<?xml version="1.0" encoding="utf-8"?>' + text, status_code=status,
                    media_type="text/xml; charset=utf-8")  # fmt: skip


def _xml_value(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            child = ElementTree.SubElement(element, "item")
            for name, inner in item.items():
                _xml_value(ElementTree.SubElement(child, name), inner)
    elif isinstance(value, datetime):
        element.text = _value(value)
    elif isinstance(value, bool):
        element.text = str(value).lower()
    elif value is not None:
        element.text = str(value)


def _value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(CST).isoformat(timespec="seconds")
    raise TypeError(type(value).__name__)


def error_response(request: Request, error: ServiceError) -> Response:
    """A refusal in GeoReport's error format, in the path's format."""
    fmt = "xml" if request.url.path.endswith(".xml") else "json"
    rows = [{"code": error.status, "description": f"{error.text('zh')} / {error.text('en')}"}]
    response = render(fmt, "errors", "error", rows, error.status)
    response.headers.update(error.headers)
    return response


@router.get("/discovery.{fmt}", summary="Where the GeoReport v2 endpoint is")
def discovery(fmt: str, request: Request) -> Response:
    """The discovery document."""
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    row = {
        "changeset": "2026-12-01T00:00:00+08:00", "contact": "民情地图 · Minqing Map",
        "key_service": "minqing clients add NAME --role source --area CODE --source SOURCE",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2026-12-01T00:00:00+08:00", "type": "production",
                       "formats": ["application/json", "text/xml"]}],
    }  # fmt: skip
    if _format(fmt) == "json":
        return Response(json.dumps(row, ensure_ascii=False), media_type="application/json")
    return render("xml", "discovery", "endpoint", [row])


@router.get("/services.{fmt}", summary="Service list: the categories and subcategories")
def service_list(fmt: str, request: Request) -> Response:
    """Every service a request can be filed under."""
    fmt = _format(fmt)
    _client(request)
    rows = [
        {"service_code": s.code, "service_name": s.name, "description": s.description,
         "metadata": False, "type": "realtime", "keywords": s.category, "group": s.group}
        for s in core.services(language(request))
    ]  # fmt: skip
    return render(fmt, "services", "service", rows)


@router.get("/services/{service_code}.{fmt}", summary="Service definition (no extra attributes)")
def service_definition(service_code: str, fmt: str, request: Request) -> Response:
    """A service's attributes: none beyond GeoReport's own fields."""
    fmt = _format(fmt)
    _client(request)
    if core.service(service_code) is None:
        raise ServiceError("unknown_service", code=service_code)
    body = {"service_code": service_code, "attributes": []}
    if fmt == "json":
        return Response(json.dumps(body), media_type="application/json")
    return render("xml", "service_definition", "attributes", [{"service_code": service_code}])


async def _fields(request: Request) -> dict[str, str]:
    """The request's fields: a form (as GeoReport posts them), JSON or XML."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in (FORM, *JSON_TYPES, *XML_TYPES):
        raise ServiceError("media_type", media_type=media_type)
    body = await read_body(request, request.app.state.settings.max_body_bytes)
    if media_type == FORM:
        try:
            return dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            )
        except UnicodeDecodeError as exc:
            raise ServiceError("bad_body", reason=str(exc)[:100]) from None
    if media_type in XML_TYPES:
        document = parse_xml(body)
    else:
        try:
            document = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ServiceError("bad_json", reason=str(exc)[:200]) from None
    values = report_values(document)
    return {name: "" if value is None else str(value) for name, value in values.items()}


@router.post("/requests.{fmt}", summary="File a service request", status_code=201)
async def post_request(fmt: str, request: Request) -> Response:
    """A new request: service_code plus lat/long (WGS84) or address_string; the answer is its
    service_request_id (the case number) and a token (also given as `Idempotency-Key`)."""
    fmt = _format(fmt)
    fields = await _fields(request)
    client = await _admit(request, fields.get("api_key"))
    source = client.sources[0]
    found = core.service(fields.get("service_code", ""))
    if found is None:
        raise ServiceError("unknown_service", code=fields.get("service_code", ""))
    key = request.headers.get("idempotency-key", "")
    if key and not _KEY.match(key):
        raise params.bad(
            "Idempotency-Key", "应为 1 至 80 个字母、数字或 _.:-", "1 to 80 of A-Z a-z 0-9 _.:-"
        )
    intake: Intake = request.app.state.intake
    report = _report(fields, found, key or uuid.uuid4().hex, source, intake)
    sent = {name: value for name, value in fields.items() if name != "api_key"}
    # a retry under the same key is the same request whenever it is sent (its time aside)
    entry = Pushed(report, report["source_id"], digest(sent))
    outcome = await intake.submit(client, source, entry, _address(request))
    refusal = _refusal([outcome])
    if refusal is not None:
        raise refusal
    notice = (
        f"已受理，承办单位 {outcome.assigned_center}，办理时限 "
        f"{outcome.deadline_at.astimezone(CST):%Y-%m-%d %H:%M}"
        if outcome.deadline_at else "已受理"
    )  # fmt: skip
    row = {
        "service_request_id": str(outcome.case), "token": outcome.source_id,
        "service_notice": notice, "account_id": None,
    }  # fmt: skip
    return render(
        fmt, "service_requests", "request", [row], 201 if outcome.outcome != "duplicate" else 200
    )


async def _admit(request: Request, form_key: str | None) -> ApiClient:
    """The client of a POST, whose key may also come in the form (as GeoReport sends it)."""
    return await to_thread.run_sync(_client, request, form_key or None)


def _report(
    fields: dict[str, str], found: core.Service, key: str, source: str, intake: Intake
) -> dict:
    """The intake's fields of a GeoReport request (coordinates given in WGS84, as the spec says;
    a GCJ-02 source's are converted so that the intake's correction restores them)."""
    lat, lon = fields.get("lat", ""), fields.get("long", "")
    if lat and lon:
        try:
            lon_value, lat_value = float(lon), float(lat)
        except ValueError:
            raise params.bad("lat/long", "应为数字", "numbers are needed") from None
        if intake.rules.layout(source).coords == "gcj02":
            lon_value, lat_value = wgs84_to_gcj02(lon_value, lat_value)
        lon, lat = repr(lon_value), repr(lat_value)
    elif not fields.get("address_string"):
        raise params.bad("lat/long", "需要坐标或地址", "lat/long or address_string is needed")
    name = " ".join(
        part for part in (fields.get("last_name", ""), fields.get("first_name", "")) if part
    )
    return {
        "source_id": f"o311-{key}", "reported_at": now_utc().isoformat(),
        "category": found.category, "subcategory": found.subcategory or "",
        "description": fields.get("description", ""), "address": fields.get("address_string", ""),
        "lon": lon, "lat": lat, "reporter_name": name, "reporter_phone": fields.get("phone", ""),
    }  # fmt: skip


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _rows(found: list[core.ServiceRequest], lang: str) -> list[dict]:
    out = []
    for r in found:
        service = core.service(r.service_code, lang)
        notes = "" if r.action == "reported" else r.note or ""
        out.append(
            {
                "service_request_id": str(r.id), "status": core.open311_status(r.status),
                "status_notes": notes, "service_name": service.name if service else r.category,
                "service_code": r.service_code, "description": r.description,
                "agency_responsible": r.agency, "service_notice": r.result,
                "requested_datetime": r.requested, "updated_datetime": r.updated,
                "expected_datetime": r.expected, "address": r.address, "address_id": None,
                "zipcode": None, "lat": round(r.lat, 7), "long": round(r.lon, 7),
                "media_url": None, "token": r.token,
            }
        )  # fmt: skip
    return out


@router.get("/requests.{fmt}", summary="Service requests (default: the last 90 days)")
def get_requests(
    fmt: str,
    request: Request,
    service_request_id: Text = None,
    service_code: Text = None,
    start_date: Text = None,
    end_date: Text = None,
    status: Text = None,
) -> Response:
    """Requests by id (comma-separated), or by service, dates and status (open / closed)."""
    fmt = _format(fmt)
    client = _client(request)
    ids = None
    if service_request_id:
        parts = [p.strip() for p in service_request_id.split(",") if p.strip()]
        if not all(p.isdigit() and len(p) < 19 for p in parts):
            raise params.bad("service_request_id", "应为数字", "numbers are needed")
        ids = [int(p) for p in parts]
    found = core.service(service_code) if service_code else None
    if service_code and found is None:
        raise ServiceError("unknown_service", code=service_code)
    start, _ = params.interval(start_date, "start_date")
    end, _ = params.interval(end_date, "end_date")
    if ids is None and start is None:
        start = (end or now_utc()) - timedelta(days=DEFAULT_DAYS)
    states = params.choices(status, "status", ("open", "closed"))
    statuses = None
    if len(states) == 1:
        statuses = OPEN_STATUSES if states[0] == "open" else core.CLOSED_STATUSES
    with request.app.state.backend.scoped(client) as conn:
        rows = core.requests(conn, client.sources, ids=ids, found=found, start=start, end=end,
                             statuses=statuses)  # fmt: skip
    return render(fmt, "service_requests", "request", _rows(rows, language(request)))


@router.get("/requests/{request_id}.{fmt}", summary="One service request")
def get_request(request_id: str, fmt: str, request: Request) -> Response:
    """The request, in a list of one (as GeoReport answers)."""
    fmt = _format(fmt)
    client = _client(request)
    if not request_id.isdigit() or len(request_id) > 18:
        raise ServiceError("no_item", collection="requests", item=request_id)
    with request.app.state.backend.scoped(client) as conn:
        rows = core.requests(conn, client.sources, ids=[int(request_id)])
    if not rows:
        raise ServiceError("no_item", collection="requests", item=request_id)
    return render(fmt, "service_requests", "request", _rows(rows, language(request)))


@router.get("/tokens/{token}.{fmt}", summary="The request a token became")
def get_token(token: str, fmt: str, request: Request) -> Response:
    """service_request_id of a token."""
    fmt = _format(fmt)
    client = _client(request)
    with request.app.state.backend.scoped(client) as conn:
        found = core.request_of_token(conn, client.sources, token)
    if found is None:
        raise ServiceError("no_item", collection="tokens", item=token)
    return render(
        fmt, "service_requests", "request", [{"service_request_id": str(found), "token": token}]
    )
