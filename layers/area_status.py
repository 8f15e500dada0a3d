"""The city at a glance: each street in the colour of its worst grid, with its grids' sums.

At city scale the 7,500 small grids are specks; the map says more when each street carries
its grids: red when any of its grids is red, yellow when any is yellow, else blue (the grid
colours of geo/rules/grid_status.toml, so the same colour means the same as on a grid), and
in its tooltip how many grids of each, its open and overdue cases and new reports.
The grids' own edges are drawn only once an area is opened (layers.grid_status).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pydeck as pdk

from geo.live.grid_status import GridStatus
from geo.live.queries import AreaNode, Flows, Stocks, grid_owners
from layers.legend import Legend, LegendItem

RGBA = list[int]
Translate = Callable[[str], str]
LAYER_ID = "area-status"
# a street's fill by the worst colour among its grids (lighter than a grid's own fill)
FILL: dict[str, RGBA] = {
    "red": [220, 38, 38, 150],
    "yellow": [245, 176, 0, 135],
    "blue": [120, 160, 210, 80],
}


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
    owner: Mapping[str, str] | None = None,
) -> dict[str, AreaLoad]:
    """Every area of a level with the sums of its grids (grids without figures count zero).

    `owner` maps each grid to its area of `level` when known already (a boundary version's
    `Static.street_of`); otherwise the tree is walked for it."""
    loads = {code: AreaLoad(code) for code, node in tree.items() if node.level == level}
    if owner is None:
        owner = grid_owners(tree, level)
    for code, parent in owner.items():
        load = loads.get(parent)
        if load is None:
            continue
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
        load = loads.get(owner.get(status.measures.code, ""))
        if load is None:
            continue
        if status.color == "red":
            load.red += 1
        elif status.color == "yellow":
            load.yellow += 1
    return loads


def worst_colour(load: AreaLoad) -> str:
    """Red when any of the area's grids is red, yellow when any is yellow, else blue."""
    return "red" if load.red else "yellow" if load.yellow else "blue"


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
    """The areas filled by their worst grid, clickable, each with its sums in the tooltip."""
    data = []
    for feature in features:
        code = feature["properties"]["code"]
        load = loads.get(code, AreaLoad(code))
        properties = {
            "code": code,
            "fill": FILL[worst_colour(load)],
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
    )


def area_status_legend(loads: Mapping[str, AreaLoad], t: Translate) -> Legend:
    """The three street colours, with how many streets have each."""
    counts = Counter(worst_colour(load) for load in loads.values())
    items = [
        LegendItem(fill[:3] + [200], f"{t('area_status_' + colour)} {counts[colour]:,}")
        for colour, fill in FILL.items()
    ]
    return Legend(t("legend_area_status"), items, note=t("legend_area_status_note"))
