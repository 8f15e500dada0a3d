"""The generated area tree: counts, containment, tiling, codes, names, population, determinism.

Areas of overlaps and gaps are computed in degrees and converted with Lanzhou's local scale
(m² per square degree at 36.3°N): reprojecting a sliver vertex by vertex would bend its long
straight edges and invent square kilometres where there is nothing.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from geo.demo import lanzhou
from geo.demo.areas import LEVELS, allocate, build_area_tree
from geo.demo.load import read_districts

M2_PER_DEG2 = 111_320 * np.cos(np.radians(36.3)) * 110_574
# The tree is an exact coverage by construction: these bounds only absorb rounding.
TOLERANCE_M2 = 0.01
SCALE = 0.02


@pytest.fixture(scope="module")
def districts():
    return read_districts()


@pytest.fixture(scope="module")
def tree(districts):
    return build_area_tree(districts, scale=SCALE, seed=7)


def children_by_parent(tree):
    return {code: group for code, group in tree[tree["parent_code"].notna()].groupby("parent_code")}


def test_levels_and_root(tree):
    """One city (620100 兰州市) over 8 districts; every level present; one root."""
    counts = tree["level"].value_counts()
    assert list(tree["level"].unique()) == list(LEVELS)
    assert counts["city"] == 1 and counts["district"] == 8
    city = tree[tree["level"] == "city"].iloc[0]
    assert (city["code"], city["name"]) == ("620100", "兰州市")
    assert tree["parent_code"].isna().sum() == 1


def test_every_parent_has_children_at_small_scale(tree):
    """scale=0.02 still gives at least one child to every non-grid area."""
    parents = set(tree["parent_code"].dropna())
    assert set(tree.loc[tree["level"] != "grid", "code"]) <= parents


def test_kinds_only_on_grids_and_all_present(tree):
    """Grids are urban, rural or dedicated; other levels have no kind."""
    grids = tree[tree["level"] == "grid"]
    assert set(grids["kind"]) == {"urban", "rural", "dedicated"}
    assert tree.loc[tree["level"] != "grid", "kind"].isna().all()


def test_codes_unique_and_hierarchical(tree):
    """Codes are unique; a child's code is its parent's plus three digits."""
    assert tree["code"].is_unique
    parent = tree.set_index("code")["level"]
    depth = {level: i for i, level in enumerate(LEVELS)}
    for row in tree[tree["parent_code"].notna()].itertuples():
        assert (
            re.fullmatch(re.escape(row.parent_code) + r"\d{3}", row.code) or row.level == "district"
        )
        assert depth[row.level] == depth[parent[row.parent_code]] + 1
    districts = tree[tree["level"] == "district"]
    assert districts["code"].str.fullmatch(r"6201\d\d").all()


def test_names(tree):
    """Chinese names by level, unique among siblings."""
    streets = tree[tree["level"] == "street"]
    communities = tree[tree["level"] == "community"]
    grids = tree[tree["level"] == "grid"]
    assert streets["name"].str.contains("(?:街道|镇|乡)$").all()
    assert communities["name"].str.contains("(?:社区|村)$").all()
    assert grids["name"].str.fullmatch(r"第\d+网格|.+专属网格").all()
    assert (grids["kind"] == "dedicated").eq(grids["name"].str.endswith("专属网格")).all()
    assert not tree.duplicated(["parent_code", "name"]).any()


def test_population_splits_down_the_tree(tree, districts):
    """Districts keep their census population; children's populations sum to the parent's."""
    by_code = tree.set_index("code")["population"]
    for code, group in children_by_parent(tree).items():
        assert group["population"].sum() == by_code[code]
    source = districts.set_index("code")["population"]
    assert (by_code[source.index] == source).all()
    assert (tree["population"] >= 0).all()


def test_geometries_valid_multipolygons_in_city_extent(tree):
    """Every area is a valid, non-empty MultiPolygon in EPSG:4490 within Lanzhou's extent."""
    assert tree.crs.to_epsg() == 4490
    geoms = tree.geometry.to_numpy()
    assert (shapely.get_type_id(geoms) == shapely.GeometryType.MULTIPOLYGON).all()
    assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
    assert shapely.within(geoms, shapely.box(102.0, 35.0, 105.2, 37.8)).all()


