"""A pydeck map with a stable key (the view survives reruns), click selection and legends."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pydeck as pdk
import streamlit as st

from layers.legend import Legend, legend_html


@dataclass(frozen=True)
class Picked:
    """The object clicked on the map and the id of its layer."""

    layer: str
    object: dict
    token: str  # identifies this click, to act on it once


def map_panel(deck: pdk.Deck, key: str, height: int = 620) -> Picked | None:
    """Draw the deck; the clicked object, if any.

    Keep `key` and the deck's initial view unchanged between reruns: Streamlit then keeps
    the operator's pan and zoom; a changed initial view moves the map.
    """
    event = st.pydeck_chart(
        deck,
        height=height,
        width="stretch",
        key=key,
        on_select="rerun",
        selection_mode="single-object",
    )
    objects = (event or {}).get("selection", {}).get("objects", {}) if event else {}
    for layer, picked in objects.items():
        if picked:
            token = json.dumps([layer, picked[0]], sort_keys=True, default=str)
            return Picked(layer, picked[0], token)
    return None


def legends(items: Sequence[Legend]) -> None:
    """The legends of the layers shown, under the map."""
    if items:
        st.html(legend_html(items))
