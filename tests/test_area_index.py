"""The tiles' index of grids and communities: the same areas, in the same order, as reading
every area of the tree."""

from __future__ import annotations

import random

from geo.bounds import LngLatBbox
from geo.live.queries import AreaNode
from geo.mapapi.area_index import AreaIndex, overlaps


def _tree(rng: random.Random) -> dict[str, AreaNode]:
    tree = {}
    for c in range(30):
        code = f"C{c:03d}"
        west, south = 103.5 + rng.random(), 35.8 + rng.random() * 0.5
        box = LngLatBbox(west, south, west + 0.05, south + 0.04)
        tree[code] = AreaNode(code, None, code, "community", west, south, box, ())
        for g in range(12):
            w, s = west + rng.random() * 0.05, south + rng.random() * 0.04
            side = rng.choice([0.0, 0.002, 0.01])  # a point-like box too
            grid = f"{code}G{g:02d}"
            box = LngLatBbox(w, s, w + side, s + side)
            tree[grid] = AreaNode(grid, code, grid, "grid", w, s, box, (code,))
    return dict(sorted(tree.items(), key=lambda item: rng.random()))  # tree order: any


def test_overlapping_and_among_find_what_reading_every_area_finds():
    """Boxes of every size, touching boxes included, over 30 communities and 360 grids."""
    rng = random.Random(5)
    tree = _tree(rng)
    index = AreaIndex(tree)
    grids = [n for n in tree.values() if n.level == "grid"]
    for n in range(300):
        west, south = 103.4 + rng.random() * 1.2, 35.7 + rng.random() * 0.7
        size = rng.choice([0.001, 0.01, 0.1, 1.0])
        box = LngLatBbox(west, south, west + size, south + size)
        if n % 10 == 0:  # exactly touching a grid's corner
            g = rng.choice(grids).bbox
            box = LngLatBbox(g.east, g.north, g.east + size, g.north + size)
        for level in ("grid", "community"):
            want = [a for a in tree.values() if a.level == level and overlaps(box, a.bbox)]
            assert index.overlapping(level, box) == want
        for count in (3, 100):
            codes = {g.code for g in rng.sample(grids, count)}
            found = index.among("grid", box, codes)
            assert sorted(found) == sorted(
                c for c in codes if overlaps(box, tree[c].bbox)
            )  # fmt: skip
    assert any(index.overlapping("grid", LngLatBbox(g.east, g.north, g.east, g.north))
               for g in (n.bbox for n in grids))  # fmt: skip


def test_within_is_the_area_and_all_under_it_of_one_level():
    """A community's grids, the community itself at its own level, a grid only itself; asked
    again, the same; and `among` finds the level's boxes from those codes as from any."""
    rng = random.Random(9)
    tree = _tree(rng)
    index = AreaIndex(tree)
    community = next(c for c, n in tree.items() if n.level == "community")
    grid = next(c for c, n in tree.items() if n.level == "grid")
    grids = {c for c, n in tree.items() if n.level == "grid" and community in n.ancestors}
    assert len(grids) == 12
    assert index.within(community, "grid") == grids == index.within(community, "grid")
    assert index.within(community, "community") == {community}
    assert index.within(grid, "grid") == {grid}
    assert index.within(grid, "community") == set()
    assert index.within("nowhere", "grid") == set()
    box = tree[community].bbox
    assert sorted(index.among("grid", box, grids)) == sorted(
        c for c in grids if overlaps(box, tree[c].bbox)
    )  # fmt: skip
