"""Refusals as RFC 9457 problem details (application/problem+json), in Chinese or English."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response

from geo.errors import BilingualError

PROBLEM_TYPE = "application/problem+json"

# key → (HTTP status, Chinese, English); the texts are formatted with the error's parameters.
PROBLEMS: dict[str, tuple[int, str, str]] = {
    "no_token": (401, "缺少访问令牌", "No access token was given"),
    "bad_token": (401, "访问令牌无效或已停用", "The access token is unknown, revoked or disabled"),
    "forbidden": (403, "此客户端无权{action}", "This client may not {action_en}"),
    "rate_limited": (
        429, "请求过于频繁，请 {seconds} 秒后重试", "Too many requests: retry in {seconds} s",
    ),
    "not_found": (404, "没有这个地址：{path}", "Nothing at {path}"),
    "no_collection": (404, "没有数据集 {name}", "There is no collection {name}"),
    "no_item": (
        404, "数据集 {collection} 中没有 {item}", "Collection {collection} has no item {item}",
    ),
    "no_version": (404, "没有边界版本 {version}", "There is no boundary version {version}"),
    "method": (405, "不支持此请求方法", "This method is not allowed here"),
    "bad_parameter": (
        400, "参数 {name} 无效：{reason}", "Parameter {name} is invalid: {reason_en}",
    ),
    "too_large": (
        413, "请求内容超过 {limit} 字节的上限", "The request body is larger than {limit} bytes",
    ),
    "bad_json": (400, "请求内容不是有效的 JSON：{reason}", "The body is not valid JSON: {reason}"),
    "bad_xml": (400, "请求内容不是有效的 XML：{reason}", "The body is not valid XML: {reason}"),
    "bad_body": (400, "请求内容格式错误：{reason}", "The body is malformed: {reason_en}"),
    "media_type": (
        415, "不支持的内容类型 {media_type}", "Unsupported content type {media_type}",
    ),
    "unknown_source": (404, "来源未知：{source}", "Unknown source: {source}"),
    "rejected": (
        422, "报事未被受理（{reason}），未保存任何内容",
        "The report was not accepted ({reason_en}); nothing was stored",
    ),
    "id_conflict": (
        409, "来源编号 {source_id} 已用于内容不同的报事",
        "Source id {source_id} was already used for a different report",
    ),
    "id_elsewhere": (
        409, "来源编号 {source_id} 已用于本客户端辖区以外的报事",
        "Source id {source_id} is already used by a report outside this client's area",
    ),
    "outside_area": (
        422, "报事位置不在本客户端的辖区内，未保存",
        "The report lies outside this client's area; nothing was stored",
    ),
    "too_many_reports": (
        413, "一批最多 {limit} 条报事", "A batch holds at most {limit} reports",
    ),
    "unknown_service": (400, "服务代码未知：{code}", "Unknown service_code: {code}"),
    "unavailable": (
        503, "数据库暂时不可用，请稍后重试", "The database is unavailable: retry shortly",
    ),
}  # fmt: skip


class ServiceError(BilingualError):
    """A refusal of the service: a problem key, its parameters, extra members and headers."""

    messages: ClassVar[dict[str, dict[str, str]]] = {
        key: {"zh": zh, "en": en} for key, (_, zh, en) in PROBLEMS.items()
    }

    def __init__(
        self,
        key: str,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **params: object,
    ) -> None:
        self.extra = extra or {}
        self.headers = headers or {}
        super().__init__(key, **params)

    @property
    def status(self) -> int:
        """The HTTP status of this refusal."""
        return PROBLEMS[self.key][0]

    def values(self, lang: str) -> dict[str, str]:
        """Parameters, with `<name>_en` falling back to `<name>` for English texts."""
        values = dict(self.params)
        for name, value in self.params.items():
            values.setdefault(f"{name}_en", value)
        return values


def language(request: Request) -> str:
    """'en' when the caller asks for English (`lang=en` or Accept-Language), else 'zh'."""
    asked = request.query_params.get("lang")
    if asked in ("zh", "en"):
        return asked
    header = request.headers.get("accept-language", "")
    ranked = []
    for part in header.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            ranked.append((float(q) if q else 1.0, tag.strip().lower()))
        except ValueError:
            continue
    for _, tag in sorted(ranked, key=lambda item: -item[0]):
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh") or tag == "*":
            return "zh"
    return "zh"


def problem(request: Request, error: ServiceError) -> Response:
    """The refusal as a problem+json response: title in the caller's language, both texts."""
    lang = language(request)
    body = {
        "type": f"urn:minqing:problem:{error.key}",
        "title": error.text(lang),
        "status": error.status,
        "instance": request.url.path,
        "zh": error.text("zh"),
        "en": error.text("en"),
        **error.extra,
    }
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=error.status,
        media_type=PROBLEM_TYPE,
        headers=error.headers,
    )
