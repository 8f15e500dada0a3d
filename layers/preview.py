"""The boundary preview: new outlines over the current ones, with names, changes and problems.

The map is a folium map whose Leaflet script and style are inlined from files shipped with the
app (no CDN: intranets have none). Outlines are drawn on a light ground with their names
(shown where an area is large enough on screen to hold one); problems are small markers over
them, listed beside the map, and a click on the list zooms to the problem.

Text from a file never becomes markup: tooltips and the list go through `html.escape`, and
names on the map are set as text (`textContent`) by the page's own script.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo.bounds import LngLatBbox

# Degrees (about 1 m): outlines are simplified this much for the browser, and rounded to 1e-5.
PREVIEW_TOLERANCE = 1e-5
_DIGITS = 5
# Problems drawn and listed beside the map (errors come first); the page's table has them all.
MAX_LISTED = 1000
# Half the side of the box a problem without a shape zooms to, in degrees (about 300 m).
POINT_PAD = 0.003
STYLE = {
    "parent": {"color": "#4d4d4d", "weight": 2.5, "fill": False},
    "current": {"color": "#8c8c8c", "weight": 1.5, "dashArray": "5 4", "fill": False},
    "new": {"color": "#2266cc", "weight": 1.2, "fillColor": "#2266cc", "fillOpacity": 0.04},
    "added": {"color": "#1e8449", "weight": 2, "fillColor": "#27ae60", "fillOpacity": 0.12},
    "removed": {"color": "#c0392b", "weight": 2, "dashArray": "6 4", "fillColor": "#e74c3c",
                "fillOpacity": 0.08},
    "reshaped": {"color": "#d35400", "weight": 2, "fillColor": "#f39c12", "fillOpacity": 0.1},
    "renamed": {"color": "#8e44ad", "weight": 2.5, "fill": False},
    "error": {"color": "#d62728", "weight": 1.5, "dashArray": "3 3", "fillColor": "#d62728",
              "fillOpacity": 0.06},
    "warning": {"color": "#d99a00", "weight": 1.5, "dashArray": "3 3", "fillColor": "#ffcc00",
                "fillOpacity": 0.06},
}  # fmt: skip
DEFAULT_TEXT = {
    "error": "错误",
    "warning": "警告",
    "feature": "要素",
    "list_hint": "点选一项，地图定位到该处",
    "no_problems": "没有发现问题",
    "more": "另有 {n} 个未在此列出，见问题表",
    "nowhere": "无位置",
}


@dataclass(frozen=True)
class LeafletAssets:
    """Leaflet's script and style sheet as text (images inside the CSS as data: URIs)."""

    js: str
    css: str


def load_assets(folder: Path) -> LeafletAssets:
    """Leaflet from a folder holding leaflet.js, leaflet.css and images/."""
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        image = folder / match[1]
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    return LeafletAssets((folder / "leaflet.js").read_text(encoding="utf-8"), css)


@dataclass(frozen=True)
class Outline:
    """One area to draw: its code, name, geometry (EPSG:4490) and the text of its tooltip."""

    code: str
    name: str
    geom: shapely.Geometry
    tip: str = ""


def escape(value: object) -> str:
    """Text made safe to put into HTML."""
    return html.escape("" if value is None else str(value), quote=True)


def script_json(value: object) -> str:
    """JSON to put inside a <script>: no '<' left that could close it."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def _collection(outlines: Sequence[Outline]) -> dict:
    """A FeatureCollection of simplified, rounded outlines with escaped tooltip HTML."""
    if not outlines:
        return {"type": "FeatureCollection", "features": []}
    geoms = np.array([o.geom for o in outlines], dtype=object)
    simple = shapely.set_precision(
        shapely.simplify(geoms, PREVIEW_TOLERANCE, preserve_topology=True), 10**-_DIGITS
    )
    texts = shapely.to_geojson(simple)
    features = []
    for outline, text in zip(outlines, texts, strict=True):
        if text is None or outline.geom is None:
            continue
        tip = outline.tip or f"<b>{escape(outline.name)}</b><br>{escape(outline.code)}"
        features.append(
            {"type": "Feature", "geometry": json.loads(text), "properties": {"tip": tip}}
        )
    return {"type": "FeatureCollection", "features": features}


def _layer(
    group: folium.FeatureGroup, outlines: Sequence[Outline], style: dict, tooltip: bool = True
) -> None:
    collection = _collection(outlines)
    if not collection["features"]:
        return
    folium.GeoJson(
        collection,
        style_function=lambda _feature, s=style: s,
        highlight_function=(lambda _f: {"weight": 4}) if tooltip else None,
        tooltip=folium.GeoJsonTooltip(["tip"], labels=False) if tooltip else None,
        smooth_factor=0.5,
    ).add_to(group)


def name_labels(outlines: Sequence[Outline], kind: str) -> list[list]:
    """Where to write each outline's name: [lat, lon, name, width°, height°, kind]."""
    present = [o for o in outlines if o.geom is not None and not o.geom.is_empty]
    if not present:
        return []
    geoms = np.array([o.geom for o in present], dtype=object)
    points = shapely.point_on_surface(geoms)
    bounds = shapely.bounds(geoms)
    return [
        [round(p.y, 6), round(p.x, 6), o.name, round(b[2] - b[0], 6), round(b[3] - b[1], 6), kind]
        for o, p, b in zip(present, points, bounds, strict=True)
    ]


