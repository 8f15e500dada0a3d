"""Pure functions of the map: axis orders, zoom to fit, colour classes, pydeck literals."""

from __future__ import annotations

import json

import pytest

from geo.bounds import LngLat, LngLatBbox
from layers.colors import YL_OR_RD, classify, quantile_breaks
from layers.deck import literal, make_deck, view_for

LANZHOU = LngLatBbox(west=102.6, south=35.57, east=104.58, north=37.0)


def test_folium_order_is_lat_lng():
    """folium gets [lat, lng] and [[south, west], [north, east]]."""
    assert LngLat(103.8, 36.06).to_folium() == [36.06, 103.8]
    assert LANZHOU.to_folium() == [[35.57, 102.6], [37.0, 104.58]]


def test_center():
    """The centre lies halfway on both axes."""
    assert LANZHOU.center() == LngLat(pytest.approx(103.59), pytest.approx(36.285))


def test_zoom_fits_city_and_grid():
    """The whole city fits around zoom 7-8; a 500 m grid needs a much closer zoom."""
    city = LANZHOU.zoom_to_fit(900, 560)
    grid = LngLatBbox(103.83, 36.06, 103.835, 36.064).zoom_to_fit(900, 560)
    assert 7.0 < city < 8.5
    assert grid > city + 7


def test_zoom_of_a_point_is_capped():
    """A zero-size box does not give an infinite zoom."""
    assert LngLatBbox(103.8, 36.0, 103.8, 36.0).zoom_to_fit() == 20.0


def test_quantile_breaks_and_classes():
    """Values fall in the class of their quantile; the largest value gets the darkest colour."""
    values = list(range(1, 13))
    breaks = quantile_breaks(values, 6)
    assert breaks == [2, 4, 6, 8, 10, 12]
    assert classify(1, breaks, YL_OR_RD) == YL_OR_RD[0]
    assert classify(12, breaks, YL_OR_RD) == YL_OR_RD[-1]
    assert classify(99, breaks, YL_OR_RD) == YL_OR_RD[-1]


def test_quantile_breaks_of_nothing():
    """No values give all-zero breaks rather than an error."""
    assert quantile_breaks([], 3) == [0.0, 0.0, 0.0]


def test_literal_strings_are_not_expressions():
    """pydeck turns bare strings into accessor expressions; literals stay values."""
    import pydeck as pdk

    layer = pdk.Layer("TextLayer", data=[], size_units=literal("pixels"), get_text="name")
    spec = json.loads(layer.to_json())
    assert spec["sizeUnits"] == "pixels"
    assert spec["getText"] == "@@=name"


def test_deck_without_basemap_names_no_style():
    """With no basemap the Deck carries no public map style and no tile layer."""
    spec = json.loads(make_deck([], view_for(LANZHOU)).to_json())
    assert spec.get("mapProvider") is None
    assert "://" not in json.dumps(spec)
    assert "carto" not in json.dumps(spec).lower()
