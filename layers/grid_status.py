"""The grid colour status layers: small grids filled red, yellow or blue, each saying why.

At city scale the streets carry the grid colours (layers.area_status); only the red and yellow
grids, with their live tooltips, go with every refresh, and no grid edges are drawn (the blue
base layer of every grid, `grid_base_layer`, is not drawn there either; bench/live_map.py
still sizes it). Inside an opened area every grid goes inline with its live numbers, and the
grids' edges, static for a boundary version, travel as a URL the browser fetches (and caches).
One PolygonLayer per colour, so a colour is a layer property, not four numbers per grid;
the outlines come rounded to 1e-5° (geo.live.queries.grid_shapes). The polygons are filled
only: every grid's edges are one LineLayer, also fetched once (`grid_edges`; why not a stroke:
layers.outlines). No highlight on hover: the tooltip says which grid, and a redraw of the
whole map on every grid the pointer crosses is what a slow browser cannot afford.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pydeck as pdk

from geo.live.grid_status import COLORS, GridRules, GridStatus
from geo.live.queries import GridShape
from layers.legend import Legend, LegendItem
from layers.outlines import Segment, edge_layer, ring_segments

RGBA = list[int]
Translate = Callable[[str], str]
FILL: dict[str, RGBA] = {
    "red": [220, 38, 38, 170],
    "yellow": [245, 176, 0, 160],
    "blue": [59, 130, 206, 70],
}
EDGE: RGBA = [45, 95, 160, 120]


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


def _polygon_layer(layer_id: str, data: str | list[dict], color: str) -> pdk.Layer:
    return pdk.Layer(
        "PolygonLayer",
        id=layer_id,
        data=data,
        get_polygon="p",
        filled=True,
        stroked=False,
        get_fill_color=FILL[color],
        pickable=True,
    )


def grid_edges(shapes: Sequence[GridShape]) -> list[Segment]:
    """Every grid's edges, each shared edge once (the data of `grid_edge_layer`)."""
    return ring_segments(ring for shape in shapes for polygon in shape.polygons for ring in polygon)


def grid_edge_layer(data: str | list[Segment]) -> pdk.Layer:
    """The grids' edges: `data` is the URL of `grid_edges` (or the segments themselves)."""
    return edge_layer("grid-edges", data, EDGE, 1.0)


def grid_base_layer(data: str | list[dict]) -> pdk.Layer:
    """Every grid in blue: `data` is the URL of `base_records` (or the records themselves)."""
    return _polygon_layer("grid-base", data, "blue")


def grid_status_layers(records: Mapping[str, list[dict]]) -> list[pdk.Layer]:
    """The coloured grids, blue first and red last (on top)."""
    return [
        _polygon_layer(f"grid-status-{color}", records[color], color)
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