@dataclass(frozen=True)
class ProblemMark:
    """A problem to show: severity, title, detail, where, and its shape if any."""

    severity: str
    title: str
    detail: str
    feature: int | None
    code: str | None
    lon: float | None
    lat: float | None
    geom: shapely.Geometry | None


def problem_tip(mark: ProblemMark, feature_word: str = "要素") -> str:
    """The escaped tooltip of a problem."""
    feature = f"{feature_word} {mark.feature} · " if mark.feature else ""
    return (
        f"<b>{escape(mark.title)}</b><br>{escape(feature)}{escape(mark.code or '')}"
        f"<br>{escape(mark.detail)}"
    )


def problem_bounds(mark: ProblemMark) -> LngLatBbox | None:
    """The box to zoom to for a problem: its shape with a margin, else around its point."""
    if mark.geom is not None and not mark.geom.is_empty:
        west, south, east, north = mark.geom.bounds
        pad = max(east - west, north - south, 2 * POINT_PAD / 3) * 0.6
        return LngLatBbox(west - pad, south - pad, east + pad, north + pad)
    if mark.lon is not None and mark.lat is not None:
        return LngLatBbox(
            mark.lon - POINT_PAD, mark.lat - POINT_PAD, mark.lon + POINT_PAD, mark.lat + POINT_PAD
        )
    return None


def _swatch(style: dict) -> str:
    fill = style.get("fillColor", "transparent") if style.get("fill", True) else "transparent"
    dashed = "dashed" if style.get("dashArray") else "solid"
    return (
        f'<span class="bnd-swatch" style="border:2px {dashed} {style["color"]};'
        f'background:{fill}"></span>'
    )


def _group_name(label: str, style: dict, count: int | None = None) -> str:
    """A layer's name in the layer control: its swatch (the legend), label and count."""
    counted = f" ({count:,})" if count is not None else ""
    return f"{_swatch(style)}{escape(label)}{counted}"


def problem_list(marks: Sequence[ProblemMark], text: dict[str, str]) -> str:
    """The list beside the map: one escaped item per problem, numbered as on the map."""
    if not marks:
        return f'<p class="bnd-none">{escape(text["no_problems"])}</p>'
    items = []
    for k, mark in enumerate(marks[:MAX_LISTED]):
        where = [f"{text['feature']} {mark.feature}"] if mark.feature else []
        where += [mark.code] if mark.code else []
        located = mark.lon is not None
        items.append(
            f'<li data-k="{k}" class="bnd-item {escape(mark.severity)}'
            f'{"" if located else " nowhere"}" title="{escape(mark.detail)}">'
            f'<span class="bnd-dot"></span><span class="bnd-body"><b>{escape(mark.title)}</b>'
            f'<span class="bnd-where">{escape(" · ".join(where) or text["nowhere"])}</span>'
            f'<span class="bnd-detail">{escape(mark.detail)}</span></span></li>'
        )
    more = len(marks) - MAX_LISTED
    tail = (
        f'<p class="bnd-more">{escape(text["more"].format(n=f"{more:,}"))}</p>' if more > 0 else ""
    )
    return f'<ol id="bnd-list">{"".join(items)}</ol>{tail}'


