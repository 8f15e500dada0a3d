"""A pydeck map with a stable key (the view survives reruns), click-to-open, and legends.

A click is handled by a callback, before the page reruns: the page runs once, already at the
area the click opens. The clickable layers carry the view in their id (`<layer>@<view>`): the
browser keeps a map's selection across reruns and drops it only when its layer is gone, so a
selection never outlives the view it was made in (clicking the same spot in the next view
would otherwise clear it instead of opening anything).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pydeck as pdk
import streamlit as st

from layers.legend import Legend, legend_html


@dataclass(frozen=True)
class Picked:
    """The object clicked on the map and the id of its layer (without the view)."""

    layer: str
    object: dict


def picked_on(state: object) -> Picked | None:
    """The object a map's selection state holds, if any."""
    objects = ((state or {}).get("selection") or {}).get("objects") or {}
    for layer, picked in objects.items():
        if picked:
            return Picked(layer.split("@", 1)[0], picked[0])
    return None


def map_panel(
    deck: pdk.Deck,
    key: str,
    view: str,
    on_pick: Callable[[Picked], None],
    height: int = 620,
) -> None:
    """Draw the deck; a click on a clickable object calls `on_pick` before the next run.

    Keep `key` and the deck's initial view unchanged between reruns of one view: Streamlit
    then keeps the user's pan and zoom, and the chart stays mounted (a new key remounts it:
    a new WebGL context, seconds in a software-rendering browser).
    """
    for layer in deck.layers:
        if getattr(layer, "pickable", False):
            layer.id = f"{str(layer.id).split('@', 1)[0]}@{view}"  # a cached deck: once

    def clicked() -> None:
        picked = picked_on(st.session_state.get(key))
        if picked is not None:
            on_pick(picked)

    st.pydeck_chart(
        deck,
        height=height,
        width="stretch",
        key=key,
        on_select=clicked,
        selection_mode="single-object",
    )


def legends(items: Sequence[Legend]) -> None:
    """The legends of the layers shown, under the map."""
    if items:
        st.html(legend_html(items))
