"""Bounding boxes with their axis order named, and the one place that converts between orders."""

from __future__ import annotations

import math
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
