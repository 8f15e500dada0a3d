"""The grids and communities of a boundary version by cells of a few hundredths of a degree, so
that a tile finds those near it without reading every area of the city (7,507 grids at 2.4
million incidents: half a millisecond a tile in Python)."""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Collection, Mapping

from geo.bounds import LngLatBbox
from geo.live.queries import AreaNode

CELL = 0.02  # degrees
MOST_CELLS = 400  # a box over more cells than this reads every area instead
CODES_PER_CELL = 4  # `among` checks each code's box when there are fewer than this per cell
LEVELS = ("community", "grid")
_KEPT: dict[int, tuple[Mapping[str, AreaNode], AreaIndex]] = {}
_LOCK = threading.Lock()


def _cells(box: LngLatBbox) -> tuple[range, range]:
    xs = range(math.floor(box.west / CELL), math.floor(box.east / CELL) + 1)
    ys = range(math.floor(box.south / CELL), math.floor(box.north / CELL) + 1)
    return xs, ys


def overlaps(box: LngLatBbox, other: LngLatBbox) -> bool:
    """True when the two boxes share a point."""
    return not (
        other.east < box.west or other.west > box.east
        or other.north < box.south or other.south > box.north
    )  # fmt: skip


class AreaIndex:
    """The communities and grids of an area tree by cell, and the grids of each community, in
    the tree's order."""

    def __init__(self, tree: Mapping[str, AreaNode]) -> None:
        self.tree = tree
        self._order = {code: n for n, code in enumerate(tree)}
        self._cells: dict[tuple[str, int, int], list[AreaNode]] = defaultdict(list)
        self._children: dict[str, list[AreaNode]] = defaultdict(list)
        for node in tree.values():
            if node.level not in LEVELS:
                continue
            if node.level == "grid" and node.parent_code is not None:
                self._children[node.parent_code].append(node)
            xs, ys = _cells(node.bbox)
            for x in xs:
                for y in ys:
                    self._cells[(node.level, x, y)].append(node)

    def overlapping(self, level: str, box: LngLatBbox) -> list[AreaNode]:
        """The areas of a level (community or grid) whose box overlaps `box`, in tree order."""
        xs, ys = _cells(box)
        if len(xs) * len(ys) > MOST_CELLS:
            return [n for n in self.tree.values() if n.level == level and overlaps(box, n.bbox)]
        found = {
            node.code: node
            for x in xs
            for y in ys
            for node in self._cells.get((level, x, y), ())
            if overlaps(box, node.bbox)
        }
        return sorted(found.values(), key=lambda n: self._order[n.code])

    def among(self, level: str, box: LngLatBbox, codes: Collection[str]) -> list[str]:
        """The codes among `codes` of areas of a level whose box overlaps `box`: found by cell
        when the box covers few cells for so many codes, else each code's box checked."""
        xs, ys = _cells(box)
        if len(xs) * len(ys) * CODES_PER_CELL < len(codes):
            return [n.code for n in self.overlapping(level, box) if n.code in codes]
        tree = self.tree
        return [
            code for code in codes
            if code in tree and tree[code].level == level and overlaps(box, tree[code].bbox)
        ]  # fmt: skip

    def grids_of(self, codes: set[str]) -> list[AreaNode]:
        """The grids of these communities, and the grids among the codes, in tree order."""
        found = [g for code in codes for g in self._children.get(code, ())]
        found += [self.tree[c] for c in codes if c in self.tree and self.tree[c].level == "grid"]
        return sorted({n.code: n for n in found}.values(), key=lambda n: self._order[n.code])


def area_index(tree: Mapping[str, AreaNode]) -> AreaIndex:
    """The index of this tree, made once per tree object (a boundary version's) and kept."""
    kept = _KEPT.get(id(tree))
    if kept is not None and kept[0] is tree:
        return kept[1]
    index = AreaIndex(tree)
    with _LOCK:
        if len(_KEPT) >= 4:
            _KEPT.clear()
        _KEPT[id(tree)] = (tree, index)
    return index
