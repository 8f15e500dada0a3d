"""The incident heat layer: counts per server-side cell, smoothed on the GPU."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pydeck as pdk

from layers.colors import YL_OR_RD
from layers.deck import literal
from layers.legend import Legend

Translate = Callable[[str], str]
# cells are sent as (lon, lat, count); radius by the size of the cells in view
RADIUS_PX = {"city": 30, "district": 34, "street": 40}
# The heat's colours run from zero to the densest spot in view: at city scale the urban core
# holds so many cases that every other cell fell under the threshold and the layer all but
# vanished. At city scale a cell weighs the square root of its count, which keeps the core the
# darkest and lets the towns around it show (with a slightly lower threshold).
SQRT_LEVELS = ("city",)


def heat_data(cells: Sequence[tuple[float, float, int]], sqrt: bool = False) -> list[dict]:
    """Cell centres and counts (or their square roots, two decimals) as the layer's records
    (coordinates rounded to ~10 m)."""
    kept = [cell for cell in cells if cell[2] > 0]
    if not kept:
        return []
    table = np.asarray(kept, dtype=float)
    positions = np.round(table[:, :2], 4).tolist()
    if sqrt:
        weights = np.round(np.sqrt(table[:, 2]), 2).tolist()
    else:
        weights = table[:, 2].astype(int).tolist()
    return [{"p": p, "w": n} for p, n in zip(positions, weights, strict=True)]


def heat_layer(cells: Sequence[tuple[float, float, int]], level: str) -> pdk.Layer:
    """A HeatmapLayer over the cells' counts (not pickable: the grids below keep the tooltip)."""
    city = level in SQRT_LEVELS
    return pdk.Layer(
        "HeatmapLayer",
        id="heat",
        data=heat_data(cells, sqrt=city),
        get_position="p",
        get_weight="w",
        aggregation=literal("SUM"),
        radius_pixels=RADIUS_PX.get(level, RADIUS_PX["street"]),
        intensity=1.0,
        threshold=0.03 if city else 0.04,
        color_range=[c[:3] for c in YL_OR_RD],
        opacity=0.75,
        pickable=False,
    )


def heat_legend(cell_metres: int, busiest: int, t: Translate, sqrt: bool = False) -> Legend:
    """A ramp from few to many, with the cell size and the busiest cell's count."""
    note = t("legend_heat_note").format(metres=cell_metres, busiest=busiest)
    return Legend(
        t("legend_heat"),
        ramp=[c[:3] + [255] for c in YL_OR_RD],
        ramp_labels=(t("legend_few"), t("legend_many")),
        note=note + (t("legend_heat_sqrt") if sqrt else ""),
    )
