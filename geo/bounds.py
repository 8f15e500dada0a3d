"""Bounding boxes with their axis order named, and the one place that converts between orders."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LngLat:
    """A point as (longitude, latitude): pydeck's order."""

    lng: float
    lat: float

    def to_folium(self) -> list[float]:
        """[lat, lng], the order folium and Leaflet take."""
        return [self.lat, self.lng]


@dataclass(frozen=True)
class LngLatBbox:
    """A box as (west, south, east, north) in degrees."""

    west: float
    south: float
    east: float
    north: float

    def center(self) -> LngLat:
        """The middle of the box."""
        return LngLat((self.west + self.east) / 2, (self.south + self.north) / 2)

    def clipped_to(self, outer: LngLatBbox) -> LngLatBbox:
        """This box cut to lie within another (the other box when they do not meet)."""
        west, east = max(self.west, outer.west), min(self.east, outer.east)
        south, north = max(self.south, outer.south), min(self.north, outer.north)
        if west >= east or south >= north:
            return outer
        return LngLatBbox(west, south, east, north)

    def to_folium(self) -> list[list[float]]:
        """[[south, west], [north, east]], the order folium's fit_bounds takes."""
        return [[self.south, self.west], [self.north, self.east]]

    def zoom_to_fit(self, width_px: int = 900, height_px: int = 600, padding: float = 0.1) -> float:
        """The deck.gl zoom (512 px world at zoom 0) at which the box fills the viewport."""
        lng_span = max(self.east - self.west, 1e-6) * (1 + 2 * padding)
        lat_span = max(_merc_y(self.north) - _merc_y(self.south), 1e-9) * (1 + 2 * padding)
        zoom_x = math.log2(width_px * 360 / (512 * lng_span))
        zoom_y = math.log2(height_px * 2 * math.pi / (512 * lat_span))
        return max(0.0, min(zoom_x, zoom_y, 20.0))


def _merc_y(lat: float) -> float:
    rad = math.radians(max(min(lat, 85.0), -85.0))
    return math.log(math.tan(math.pi / 4 + rad / 2))


def dense_bounds(
    points: Sequence[tuple[float, float, float]], share: float = 0.9, least_degrees: float = 0.02
) -> LngLatBbox | None:
    """The box that holds the central `share` of the weight of (lon, lat, weight) points.

    Longitude and latitude are each cut at the weighted quantiles (1 − share)/2 and
    (1 + share)/2, so a few cases far out in the countryside do not widen the box to the whole
    municipality. The box is at least `least_degrees` a side; None when there is no weight.
    """
    kept = [(lon, lat, w) for lon, lat, w in points if w > 0]
    total = sum(w for *_, w in kept)
    if not kept or total <= 0:
        return None
    low, high = (1 - share) / 2 * total, (1 + share) / 2 * total

    def cut(values: list[tuple[float, float]]) -> tuple[float, float]:
        ordered = sorted(values)
        running, first, last = 0.0, ordered[0][0], ordered[-1][0]
        found_first = False
        for value, weight in ordered:
            running += weight
            if not found_first and running >= low:
                first, found_first = value, True
            if running >= high:
                last = value
                break
        return first, last

    west, east = cut([(lon, w) for lon, _, w in kept])
    south, north = cut([(lat, w) for _, lat, w in kept])
    half = least_degrees / 2
    if east - west < least_degrees:
        middle = (west + east) / 2
        west, east = middle - half, middle + half
    if north - south < least_degrees:
        middle = (south + north) / 2
        south, north = middle - half, middle + half
    return LngLatBbox(west, south, east, north)
