"""The generated area tree: streets, communities and small grids tiling Lanzhou's districts.

Each level is cut out of its parent by a Voronoi diagram of seed points placed inside the
parent (denser where more people live, then relaxed once so the cells look like real
neighbourhoods), clipped to the parent. The small grids are then cleaned into an exact
polygonal coverage (shared edges identical, no overlap, no gap) and every upper level is
rebuilt as the coverage union of its children, so a child lies inside its parent exactly and
siblings tile their parent exactly. The districts themselves are rebuilt the same way from
their grids: they differ from the input only by vertices added on their own edges.

Codes follow China's statistical division codes: street = district adcode + 3 digits
(001-099 街道, 101-199 镇, 201-299 乡), community = street + 3 digits (001-199 社区,
201-399 村), small grid = community + 3 digits. Names are invented.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.demo import lanzhou
from geo.demo.names import place_names, venue_names, village_names
from geo.settings import PROJECT_SRID

LEVELS = ("city", "district", "street", "community", "grid")

# Voronoi diagrams are computed with longitude shrunk by cos(latitude), so cells are round
# on the ground rather than stretched north-south.
_LON_SHRINK = float(np.cos(np.radians(lanzhou.CENTRE[1])))
# How strongly seed points follow residential density (0 = uniform, 1 = proportional).
_SEED_POWER = {"street": 0.8, "community": 0.9, "grid": 1.0}
# Residents of a dedicated grid (office building, market) relative to an ordinary grid's.
_DEDICATED_RESIDENTS = 0.05


def build_area_tree(
    districts: gpd.GeoDataFrame, scale: float = 1.0, seed: int = 2026
) -> gpd.GeoDataFrame:
    """The whole tree (city, districts, streets, communities, grids), deterministic for a seed."""
    if not 0 < scale <= 10:
        raise ValueError(f"scale must be in (0, 10], got {scale}")
    rng = np.random.default_rng(seed)
    top = _districts(districts)
    streets = _streets(top, scale, rng)
    communities = _communities(streets, scale, rng)
    grids = _grids(communities, scale, rng)
    return _assemble(top, streets, communities, grids)


def allocate(total: int, weights: np.ndarray, minimum: int = 1) -> np.ndarray:
    """Split `total` into integers proportional to `weights`, each at least `minimum`."""
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    extra = max(int(total) - minimum * n, 0)
    share = weights / weights.sum() * extra if weights.sum() > 0 else np.full(n, extra / n)
    counts = np.floor(share).astype(np.int64)
    leftover = extra - int(counts.sum())
    counts[np.argsort(-(share - counts), kind="stable")[:leftover]] += 1
    return counts + minimum


def _districts(districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """The input districts as plain columns, in EPSG:4490, ordered by code."""
    if districts.crs is not None and districts.crs.to_epsg() not in (4326, PROJECT_SRID):
        districts = districts.to_crs(PROJECT_SRID)  # 4326 and 4490 agree within centimetres
    missing = {"code", "name", "population"} - set(districts.columns)
    if missing:
        raise ValueError(f"the districts lack the columns {sorted(missing)}")
    geoms = shapely.make_valid(np.asarray(districts.geometry.values, dtype=object))
    return pd.DataFrame(
        {
            "code": districts["code"].astype(str).to_numpy(),
            "name": districts["name"].astype(str).to_numpy(),
            "population": districts["population"].astype(np.int64).to_numpy(),
            "geometry": _polygonal(geoms),
        }
    ).sort_values("code", ignore_index=True)


def _streets(top: pd.DataFrame, scale: float, rng: np.random.Generator) -> pd.DataFrame:
    """Streets (街道, 镇, 乡) of every district; the densest ones are 街道."""
    urbanity = np.array([lanzhou.URBANITY.get(c, 0.5) for c in top["code"]])
    per_unit = urbanity / lanzhou.RESIDENTS_PER_STREET[0]
    per_unit += (1 - urbanity) / lanzhou.RESIDENTS_PER_STREET[1]
    counts = allocate(round(lanzhou.STREETS * scale), top["population"].to_numpy() * per_unit)
    taken: set[str] = set()
    parts = []
    for row, k, u in zip(top.itertuples(), counts, urbanity, strict=True):
        cells = _split(row.geometry, int(k), rng, _SEED_POWER["street"])
        n_sub = max(1, round(u * k)) if u >= 0.5 else round(u * k)
        n_township = int(0.3 * (k - n_sub)) if u < 0.5 else 0
        kind = np.array(
            ["subdistrict"] * n_sub
            + ["town"] * (k - n_sub - n_township)
            + ["township"] * n_township
        )
        stems = place_names(rng, int(k), taken)
        taken.update(stems)
        suffix = {"subdistrict": "街道", "town": "镇", "township": "乡"}
        cells["kind"] = kind
        cells["name"] = [s + suffix[x] for s, x in zip(stems, kind, strict=True)]
        cells["code"] = _codes(row.code, kind, {"subdistrict": 1, "town": 101, "township": 201})
        cells["parent_code"] = np.full(len(kind), row.code, dtype=object)
        # 街道 take the district's town dwellers, 镇 and 乡 the rest.
        urban_pop = row.population if n_sub == k else round(u * row.population) if n_sub else 0
        weight = cells["weight"]
        cells["population"] = np.concatenate(
            [
                _split_population(urban_pop, weight[:n_sub], rng),
                _split_population(row.population - urban_pop, weight[n_sub:], rng),
            ]
        )
        parts.append(cells)
    return _frame(parts)


def _communities(streets: pd.DataFrame, scale: float, rng: np.random.Generator) -> pd.DataFrame:
    """Communities: 社区 in 街道 and town seats, 村 elsewhere."""
    urban_street = (streets["kind"] == "subdistrict").to_numpy()
    per_unit = np.where(urban_street, *lanzhou.RESIDENTS_PER_COMMUNITY)
    counts = allocate(
        round(lanzhou.COMMUNITIES * scale), streets["population"].to_numpy() / per_unit
    )
    taken: dict[str, set[str]] = {}
    parts = []
    for row, k, urban in zip(streets.itertuples(), counts, urban_street, strict=True):
        k = int(k)
        cells = _split(row.geometry, k, rng, _SEED_POWER["community"])
        n_res = k if urban else (1 if k >= 5 else 0)  # a town's seat is a 社区
        kind = np.array(["residential"] * n_res + ["village"] * (k - n_res))
        district_taken = taken.setdefault(row.parent_code, set())
        names = place_names(rng, n_res, district_taken) + village_names(
            rng, k - n_res, district_taken
        )
        district_taken.update(names)
        cells["kind"] = kind
        cells["name"] = [
            n + ("社区" if x == "residential" else "村") for n, x in zip(names, kind, strict=True)
        ]
        cells["code"] = _codes(row.code, kind, {"residential": 1, "village": 201})
        cells["parent_code"] = np.full(len(kind), row.code, dtype=object)
        cells["population"] = _split_population(row.population, cells["weight"], rng)
        parts.append(cells)
    return _frame(parts)


def _grids(communities: pd.DataFrame, scale: float, rng: np.random.Generator) -> pd.DataFrame:
    """Small grids: urban ones in 社区, rural ones in 村, dedicated ones in the urban core."""
    residential = (communities["kind"] == "residential").to_numpy()
    population = communities["population"].to_numpy()
    regular = np.zeros(len(communities), dtype=np.int64)
    regular[residential] = allocate(round(lanzhou.URBAN_GRIDS * scale), population[residential])
    regular[~residential] = allocate(round(lanzhou.RURAL_GRIDS * scale), population[~residential])
    district = communities["code"].str[:6].to_numpy()
    core = residential & np.isin(district, lanzhou.CORE_DISTRICTS)
    dedicated = np.zeros(len(communities), dtype=np.int64)
    if core.any():
        busy = population[core] * np.asarray(communities["seed_density"])[core] ** 2
        dedicated[core] = allocate(round(lanzhou.DEDICATED_GRIDS * scale), busy, minimum=0)
    parts = []
    for row, k_reg, k_ded, urban in zip(
        communities.itertuples(), regular, dedicated, residential, strict=True
    ):
        k_reg, k_ded = int(k_reg), int(k_ded)
        cells = _split(row.geometry, k_reg, rng, _SEED_POWER["grid"], clustered=k_ded)
        kind = np.array(["urban" if urban else "rural"] * k_reg + ["dedicated"] * k_ded)
        names = [f"第{i}网格" for i in range(1, k_reg + 1)]
        names += [v + "专属网格" for v in venue_names(rng, k_ded)]
        cells["kind"] = kind
        cells["name"] = names
        cells["code"] = [f"{row.code}{i:03d}" for i in range(1, k_reg + k_ded + 1)]
        cells["parent_code"] = np.full(len(kind), row.code, dtype=object)
        weight = cells["weight"].copy()
        weight[k_reg:] = _DEDICATED_RESIDENTS * weight[:k_reg].mean()
        cells["population"] = _split_population(row.population, weight, rng)
        parts.append(cells)
    return _frame(parts)


def _split(
    parent: shapely.Geometry,
    k: int,
    rng: np.random.Generator,
    power: float,
    clustered: int = 0,
) -> dict[str, np.ndarray]:
    """k cells tiling `parent` (densest first), plus `clustered` small cells around one spot.

    Seeds are drawn with probability density^power, then moved twice to the
    density-weighted centre of their cells (a weighted Lloyd step, which keeps the cell
    size following the density but evens out the shapes). Keys: geometry
    (MultiPolygon), seed_density, weight (the cell's share of residents, as integrated
    density).
    """
    shapely.prepare(parent)
    x, y = _sample_in(parent, 40 * (k + clustered) + 200, rng)
    w = lanzhou.density(x, y)
    pick = rng.choice(len(x), size=k, replace=False, p=w**power / (w**power).sum())
    sx, sy = x[pick], y[pick]
    if clustered:
        cx, cy = _cluster(parent, x[np.argmax(w)], y[np.argmax(w)], clustered, rng)
        sx, sy = np.concatenate([sx, cx]), np.concatenate([sy, cy])
    mass = w ** (2 * power)  # a centroidal tessellation spreads seeds as sqrt(mass)
    for _ in range(2):
        nearest = _nearest(x, y, sx, sy)
        total = np.bincount(nearest, mass, minlength=len(sx))
        with np.errstate(invalid="ignore", divide="ignore"):
            cx = np.bincount(nearest, mass * x, minlength=len(sx)) / total
            cy = np.bincount(nearest, mass * y, minlength=len(sx)) / total
        move = np.arange(len(sx)) < k
        move &= total > 0
        move[move] = shapely.contains_xy(parent, cx[move], cy[move])
        sx[move], sy[move] = cx[move], cy[move]
    cells = _voronoi(parent, sx, sy)
    weight = np.bincount(_nearest(x, y, sx, sy), w, minlength=len(sx))
    dens = lanzhou.density(sx, sy)
    order = np.concatenate([np.argsort(-dens[:k], kind="stable"), np.arange(k, len(sx))])
    return {"geometry": cells[order], "seed_density": dens[order], "weight": weight[order]}


def _frame(parts: list[dict[str, Any]]) -> pd.DataFrame:
    """One DataFrame from per-parent dicts of equal-length columns."""
    return pd.DataFrame(
        {key: np.concatenate([np.asarray(p[key]) for p in parts]) for key in parts[0]}
    )


def _sample_in(
    polygon: shapely.Geometry, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """n uniform random points inside a (prepared) polygon, by rejection from its bbox."""
    xmin, ymin, xmax, ymax = polygon.bounds
    xs, ys, got = [], [], 0
    while got < n:
        x = rng.uniform(xmin, xmax, 2 * n)
        y = rng.uniform(ymin, ymax, 2 * n)
        inside = shapely.contains_xy(polygon, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _cluster(
    parent: shapely.Geometry, x0: float, y0: float, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """n points scattered closely around (x0, y0), all inside parent."""
    radius = 0.1 * np.sqrt(parent.area)
    xs, ys, got = [], [], 0
    while got < n:
        x = x0 + rng.normal(0, radius / _LON_SHRINK, 4 * n)
        y = y0 + rng.normal(0, radius, 4 * n)
        inside = shapely.contains_xy(parent, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
        radius *= 0.7  # a thin parent: come closer to the (inside) centre point
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _voronoi(parent: shapely.Geometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Voronoi cells of the seeds (in seed order), clipped to parent, as MultiPolygons."""
    if len(x) == 1:
        return _polygonal(np.array([parent], dtype=object))
    shrink = np.array([_LON_SHRINK, 1.0])
    seeds = shapely.multipoints(np.column_stack([x * _LON_SHRINK, y]))
    frame = shapely.transform(parent, lambda c: c * shrink)
    diagram = shapely.voronoi_polygons(seeds, extend_to=frame, ordered=True)
    cells = shapely.transform(shapely.get_parts(diagram), lambda c: c / shrink)
    return _polygonal(shapely.intersection(cells, parent))


