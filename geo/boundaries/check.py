"""Check features against each other and the current tree, saying what is wrong and where."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from geo import vocabulary
from geo.boundaries.crs import CITY_ENVELOPE
from geo.boundaries.mapping import CODE_PATTERN, PARENT_LEVEL
from geo.boundaries.metric import area_m2, mean_width_m
from geo.boundaries.problems import ERROR, KINDS, Detail, Problem, located
from geo.vocabulary import AREA_LEVELS

# Discrepancies (overlaps, gaps, overflow) smaller than this are rounding noise: ignored.
NOISE_M2 = 0.5
# A piece whose mean width (2·area/perimeter) is below this is a sliver: reported as a warning.
SLIVER_WIDTH_M = 1.0
# Grid kinds when the file gives none: the previous version's kind, else this one.
DEFAULT_KIND = "urban"
MAX_NAME = 100
LEVEL_ZH = {code: label.zh for code, label in AREA_LEVELS.items() if code != "city"}
_WHERE = re.compile(r"\[([-+\d.eE]+) ([-+\d.eE]+)\]")
_REASONS = {
    "Self-intersection": "边界自相交",
    "Ring Self-intersection": "环自相交（8 字形/蝴蝶结）",
    "Too few points in geometry component": "顶点太少，无法构成面",
    "Hole lies outside shell": "内环（洞）在外环之外",
    "Nested shells": "外环互相嵌套",
    "Interior is disconnected": "内部被分割成不连通的部分",
    "Invalid Coordinate": "坐标无效（NaN 或无穷大）",
    "Nested holes": "内环互相嵌套",
    "Duplicate Rings": "环重复",
}


@dataclass
class CheckOptions:
    """What the user allowed: repair invalid geometries, clip to parents, a partial update."""

    repair: bool = False
    clip_to_parent: bool = False
    partial: bool = False


@dataclass
class BaseTree:
    """The current version as far as a check needs it."""

    version_id: int | None
    level: str
    parents: pd.DataFrame  # code, name, geom of the level above
    same_level: pd.DataFrame  # code, name, parent_code, kind, population, geom
    children: pd.DataFrame  # code, parent_code, geom of the level below (may be empty)
    other_codes: dict[str, str]  # code -> level, for every other level


@dataclass
class Repair:
    """What a repair changed in one feature."""

    feature: int
    code: str | None
    reason: str
    parts_before: int
    parts_after: int
    area_before_m2: float
    area_after_m2: float
    original: shapely.Geometry
    repaired: shapely.Geometry


@dataclass
class Candidates:
    """The features as they would be published (after mapping, defaults and repairs)."""

    number: np.ndarray
    code: np.ndarray
    name: np.ndarray
    parent_code: np.ndarray
    kind: np.ndarray
    population: np.ndarray
    geom: np.ndarray  # MultiPolygon, or None where unusable

    def frame(self) -> pd.DataFrame:
        """The candidates as a table."""
        return pd.DataFrame(self.__dict__)


@dataclass
class CheckResult:
    """The candidates, every problem found, the repairs made, and the parents in scope."""

    candidates: Candidates
    problems: list[Problem]
    repairs: list[Repair] = field(default_factory=list)
    scope_parents: set[str] = field(default_factory=set)


def as_multipolygon(geom: shapely.Geometry | None) -> tuple[shapely.MultiPolygon | None, bool]:
    """The polygonal parts as one MultiPolygon (None if none) and whether others were dropped."""
    if geom is None or geom.is_empty:
        return None, False
    if isinstance(geom, shapely.MultiPolygon):
        return geom, False
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom]), False
    parts = shapely.get_parts(geom)
    polys = []
    for part in parts:
        if isinstance(part, shapely.Polygon) and not part.is_empty:
            polys.append(part)
        elif isinstance(part, shapely.MultiPolygon):
            polys.extend(shapely.get_parts(part))
    dropped = len(polys) < len(parts)
    return (shapely.MultiPolygon(polys) if polys else None), dropped


def _reason(text: str) -> tuple[Detail, float | None, float | None]:
    match = _WHERE.search(text)
    key = text.split("[")[0].strip()
    reason = Detail(_REASONS.get(key, key), key)
    if match:
        return reason, float(match[1]), float(match[2])
    return reason, None, None


def _en_level(level: str) -> str:
    return vocabulary.name(AREA_LEVELS, level, "en").lower()


def _m2(value: float) -> str:
    return f"{value:,.1f} m²" if value < 10_000 else f"{value / 1e6:,.3f} km²"


class _Checker:
    def __init__(
        self,
        values: pd.DataFrame,
        geoms: np.ndarray,
        unreadable: np.ndarray,
        unclosed: np.ndarray,
        tree: BaseTree,
        options: CheckOptions,
    ) -> None:
        self.values = values
        self.raw = geoms
        self.unreadable = unreadable
        self.unclosed = unclosed
        self.tree = tree
        self.options = options
        self.n = len(geoms)
        self.numbers = np.arange(1, self.n + 1)
        self.codes = values["code"].to_numpy(dtype=object)
        self.problems: list[Problem] = []
        self.repairs: list[Repair] = []
        self.geom = np.full(self.n, None, dtype=object)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def at(self, kind: str, detail: Detail, i: int, geometry: shapely.Geometry | None = None,
           fix: str | None = None) -> None:  # fmt: skip
        shape = geometry if geometry is not None else self.geom[i]
        if shape is None:
            shape = self._fallback_place(i)
        self.add(located(kind, detail, shape, feature=int(i + 1), code=self.codes[i], fix=fix))

    def _fallback_place(self, i: int) -> shapely.Geometry | None:
        """Where to show a feature without usable geometry: its parent, if known."""
        parent = self.values["parent_code"].iat[i]
        found = self.tree.parents.loc[self.tree.parents["code"] == parent, "geom"]
        return found.iat[0] if len(found) else None

    # --- one feature at a time -----------------------------------------------------------
    def geometries(self) -> None:
        valid = np.zeros(self.n, dtype=bool)
        present = np.array([g is not None for g in self.raw], dtype=bool)
        valid[present] = shapely.is_valid(self.raw[present])
        for i in range(self.n):
            raw = self.raw[i]
            if self.unreadable[i]:
                self.at("unreadable_geometry", Detail(
                    "几何数据已损坏，无法解析（其他要素不受影响）",
                    "the geometry is damaged and cannot be read (other features are not affected)",
                ), i)  # fmt: skip
                continue
            if raw is None or raw.is_empty:
                self.at(
                    "empty_geometry", Detail("要素没有几何图形", "the feature has no geometry"), i
                )
                continue
            poly, dropped = as_multipolygon(raw)
            if poly is None:
                self.at("not_polygon", Detail(
                    f"几何类型为 {raw.geom_type}，边界必须是面",
                    f"the geometry is a {raw.geom_type}: a boundary must be a polygon",
                ), i, raw)  # fmt: skip
                continue
            if dropped:
                self.at("dropped_parts", Detail(
                    "要素中的点、线部分已去除，只保留面",
                    "the feature's points and lines were dropped, its polygons kept",
                ), i, poly)  # fmt: skip
            if self.unclosed[i] or not valid[i]:
                poly = self._invalid(i, poly)
                if poly is None:
                    continue
            self.geom[i] = poly

    def _invalid(self, i: int, poly: shapely.MultiPolygon) -> shapely.MultiPolygon | None:
        if self.unclosed[i]:
            reason, lon, lat = Detail("环未闭合（首尾坐标不同）", "unclosed ring"), None, None
            kind = "unclosed_ring"
        else:
            reason, lon, lat = _reason(shapely.is_valid_reason(poly))
            kind = "invalid_geometry"
        if not self.options.repair:
            outline = shapely.boundary(poly)
            if lon is None:
                lon, lat = shapely.get_coordinates(outline)[0]
            self.add(
                Problem(
                    kind,
                    Detail(
                        f"{reason}：可选择“自动修复”(make_valid)",
                        f"{reason.en}: choose “Repair” (make_valid)",
                    ),
                    feature=i + 1,
                    code=self.codes[i],
                    lon=float(lon),
                    lat=float(lat),
                    geometry=outline,
                    fix="repair",
                )
            )
            return None
        fixed, _ = as_multipolygon(
            shapely.make_valid(poly, method="structure", keep_collapsed=False)
        )
        if fixed is None:
            self.at(kind, Detail(
                f"{reason}，修复后没有剩下面积，请在 GIS 软件中重画",
                f"{reason.en}; nothing is left after repair: redraw it in GIS software",
            ), i, poly.envelope)  # fmt: skip
            return None
        before = float(area_m2(np.array([shapely.make_valid(poly)], dtype=object))[0])
        after = float(area_m2(np.array([fixed], dtype=object))[0])
        repair = Repair(
            feature=i + 1,
            code=self.codes[i],
            reason=reason,
            parts_before=int(shapely.get_num_geometries(poly)),
            parts_after=int(shapely.get_num_geometries(fixed)),
            area_before_m2=before,
            area_after_m2=after,
            original=poly,
            repaired=fixed,
        )
        self.repairs.append(repair)
        self.at(
            "repaired",
            Detail(
                f"{reason}，已用 make_valid 修复：{repair.parts_before} 个部分 → "
                f"{repair.parts_after} 个，面积 {_m2(before)} → {_m2(after)}",
                f"{reason.en}; repaired with make_valid: {repair.parts_before} part(s) → "
                f"{repair.parts_after}, area {_m2(before)} → {_m2(after)}",
            ),
            i,
            fixed,
        )
        return fixed

    def attributes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        values, tree = self.values, self.tree
        previous = (
            tree.same_level.drop(columns="geom").set_index("code").to_dict("index")
            if len(tree.same_level)
            else {}
        )
        columns = {c: values[c].tolist() for c in values.columns}
        self.columns = columns
        counts = pd.Series(self.codes).value_counts(dropna=True).to_dict()
        positions: dict[str, list[int]] = defaultdict(list)
        for k, c in enumerate(self.codes):
            positions[c].append(k + 1)
        kept_codes = self._kept_codes()
        names = np.empty(self.n, dtype=object)
        kinds = np.full(self.n, None, dtype=object)
        population = np.zeros(self.n, dtype=np.int64)
        parent_codes = set(tree.parents["code"])
        for i in range(self.n):
            code = self.codes[i]
            prev = previous.get(code)
            if code is None:
                self.at("missing_code", Detail(
                    "编码为空：每个区域都需要唯一编码", "no code: every area needs a unique code"
                ), i)  # fmt: skip
            elif not CODE_PATTERN.match(code):
                self.at("bad_code", Detail(
                    f"编码“{code}”只能由字母、数字、- 和 _ 组成，最长 40 位",
                    f"the code “{code}” may hold letters, digits, - and _ only, 40 at most",
                ), i)  # fmt: skip
            elif counts.get(code, 0) > 1:
                others = [k for k in positions[code] if k != i + 1]
                self.at("duplicate_code", Detail(
                    f"编码 {code} 还出现在要素 {_list(others)}",
                    f"the code {code} is also on feature(s) {_list(others, 'en')}",
                ), i)  # fmt: skip
            elif code in tree.other_codes:
                other = tree.other_codes[code]
                self.at("code_taken", Detail(
                    f"编码 {code} 已是一个{LEVEL_ZH.get(other, other)}的编码",
                    f"the code {code} is already a {_en_level(other)}'s",
                ), i)  # fmt: skip
            elif code in kept_codes:
                self.at("code_taken", Detail(
                    f"编码 {code} 已被本次不更新的上级下的区域使用",
                    f"the code {code} is used by an area under a parent this update keeps",
                ), i)  # fmt: skip
            name = columns["name"][i]
            if name is None:
                name = prev["name"] if prev is not None else (code or "")
                self.at("missing_name", Detail(
                    f"名称为空，将使用“{name}”", f"no name: “{name}” will be used"
                ), i)  # fmt: skip
            elif len(name) > MAX_NAME:
                self.at("long_name", Detail(
                    f"名称有 {len(name)} 个字，最多 {MAX_NAME} 个",
                    f"the name has {len(name)} characters, {MAX_NAME} at most",
                ), i)  # fmt: skip
            names[i] = name
            parent = columns["parent_code"][i]
            if parent is None:
                up = PARENT_LEVEL[tree.level]
                self.at("missing_parent", Detail(
                    f"没有所属{LEVEL_ZH[up]}编码", f"no {_en_level(up)} code"
                ), i)  # fmt: skip
            elif parent not in parent_codes:
                up = PARENT_LEVEL[tree.level]
                self.at("parent_not_found", Detail(
                    f"所属{LEVEL_ZH[up]}编码 {parent} 在当前边界中不存在",
                    f"the {_en_level(up)} code {parent} is not in the current boundaries",
                ), i)  # fmt: skip
            if tree.level == "grid":
                kinds[i] = self._kind(i, prev)
            population[i] = self._population(i, prev)
        return names, kinds, population, values["parent_code"].to_numpy(dtype=object)

    def _kind(self, i: int, prev: dict | None) -> str:
        raw, kind = self.columns["kind_raw"][i], self.columns["kind"][i]
        if kind is not None:
            return kind
        fallback = prev["kind"] if prev is not None and prev["kind"] else DEFAULT_KIND
        if raw is not None:
            self.at("bad_kind", Detail(
                f"网格类型“{raw}”无法识别：应为 城镇/农村/专属",
                f"unknown grid kind “{raw}”: 城镇 (urban), 农村 (rural) or 专属 (dedicated)",
            ), i)  # fmt: skip
        else:
            self.at("missing_kind", Detail(
                f"没有网格类型，将使用“{fallback}”", f"no grid kind: “{fallback}” will be used"
            ), i)  # fmt: skip
        return fallback

    def _population(self, i: int, prev: dict | None) -> int:
        raw = self.columns["population_raw"][i]
        fallback = int(prev["population"]) if prev is not None else 0
        if raw is None:
            return fallback
        try:
            value = int(float(raw))
        except (TypeError, ValueError):
            value = -1
        if value < 0:
            self.at("bad_population", Detail(
                f"人口数“{raw}”无效，将使用 {fallback}",
                f"the population “{raw}” is not a number: {fallback} will be used",
            ), i)  # fmt: skip
            return fallback
        return value

    def _kept_codes(self) -> set[str]:
        if not self.options.partial or not len(self.tree.same_level):
            return set()
        scope = set(self.values["parent_code"].dropna())
        kept = self.tree.same_level[~self.tree.same_level["parent_code"].isin(scope)]
        return set(kept["code"])

    # --- features against each other and the tree ---------------------------------------
    def city(self) -> None:
        env = CITY_ENVELOPE
        for i in np.flatnonzero([g is not None for g in self.geom]):
            west, south, east, north = self.geom[i].bounds
            if west < env.west or east > env.east or south < env.south or north > env.north:
                self.at(
                    "outside_city",
                    Detail(
                        f"坐标（经度 {west:.4f}…{east:.4f}，纬度 {south:.4f}…{north:.4f}）"
                        "超出本市范围",
                        f"the coordinates (longitude {west:.4f}…{east:.4f}, latitude "
                        f"{south:.4f}…{north:.4f}) lie outside the city",
                    ),
                    i,
                )
                self.geom[i] = None

    def slivers(self) -> None:
        usable = np.flatnonzero([g is not None for g in self.geom])
        if not len(usable):
            return
        parts = shapely.get_parts(self.geom[usable], return_index=True)
        widths = mean_width_m(parts[0])
        areas = area_m2(parts[0])
        for j in np.flatnonzero((widths < SLIVER_WIDTH_M) | (areas < 1.0)):
            i = usable[parts[1][j]]
            self.at(
                "sliver",
                Detail(
                    f"有一个细碎的部分：面积 {_m2(areas[j])}，平均宽度 {widths[j]:.2f} m",
                    f"a sliver part: {_m2(areas[j])}, mean width {widths[j]:.2f} m",
                ),
                i,
                parts[0][j],
            )

    def parents(self) -> np.ndarray:
        """Overflow beyond the parent (clipped when allowed); returns parent geoms per feature."""
        lookup = dict(zip(self.tree.parents["code"], self.tree.parents["geom"], strict=True))
        parent_geom = np.array([lookup.get(p) for p in self.columns["parent_code"]], dtype=object)
        idx = np.flatnonzero(
            [g is not None and p is not None for g, p in zip(self.geom, parent_geom, strict=True)]
        )
        if not len(idx):
            return parent_geom
        idx = idx[~shapely.covered_by(self.geom[idx], parent_geom[idx])]
        outside = self._pieces(shapely.difference(self.geom[idx], parent_geom[idx]))
        for k, i in enumerate(idx):
            pieces = outside[k]
            if not pieces:
                continue
            total = sum(area for _, area, _ in pieces)
            thin = all(width < SLIVER_WIDTH_M for _, _, width in pieces)
            union = shapely.union_all([p for p, _, _ in pieces])
            parent = self.columns["parent_code"][i]
            if self.options.clip_to_parent:
                clipped, _ = as_multipolygon(shapely.intersection(self.geom[i], parent_geom[i]))
                self.at("clipped", Detail(
                    f"超出上级 {parent} 的 {_m2(total)} 已裁去",
                    f"{_m2(total)} beyond the parent {parent} clipped off",
                ), i, union)  # fmt: skip
                self.geom[i] = clipped
            elif thin:
                self.at("sliver", Detail(
                    f"超出上级 {parent} 一条细长区域 {_m2(total)}",
                    f"a thin strip of {_m2(total)} beyond the parent {parent}",
                ), i, union)  # fmt: skip
            else:
                self.at(
                    "outside_parent",
                    Detail(
                        f"有 {_m2(total)} 在上级 {parent} 之外：可选择“裁剪到上级边界”",
                        f"{_m2(total)} lies outside the parent {parent}: choose “Clip to the "
                        "parent”",
                    ),
                    i,
                    union,
                    fix="clip",
                )
        return parent_geom

    @staticmethod
    def _pieces(geoms: np.ndarray) -> list[list[tuple[shapely.Geometry, float, float]]]:
        """Per discrepancy, its polygonal pieces above noise: (piece, m², mean width m)."""
        out: list[list[tuple[shapely.Geometry, float, float]]] = [[] for _ in range(len(geoms))]
        polys = np.array([as_multipolygon(g)[0] for g in geoms], dtype=object)
        present = np.flatnonzero([g is not None for g in polys])
        if not len(present):
            return out
        parts, index = shapely.get_parts(polys[present], return_index=True)
        areas = area_m2(parts)
        widths = mean_width_m(parts)
        for part, k, area, width in zip(parts, index, areas, widths, strict=True):
            if area > NOISE_M2:
                out[present[k]].append((part, float(area), float(width)))
        return out

    def overlaps(self, kept: pd.DataFrame) -> None:
        own = np.flatnonzero([g is not None for g in self.geom])
        geoms = np.concatenate([self.geom[own], kept["geom"].to_numpy(dtype=object)])
        labels = [
            Detail(f"要素 {i + 1}（{self.codes[i]}）", f"feature {i + 1} ({self.codes[i]})")
            for i in own
        ] + [
            Detail(f"现有区域 {c}（不在本次更新范围）", f"the existing area {c} (not updated)")
            for c in kept["code"]
        ]
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms[: len(own)], predicate="intersects")
        keep = left < right
        left, right = left[keep], right[keep]
        if not len(left):
            return
        touching = shapely.touches(geoms[left], geoms[right])
        left, right = left[~touching], right[~touching]
        shared = self._pieces(shapely.intersection(geoms[left], geoms[right]))
        for k in range(len(left)):
            pieces = shared[k]
            if not pieces:
                continue
            total = sum(a for _, a, _ in pieces)
            union = shapely.union_all([p for p, _, _ in pieces])
            i = own[left[k]]
            other = labels[right[k]]
            if all(w < SLIVER_WIDTH_M for _, _, w in pieces):
                self.at("sliver", Detail(
                    f"与{other}有细长重叠 {_m2(total)}",
                    f"a thin overlap of {_m2(total)} with {other.en}",
                ), i, union)  # fmt: skip
            else:
                self.at("overlap", Detail(
                    f"与{other}重叠 {_m2(total)}", f"overlaps {other.en} by {_m2(total)}"
                ), i, union)  # fmt: skip

    def gaps(self, scope: set[str], kept: pd.DataFrame) -> None:
        tree = self.tree
        by_parent: dict[str, list[shapely.Geometry]] = defaultdict(list)
        for g, p in zip(self.geom, self.columns["parent_code"], strict=True):
            if g is not None and p is not None:
                by_parent[p].append(g)
        for g, p in zip(kept["geom"], kept["parent_code"], strict=True):
            by_parent[p].append(g)
        parents = tree.parents[tree.parents["code"].isin(scope)]
        unions = [shapely.union_all(by_parent.get(c, [])) for c in parents["code"]]
        holes = self._pieces(
            shapely.difference(
                parents["geom"].to_numpy(dtype=object), np.array(unions, dtype=object)
            )
        )
        current = tree.same_level["parent_code"].value_counts().to_dict()
        unit = LEVEL_ZH[tree.level]
        for code, name, pieces, union in zip(
            parents["code"], parents["name"], holes, unions, strict=True
        ):
            if union is None or union.is_empty:
                had = current.get(code, 0)
                self.add(
                    located(
                        "parent_without_children",
                        Detail(
                            f"{name}（{code}）内没有任何{unit}"
                            + (f"：现有 {had} 个{unit}将全部删除" if had else ""),
                            f"{name} ({code}) holds no {_en_level(tree.level)}"
                            + (f": all {had} existing ones would be deleted" if had else ""),
                        ),
                        tree.parents.loc[tree.parents["code"] == code, "geom"].iat[0],
                        code=code,
                    )
                )
                continue
            for piece, area, width in pieces:
                kind = "sliver" if width < SLIVER_WIDTH_M else "gap"
                thin = kind == "sliver"
                detail = Detail(
                    f"{name}（{code}）内有 {_m2(area)} 未被任何下级覆盖" + ("（细长空隙）" * thin),
                    f"{_m2(area)} of {name} ({code}) is covered by none of its areas"
                    + (" (a thin gap)" * thin),
                )
                self.add(
                    located(
                        kind,
                        detail,
                        piece,
                        code=code,
                    )
                )

    def children(self, removed: set[str]) -> None:
        """Areas one level below: none may lose its parent, and each should stay inside it."""
        kids = self.tree.children
        if not len(kids):
            return
        orphans = kids[kids["parent_code"].isin(removed)]
        for parent, group in orphans.groupby("parent_code"):
            sample = _list(list(group["code"]))
            self.add(
                located(
                    "orphaned_children",
                    Detail(
                        f"编码 {parent} 不在文件中，但它下面还有 {len(group)} 个区域（{sample}）："
                        "请保留该编码，或先更新下级",
                        f"the code {parent} is not in the file but {len(group)} area(s) lie "
                        f"under it ({_list(list(group['code']), 'en')}): keep the code, or "
                        "update the level below first",
                    ),
                    shapely.union_all(group["geom"].to_numpy(dtype=object)),
                    code=str(parent),
                )
            )
        new_geom = {
            c: g
            for c, g in zip(self.codes, self.geom, strict=True)
            if c is not None and g is not None
        }
        idx = [k for k, p in enumerate(kids["parent_code"]) if p in new_geom]
        if not idx:
            return
        sub = kids.iloc[idx]
        parents = np.array([new_geom[p] for p in sub["parent_code"]], dtype=object)
        outside = self._pieces(shapely.difference(sub["geom"].to_numpy(dtype=object), parents))
        for code, parent, found in zip(sub["code"], sub["parent_code"], outside, strict=True):
            pieces = [p for p in found if p[2] >= SLIVER_WIDTH_M]
            if pieces:
                total = sum(a for _, a, _ in pieces)
                union = shapely.union_all([p for p, _, _ in pieces])
                self.add(
                    located(
                        "children_outside",
                        Detail(
                            f"下级 {code} 有 {_m2(total)} 在新的 {parent} 之外",
                            f"{_m2(total)} of the area {code} below lies outside the new {parent}",
                        ),
                        union,
                        code=str(parent),
                    )
                )


def check(
    values: pd.DataFrame,
    geoms: np.ndarray,
    unreadable: np.ndarray,
    unclosed: np.ndarray,
    tree: BaseTree,
    options: CheckOptions,
) -> CheckResult:
    """Every problem of the mapped features (in EPSG:4490), and the candidates to publish.

    `values` has the columns code, name, parent_code, kind, kind_raw and population_raw.
    """
    checker = _Checker(values, geoms, unreadable, unclosed, tree, options)
    checker.geometries()
    names, kinds, population, parent_codes = checker.attributes()
    checker.city()
    checker.slivers()
    checker.parents()
    scope = set(tree.parents["code"])
    same = tree.same_level
    if options.partial:
        scope = {p for p in parent_codes if p is not None} & scope
    kept = same[~same["parent_code"].isin(scope)] if len(same) else same
    checker.overlaps(kept)
    checker.gaps(scope, kept)
    removed = set(same["code"]) - set(kept["code"]) - {c for c in checker.codes if c}
    checker.children(removed)
    order = {kind: k for k, kind in enumerate(KINDS)}
    problems = sorted(
        checker.problems,
        key=lambda p: (p.severity != ERROR, p.feature is None, p.feature or 0, order[p.kind]),
    )
    candidates = Candidates(
        number=checker.numbers,
        code=checker.codes,
        name=names,
        parent_code=parent_codes,
        kind=kinds,
        population=population,
        geom=checker.geom,
    )
    return CheckResult(candidates, problems, checker.repairs, scope)


def _list(items: list, lang: str = "zh") -> str:
    if lang != "zh":
        shown = ", ".join(str(x) for x in items[:5])
        return shown + (f" … ({len(items)} in all)" if len(items) > 5 else "")
    shown = "、".join(str(x) for x in items[:5])
    return shown + (f" 等 {len(items)} 个" if len(items) > 5 else "")
