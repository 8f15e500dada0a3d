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


def weighted_quantiles(values: Sequence[tuple[float, float]], *shares: float) -> list[float]:
    """The values at which the running weight of (value, weight) pairs, in order of value,
    first reaches each share of the total weight."""
    ordered = sorted(values)
    total = sum(w for _, w in ordered)
    found: list[float] = []
    running, index = 0.0, 0
    for share in shares:
        while index < len(ordered) - 1 and running + ordered[index][1] < share * total:
            running += ordered[index][1]
            index += 1
        found.append(ordered[index][0])
    return found


def dense_bounds(
    points: Sequence[tuple[float, float, float]], share: float = 0.8, least_degrees: float = 0.02
) -> LngLatBbox | None:
    """A box where the weight of (lon, lat, weight) points lies: centred on their weighted
    median, as wide and as high as the central `share` of the weight spans.

    The span is cut at the weighted quantiles (1 − share)/2 and (1 + share)/2 of longitude and
    latitude, so a few cases far out in the countryside do not widen the box to the whole
    municipality; centring on the median keeps the densest part in the middle of the view.
    Each side is at least `least_degrees`; None when there is no weight.
    """
    kept = [(lon, lat, w) for lon, lat, w in points if w > 0]
    if not kept:
        return None
    low, high = (1 - share) / 2, (1 + share) / 2
    west, lng, east = weighted_quantiles([(lon, w) for lon, _, w in kept], low, 0.5, high)
    south, lat, north = weighted_quantiles([(la, w) for _, la, w in kept], low, 0.5, high)
    half_w = max(east - west, least_degrees) / 2
    half_h = max(north - south, least_degrees) / 2
    return LngLatBbox(lng - half_w, lat - half_h, lng + half_w, lat + half_h)
