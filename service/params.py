"""Query parameters as OGC API – Features defines them: bbox, datetime, crs, limit; lists."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from geo.bounds import LngLatBbox
from geo.mapapi.features import CRS84, CRSS, lat_lon_order
from geo.timeutil import CST
from service.errors import ServiceError

_CRS_NAMES = {
    "crs84": CRS84, "ogc:crs84": CRS84, "epsg:4490": CRSS[1], "epsg:4326": CRSS[2],
    **{crs.lower(): crs for crs in CRSS},
}  # fmt: skip
_EPSILON = timedelta(microseconds=1)
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


def bad(name: str, reason_zh: str, reason_en: str) -> ServiceError:
    """A refused parameter, with the reason in both languages."""
    return ServiceError("bad_parameter", name=name, reason=reason_zh, reason_en=reason_en)


def crs(value: str | None, name: str = "crs") -> str:
    """A supported CRS URI (CRS84 when not given)."""
    if not value:
        return CRS84
    found = _CRS_NAMES.get(value.strip().lower())
    if found is None:
        raise bad(
            name,
            f"不支持的坐标系 {value}",
            f"unsupported CRS {value}; use one of {', '.join(CRSS)}",
        )
    return found


def bbox(value: str | None, in_crs: str = CRS84) -> LngLatBbox | None:
    """`west,south,east,north` (lat/lon order for EPSG:4490 and EPSG:4326) as a lon/lat box."""
    if not value:
        return None
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:  # with heights: drop them
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise bad(
            "bbox", "需要四个数：西,南,东,北", "four numbers are needed: west,south,east,north"
        )
    if lat_lon_order(in_crs):
        south, west, north, east = numbers
    else:
        west, south, east, north = numbers
    if south > north or west > east:
        raise bad("bbox", "南大于北或西大于东", "south is above north or west is east of east")
    return LngLatBbox(west, south, east, north)


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=CST)


def interval(value: str | None, name: str = "datetime") -> tuple[datetime | None, datetime | None]:
    """An RFC 3339 instant or interval (`a/b`, `../b`, `a/..`) as [start, end); no zone is CST.

    An instant is the interval of that one moment (end just after it).
    """
    if not value:
        return None, None
    try:
        if "/" not in value:
            moment = _instant(value.strip())
            return moment, moment + _EPSILON
        first, _, last = value.partition("/")
        start = None if first.strip() in ("", "..") else _instant(first.strip())
        end = None if last.strip() in ("", "..") else _instant(last.strip())
    except ValueError:
        raise bad(
            name, "时间格式应为 RFC 3339，例如 2026-11-01T00:00:00+08:00/..",
            "use RFC 3339, e.g. 2026-11-01T00:00:00+08:00/..",
        ) from None  # fmt: skip
    if start and end and end < start:
        raise bad(name, "结束早于开始", "the interval ends before it starts")
    return start, end


def limit(value: str | None, default: int, most: int) -> int:
    """The page size: default when not given, at most `most`."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 1:
        raise bad("limit", "应为正整数", "a positive integer is needed")
    return min(number, most)


def choices(value: str | None, name: str, allowed: Iterable[str]) -> tuple[str, ...]:
    """A comma-separated list of allowed codes (empty when not given)."""
    if not value:
        return ()
    known = set(allowed)
    items = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [item for item in items if item not in known]
    if unknown:
        listed = ", ".join(sorted(known))
        raise bad(
            name,
            f"未知取值 {unknown[0]}（可选：{listed}）",
            f"unknown value {unknown[0]} (one of {listed})",
        )
    return items


def flag(value: str | None, name: str) -> bool | None:
    """true/false (None when not given)."""
    if value is None or value == "":
        return None
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise bad(name, "应为 true 或 false", "true or false is needed")


def integer(value: str | None, name: str, default: int = 0) -> int:
    """A non-negative integer (the default when not given)."""
    if value is None or value == "":
        return default
    if not value.isdigit() or len(value) > 18:
        raise bad(name, "应为非负整数", "a non-negative integer is needed")
    return int(value)
