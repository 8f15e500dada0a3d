"""Clicking a deck.gl map in a real browser at a known place, as a person does.

The spec the app sent (its initial view and layers) is read from the page's websocket, so a
test clicks where the browser drew an area, not where it thinks the page would draw it.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.frames import watch_frames

MAP = ".minqing-map"  # an area map: dashboard.widgets.map_panel's element
# any map's canvas: the area maps' and the maps of points (Streamlit's own map element)
CANVASES = f"{MAP} canvas, [data-testid='stDeckGlJsonChart'] canvas"


class DeckSpecs:
    """The last pydeck spec the app sent to a Playwright page, and how many automatic
    refreshes (a fragment's `run_every`) the page asked for."""

    def __init__(self, page) -> None:
        self.latest: dict | None = None
        self.auto_reruns = 0
        self._by_hash: dict[str, dict] = {}  # a message sent again is sent as its hash
        watch_frames(page, self._sent, self._frame)

    def _sent(self, message: BackMsg) -> None:
        if message.WhichOneof("type") == "rerun_script" and message.rerun_script.is_auto_rerun:
            self.auto_reruns += 1

    def _frame(self, message: ForwardMsg, _size: int) -> None:
        if message.WhichOneof("type") == "ref_hash":
            self.latest = self._by_hash.get(message.ref_hash, self.latest)
            return
        if message.WhichOneof("type") != "delta":
            return
        delta = message.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        if element.WhichOneof("type") == "deck_gl_json_chart":
            self.latest = json.loads(element.deck_gl_json_chart.json)
        elif element.WhichOneof("type") == "bidi_component" and element.bidi_component.json:
            self.latest = json.loads(json.loads(element.bidi_component.json)["spec"])
        else:
            return
        if message.hash:
            self._by_hash[message.hash] = self.latest

    def layer(self, name: str) -> dict:
        """The layer `name` of the last spec (its id without the view it carries)."""
        assert self.latest is not None, "no map spec received"
        return next(x for x in self.latest["layers"] if x["id"].split("@")[0] == name)


@dataclass(frozen=True)
class MapBox:
    """Where a map's canvas is on the page, and the view it opened with."""

    x: float
    y: float
    width: float
    height: float
    view: dict

    def pixel(self, lng: float, lat: float) -> tuple[float, float]:
        """The page position of (lng, lat) on this map (deck.gl's Web Mercator, 512 px tiles)."""
        scale = 512 * 2 ** self.view["zoom"] / (2 * math.pi)

        def project(x: float, y: float) -> tuple[float, float]:
            lam, phi = math.radians(x), math.radians(y)
            north = math.log(math.tan(math.pi / 4 + phi / 2))
            return scale * (lam + math.pi), scale * (math.pi - north)

        cx, cy = project(self.view["longitude"], self.view["latitude"])
        px, py = project(lng, lat)
        return self.x + self.width / 2 + px - cx, self.y + self.height / 2 + py - cy

    def inside(self, x: float, y: float, margin: float = 20) -> bool:
        """Whether a page position lies inside the canvas, `margin` pixels from its edges."""
        return (
            self.x + margin < x < self.x + self.width - margin
            and self.y + margin < y < self.y + self.height - margin
        )


def drawn_share(png: bytes) -> float:
    """Share of pixels in a screenshot that are not (near) white background."""
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    return float((image.min(axis=2) < 235).mean())


def _shows(specs: DeckSpecs, view: str | None) -> bool:
    """Whether the last spec is of `view` (its clickable layers' ids end with `@<view>`)."""
    if specs.latest is None:
        return False
    return view is None or any(x["id"].endswith(f"@{view}") for x in specs.latest["layers"])


def drawn_map(
    browser_page,
    specs: DeckSpecs,
    view: str | None = None,
    timeout_s: float = 60,
    least: float = 0.05,
) -> MapBox:
    """Wait for the map (of `view`, if given) and for its canvas to show a drawing (`least`
    of its pixels not background: not a blank WebGL canvas); its box."""
    canvas = browser_page.locator(f"{MAP} canvas").first
    canvas.wait_for(timeout=timeout_s * 1000)
    share = 0.0
    for _ in range(int(timeout_s * 2)):
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        if box and box["width"] > 200 and _shows(specs, view):
            share = drawn_share(browser_page.screenshot(clip=box))
            if share > least:
                view = specs.latest["initialViewState"]
                return MapBox(box["x"], box["y"], box["width"], box["height"], view)
        browser_page.wait_for_timeout(500)
    ids = [x["id"] for x in specs.latest["layers"]] if specs.latest else None
    raise AssertionError(f"the map was not drawn within {timeout_s} s ({share:.1%} drawn, {ids})")


def click_map(browser_page, x: float, y: float, name: str | None = None) -> bool:
    """Point at (x, y) until the map's tooltip shows there (the object under the pointer is
    picked), then click, as a person does. A pointer held still while the map is redrawn
    under it can be left with nothing picked: it is moved off and back, as a hand does.
    With `name`, only once the tooltip names it (the map may have moved under the pointer
    while the page settled): False, and no click, when it names something else for 30 s."""
    tooltip = browser_page.locator(".deck-tooltip").first
    wanted = tooltip if name is None else tooltip.filter(has_text=name)
    for _ in range(10):
        browser_page.mouse.move(x + 3, y + 3)
        browser_page.mouse.move(x, y)
        try:
            wanted.wait_for(state="visible", timeout=3_000)
        except PlaywrightTimeout:
            continue
        browser_page.mouse.click(x, y)
        return True
    assert name is not None, f"no tooltip at ({x:.0f}, {y:.0f}) within 30 s"
    return False


def wait_for_query(browser_page, text: str, timeout_ms: int = 30_000) -> None:
    """Wait until the address bar's query holds `text`."""
    browser_page.wait_for_function(
        "text => location.search.includes(text)", arg=text, timeout=timeout_ms
    )


def labelled_areas(specs: DeckSpecs, fill_layer: str, labels_layer: str) -> dict[str, tuple]:
    """The areas of a fill layer that have a label drawn: code -> (name, [lng, lat])."""
    at = {label["name"]: label["position"] for label in specs.layer(labels_layer)["data"]}
    features = specs.layer(fill_layer)["data"]["features"]
    return {
        f["properties"]["code"]: (f["properties"]["name"], at[f["properties"]["name"]])
        for f in features
        if f["properties"]["name"] in at
    }