def test_every_child_inside_its_parent(tree):
    """A child lies inside its parent: exactly (covered_by), and by area outside < tolerance."""
    geometry = tree.set_index("code").geometry
    children = tree[tree["parent_code"].notna()]
    parents = geometry.loc[children["parent_code"]].to_numpy()
    kids = children.geometry.to_numpy()
    assert shapely.covered_by(kids, parents).all()
    outside = shapely.area(shapely.difference(kids, parents)) * M2_PER_DEG2
    assert outside.max() < TOLERANCE_M2


def test_siblings_tile_their_parent(tree):
    """Siblings do not overlap and leave no gap: an exact coverage of the parent."""
    geometry = tree.set_index("code").geometry
    for code, group in children_by_parent(tree).items():
        kids = group.geometry.to_numpy()
        assert shapely.coverage_is_valid(kids), code
        union = shapely.union_all(kids)
        overlap = (shapely.area(kids).sum() - union.area) * M2_PER_DEG2
        gap = shapely.symmetric_difference(union, geometry[code]).area * M2_PER_DEG2
        assert abs(overlap) < TOLERANCE_M2, (code, overlap)
        assert gap < TOLERANCE_M2, (code, gap)


def test_districts_keep_their_input_boundaries(tree, districts):
    """The rebuilt districts match the data file (only vertices on their edges are added)."""
    ours = tree[tree["level"] == "district"].set_index("code").geometry
    given = districts.set_index("code").geometry.loc[ours.index]
    differ = shapely.area(shapely.symmetric_difference(ours.to_numpy(), given.to_numpy()))
    assert (differ * M2_PER_DEG2).max() < TOLERANCE_M2


def test_grids_dense_in_the_core_large_in_the_counties(tree):
    """Urban-core grids are far smaller than rural-county grids."""
    grids = tree[tree["level"] == "grid"]
    area = shapely.area(grids.geometry.to_numpy()) * M2_PER_DEG2
    core = grids["code"].str[:6].isin(lanzhou.CORE_DISTRICTS).to_numpy()
    assert np.median(area[core & (grids["kind"] != "rural").to_numpy()]) * 10 < np.median(
        area[~core]
    )


def test_same_seed_same_tree_other_seed_other_tree(districts, tree):
    """Deterministic for a seed; another seed gives other areas."""
    again = build_area_tree(districts, scale=SCALE, seed=7)
    other = build_area_tree(districts, scale=SCALE, seed=8)
    columns = ["code", "parent_code", "name", "level", "kind", "population"]
    assert again[columns].equals(tree[columns])
    assert (
        shapely.to_wkb(again.geometry.to_numpy()) == shapely.to_wkb(tree.geometry.to_numpy())
    ).all()
    assert not other["name"].equals(tree["name"]) or not other["population"].equals(
        tree["population"]
    )


def test_full_scale_counts_match_the_seeds(districts):
    """scale=1.0 gives the reported counts: 110 streets, 1,086 communities, 7,507 grids."""
    full = build_area_tree(districts, scale=1.0, seed=2026)
    counts = full["level"].value_counts()
    assert counts["street"] == lanzhou.STREETS
    assert counts["community"] == lanzhou.COMMUNITIES
    kinds = full.loc[full["level"] == "grid", "kind"].value_counts()
    assert kinds["urban"] == lanzhou.URBAN_GRIDS
    assert kinds["rural"] == lanzhou.RURAL_GRIDS
    assert kinds["dedicated"] == lanzhou.DEDICATED_GRIDS
    residents = full.loc[full["level"] == "grid"].groupby("kind")["population"].median()
    assert 300 <= residents["urban"] <= 3_000 and 100 <= residents["rural"] <= 1_000


@pytest.mark.parametrize(
    ("total", "weights", "minimum", "expected"),
    [
        (10, [1, 1], 1, [5, 5]),
        (3, [100, 1, 1], 1, [1, 1, 1]),
        (7, [3, 1], 0, [5, 2]),
        (0, [1, 2], 0, [0, 0]),
    ],
)
def test_allocate(total, weights, minimum, expected):
    """Largest-remainder split, at least `minimum` each (the total grows to allow it)."""
    assert allocate(total, np.array(weights), minimum).tolist() == expected
