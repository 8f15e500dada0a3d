"""The grid colour status layers: small grids filled red, yellow or blue, each saying why.

At city scale the 7,507 outlines are static for a boundary version, so they travel once: a
blue base layer whose data is a URL the browser fetches (and caches) once, with a fixed
tooltip; only the red and yellow grids, with their live tooltips, go with every refresh.
Inside an opened area every grid goes inline with its live numbers (a few hundred at most).
One PolygonLayer per colour, so a colour is a layer property, not four numbers per grid;
the outlines come rounded to 1e-5° (geo.live.queries.grid_shapes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pydeck as pdk

from geo.live.grid_status import COLORS, GridRules, GridStatus
from geo.live.queries import GridShape
from layers.deck import literal
from layers.legend import Legend, LegendItem

RGBA = list[int]
Translate = Callable[[str], str]
FILL: dict[str, RGBA] = {
    "red": [220, 38, 38, 170],
    "yellow": [245, 176, 0, 160],
    "blue": [59, 130, 206, 70],
}
LINE: dict[str, RGBA] = {
    "red": [153, 27, 27, 230],
    "yellow": [170, 110, 0, 210],
    "blue": [45, 95, 160, 110],
}


def grid_tooltip(status: GridStatus, rules: GridRules, t: Translate, lang: str) -> str:
    """The tooltip body of a grid: its colour and why, then its numbers."""
    m = status.measures
    why = "；".join(status.reasons(rules, lang)) if status.rules_met else t("grid_no_rule")
    counts = t("grid_counts").format(open=m.open, overdue=m.overdue, new=m.new, previous=m.previous)
    return f"{t('color_' + status.color)} · {why}\n{counts}"


def grid_records(
    shapes: Sequence[GridShape],
    statuses: Mapping[str, GridStatus],
    titles: Mapping[str, str],
    rules: GridRules,
    t: Translate,
    lang: str,
    colors: Sequence[str] = COLORS,
) -> dict[str, list[dict]]:
    """Per colour, the records of the grids judged that colour (one per polygon part)."""
    data: dict[str, list[dict]] = {color: [] for color in colors}
    for shape in shapes:
        status = statuses.get(shape.code)
        if status is None or status.color not in data:
            continue
        body = grid_tooltip(status, rules, t, lang)
        title = titles.get(shape.code, shape.code)
        for polygon in shape.polygons:
            data[status.color].append(
                {"p": polygon, "code": shape.code, "title": title, "body": body}
            )
    return data


def base_records(
    shapes: Sequence[GridShape], titles: Mapping[str, str], t: Translate
) -> list[dict]:
    """Every grid as blue, with a tooltip that needs no live number (fetched once)."""
    body = f"{t('color_blue')} · {t('grid_no_rule')}"
    return [
        {
            "p": polygon,
            "code": shape.code,
            "title": titles.get(shape.code, ""),
            "body": body,
        }
        for shape in shapes
        for polygon in shape.polygons
    ]


# At city scale (`metres=True`) a grid is an unfilled outline this many metres wide: under a
# pixel at city zoom, so the streets' colours show (layers.area_status), and a clear line once
# the map is zoomed in to a district or a street.
OUTLINE_METRES: dict[str, float] = {"red": 40.0, "yellow": 30.0, "blue": 14.0}
NO_FILL: RGBA = [255, 255, 255, 0]


def _polygon_layer(
    layer_id: str, data: str | list[dict], color: str, metres: bool = False
) -> pdk.Layer:
    if metres:
        width: dict = {
            "get_fill_color": NO_FILL,
            "line_width_units": literal("meters"),
            "get_line_width": OUTLINE_METRES[color],
            "line_width_min_pixels": 0,
            "line_width_max_pixels": 3,
        }
    else:
        width = {
            "get_fill_color": FILL[color],
            "line_width_units": literal("pixels"),
            "get_line_width": 0.6 if color == "blue" else 1.2,
        }
    return pdk.Layer(
        "PolygonLayer",
        id=layer_id,
        data=data,
        get_polygon="p",
        filled=not metres,
        stroked=True,
        get_line_color=LINE[color],
        pickable=not metres,
        auto_highlight=not metres,
        highlight_color=[255, 255, 255, 90],
        **width,
    )


def grid_base_layer(data: str | list[dict], metres: bool = False) -> pdk.Layer:
    """Every grid in blue: `data` is the URL of `base_records` (or the records themselves);
    `metres`: as outlines that show only when zoomed in (the city view)."""
    return _polygon_layer("grid-base", data, "blue", metres)


def grid_status_layers(records: Mapping[str, list[dict]], metres: bool = False) -> list[pdk.Layer]:
    """The coloured grids, blue first and red last (on top)."""
    return [
        _polygon_layer(f"grid-status-{color}", records[color], color, metres)
        for color in reversed(COLORS)
        if color in records
    ]


def rules_summary(rules: GridRules, color: str, t: Translate) -> str:
    """The rules of one colour in a line, e.g. '在办重大风险 ≥ 1 或 超期 ≥ 5'."""
    parts = []
    for index in rules.ids_of(color):
        tests = [f"{t('measure_' + name)} ≥ {least:g}" for name, least in rules.rules[index].when]
        parts.append(t("rule_and").join(tests))
    return t("rule_or").join(parts)


def grid_status_legend(counts: Mapping[str, int], rules: GridRules, t: Translate) -> Legend:
    """Red, yellow and blue with how many grids each, and the rules behind them."""
    items = [
        LegendItem(FILL[color][:3] + [230], f"{t('color_' + color)} {counts.get(color, 0):,}")
        for color in COLORS
    ]
    note = "；".join(
        f"{t('color_' + color)}：{rules_summary(rules, color, t)}" for color in COLORS[:-1]
    )
    return Legend(t("legend_grid_status"), items, note=note)
