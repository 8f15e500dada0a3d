"""The center workload layer: each center at its place, sized by open cases, coloured by overdue."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pydeck as pdk

from geo.live.queries import CenterLoad
from layers.deck import literal
from layers.legend import Legend, LegendItem

RGBA = list[int]
Translate = Callable[[str], str]
# overdue share of open cases: below each bound, that colour (green → red)
OVERDUE_CLASSES: list[tuple[float, RGBA]] = [
    (0.10, [26, 150, 65, 215]),
    (0.25, [166, 217, 106, 215]),
    (0.40, [253, 174, 97, 225]),
    (0.60, [244, 109, 67, 230]),
    (1.01, [215, 25, 28, 235]),
]
IDLE: RGBA = [150, 150, 150, 180]
MAX_RADIUS = 16.0
# In the whole city's view the command posts and workstations would bury the urban core and
# its district names: only the city center and the district sub-centers are drawn, smaller.
CITY_LEVELS = ("city_center", "sub_center")
CITY_MAX_RADIUS = 11.0
# the four levels: the ring around the dot and the least radius
LEVEL_STYLE = {
    "city_center": (3.0, 9.0),
    "sub_center": (2.0, 6.0),
    "command_post": (1.0, 3.0),
    "workstation": (0.5, 2.0),
}


def overdue_color(load: CenterLoad) -> RGBA:
    """The colour of a center's overdue share (grey when it has nothing open)."""
    if load.open == 0:
        return IDLE
    for bound, color in OVERDUE_CLASSES:
        if load.overdue_share < bound:
            return color
    return OVERDUE_CLASSES[-1][1]


def radius_px(load: CenterLoad, busiest: int, most: float = MAX_RADIUS) -> float:
    """Radius in pixels: area in proportion to open cases (the busiest shown gets `most`)."""
    least = LEVEL_STYLE.get(load.center.level, (1.0, 3.0))[1]
    share = math.sqrt(load.open / busiest) if busiest else 0.0
    return round(max(least, most * share), 1)


def shown_centers(loads: Sequence[CenterLoad], city_view: bool) -> list[CenterLoad]:
    """The centers drawn: in the city's view the city center and the sub-centers only."""
    if not city_view:
        return list(loads)
    return [load for load in loads if load.center.level in CITY_LEVELS]


def center_tooltip(load: CenterLoad, t: Translate, live: bool) -> str:
    """Open, overdue (share), concluded in the period (and today), mean handling time."""
    hours = "—" if load.mean_hours is None else f"{load.mean_hours:.1f}"
    lines = [
        t("center_level_" + load.center.level),
        t("center_open").format(open=load.open, overdue=load.overdue, share=load.overdue_share),
        t("center_done").format(concluded=load.concluded, hours=hours),
    ]
    if live:
        lines.append(t("center_today").format(today=load.concluded_today))
    return "\n".join(lines)


def center_layer(
    loads: Sequence[CenterLoad], t: Translate, live: bool, city_view: bool = False
) -> pdk.Layer:
    """One dot per center, biggest drawn first so small ones stay clickable on top; in the
    city's view only the upper two levels, smaller (`shown_centers`)."""
    loads = shown_centers(loads, city_view)
    most = CITY_MAX_RADIUS if city_view else MAX_RADIUS
    busiest = max((load.open for load in loads), default=0)
    data = [
        {
            "p": [round(load.center.lon, 5), round(load.center.lat, 5)],
            "r": radius_px(load, busiest, most),
            "c": overdue_color(load),
            "w": LEVEL_STYLE.get(load.center.level, (1.0, 3.0))[0],
            "area": load.center.area_code,
            "title": load.center.name,
            "body": center_tooltip(load, t, live),
        }
        for load in sorted(loads, key=lambda x: -x.open)
    ]
    return pdk.Layer(
        "ScatterplotLayer",
        id="centers",
        data=data,
        get_position="p",
        get_radius="r",
        radius_units=literal("pixels"),
        get_fill_color="c",
        stroked=True,
        get_line_color=[35, 35, 35, 230],
        get_line_width="w",
        line_width_units=literal("pixels"),
        pickable=True,
    )


def center_legend(t: Translate, city_view: bool = False) -> Legend:
    """Overdue share classes; size means open cases (and, in the city's view, which levels)."""
    labels = ["< 10%", "10–25%", "25–40%", "40–60%", "≥ 60%"]
    items = [
        LegendItem(color, label, "dot")
        for (_, color), label in zip(OVERDUE_CLASSES, labels, strict=True)
    ]
    items.append(LegendItem(IDLE, t("legend_center_idle"), "dot"))
    note = t("legend_centers_note") + (t("legend_centers_city") if city_view else "")
    return Legend(t("legend_centers"), items, note=note)
