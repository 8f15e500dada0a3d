"""The city overview's map: districts filled by their recent reports per thousand residents,
streets outlined, names placed so that none overlaps.

What depends only on the boundaries (outlines, edges, label places: `CityParts`) is made once
per boundary version; `city_deck` adds the districts' figures, which change with the data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pydeck as pdk

from geo.bounds import LngLatBbox
from geo.queries.areas import AreaOutline, DistrictSummary
from layers.boundaries import fill_layer, label_layer, outline_layers, outlines_geojson
from layers.colors import YL_OR_RD, classify, quantile_breaks
from layers.deck import Basemap, make_deck, view_for
from layers.labels import Box, place_in_sizes, place_labels
from layers.outlines import edge_layer, geojson_rings, ring_segments

MAP_WIDTH_PX, MAP_HEIGHT_PX = 900, 560
DISTRICTS = "districts"  # the clickable layer: a click on a district opens its drill-down
Translate = Callable[[str], str]


@dataclass(frozen=True)
class CityParts:
    """The boundaries' share of the map, for one boundary version."""

    districts: list[AreaOutline]
    view: pdk.ViewState
    district_edges: pdk.Layer
    streets: list[pdk.Layer]
    labels: list[pdk.Layer]


def city_parts(
    districts: Sequence[AreaOutline], streets: Sequence[AreaOutline], extent: LngLatBbox
) -> CityParts:
    """District and street edges and their names placed for the city's view."""
    view = view_for(extent, MAP_WIDTH_PX, MAP_HEIGHT_PX)
    taken: list[Box] = []
    big, small = place_in_sizes(list(districts), view.zoom, (15, 12), taken=taken)
    street_names = place_labels(list(streets), view.zoom, 11, taken=taken)
    return CityParts(
        districts=list(districts),
        view=view,
        district_edges=edge_layer(
            f"{DISTRICTS}-edges",
            ring_segments(geojson_rings(outlines_geojson(districts))),
            [120, 40, 40, 255],
            2.5,
        ),
        streets=outline_layers("streets", outlines_geojson(streets), [90, 90, 90, 160], 0.8),
        labels=[
            label_layer("street-labels", street_names, 11, [70, 70, 70, 255]),
            label_layer("district-labels", big, 15, [30, 30, 30, 255]),
            label_layer("district-labels-small", small, 12, [30, 30, 30, 255]),
        ],
    )


def district_rates(summaries: Sequence[DistrictSummary]) -> dict[str, float]:
    """Reports of the period per thousand residents, per district (0 without residents)."""
    return {s.code: 1000 * s.recent / s.population if s.population else 0.0 for s in summaries}


def city_deck(
    parts: CityParts,
    summaries: Sequence[DistrictSummary],
    t: Translate,
    basemap: Basemap | None = None,
) -> pdk.Deck:
    """The districts filled by their rate (quantile classes), over the streets and names."""
    rate = district_rates(summaries)
    breaks = quantile_breaks(list(rate.values()), len(YL_OR_RD))
    fill = {code: classify(value, breaks, YL_OR_RD) for code, value in rate.items()}
    extra = {
        s.code: {"recent": s.recent, "open": s.open, "rate": f"{rate[s.code]:.1f}"}
        for s in summaries
    }
    districts = outlines_geojson(parts.districts, fill=fill, extra=extra)
    return make_deck(
        [
            fill_layer(DISTRICTS, districts, pickable=True),
            parts.district_edges,
            *parts.streets,
            *parts.labels,
        ],
        parts.view,
        tooltip={
            "html": "<b>{name}</b><br/>"
            + f"{t('tooltip_recent')}: {{recent}}<br/>{t('tooltip_open')}: {{open}}",
            "style": {"fontSize": "13px"},
        },
        basemap=basemap,
    )
