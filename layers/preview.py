"""The boundary preview: new outlines over the current ones, changes and problems, on Leaflet.

The map is a folium map whose Leaflet script and style are inlined from files shipped with the
app (no CDN: intranets have none). Every text from a file or a resident goes through
`html.escape` before it reaches a tooltip, since Leaflet puts tooltip text in as HTML.
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

from geo.bounds import LngLatBbox

# Degrees (about 1 m): outlines are simplified this much for the browser, and rounded to 1e-5.
PREVIEW_TOLERANCE = 1e-5
_DIGITS = 5
STYLE = {
    "parent": {"color": "#555555", "weight": 2.5, "fill": False},
    "current": {"color": "#7f8c8d", "weight": 1.5, "dashArray": "5 4", "fill": False},
    "new": {"color": "#2266cc", "weight": 1.2, "fillColor": "#2266cc", "fillOpacity": 0.06},
    "added": {"color": "#1e8449", "weight": 2, "fillColor": "#27ae60", "fillOpacity": 0.35},
    "removed": {"color": "#c0392b", "weight": 2, "dashArray": "6 4", "fillColor": "#e74c3c",
                "fillOpacity": 0.25},
    "reshaped": {"color": "#d35400", "weight": 2, "fillColor": "#f39c12", "fillOpacity": 0.3},
    "renamed": {"color": "#8e44ad", "weight": 2.5, "fill": False},
    "error": {"color": "#e60000", "weight": 3, "fillColor": "#ff0000", "fillOpacity": 0.45},
    "warning": {"color": "#e6a100", "weight": 2.5, "fillColor": "#ffcc00", "fillOpacity": 0.4},
}  # fmt: skip


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


def problem_tip(mark: ProblemMark) -> str:
    """The escaped tooltip of a problem."""
    feature = f"要素 {mark.feature} · " if mark.feature else ""
    return (
        f"<b>{escape(mark.title)}</b><br>{escape(feature)}{escape(mark.code or '')}"
        f"<br>{escape(mark.detail)}"
    )


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
    """The preview: parents, current and new outlines, changes, problems; fitted to `bounds`."""
    fmap = folium.Map(
        location=bounds.center().to_folium(),
        zoom_start=12,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    if basemap_url:
        folium.TileLayer(basemap_url, attr=" ", name=labels.get("basemap", "basemap")).add_to(fmap)
    for key, outlines, style, tooltip in [
        ("parent", parents, STYLE["parent"], False),
        ("current", current, STYLE["current"], True),
        ("new", new, STYLE["new"], True),
    ]:
        group = folium.FeatureGroup(name=labels[key], show=True)
        _layer(group, outlines, style, tooltip)
        group.add_to(fmap)
    for key in ("removed", "reshaped", "added", "renamed"):
        outlines = changes.get(key, [])
        group = folium.FeatureGroup(name=f"{labels[key]} ({len(outlines)})", show=bool(outlines))
        _layer(group, outlines, STYLE[key])
        group.add_to(fmap)
    group = folium.FeatureGroup(name=f"{labels['problems']} ({len(problems)})", show=True)
    for severity in ("warning", "error"):
        marks = [m for m in problems if m.severity == severity]
        shaped = [
            Outline(m.code or "", m.title, m.geom, problem_tip(m))
            for m in marks
            if m.geom is not None and shapely.get_dimensions(m.geom) == 2
        ]
        _layer(group, shaped, STYLE[severity])
        for mark in marks:
            if mark.lon is None:
                continue
            folium.CircleMarker(
                [mark.lat, mark.lon],
                radius=7 if severity == "error" else 5,
                color=STYLE[severity]["color"],
                weight=2,
                fill=True,
                fill_opacity=0.8,
                tooltip=folium.Tooltip(problem_tip(mark)),
            ).add_to(group)
    group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds(bounds.to_folium())
    return fmap


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
