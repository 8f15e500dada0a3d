"""The floor of bench/browser.py: a bare Streamlit page with one pydeck polygon, nothing else.

The time from navigation to this map drawn is what Streamlit and deck.gl cost in the same
browser on the same machine; the app's pages are measured against it.
"""

import pydeck as pdk
import streamlit as st

from geo.bounds import LngLatBbox
from layers.deck import make_deck, view_for

BOX = LngLatBbox(103.6, 35.9, 104.0, 36.2)  # about Lanzhou's centre
polygon = pdk.Layer(
    "PolygonLayer",
    id="polygon",
    data=[{"p": [[BOX.west, BOX.south], [BOX.east, BOX.south], [BOX.east, BOX.north]]}],
    get_polygon="p",
    get_fill_color=[59, 130, 206, 160],
)
st.pydeck_chart(make_deck([polygon], view_for(BOX, 880, 600)), height=620, key="floor")
