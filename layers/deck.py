"""The pydeck Deck: no public basemap unless an XYZ tile URL is configured.

No layer highlights what the pointer is over (`auto_highlight`): deck.gl picks on every
pointerdown and waits for the redraw a highlight queued; on a software renderer under load
that wait outlasted the 250 ms its tap recognizer allows a press, and the click was lost (8
of 36 clicks with highlights, 0 of 12 without: docs/benchmarks.md, issue 12). The tooltip
says what is under the pointer."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

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


def configured_basemap(url: str | None, attribution: str = "") -> Basemap | None:
    """The basemap the settings configure, or None: no tiles are asked of anyone."""
    return Basemap(url, attribution) if url else None


# loaders.gl's terrain worker, served by the app itself (static/vendor/loaders.gl/README.md)
TERRAIN_WORKER_URL = "app/static/vendor/loaders.gl/terrain-worker.js"


def basemap_layer(basemap: Basemap) -> pdk.Layer:
    """The configured XYZ raster tiles, drawn flat under everything else.

    deck.gl's TileLayer draws images only through a JavaScript `renderSubLayers` (an image
    into a BitmapLayer), which Streamlit's JSON converter cannot express: it refuses function
    calls in expressions. TerrainLayer tiles an XYZ texture by itself; its elevation tiles are
    the same images decoded with every scaler at 0, so the mesh is flat (and the browser's
    cache can answer the second request). The decoding worker comes from the app, not from
    loaders.gl's default public CDN.
    """
    return pdk.Layer(
        "TerrainLayer",
        id="basemap",
        elevation_data=literal(basemap.url),
        texture=literal(basemap.url),
        elevation_decoder={"rScaler": 0, "gScaler": 0, "bScaler": 0, "offset": 0},
        mesh_max_error=100,
        min_zoom=0,
        max_zoom=18,
        tile_size=256,
        color=[255, 255, 255],
        # lit by the ambient light alone: the tiles keep their own colours
        material={"ambient": 1.0, "diffuse": 0.0, "shininess": 0, "specularColor": [0, 0, 0]},
        load_options={"terrain": {"workerUrl": TERRAIN_WORKER_URL}},
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


def pixel_degrees(zoom: float) -> float:
    """Degrees of longitude one pixel spans at a deck.gl zoom (a 512 px world at zoom 0)."""
    return 360 / (512 * 2**zoom)


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
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None, tooltip=tooltip)


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation and keeps Chinese as UTF-8.

    pydeck writes `indent=2` with ASCII escapes: every coordinate on its own indented line and
    six bytes per Chinese character, about three times the size of this.
    """

    def tooltip_spec(self) -> dict | bool:
        """The tooltip given to the deck (an HTML or text template of the picked object's
        fields), as pydeck keeps it beside the JSON."""
        return self._tooltip

    def to_json(self) -> str:
        """The deck as compact JSON (what Streamlit sends to the browser).

        Made once per set of layer ids (the one thing a page changes on a drawn deck, see
        dashboard.widgets.map_panel): a deck cached across runs is not serialised again. The
        text is kept out of the attributes while they are serialised."""
        ids = tuple(str(layer.id) for layer in self.layers)
        made = self.__dict__.pop(_MADE, None)
        if made is None or made[0] != ids:
            made = ids, json.dumps(
                self, default=default_serialize, sort_keys=True, separators=(",", ":"),
                ensure_ascii=False,
            )  # fmt: skip
        self.__dict__[_MADE] = made
        return made[1]


_MADE = "_compact_json"  # (layer ids, JSON) of a deck already serialised
