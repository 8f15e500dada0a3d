"""Colour scales shared by the map layers and their legends."""

from __future__ import annotations

from collections.abc import Sequence

RGBA = list[int]

# Light yellow to dark red (ColorBrewer YlOrRd, 6 classes).
YL_OR_RD: list[RGBA] = [
    [255, 255, 178, 170],
    [254, 217, 118, 180],
    [254, 178, 76, 190],
    [253, 141, 60, 200],
    [240, 59, 32, 210],
    [189, 0, 38, 220],
]
# The safety index's bar in tables: the good end of the index's red-yellow-green scale.
INDEX_BAR = "#1a9850"


def quantile_breaks(values: Sequence[float], classes: int) -> list[float]:
    """Upper bounds of `classes` quantile classes of the values (empty input gives zeros)."""
    ordered = sorted(values)
    if not ordered:
        return [0.0] * classes
    return [
        ordered[min(len(ordered) - 1, (len(ordered) * (i + 1)) // classes - 1)]
        for i in range(classes)
    ]


def classify(value: float, breaks: Sequence[float], palette: Sequence[RGBA]) -> RGBA:
    """The colour of the first class whose upper bound is at least `value`."""
    for bound, colour in zip(breaks, palette, strict=False):
        if value <= bound:
            return list(colour)
    return list(palette[-1])