class _PreviewScript(MacroElement):
    """Names on the map as text, problem markers, and the list's zoom to each problem."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function (map, group, data) {
  map.createPane('bndLabels').style.zIndex = 450;
  map.getPane('bndLabels').style.pointerEvents = 'none';
  map.createPane('bndProblems').style.zIndex = 620;
  var renderer = L.canvas({pane: 'bndProblems'});
  var labels = L.layerGroup().addTo(map), ring = null;
  function drawLabels() {
    labels.clearLayers();
    var view = map.getBounds().pad(0.1), scale = 256 * Math.pow(2, map.getZoom()) / 360;
    var shown = 0;
    for (var i = 0; i < data.labels.length && shown < 300; i++) {
      var r = data.labels[i], w = r[3] * scale;
      var h = r[4] * scale / Math.cos(r[0] * Math.PI / 180);
      if (w < 44 || h < 18 || !view.contains([r[0], r[1]])) continue;
      var el = document.createElement('span');
      el.textContent = r[2];
      el.style.maxWidth = Math.min(w - 6, 180) + 'px';
      labels.addLayer(L.marker([r[0], r[1]], {
        icon: L.divIcon({className: 'bnd-label ' + r[5], html: el, iconSize: null}),
        pane: 'bndLabels', interactive: false, keyboard: false}));
      shown++;
    }
  }
  var items = document.querySelectorAll('#bnd-list li');
  function select(k, zoom) {
    var p = data.problems[k];
    items.forEach(function (el) { el.classList.toggle('active', Number(el.dataset.k) === k); });
    if (items[k]) { items[k].scrollIntoView({block: 'nearest'}); }
    if (p.lat === null) { return; }
    if (zoom) { map.fitBounds(p.b, {maxZoom: 18}); }
    if (ring) { map.removeLayer(ring); }
    ring = L.circleMarker([p.lat, p.lon], {radius: 13, color: '#111', weight: 2.5, fill: false,
                                           renderer: renderer, interactive: false}).addTo(map);
    if (marks[k]) { marks[k].openTooltip(); }
  }
  var marks = data.problems.map(function (p, k) {
    if (p.lat === null) { return null; }
    var m = L.circleMarker([p.lat, p.lon], {
      radius: p.sev === 'error' ? 5 : 4, color: '#ffffff', weight: 1.5, fillOpacity: 1,
      fillColor: p.sev === 'error' ? '#d62728' : '#d99a00', renderer: renderer});
    m.bindTooltip(p.tip, {direction: 'top', offset: [0, -6]});
    m.on('click', function () { select(k, false); });
    return m;
  });
  ['warning', 'error'].forEach(function (sev) {  // errors drawn last, on top
    marks.forEach(function (m, k) { if (m && data.problems[k].sev === sev) { m.addTo(group); } });
  });
  items.forEach(function (el) {
    el.addEventListener('click', function () { select(Number(el.dataset.k), true); });
  });
  map.on('zoomend moveend', drawLabels);
  drawLabels();
  window.bndPreview = {map: map, select: select};
})({{ this._parent.get_name() }}, {{ this.group.get_name() }}, {{ this.data }});
{% endmacro %}"""
    )

    def __init__(self, group: folium.FeatureGroup, data: dict) -> None:
        super().__init__()
        self._name = "BoundaryPreview"
        self.group = group
        self.data = script_json(data)


_CSS = """
html, body, html body .leaflet-container {
  font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.folium-map { position: absolute !important; left: 0; top: 0; bottom: 0; right: 300px;
              width: auto !important; height: auto !important; }
html body .leaflet-container { background: #fbfaf7; }
html body .leaflet-control-layers { font-size: 12px; line-height: 1.5; }
#bnd-panel { position: absolute; right: 0; top: 0; bottom: 0; width: 300px;
             box-sizing: border-box; overflow-y: auto; border-left: 1px solid #ddd;
             background: #fff; font-size: 13px; color: #222; }
#bnd-panel h3 { margin: 0; padding: 8px 10px 2px; font-size: 14px; }
#bnd-panel .bnd-hint, .bnd-more, .bnd-none { margin: 0; padding: 2px 10px 6px; color: #666;
                                           font-size: 12px; }
#bnd-list { list-style: none; margin: 0; padding: 0; }
.bnd-item { display: flex; gap: 7px; padding: 6px 10px; border-top: 1px solid #eee;
            cursor: pointer; }
.bnd-item:hover { background: #f3f6fb; }
.bnd-item.active { background: #e4ecf9; }
.bnd-item.nowhere { cursor: default; }
.bnd-dot { flex: none; width: 9px; height: 9px; margin-top: 4px; border-radius: 50%;
           background: #d99a00; }
.bnd-item.error .bnd-dot { background: #d62728; }
.bnd-body { display: flex; flex-direction: column; min-width: 0; }
.bnd-where { color: #555; font-size: 12px; }
.bnd-detail { color: #444; font-size: 12px; overflow: hidden; text-overflow: ellipsis;
              display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
.bnd-label span { display: inline-block; transform: translate(-50%, -50%); text-align: center;
                  width: max-content;
                  font-size: 11px; line-height: 1.15; color: #1b3f7a; white-space: normal;
                  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.bnd-label.parent span { font-size: 13px; font-weight: 600; color: #333; }
.bnd-label.removed span { color: #a93226; text-decoration: line-through; }
.bnd-swatch { display: inline-block; width: 12px; height: 9px; margin-right: 5px;
              vertical-align: middle; box-sizing: border-box; }
@media (max-width: 640px) {
  .folium-map { right: 0; bottom: 35%; }
  #bnd-panel { top: 65%; width: 100%; border-left: none; border-top: 1px solid #ddd; }
}
"""


