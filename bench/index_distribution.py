"""The safety index over districts, streets and communities for a month: bands and a chart.

    DATABASE_URL=postgresql://…/demo .venv/bin/python bench/index_distribution.py \\
        --period 2026-11 --chart docs/screenshots/index_distribution.png

Seed first (`minqing demo seed --incidents 2400000 --seed 7`). Each area's index comes from
the drill-down's own steps (`geo.drill.step.drill_step`: the city's, every district's and every
street's children), so the figures are the pages' and the reports'. Prints how many areas of
each level fall in each band and the quantiles of the index, and draws one histogram per
level coloured by band (docs/demo.md shows it).
"""

from __future__ import annotations

import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from geo import db  # noqa: E402
from geo.drill.safety_index import load_rules  # noqa: E402
from geo.drill.step import drill_step  # noqa: E402
from geo.settings import get_settings, hide_password  # noqa: E402
from geo.timeutil import now_utc  # noqa: E402

LEVELS = (("district", "区县"), ("street", "街道(乡镇)"), ("community", "社区(村)"))


def main() -> None:
    """Gather the index of every district, street and community; print and draw."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", required=True, help="e.g. 2026-11 (a finished month)")
    parser.add_argument("--chart", default=None, help="write the histogram PNG here")
    args = parser.parse_args()
    url = db.database_url(get_settings())
    print(f"database {hide_password(url)}; load average before: {os.getloadavg()}")
    started = time.perf_counter()
    now = now_utc()
    values: dict[str, list[float | None]] = {level: [] for level, _ in LEVELS}
    conn = db.connect(url)
    try:
        city = drill_step(conn, None, args.period, now)
        values["district"] = [row.figures.index.value for row in city.children]
        for district in city.children:
            step = drill_step(conn, district.area.code, args.period, now)
            values["street"] += [row.figures.index.value for row in step.children]
            for street in step.children:
                inner = drill_step(conn, street.area.code, args.period, now)
                values["community"] += [row.figures.index.value for row in inner.children]
        conn.rollback()
    finally:
        conn.close()
    rules = load_rules()
    bands = list(reversed(rules.bands))  # lowest first
    print(f"period {args.period}, city index {city.current.index.value:.1f} "
          f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    print(f"{'level':<10}{'areas':>7}" + "".join(f"{b.zh:>8}" for b in reversed(bands))
          + f"{'未评':>6}{'p10':>7}{'p50':>7}{'p90':>7}")  # fmt: skip
    for level, _ in LEVELS:
        rated = np.array([v for v in values[level] if v is not None])
        counts = [sum(rules.band(v).key == b.key for v in rated) for b in reversed(bands)]
        quantiles = np.quantile(rated, [0.1, 0.5, 0.9]) if len(rated) else [np.nan] * 3
        print(f"{level:<10}{len(values[level]):>7}" + "".join(f"{n:>8}" for n in counts)
              + f"{len(values[level]) - len(rated):>6}"
              + "".join(f"{q:>7.1f}" for q in quantiles))  # fmt: skip
    if args.chart:
        _chart(values, bands, args.period, args.chart)
        print(f"wrote {args.chart}")
    print(f"load average after: {os.getloadavg()}")


def _chart(values: dict, bands: list, period: str, path: str) -> None:
    """One histogram per level, bars coloured by the band they fall in."""
    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharex=True)
    edges = np.arange(0, 102.5, 2.5)
    for ax, (level, name) in zip(axes, LEVELS, strict=True):
        rated = np.array([v for v in values[level] if v is not None])
        counts, _ = np.histogram(rated, bins=edges)
        lows = edges[:-1]
        colours = [next(b.color for b in reversed(bands) if low >= b.min) for low in lows]
        ax.bar(lows, counts, width=2.4, align="edge", color=colours)
        for band in bands[1:]:
            ax.axvline(band.min, color="#888888", linewidth=0.8, linestyle=":")
        ax.set_title(f"{name}（{len(rated)}）", fontsize=12)
        ax.set_xlim(20, 100)
        ax.set_xlabel("平安指数")
        ax.yaxis.get_major_locator().set_params(integer=True)
    axes[0].set_ylabel("区域数")
    labels = [f"{b.zh} ≥{b.min:.0f}" for b in reversed(bands)]
    handles = [plt.Rectangle((0, 0), 1, 1, color=b.color) for b in reversed(bands)]
    fig.legend(handles, labels, loc="upper right", ncol=4, frameon=False)
    fig.suptitle(f"{period} 平安指数分布（演示数据，不代表真实城市）", x=0.22, fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
