"""Area names that do not overlap: placed greedily, largest area first, at the map's zoom.

deck.gl's TextLayer draws every label it is given, so in a city centre of many small streets
the names pile up into an unreadable block. The labels are chosen here, before they are sent:
each name's box is measured in screen pixels at the zoom the map opens on (Web Mercator, a
512 px world at zoom 0 as deck.gl counts it), and a name is kept only when its box clears the
boxes of the names already kept. Larger areas go first, so the small areas of the centre lose
their names before the large ones around them; zooming in is drilling in, where each name has
room again.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from geo.queries.areas import AreaOutline

WORLD_PX = 512  # deck.gl's world width at zoom 0
GAP_PX = 4  # clear space kept between two labels


@dataclass(frozen=True)
class Box:
    """A label's rectangle in screen pixels (x to the right, y down)."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        """True when the two rectangles share any area."""
        return not (
            self.right <= other.left
            or other.right <= self.left
            or self.bottom <= other.top
            or other.bottom <= self.top
        )


def project(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """A point's Web Mercator pixel position at a zoom (deck.gl's 512 px world)."""
    scale = WORLD_PX * 2**zoom
    rad = math.radians(max(min(lat, 85.0), -85.0))
    x = (lon + 180.0) / 360.0 * scale
    y = (1 - math.log(math.tan(math.pi / 4 + rad / 2)) / math.pi) / 2 * scale
    return x, y


def text_width_px(text: str, size_px: float) -> float:
    """The drawn width of a text: a Chinese character is about one em, others about 0.6 em."""
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF")
    return size_px * (wide + 0.6 * (len(text) - wide))


def label_box(text: str, lon: float, lat: float, zoom: float, size_px: float) -> Box:
    """The box of a label centred on its point, with half the gap on every side."""
    x, y = project(lon, lat, zoom)
    half_w = text_width_px(text, size_px) / 2 + GAP_PX / 2
    half_h = size_px * 0.6 + GAP_PX / 2
    return Box(x - half_w, y - half_h, x + half_w, y + half_h)


def _rings(geometry: dict) -> Iterable[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        yield from geometry["coordinates"][:1]
    elif geometry.get("type") == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon[:1]


def outline_area(outline: AreaOutline) -> float:
    """The area of an outline's outer rings in square degrees (for ordering only; 0 if none)."""
    if not outline.geojson:
        return 0.0
    total = 0.0
    for ring in _rings(json.loads(outline.geojson)):
        twice = sum(
            x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:], strict=False)
        )
        total += abs(twice) / 2
    return total


def place_labels(
    outlines: Sequence[AreaOutline],
    zoom: float,
    size_px: float,
    weight: Mapping[str, float] | None = None,
    taken: list[Box] | None = None,
) -> list[AreaOutline]:
    """The outlines whose names fit without overlapping, the heaviest placed first.

    `weight` orders the candidates (by default each outline's area); ties go by code.
    `taken` holds the boxes of labels placed before (e.g. a higher level's names): they are
    avoided, and the boxes of the labels kept here are added to it.
    """
    weights = weight if weight is not None else {o.code: outline_area(o) for o in outlines}
    order = sorted(outlines, key=lambda o: (-weights.get(o.code, 0.0), o.code))
    kept: list[AreaOutline] = []
    boxes: list[Box] = taken if taken is not None else []
    for outline in order:
        box = label_box(outline.name, outline.label_lon, outline.label_lat, zoom, size_px)
        if any(box.overlaps(other) for other in boxes):
            continue
        kept.append(outline)
        boxes.append(box)
    return kept


def place_in_sizes(
    outlines: Sequence[AreaOutline],
    zoom: float,
    sizes: Sequence[float],
    weight: Mapping[str, float] | None = None,
    taken: list[Box] | None = None,
) -> list[list[AreaOutline]]:
    """Per size (largest first), the outlines named at that size: a name that does not fit at
    one size is tried at the next, so a small district keeps its name, smaller."""
    boxes: list[Box] = taken if taken is not None else []
    left = list(outlines)
    placed: list[list[AreaOutline]] = []
    for size in sizes:
        kept = place_labels(left, zoom, size, weight, boxes)
        placed.append(kept)
        codes = {o.code for o in kept}
        left = [o for o in left if o.code not in codes]
    return placed
