"""The city at a glance: each street filled by how many of its grids are red, with its load.

At city scale the 7,500 small grids are specks; the map says more when each street carries
the sum of its grids: its red and yellow grids, open and overdue cases and new reports. The
street is filled by its red grids in fixed classes (a red grid has a major risk open or many
overdue cases, geo/rules/grid_status.toml), so the same colour means the same on any day.
The grids themselves are drawn with outlines a few metres wide, which vanish at city scale
and appear when the map is zoomed in to a district (layers.grid_status, `metres=True`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pydeck as pdk

from geo.live.grid_status import GridStatus
from geo.live.queries import AreaNode, Flows, Stocks
from layers.legend import Legend, LegendItem

RGBA = list[int]
Translate = Callable[[str], str]
LAYER_ID = "area-status"
# red grids in a street: at least this many, that fill (the first class is "none")
RED_CLASSES: list[tuple[int, RGBA]] = [
    (0, [200, 212, 228, 150]),
    (1, [254, 217, 118, 170]),
    (2, [253, 141, 60, 185]),
    (4, [240, 59, 32, 195]),
    (7, [165, 0, 38, 210]),
]


@dataclass
class AreaLoad:
    """The sums over one area's small grids."""

    code: str
    grids: int = 0
    red: int = 0
    yellow: int = 0
    open: int = 0
    overdue: int = 0
    major_open: int = 0
    new: int = 0
    grid_codes: list[str] = field(default_factory=list)


def area_loads(
    level: str,
    tree: Mapping[str, AreaNode],
    statuses: Iterable[GridStatus],
    stocks: Mapping[str, Stocks],
    flows: Mapping[str, Flows],
) -> dict[str, AreaLoad]:
    """Every area of a level with the sums of its grids (grids without figures count zero)."""
    owner: dict[str, str] = {}
    loads = {code: AreaLoad(code) for code, node in tree.items() if node.level == level}
    for code, node in tree.items():
        if node.level != "grid":
            continue
        parent = next((a for a in node.ancestors if a in loads), None)
        if parent is None:
            continue
        owner[code] = parent
        load = loads[parent]
        load.grids += 1
        stock = stocks.get(code)
        if stock is not None:
            load.open += stock.open
            load.overdue += stock.overdue
            load.major_open += stock.major_open
        flow = flows.get(code)
        if flow is not None:
            load.new += flow.new
    for status in statuses:
        parent = owner.get(status.measures.code)
        if parent is None:
            continue
        if status.color == "red":
            loads[parent].red += 1
        elif status.color == "yellow":
            loads[parent].yellow += 1
    return loads


def red_class(red: int) -> int:
    """The index of the class of an area with this many red grids."""
    return max(i for i, (least, _) in enumerate(RED_CLASSES) if red >= least)


def red_fill(red: int) -> RGBA:
    """The fill of an area with this many red grids."""
    return list(RED_CLASSES[red_class(max(red, 0))][1])


def area_tooltip(load: AreaLoad, t: Translate) -> str:
    """Red and yellow grids of all, then the open, overdue and new cases."""
    return t("area_status_tip").format(
        red=load.red,
        yellow=load.yellow,
        grids=load.grids,
        open=load.open,
        overdue=load.overdue,
        new=load.new,
    )


def area_status_layer(
    features: Sequence[dict],
    loads: Mapping[str, AreaLoad],
    names: Mapping[str, str],
    t: Translate,
) -> pdk.Layer:
    """The areas filled by their red grids, clickable, each with its sums in the tooltip."""
    data = []
    for feature in features:
        code = feature["properties"]["code"]
        load = loads.get(code, AreaLoad(code))
        properties = {
            "code": code,
            "fill": red_fill(load.red),
            "title": names.get(code, code),
            "body": area_tooltip(load, t),
        }
        data.append({**feature, "properties": properties})
    return pdk.Layer(
        "GeoJsonLayer",
        id=LAYER_ID,
        data={"type": "FeatureCollection", "features": data},
        stroked=False,
        filled=True,
        get_fill_color="properties.fill",
        pickable=True,
        auto_highlight=True,
        highlight_color=[255, 255, 255, 70],
    )


def area_status_legend(loads: Mapping[str, AreaLoad], t: Translate) -> Legend:
    """The classes of red grids per street, with how many streets fall in each."""
    bounds = [least for least, _ in RED_CLASSES]
    counts = Counter(red_class(load.red) for load in loads.values())
    items = []
    for i, (least, fill) in enumerate(RED_CLASSES):
        upper = bounds[i + 1] - 1 if i + 1 < len(bounds) else None
        if least == 0:
            label = t("area_status_none")
        elif upper is None:
            label = f"≥ {least}"
        elif upper == least:
            label = f"{least}"
        else:
            label = f"{least}–{upper}"
        items.append(LegendItem(fill[:3] + [230], f"{label} ({counts[i]})"))
    return Legend(t("legend_area_status"), items, note=t("legend_area_status_note"))