def preview_map(
    parents: Sequence[Outline],
    current: Sequence[Outline],
    new: Sequence[Outline],
    changes: dict[str, Sequence[Outline]],
    problems: Sequence[ProblemMark],
    bounds: LngLatBbox,
    labels: dict[str, str],
    basemap_url: str | None = None,
) -> folium.Map:
    """The preview fitted to `bounds`: parents, current and new outlines with names, changes,
    and problems as markers listed beside the map (`labels`: the interface text)."""
    text = {**DEFAULT_TEXT, **labels}
    fmap = folium.Map(
        location=bounds.center().to_folium(),
        zoom_start=12,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    if basemap_url:
        folium.TileLayer(basemap_url, attr=" ", name=text.get("basemap", "basemap")).add_to(fmap)
    for key, outlines, tooltip in [
        ("parent", parents, False),
        ("current", current, True),
        ("new", new, True),
    ]:
        group = folium.FeatureGroup(name=_group_name(text[key], STYLE[key]), show=True)
        _layer(group, outlines, STYLE[key], tooltip)
        group.add_to(fmap)
    for key in ("removed", "reshaped", "added", "renamed"):
        outlines = changes.get(key, [])
        group = folium.FeatureGroup(
            name=_group_name(text[key], STYLE[key], len(outlines)), show=bool(outlines)
        )
        _layer(group, outlines, STYLE[key])
        group.add_to(fmap)
    listed = list(problems[:MAX_LISTED])
    group = folium.FeatureGroup(
        name=_group_name(text["problems"], STYLE["error"], len(problems)), show=True
    )
    for severity in ("warning", "error"):
        shaped = [
            Outline(m.code or "", m.title, m.geom, problem_tip(m, text["feature"]))
            for m in listed
            if m.severity == severity and m.geom is not None and shapely.get_dimensions(m.geom) == 2
        ]
        _layer(group, shaped, STYLE[severity])
    group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    data = {
        "labels": name_labels(parents, "parent")
        + name_labels(new, "new")
        + name_labels(changes.get("removed", []), "removed"),
        "problems": [_problem_data(m, text["feature"]) for m in listed],
    }
    fmap.add_child(_PreviewScript(group, data))
    root = fmap.get_root()
    root.header.add_child(folium.Element(f"<style>{_CSS}</style>"), name="bnd_css")
    panel = (
        f'<aside id="bnd-panel"><h3>{escape(text["problems"])} ({len(problems):,})</h3>'
        f'<p class="bnd-hint">{escape(text["list_hint"])}</p>{problem_list(problems, text)}'
        "</aside>"
    )
    root.html.add_child(folium.Element(panel), name="bnd_panel")
    fmap.fit_bounds(bounds.to_folium())
    return fmap


def _problem_data(mark: ProblemMark, feature_word: str) -> dict:
    box = problem_bounds(mark)
    return {
        "sev": mark.severity,
        "lat": None if mark.lat is None else round(mark.lat, 6),
        "lon": None if mark.lon is None else round(mark.lon, 6),
        "tip": problem_tip(mark, feature_word),
        "b": None if box is None else [[round(v, 6) for v in corner] for corner in box.to_folium()],
    }


def offline_html(fmap: folium.Map, assets: LeafletAssets) -> str:
    """The map as one HTML page with Leaflet inlined: it requests nothing from any host."""
    fmap.default_js = []
    fmap.default_css = []
    root = fmap.get_root()
    root.header.add_child(folium.Element(f"<style>{assets.css}</style>"), name="leaflet_css")
    script = assets.js.replace("</script", "<\\/script")
    root.header.add_child(folium.Element(f"<script>{script}</script>"), name="leaflet_js")
    return root.render()


def outlines_from(frame: pd.DataFrame, geom_column: str = "geom") -> list[Outline]:
    """Outlines from a table with code, name and a geometry column."""
    return [
        Outline(str(code), str(name), geom)
        for code, name, geom in zip(frame["code"], frame["name"], frame[geom_column], strict=True)
        if geom is not None
    ]
