"""The kinds of problem a boundary file can have, and one problem found in one place."""

from __future__ import annotations

import json
from dataclasses import dataclass

import shapely

ERROR = "error"
WARNING = "warning"

# kind -> (severity, Chinese title, English title). Errors block publication; warnings do not.
KINDS: dict[str, tuple[str, str, str]] = {
    "unreadable_geometry": (ERROR, "几何无法读取", "Unreadable geometry"),
    "empty_geometry": (ERROR, "几何为空", "Empty geometry"),
    "not_polygon": (ERROR, "不是面要素", "Not a polygon"),
    "dropped_parts": (WARNING, "已去除非面部分", "Non-polygon parts dropped"),
    "unclosed_ring": (ERROR, "环未闭合", "Unclosed ring"),
    "invalid_geometry": (ERROR, "几何无效", "Invalid geometry"),
    "repaired": (WARNING, "几何已修复", "Geometry repaired"),
    "missing_code": (ERROR, "缺少编码", "Missing code"),
    "bad_code": (ERROR, "编码格式不对", "Malformed code"),
    "duplicate_code": (ERROR, "编码重复", "Duplicate code"),
    "code_taken": (ERROR, "编码已被其他区域使用", "Code already used"),
    "missing_name": (WARNING, "缺少名称", "Missing name"),
    "long_name": (ERROR, "名称过长", "Name too long"),
    "missing_parent": (ERROR, "缺少上级编码", "Missing parent code"),
    "parent_not_found": (ERROR, "上级区域不存在", "Parent not found"),
    "bad_kind": (ERROR, "网格类型无法识别", "Unknown grid kind"),
    "missing_kind": (WARNING, "缺少网格类型", "Missing grid kind"),
    "bad_population": (WARNING, "人口数无效", "Invalid population"),
    "outside_city": (ERROR, "超出本市范围", "Outside the city"),
    "outside_parent": (ERROR, "超出上级边界", "Outside its parent"),
    "clipped": (WARNING, "已裁剪到上级边界", "Clipped to its parent"),
    "overlap": (ERROR, "与其他区域重叠", "Overlap"),
    "gap": (WARNING, "上级范围内有空隙", "Gap inside the parent"),
    "sliver": (WARNING, "细碎多边形", "Sliver"),
    "parent_without_children": (WARNING, "上级区域没有下级", "Parent left without children"),
    "orphaned_children": (ERROR, "下级将失去上级", "Children would lose their parent"),
    "children_outside": (WARNING, "下级超出新边界", "Children outside the new boundary"),
}


class Detail(str):
    """A problem's detail: the Chinese text (what `str` gives: logs, the command line, JSON)
    carrying its English, for the page in either language."""

    en: str

    def __new__(cls, zh: str, en: str = "") -> Detail:
        """The text in both languages (English defaults to the Chinese)."""
        made = super().__new__(cls, zh)
        made.en = en or zh
        return made

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        """Both languages survive a copy or a pickle (cached uploads)."""
        return str(self), self.en


def in_language(text: str, lang: str = "zh") -> str:
    """A detail in the language ('zh', else English); a plain text as it is."""
    return getattr(text, "en", text) if lang == "en" else str(text)


def error_text(exc: BaseException, lang: str = "zh") -> str:
    """A refusal's message in the language, when it was raised with both (else as it is)."""
    message = exc.args[0] if exc.args else None
    return in_language(message, lang) if isinstance(message, str) else str(exc)


@dataclass(frozen=True)
class Problem:
    """One problem at one place: which feature (1-based, as GIS tools count), what, where."""

    kind: str
    detail: str
    feature: int | None = None
    code: str | None = None
    lon: float | None = None
    lat: float | None = None
    geometry: shapely.Geometry | None = None
    fix: str | None = None  # "repair" or "clip" when an option would fix it

    @property
    def severity(self) -> str:
        """'error' (blocks publication) or 'warning'."""
        return KINDS[self.kind][0]

    def title(self, lang: str = "zh") -> str:
        """The kind's short title in the language."""
        return KINDS[self.kind][1 if lang == "zh" else 2]

    def to_dict(self) -> dict:
        """The problem as plain JSON-ready values (geometry as GeoJSON)."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "title": self.title(),
            "feature": self.feature,
            "code": self.code,
            "detail": str(self.detail),
            "detail_en": in_language(self.detail, "en"),
            "where": None if self.lon is None else [round(self.lon, 6), round(self.lat, 6)],
            "geometry": None
            if self.geometry is None
            else json.loads(shapely.to_geojson(shapely.set_precision(self.geometry, 1e-7))),
            "fix": self.fix,
        }


def located(kind: str, detail: str, geometry: shapely.Geometry | None, **fields: object) -> Problem:
    """A problem placed at a point on its geometry."""
    if geometry is None or geometry.is_empty:
        return Problem(kind, detail, **fields)
    point = shapely.point_on_surface(geometry) if geometry.area > 0 else geometry.centroid
    if point.is_empty:
        point = shapely.get_point(shapely.get_exterior_ring(geometry), 0)
    return Problem(kind, detail, lon=point.x, lat=point.y, geometry=geometry, **fields)


def has_errors(problems: list[Problem]) -> bool:
    """True when any problem blocks publication."""
    return any(p.severity == ERROR for p in problems)
