"""The pydeck Deck: no public basemap unless an XYZ tile URL is configured."""

from __future__ import annotations

from dataclasses import dataclass

import pydeck as pdk

from geo.bounds import LngLatBbox

# Fonts that carry Simplified Chinese on Linux (Noto), Windows (YaHei) and macOS (PingFang).
CJK_FONTS = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Source Han Sans SC", sans-serif'


def literal(text: str) -> str:
    """A string pydeck passes through as a value; bare strings become accessor expressions."""
    if "`" in text:
        raise ValueError("literal strings cannot contain backticks")
    return f"`{text}`"


@dataclass(frozen=True)
class Basemap:
    """An XYZ raster tile source, e.g. an intranet tile server or Tianditu's Web Mercator layer."""

    url: str
    attribution: str = ""


def basemap_layer(basemap: Basemap) -> pdk.Layer:
    """A tile layer drawing the configured basemap under everything else."""
    return pdk.Layer(
        "TileLayer",
        id="basemap",
        data=basemap.url,
        min_zoom=0,
        max_zoom=18,
        tile_size=256,
        pickable=False,
    )


def view_for(bbox: LngLatBbox, width_px: int = 900, height_px: int = 600) -> pdk.ViewState:
    """A view state centred on the box at the zoom that fits it."""
    centre = bbox.center()
    return pdk.ViewState(
        longitude=centre.lng,
        latitude=centre.lat,
        zoom=bbox.zoom_to_fit(width_px, height_px),
        pitch=0,
        bearing=0,
    )


def make_deck(
    layers: list[pdk.Layer],
    view: pdk.ViewState,
    tooltip: dict | bool = False,
    basemap: Basemap | None = None,
) -> pdk.Deck:
    """A Deck that requests nothing from other hosts unless a basemap is given.

    `map_provider=None` and no `map_style` argument at all: passing `map_style=None` or `""`
    makes pydeck fall back to a public Carto style.
    """
    if basemap is not None:
        layers = [basemap_layer(basemap), *layers]
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, tooltip=tooltip)
