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
# The city view used to fit the whole municipality (zoom 7.6), where the urban core was a few
# pixels and its heat a speck; it now opens on where the cases are (zoom about 10), with a
# slightly lower threshold than inside an area so the towns around the core still show.
THRESHOLD = {"city": 0.03}


def heat_data(cells: Sequence[tuple[float, float, int]]) -> list[dict]:
    """Cell centres and counts as the layer's records (coordinates rounded to ~10 m)."""
    kept = [cell for cell in cells if cell[2] > 0]
    if not kept:
        return []
    table = np.asarray(kept, dtype=float)
    positions = np.round(table[:, :2], 4).tolist()
    counts = table[:, 2].astype(int).tolist()
    return [{"p": p, "w": n} for p, n in zip(positions, counts, strict=True)]


def heat_layer(cells: Sequence[tuple[float, float, int]], level: str) -> pdk.Layer:
    """A HeatmapLayer over the cells' counts (not pickable: the grids below keep the tooltip)."""
    return pdk.Layer(
        "HeatmapLayer",
        id="heat",
        data=heat_data(cells),
        get_position="p",
        get_weight="w",
        aggregation=literal("SUM"),
        radius_pixels=RADIUS_PX.get(level, RADIUS_PX["street"]),
        intensity=1.0,
        threshold=THRESHOLD.get(level, 0.04),
        color_range=[c[:3] for c in YL_OR_RD],
        opacity=0.75,
        pickable=False,
    )


def heat_legend(cell_metres: int, busiest: int, t: Translate) -> Legend:
    """A ramp from few to many, with the cell size and the busiest cell's count."""
    return Legend(
        t("legend_heat"),
        ramp=[c[:3] + [255] for c in YL_OR_RD],
        ramp_labels=(t("legend_few"), t("legend_many")),
        note=t("legend_heat_note").format(metres=cell_metres, busiest=busiest),
    )
