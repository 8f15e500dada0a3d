"""The four-level command system of the demo: one center for the city, each district,
street and community, plus the sub-center of 兰州新区 (Lanzhou New Area).

At scale 1.0 this gives 1 / 9 / 110 / 1,086 centers: one command post per generated street
and one workstation per generated community. The seeds also quote 114 posts and 1,180
workstations (counts from another year, with posts for development zones); we keep exactly
one center per area so that every case has one obvious owner at each level.

兰州新区 is a state-level new area, not an administrative division: it has no polygon in
the tree. Its sub-center is given the area code of 皋兰县 (620122), the district it sits in
here, and it commands the 皋兰 streets within `NEW_AREA_RADIUS_KM` of the new area's centre
(at least the nearest one); the other 皋兰 streets stay under 皋兰's own sub-center. The
part of the new area in 永登县 is not modelled.

A center stands at the population-weighted centre of its area's small grids (or, when that
falls outside the area, inside its most populous grid).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.demo import lanzhou
from geo.settings import PROJECT_SRID

CITY_CENTER_NAME = "小兰社会治理中心"
NEW_AREA_CODE = "sub-lzxq"
NEW_AREA_NAME = "兰州新区分中心"
NEW_AREA_DISTRICT = "620122"  # 皋兰县
NEW_AREA_RADIUS_KM = 35.0

_PREFIX = {"city": "city", "district": "sub", "street": "post", "community": "ws"}
_LEVEL = {
    "city": "city_center",
    "district": "sub_center",
    "street": "command_post",
    "community": "workstation",
}
_SUFFIX = {"district": "分中心", "street": "指挥所", "community": "工作站"}


def build_centers(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Centers (code, name, level, area_code, parent_code, geometry) for an area tree."""
    served = areas[areas["level"] != "grid"].reset_index(drop=True)
    x, y = _locations(areas, served)
    codes = [f"{_PREFIX[lv]}-{c}" for lv, c in zip(served["level"], served["code"], strict=True)]
    parent_area = served["parent_code"].to_numpy()
    parents = [
        None if pd.isna(p) else f"{_PREFIX[_up(lv)]}-{p}"
        for lv, p in zip(served["level"], parent_area, strict=True)
    ]
    names = [
        CITY_CENTER_NAME if lv == "city" else name + _SUFFIX[lv]
        for lv, name in zip(served["level"], served["name"], strict=True)
    ]
    centers = pd.DataFrame(
        {
            "code": codes,
            "name": names,
            "level": served["level"].map(_LEVEL).to_numpy(),
            "area_code": served["code"].to_numpy(),
            "parent_code": parents,
            "x": x,
            "y": y,
        }
    )
    city = served.geometry.to_numpy()[0]
    if shapely.contains_xy(city, *lanzhou.CENTRE):  # the city center stands downtown
        centers.loc[0, ["x", "y"]] = lanzhou.CENTRE
    centers = _add_new_area(centers, areas)
    return gpd.GeoDataFrame(
        centers.drop(columns=["x", "y"]),
        geometry=shapely.points(centers["x"].to_numpy(), centers["y"].to_numpy()),
        crs=PROJECT_SRID,
    )


def _up(level: str) -> str:
    """The area level above `level`."""
    order = ["city", "district", "street", "community"]
    return order[order.index(level) - 1]


def _locations(areas: gpd.GeoDataFrame, served: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Population-weighted centre of each served area's grids, moved inside when outside."""
    grids = areas[areas["level"] == "grid"]
    points = shapely.point_on_surface(grids.geometry.to_numpy())
    gx, gy = shapely.get_x(points), shapely.get_y(points)
    weight = grids["population"].to_numpy(dtype=float) + 1.0
    ancestors = _ancestors(areas, grids["code"].to_numpy())
    x = np.empty(len(served))
    y = np.empty(len(served))
    for level, owner in ancestors.items():
        rows = np.flatnonzero(served["level"].to_numpy() == level)
        index = pd.Index(served["code"].to_numpy()[rows])
        group = index.get_indexer(owner)
        total = np.bincount(group, weight, minlength=len(rows))
        x[rows] = np.bincount(group, weight * gx, minlength=len(rows)) / total
        y[rows] = np.bincount(group, weight * gy, minlength=len(rows)) / total
        heaviest = pd.Series(weight).groupby(group).idxmax().reindex(range(len(rows))).to_numpy()
        geoms = served.geometry.to_numpy()[rows]
        outside = ~shapely.contains_xy(geoms, x[rows], y[rows])
        x[rows[outside]] = gx[heaviest[outside]]
        y[rows[outside]] = gy[heaviest[outside]]
    return x, y


def _ancestors(areas: gpd.GeoDataFrame, grid_codes: np.ndarray) -> dict[str, np.ndarray]:
    """For each grid, the code of its community, street, district and city."""
    parent = dict(zip(areas["code"], areas["parent_code"], strict=True))
    found = {}
    codes = grid_codes
    for level in ("community", "street", "district", "city"):
        codes = np.array([parent[c] for c in codes], dtype=object)
        found[level] = codes
    return found


def _add_new_area(centers: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Add 兰州新区's sub-center and hand it the 皋兰 command posts near the new area."""
    km_x = 111.32 * np.cos(np.radians(lanzhou.NEW_AREA[1]))
    posts = centers[
        (centers["level"] == "command_post")
        & centers["area_code"].str.startswith(NEW_AREA_DISTRICT)
    ]
    if posts.empty:
        return centers
    distance = np.hypot(
        (posts["x"] - lanzhou.NEW_AREA[0]) * km_x, (posts["y"] - lanzhou.NEW_AREA[1]) * 110.57
    )
    near = posts.index[(distance <= NEW_AREA_RADIUS_KM) | (distance == distance.min())]
    grids = areas[(areas["level"] == "grid") & areas["code"].str.startswith(NEW_AREA_DISTRICT)]
    spot = shapely.point_on_surface(grids.geometry.to_numpy())
    nearest = np.argmin(
        np.hypot(
            (shapely.get_x(spot) - lanzhou.NEW_AREA[0]) * km_x,
            (shapely.get_y(spot) - lanzhou.NEW_AREA[1]) * 110.57,
        )
    )
    new_area = pd.DataFrame(
        {
            "code": [NEW_AREA_CODE],
            "name": [NEW_AREA_NAME],
            "level": ["sub_center"],
            "area_code": [NEW_AREA_DISTRICT],
            "parent_code": [f"city-{lanzhou.CITY_CODE}"],
            "x": [shapely.get_x(spot[nearest])],
            "y": [shapely.get_y(spot[nearest])],
        }
    )
    centers = centers.copy()
    centers.loc[near, "parent_code"] = NEW_AREA_CODE
    district_row = np.flatnonzero(centers["code"] == f"sub-{NEW_AREA_DISTRICT}")[0]
    return pd.concat(
        [centers.iloc[: district_row + 1], new_area, centers.iloc[district_row + 1 :]],
        ignore_index=True,
    )