def _nearest(x: np.ndarray, y: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    """Index of the nearest seed to each point (ground distance, as the Voronoi cells)."""
    d2 = ((x[:, None] - sx) * _LON_SHRINK) ** 2 + (y[:, None] - sy) ** 2
    return np.argmin(d2, axis=1)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Each geometry's polygons as one MultiPolygon (lines and points from clipping dropped)."""
    geoms = shapely.make_valid(geoms)
    parts, index = shapely.get_parts(geoms, return_index=True)
    keep = (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON) & (shapely.area(parts) > 0)
    result = shapely.multipolygons(parts[keep], indices=index[keep])
    if len(result) != len(geoms):
        raise ValueError("a generated area came out empty")
    return result


def _codes(parent: str, kind: np.ndarray, first: dict[str, int]) -> list[str]:
    """Children's codes: parent + 3 digits numbered from each kind's first number."""
    seen: dict[str, int] = {}
    codes = []
    for x in kind:
        codes.append(f"{parent}{first[x] + seen.get(x, 0):03d}")
        seen[x] = seen.get(x, 0) + 1
    return codes


def _split_population(total: int, weight: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Integers summing to total, proportional to weight with some noise."""
    noisy = np.asarray(weight, dtype=float) * rng.lognormal(0.0, 0.25, len(weight))
    return allocate(int(total), noisy + 1e-9, minimum=0)


def _assemble(
    top: pd.DataFrame, streets: pd.DataFrame, communities: pd.DataFrame, grids: pd.DataFrame
) -> gpd.GeoDataFrame:
    """One GeoDataFrame; grids cleaned into an exact coverage, upper levels rebuilt from them."""
    grid_geoms = _polygonal(shapely.coverage_clean(grids["geometry"].to_numpy()))
    community_geoms = _union_by(grids["parent_code"].to_numpy(), grid_geoms, communities["code"])
    street_geoms = _union_by(
        communities["parent_code"].to_numpy(), community_geoms, streets["code"]
    )
    district_geoms = _union_by(streets["parent_code"].to_numpy(), street_geoms, top["code"])
    city = _polygonal(np.array([shapely.coverage_union_all(district_geoms)], dtype=object))
    frames = [
        pd.DataFrame(
            {
                "code": [lanzhou.CITY_CODE],
                "parent_code": [None],
                "name": [lanzhou.CITY_NAME],
                "level": "city",
                "kind": None,
                "population": [int(top["population"].sum())],
                "geometry": city,
            }
        ),
        top.assign(
            parent_code=lanzhou.CITY_CODE, level="district", kind=None, geometry=district_geoms
        ),
        streets.assign(level="street", kind=None, geometry=street_geoms),
        communities.assign(level="community", kind=None, geometry=community_geoms),
        grids.assign(level="grid", geometry=grid_geoms),
    ]
    columns = ["code", "parent_code", "name", "level", "kind", "population", "geometry"]
    tree = pd.concat([f[columns] for f in frames], ignore_index=True)
    tree["population"] = tree["population"].astype(np.int64)
    return gpd.GeoDataFrame(tree, geometry="geometry", crs=PROJECT_SRID)


def _union_by(parent_codes: np.ndarray, geoms: np.ndarray, codes: pd.Series) -> np.ndarray:
    """The coverage union of the children of each code, in the order of `codes`."""
    order = np.argsort(parent_codes, kind="stable")
    keys, starts = np.unique(parent_codes[order], return_index=True)
    groups = np.split(order, starts[1:])
    union = {key: shapely.coverage_union_all(geoms[g]) for key, g in zip(keys, groups, strict=True)}
    return _polygonal(np.array([union[c] for c in codes], dtype=object))
