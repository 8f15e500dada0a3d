"""Push intake for the eight sources' systems, and their change feed (反馈).

`POST /intake/{source}/reports` takes one report, `…/reports/batch` up to `max_batch` (all or
nothing). Both go through `geo.mapapi.push.store_reports`, the file import's intake path.
Single reports that arrive together from one client are stored in one transaction (each
waits at most `intake_wait_ms` for company): one intake statement per group instead of per
report is what lets a source push hundreds a second. Each gets its own answer: the group is
stored `partial` (a report the intake rejects does not hold back the others), and a report
the database refuses (a point outside the client's area) is retried alone, so it fails alone.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any
from xml.etree import ElementTree

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from geo.errors import DatabaseError, DataError
from geo.ingest.sources import IntakeRules, load_rules
from geo.mapapi.clients import ApiClient
from geo.mapapi.push import (
    Pushed,
    PushOutcome,
    audit_push,
    changes,
    digest,
    parse_cursor,
    source_id_of,
    store_reports,
    unknown_category,
)
from geo.timeutil import CST
from geo.vocabulary import SOURCES
from service import params
from service.access import Backend, caller, pusher
from service.errors import ServiceError, language
from service.links import JSON, here, link, url_for, url_maker

router = APIRouter(tags=["Push intake and change feed"])
Caller = Annotated[ApiClient, Depends(caller)]
Pusher = Annotated[ApiClient, Depends(pusher)]
JSON_TYPES = ("application/json", "application/geo+json", "text/json", "")
XML_TYPES = ("application/xml", "text/xml")
_RLS = "row-level security"


def check_source(source: str, client: ApiClient) -> None:
    """404 for a source that does not exist, 403 when the client may not push for it."""
    if source not in SOURCES:
        raise ServiceError("unknown_source", source=source)
    if not client.may_push(source):
        raise ServiceError(
            "forbidden", action=f"推送或读取「{SOURCES[source].zh}」的报事",
            action_en=f"push or follow reports of {source}",
        )  # fmt: skip


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) beyond `limit` bytes before more is read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ServiceError("too_large", limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ServiceError("too_large", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def media_type_of(request: Request) -> str:
    """The request body's media type, lower case, without parameters."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_document(request: Request, limit: int) -> Any:
    """The body as JSON, or XML read as JSON would be (a `<report>` of one element per field,
    or `<reports>` of them); 415 for another content type, 400 when it does not parse."""
    media_type = media_type_of(request)
    if media_type not in JSON_TYPES + XML_TYPES:
        raise ServiceError("media_type", media_type=media_type)
    body = await read_body(request, limit)
    if media_type in XML_TYPES:
        return parse_xml(body)
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ServiceError("bad_json", reason=str(exc)[:200]) from None


