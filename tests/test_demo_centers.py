"""The generated four-level command system."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from geo.demo.areas import build_area_tree
from geo.demo.centers import CITY_CENTER_NAME, NEW_AREA_CODE, NEW_AREA_DISTRICT, build_centers
from geo.demo.load import read_districts


@pytest.fixture(scope="module")
def areas():
    return build_area_tree(read_districts(), scale=0.05, seed=3)


@pytest.fixture(scope="module")
def centers(areas):
    return build_centers(areas)


def test_one_center_per_area_plus_the_new_area(areas, centers):
    """1 city center, 8 + 1 sub-centers, a post per street, a workstation per community."""
    counts = centers["level"].value_counts()
    levels = areas["level"].value_counts()
    assert counts["city_center"] == 1
    assert counts["sub_center"] == levels["district"] + 1
    assert counts["command_post"] == levels["street"]
    assert counts["workstation"] == levels["community"]
    city = centers[centers["level"] == "city_center"].iloc[0]
    assert city["name"] == CITY_CENTER_NAME and city["area_code"] == "620100"


def test_codes_valid_and_parents_one_level_up(centers):
    """Codes fit the schema's pattern; each parent exists and is one level up."""
    assert centers["code"].is_unique
    assert centers["code"].str.fullmatch(r"[0-9A-Za-z_-]{1,40}").all()
    rank = {"workstation": 1, "command_post": 2, "sub_center": 3, "city_center": 4}
    level = centers.set_index("code")["level"]
    for row in centers.itertuples():
        if row.level == "city_center":
            assert pd.isna(row.parent_code)
        else:
            assert rank[level[row.parent_code]] == rank[row.level] + 1


def test_parents_serve_the_parent_areas(areas, centers):
    """A workstation reports to its street's post, a post to its district's sub-center
    (or, near 兰州新区, to the new area's)."""
    area_parent = areas.set_index("code")["parent_code"]
    served = centers.set_index("code")["area_code"]
    for row in centers[centers["level"].isin(["workstation", "command_post"])].itertuples():
        if row.parent_code == NEW_AREA_CODE:
            assert row.area_code.startswith(NEW_AREA_DISTRICT)
        else:
            assert served[row.parent_code] == area_parent[row.area_code]


def test_new_area_sub_center(centers):
    """兰州新区分中心 serves 皋兰's area code and commands at least one 皋兰 post."""
    new_area = centers.set_index("code").loc[NEW_AREA_CODE]
    assert new_area["area_code"] == NEW_AREA_DISTRICT
    posts = centers[centers["parent_code"] == NEW_AREA_CODE]
    assert len(posts) >= 1 and posts["area_code"].str.startswith(NEW_AREA_DISTRICT).all()


def test_every_center_stands_in_its_area(areas, centers):
    """Each center's point lies inside the area it serves."""
    geometry = areas.set_index("code").geometry
    inside = shapely.contains(geometry.loc[centers["area_code"]].to_numpy(), centers.geometry)
    assert inside.all()
    assert centers.crs.to_epsg() == 4490
