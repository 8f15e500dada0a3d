"""The map of one case without a basemap: street, community and grid outlines with their names,
the case's own grid shaded, the other open cases nearby, and the case itself on top."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pydeck as pdk

from geo.queries.areas import AreaOutline
from layers.boundaries import label_layer, outline_layers, outlines_geojson
from layers.drill import case_dots

RGBA = list[int]
STREET_LINE: RGBA = [70, 70, 70, 255]
COMMUNITY_LINE: RGBA = [110, 110, 110, 230]
GRID_LINE: RGBA = [120, 150, 190, 200]
OWN_GRID_FILL: RGBA = [40, 90, 160, 45]
OWN_GRID_LINE: RGBA = [40, 90, 160, 255]
NEARBY_COLOURS: dict[bool, RGBA] = {False: [242, 153, 0, 220], True: [215, 48, 39, 230]}
CASE_FILL: RGBA = [200, 0, 120, 255]
NEARBY_LAYER = "nearby"


@dataclass(frozen=True)
class MapCase:
    """A case on the map: where, and what its tooltip says."""

    id: int
    lon: float
    lat: float
    overdue: bool
    category: str
    status: str
    reported: str
    address: str


def _points(cases: Sequence[MapCase]) -> list[dict]:
    return [
        {
            "id": c.id,
            "position": [c.lon, c.lat],
            "colour": NEARBY_COLOURS[c.overdue],
            "category": c.category,
            "status": c.status,
            "reported": c.reported,
            "name": c.address,
        }
        for c in sorted(cases, key=lambda c: c.overdue)  # overdue drawn on top
    ]


def case_map_layers(
    case: MapCase,
    own_grid: str | None,
    grids: Sequence[AreaOutline],
    named_grids: Sequence[AreaOutline],
    communities: Sequence[AreaOutline],
    streets: Sequence[AreaOutline],
    nearby: Sequence[MapCase],
) -> list[pdk.Layer]:
    """Outlines from the grids up to the streets, the names of the streets, communities and
    `named_grids` (the case's grid and its neighbours), the nearby cases, and the case on top
    of everything."""
    fill = {own_grid: OWN_GRID_FILL} if own_grid else {}
    own = [g for g in grids if g.code == own_grid]
    return [
        *outline_layers("grids", outlines_geojson(grids, fill=fill), GRID_LINE, 1.0, filled=True),
        *outline_layers("own_grid", outlines_geojson(own), OWN_GRID_LINE, 2.5),
        *outline_layers("communities", outlines_geojson(communities), COMMUNITY_LINE, 2.0),
        *outline_layers("streets", outlines_geojson(streets), STREET_LINE, 3.5),
        label_layer("grid_names", named_grids, 11, [40, 70, 130, 255]),
        label_layer("community_names", communities, 14, [60, 60, 60, 255]),
        label_layer("street_names", streets, 17, [20, 20, 20, 255]),
        case_dots(NEARBY_LAYER, _points(nearby), 5),
        case_dots("case", _points([case]), 9, fill=CASE_FILL, edge=3),
    ]