def parse_xml(body: bytes) -> Any:
    """Flat XML records as dicts: `<report><source_id>…</source_id>…</report>` is one, a root
    whose children are records (`<reports>`) a list. No DTD or entity is read."""
    head = body[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise ServiceError("bad_xml", reason="DTD / ENTITY")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ServiceError("bad_xml", reason=str(exc)[:200]) from None

    def record(element: ElementTree.Element) -> dict[str, str]:
        return {child.tag: (child.text or "").strip() for child in element}

    if len(root) and all(len(child) for child in root):
        return [record(child) for child in root]
    return record(root)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _bad_body(zh: str, en: str) -> ServiceError:
    return ServiceError("bad_body", reason=zh, reason_en=en)


def report_values(item: Any) -> dict[str, Any]:
    """A report's fields from a JSON object or a GeoJSON Feature (its point gives lon/lat)."""
    if not isinstance(item, dict):
        raise _bad_body("每条报事应为一个 JSON 对象", "each report is a JSON object")
    values = item
    if item.get("type") == "Feature":
        values = dict(item.get("properties") or {})
        geometry = item.get("geometry")
        if geometry is not None:
            coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if (
                not isinstance(geometry, dict) or geometry.get("type") != "Point"
                or not isinstance(coords, list) or len(coords) < 2
                or not all(isinstance(c, int | float) for c in coords[:2])
            ):  # fmt: skip
                raise _bad_body(
                    "几何应为点（经度, 纬度）", "the geometry must be a Point (lon, lat)"
                )
            values["lon"], values["lat"] = coords[0], coords[1]
    for name, value in values.items():
        if isinstance(value, dict | list):
            raise _bad_body(f"字段 {name} 应为单个值", f"field {name} must be a single value")
    return values


def pushed(values: dict[str, Any], source: str, rules: IntakeRules) -> Pushed:
    """A report ready for the intake: its source id and the digest of what was sent."""
    return Pushed(values, source_id_of(values, source, rules), digest(values))


@dataclass
class _Waiting:
    report: Pushed
    future: asyncio.Future = field(repr=False)


class Intake:
    """Stores single reports in groups per (client, source, token), each group in one transaction;
    while `parallel` groups of a client are being stored, the next one gathers. Batches are
    stored `batches` at a time, the others waiting their turn."""

    def __init__(
        self, backend: Backend, wait_ms: float, most: int, parallel: int, batches: int
    ) -> None:
        self.backend = backend
        self.wait = wait_ms / 1000.0
        self.most = most
        self.parallel = max(1, parallel)
        self._batch_turns = asyncio.Semaphore(max(1, batches))
        self.rules = load_rules()
        self._queues: dict[tuple[str, str, str], list[_Waiting]] = {}
        self._active: dict[tuple[str, str, str], int] = {}
        self._gathering: set[tuple[str, str, str]] = set()
        self._tasks: set[asyncio.Task] = set()

    async def submit(
        self, client: ApiClient, source: str, report: Pushed, address: str | None
    ) -> PushOutcome:
        """Store one report (with whatever else arrives meanwhile); its outcome."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(report, loop.create_future())
        # per token too: a group is stored with its first report's token (a rotation meanwhile
        # must not refuse reports sent with the new one)
        key = (client.name, source, client.token)
        self._queues.setdefault(key, []).append(waiting)
        if key not in self._gathering and self._active.get(key, 0) < self.parallel:
            self._active[key] = self._active.get(key, 0) + 1
            self._gathering.add(key)
            task = loop.create_task(self._flush(key, client, source, address))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await waiting.future

    async def _flush(
        self, key: tuple[str, str, str], client: ApiClient, source: str, address: str | None
    ) -> None:
        await asyncio.sleep(self.wait)
        self._gathering.discard(key)
        while queue := self._queues.get(key):
            group = queue[: self.most]
            del queue[: self.most]
            try:
                outcomes = await anyio.to_thread.run_sync(
                    self.store, client, source, [w.report for w in group], address
                )
            except Exception as exc:  # noqa: BLE001 - every waiting request gets the failure
                for waiting in group:
                    if not waiting.future.done():
                        waiting.future.set_exception(exc)
                continue
            for waiting, outcome in zip(group, outcomes, strict=True):
                if not waiting.future.done():
                    waiting.future.set_result(outcome)
        self._active[key] -= 1

    def store(
        self, client: ApiClient, source: str, reports: Sequence[Pushed], address: str | None
    ) -> list[PushOutcome]:
        """Store a group in one transaction; when the database refuses it, each report alone."""
        try:
            with self.backend.scoped(client) as conn:
                outcomes = store_reports(
                    conn, reports, source, client.name, client.actor, self.rules, partial=True
                )
                audit_push(conn, client.actor, source, outcomes, address)
            return outcomes
        except (DataError, DatabaseError) as exc:
            if len(reports) > 1:
                return [self.store(client, source, [r], address)[0] for r in reports]
            if _RLS in str(exc):
                return [PushOutcome(reports[0].source_id, "outside")]
            raise

    async def store_batch(
        self, client: ApiClient, source: str, reports: Sequence[Pushed], address: str | None
    ) -> list[PushOutcome]:
        """`store_all` in a worker thread once the batch's turn has come."""
        async with self._batch_turns:
            return await anyio.to_thread.run_sync(self.store_all, client, source, reports, address)

    def store_all(
        self, client: ApiClient, source: str, reports: Sequence[Pushed], address: str | None
    ) -> list[PushOutcome]:
        """Store a batch all or nothing: when any report is not accepted, none is stored."""
        try:
            with self.backend.scoped(client) as conn:
                outcomes = store_reports(
                    conn, reports, source, client.name, client.actor, self.rules
                )
                if not all(o.accepted for o in outcomes):
                    raise _Refused(outcomes)
                audit_push(conn, client.actor, source, outcomes, address)
            return outcomes
        except _Refused as refused:
            return refused.outcomes
        except (DataError, DatabaseError) as exc:
            if _RLS in str(exc):
                raise ServiceError("outside_area") from None
            raise


class _Refused(Exception):
    """A batch with a report that was not accepted: roll it back."""

    def __init__(self, outcomes: list[PushOutcome]) -> None:
        super().__init__("batch refused")
        self.outcomes = outcomes


def _outcome_body(url: Callable[[str], str], source: str, o: PushOutcome) -> dict:
    """What the source's system learns of one report: its case, grid and deadline, or why not
    (`url`: the request's `url_maker`)."""
    body: dict[str, Any] = {"source": source, "source_id": o.source_id, "outcome": o.outcome}
    if o.case is not None and o.outcome != "conflict":
        body.update(
            case=o.case, status=o.status, grid_code=o.grid_code, district_code=o.district_code,
            assigned_center=o.assigned_center,
            deadline_at=o.deadline_at.astimezone(CST).isoformat() if o.deadline_at else None,
            links=[
                link(url(f"/collections/incidents/items/{o.case}"), "case",
                     "application/geo+json"),
                link(url(f"/intake/{source}/changes"), "changes"),
            ],
        )  # fmt: skip
    if o.outcome == "rejected":
        body.update(reason=o.reason, reason_zh=o.reason_text("zh"), reason_en=o.reason_text("en"))
    return body


def _refusal(outcomes: Sequence[PushOutcome]) -> ServiceError | None:
    """The problem for the first report that was not accepted (None when all were)."""
    for o in outcomes:
        if o.outcome == "rejected":
            return ServiceError(
                "rejected", reason=o.reason_text("zh"), reason_en=o.reason_text("en")
            )
        if o.outcome == "conflict":
            return ServiceError("id_conflict", source_id=o.source_id)
        if o.outcome == "elsewhere":
            return ServiceError("id_elsewhere", source_id=o.source_id)
        if o.outcome == "outside":
            return ServiceError("outside_area")
    return None


def _precheck(report: Pushed, source: str, rules: IntakeRules) -> PushOutcome | None:
    """A report refused before the intake: a category the intake's names do not know."""
    unknown = unknown_category(report.values, source, rules)
    if unknown is None:
        return None
    return PushOutcome(report.source_id, "rejected", reason="unknown_category", detail=unknown)


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post(
    "/intake/{source}/reports",
    summary="Push one report of a source (idempotent on its source id)",
    status_code=201,
)
async def push_report(source: str, request: Request, client: Pusher) -> Response:
    """The report's case number, grid and deadline (201 stored, 200 when sent before)."""
    check_source(source, client)
    intake: Intake = request.app.state.intake
    body = await read_document(request, request.app.state.settings.max_body_bytes)
    report = pushed(report_values(body), source, intake.rules)
    outcome = _precheck(report, source, intake.rules) or await intake.submit(
        client, source, report, _address(request)
    )
    refusal = _refusal([outcome])
    if refusal is not None:
        refusal.extra.update(_outcome_body(url_maker(request), source, outcome))
        raise refusal
    status = 201 if outcome.outcome in ("new", "linked") else 200
    headers = {"Location": url_for(request, f"/collections/incidents/items/{outcome.case}")}
    return _json_response(_outcome_body(url_maker(request), source, outcome), status, headers)


@router.post(
    "/intake/{source}/reports/batch",
    summary="Push a batch of reports of a source, all or nothing",
)
async def push_batch(source: str, request: Request, client: Caller) -> Response:
    """Every report's case; when any report is refused, none is stored (4xx with each one's
    outcome)."""
    check_source(source, client)
    intake: Intake = request.app.state.intake
    settings = request.app.state.settings
    body = await read_document(request, settings.max_body_bytes)
    if isinstance(body, dict):
        body = (
            body.get("features") if body.get("type") == "FeatureCollection" else body.get("reports")
        )
    if not isinstance(body, list) or not body:
        raise _bad_body(
            '批量报事应为非空数组（或 {"reports": [...]}、FeatureCollection）',
            'a batch is a non-empty array (or {"reports": [...]}, a FeatureCollection)',
        )
    if len(body) > settings.max_batch:
        raise ServiceError("too_many_reports", limit=settings.max_batch)
    reports = [pushed(report_values(item), source, intake.rules) for item in body]
    early = [_precheck(r, source, intake.rules) for r in reports]
    if any(early):
        outcomes = [
            e or PushOutcome(r.source_id, "unchecked") for e, r in zip(early, reports, strict=True)
        ]
    else:
        outcomes = await intake.store_batch(client, source, reports, _address(request))
    url = url_maker(request)
    items = [_outcome_body(url, source, o) for o in outcomes]
    refusal = _refusal(outcomes)
    if refusal is not None:
        refusal.extra.update(reports=items)
        raise refusal
    counts = {
        name: sum(o.outcome == name for o in outcomes) for name in ("new", "linked", "duplicate")
    }
    return _json_response({"source": source, "counts": counts, "reports": items}, 200, {})


@router.get("/intake/{source}/changes", summary="What happened to the source's reports (反馈)")
def change_feed(
    source: str,
    request: Request,
    client: Caller,
    since: Annotated[
        str | None, Query(description="the `next` cursor of the previous answer")
    ] = None,
    limit: Annotated[str | None, Query()] = None,
) -> Response:
    """Case events (accepted, assigned, escalated, resolved, closed …) of the cases holding a
    report of this source, oldest first, from the cursor on; poll with `next`."""
    check_source(source, client)
    cursor = parse_cursor(since)
    if cursor is None:
        raise params.bad("since", "游标格式应为 数字.数字", "a cursor looks like NUMBER.NUMBER")
    size = params.limit(limit, 100, 1000)
    with request.app.state.backend.scoped(client) as conn:
        found, after = changes(conn, source, cursor, size)
    lang = language(request)
    body = {
        "source": source,
        "since": since or "0",
        "next": after,
        "changes": [
            {
                "cursor": c.cursor,
                "case": c.case,
                "source_id": c.source_id,
                "at": c.at.astimezone(CST).isoformat(),
                "action": c.action,
                "from_status": c.from_status,
                "to_status": c.to_status,
                "center_code": c.center_code,
                "note": c.note,
                "case_status": c.case_status,
                "result": c.result,
            }  # fmt: skip
            for c in found
        ],
        "links": [
            link(here(request), "self"),
            link(here(request, since=after), "next", JSON, "下一页" if lang == "zh" else "next"),
        ],
    }
    return _json_response(body, 200, {})


def _json_response(body: dict, status: int, headers: dict[str, str]) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, default=str), status_code=status,
        media_type=JSON, headers=headers,
    )  # fmt: skip
