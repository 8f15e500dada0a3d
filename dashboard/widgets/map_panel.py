"""A map of areas that opens what is clicked, in the project's own map element, and legends.

The element (frontend/map_element, built into static/vendor/deck.gl/map_element.js and served
by the app) draws the deck's JSON with deck.gl as Streamlit's map element does, and sends a
click on a clickable object at once, as the trigger `pick`: no double-click wait, no
selection drawn before the rerun goes out, and no second press taken until the page has
handled the first (docs/benchmarks.md, issue 12): the count of clicks handled is in the
element's data, so a click that opens nothing still lets it take the next. The click is
handled by a callback, before the page reruns: the page runs once, already at the area the
click opens. The clickable layers carry the view in their id (`<layer>@<view>`), so a pick
always names the view it was made in.

Its labels (the deck's TextLayers) are the page's own text over the map, a layer's file (a
URL) is fetched as the map comes, and a map leaving the page leaves its deck to the next
(the header of map_element.js says why).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st
import streamlit.components.v2 as components

from layers.deck import CompactDeck
from layers.legend import Legend, legend_html

NAME = "minqing_map"
BUNDLE = "app/static/vendor/deck.gl/map_element.js"
# The element's own code is one module served by the app (cached by the browser); this loader
# is what Streamlit sends with the page. A map unmounted before the module came is not drawn.
LOADER = f"""
export default function (component) {{
  let cleanup = null;
  let gone = false;
  import(new URL("{BUNDLE}", document.baseURI).href).then((element) => {{
    if (!gone) cleanup = element.mount(component);
  }});
  return () => {{
    gone = true;
    if (cleanup) cleanup();
  }};
}}
"""


@dataclass(frozen=True)
class Picked:
    """The object clicked on the map and the id of its layer (without the view)."""

    layer: str
    object: dict


def picked_on(value: object) -> Picked | None:
    """The object a map's `pick` trigger carries, if any."""
    if not isinstance(value, dict) or not isinstance(value.get("object"), dict):
        return None
    return Picked(str(value.get("layer", "")).split("@", 1)[0], value["object"])


@st.cache_resource
def _element() -> Callable[..., object]:
    """The map element, registered once per process."""
    return components.component(NAME, js=LOADER)


def map_panel(
    deck: CompactDeck,
    key: str,
    view: str,
    on_pick: Callable[[Picked], None],
    height: int = 620,
) -> None:
    """Draw the deck; a click on a clickable object calls `on_pick` before the next run.

    Keep `key` and the deck's initial view unchanged between reruns of one view: the element
    then keeps the user's pan and zoom and its WebGL context (a new one costs seconds in a
    software-rendering browser).
    """
    for layer in deck.layers:
        if getattr(layer, "pickable", False):
            layer.id = f"{str(layer.id).split('@', 1)[0]}@{view}"  # a cached deck: once

    taken = f"{key}.picks"  # clicks handled: after one, the element takes a click again

    def clicked() -> None:
        st.session_state[taken] = st.session_state.get(taken, 0) + 1
        picked = picked_on(getattr(st.session_state.get(key), "pick", None))
        if picked is not None:
            on_pick(picked)

    data = {
        "spec": deck.to_json(), "tooltip": deck.tooltip_spec(), "height": height,
        "picks": st.session_state.get(taken, 0),
    }  # fmt: skip
    _element()(data=data, key=key, on_pick_change=clicked)


def legends(items: Sequence[Legend]) -> None:
    """The legends of the layers shown, under the map."""
    if items:
        st.html(legend_html(items))
