"""The report's map and charts drawn with matplotlib, as PNG data URIs for the HTML and PDF."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - the backend is chosen first
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from geo.drill.queries import BreakdownRow, TrendPoint  # noqa: E402
from geo.queries.areas import AreaOutline  # noqa: E402

FONTS = ["Noto Sans CJK SC", "DejaVu Sans"]  # fonts-noto-cjk; DejaVu for anything else
DPI = 180
NEW = "#d9622b"
CONCLUDED = "#3b7dd8"
NO_INDEX = "#c8c8c8"
plt.rcParams.update({"font.family": FONTS, "axes.unicode_minus": False})


def _png(fig: Figure) -> str:
    """The figure as an <img> with a PNG data URI (nothing to fetch, fast to lay out)."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    width = fig.get_size_inches()[0]
    data = base64.b64encode(out.getvalue()).decode("ascii")
    return f"<img src='data:image/png;base64,{data}' style='width:{width:.1f}in;max-width:100%'>"


def _paths(geojson: str) -> list[Path]:
    geometry = json.loads(geojson)
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    paths = []
    for polygon in polygons:
        vertices, codes = [], []
        for ring in polygon:
            vertices.extend(ring)
            codes.extend([Path.MOVETO] + [Path.LINETO] * (len(ring) - 2) + [Path.CLOSEPOLY])
        paths.append(Path(vertices, codes))
    return paths


def map_png(
    children: Sequence[AreaOutline],
    fills: dict[str, str],
    frame: Sequence[AreaOutline],
    labels: dict[str, str],
) -> str:
    """Children filled by their band colour, the area's outline, and their names."""
    fig, ax = plt.subplots(figsize=(7.2, 5.2))
    for area in children:
        for path in _paths(area.geojson):
            ax.add_patch(
                PathPatch(path, facecolor=fills.get(area.code, NO_INDEX), edgecolor="#444444",
                          linewidth=0.5, alpha=0.85)
            )  # fmt: skip
    for area in frame:
        for path in _paths(area.geojson):
            ax.add_patch(PathPatch(path, facecolor="none", edgecolor="#111111", linewidth=1.6))
    if len(children) <= 40:
        for area in children:
            text = labels.get(area.code, area.name)
            # names come from boundary files: `$…$` in them is text, not matplotlib's math
            ax.annotate(text, (area.label_lon, area.label_lat), ha="center", va="center",
                        fontsize=7, color="#111111", parse_math=False)  # fmt: skip
    ax.autoscale_view()
    ax.set_aspect(1.25)  # about 1/cos(36°): lengths look right at Lanzhou's latitude
    ax.axis("off")
    return _png(fig)


def trend_png(points: Sequence[TrendPoint], weekly: bool) -> str:
    """New and concluded cases per day (or week)."""
    fig, ax = plt.subplots(figsize=(7.2, 2.6))
    days = [p.day for p in points]
    ax.plot(days, [p.new for p in points], color=NEW, marker="o", markersize=2.5, label="新增")
    ax.plot(days, [p.concluded for p in points], color=CONCLUDED, marker="o", markersize=2.5,
            label="办结")  # fmt: skip
    ax.set_title("每周新增与办结" if weekly else "每日新增与办结", fontsize=10, loc="left")
    ax.legend(frameon=False, fontsize=8, loc="upper left", ncols=2)
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#eeeeee")
    fig.autofmt_xdate()
    return _png(fig)


def bars_png(rows: Sequence[BreakdownRow], names: dict[str, str], title: str) -> str:
    """New cases per category or source, biggest on top, with the previous period beside."""
    rows = list(rows)[:10]
    fig, ax = plt.subplots(figsize=(3.5, 0.45 * max(len(rows), 2) + 0.6))
    labels = [names.get(r.key, r.key) for r in rows][::-1]
    ax.barh(labels, [r.new for r in rows][::-1], color=NEW, label="本期")
    ax.scatter([r.previous_new for r in rows][::-1], labels, color="#333333", s=10, zorder=3,
               label="上期")  # fmt: skip
    ax.set_title(title, fontsize=10, loc="left")
    ax.tick_params(labelsize=7)
    ax.legend(frameon=False, fontsize=7, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def contributions_png(names: Sequence[str], won: Sequence[float], lost: Sequence[float]) -> str:
    """Points each indicator adds to the index and loses."""
    fig, ax = plt.subplots(figsize=(3.6, 0.35 * len(names) + 0.6))
    ys = list(range(len(names)))[::-1]
    ax.barh(ys, won, color="#1a9850", label="得分")
    ax.barh(ys, lost, left=won, color="#dddddd", label="失分")
    ax.set_yticks(ys, names)
    ax.tick_params(labelsize=7)
    ax.legend(frameon=False, fontsize=7, ncols=2, loc="lower right", bbox_to_anchor=(1, 1))
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
