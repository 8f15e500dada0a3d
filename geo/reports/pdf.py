"""The safety report as printable HTML and as PDF (WeasyPrint), with the map and charts inline.

Everything is in the one HTML text (charts as PNG data URIs, styles inline) and WeasyPrint's URL
fetcher refuses every request, so the report is made without any network. Chinese text comes
from the Noto Sans CJK fonts installed on the machine (fonts-noto-cjk); every text from the
database goes through `html.escape`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from geo.errors import MinqingError
from geo.reports import charts
from geo.reports.content import ReportContent
from geo.reports.labels import (
    CENTER_LEVEL_ZH,
    KPI_ROWS,
    LEVEL_ZH,
    SPARSE_ZH,
    STATUS_ZH,
    UNRATED_ZH,
    category_zh,
    fmt,
    source_zh,
)
from geo.timeutil import format_cst, now_utc
from geo.vocabulary import CATEGORIES, SOURCES, index_text, indicator_text

OVERDUE_ROWS = 30
CSS = """
@page { size: A4; margin: 14mm 12mm 16mm 12mm;
        @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";
                         font-size: 8pt; color: #666; } }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif;
       font-size: 9.5pt; color: #1d1d1d; }
h1 { font-size: 18pt; margin: 0 0 2mm 0; color: #1f4e79; }
h2 { font-size: 12pt; margin: 6mm 0 2mm 0; color: #1f4e79; border-bottom: 1px solid #1f4e79; }
.meta { color: #555; font-size: 8.5pt; margin-bottom: 3mm; }
.index { display: flex; gap: 6mm; align-items: center; }
.score { font-size: 34pt; font-weight: 700; }
.band { font-size: 13pt; font-weight: 700; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm 0; }
th { background: #1f4e79; color: #fff; font-weight: 600; padding: 1.2mm 1.5mm; font-size: 8.5pt; }
td { border-bottom: 1px solid #ddd; padding: 1mm 1.5mm; font-size: 8.5pt; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.row { display: flex; gap: 4mm; }
.row > div { flex: 1; }
.note { color: #666; font-size: 7.5pt; }
.break { break-before: page; }
"""


class ReportError(MinqingError):
    """The PDF could not be made."""

    default_message = "The safety report could not be made"


def pdf_bytes(page: str) -> bytes:
    """A PDF of the report's HTML."""
    try:
        from weasyprint import HTML  # imported here: it loads Pango when first used
        from weasyprint.urls import URLFetcher

        fetcher = URLFetcher(allowed_protocols=("data",))  # the inline images; nothing else
        return HTML(string=page, url_fetcher=fetcher).write_pdf()
    except OSError as exc:
        raise ReportError(
            f"cannot make the PDF (are Pango and fonts-noto-cjk installed?): {exc}"
        ) from None


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{_e(v)}</td>" if i in numeric else f"<td>{_e(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_html(content: ReportContent, made_at: datetime | None = None) -> str:
    """The whole report as one HTML page (printable as it is, or made into a PDF)."""
    step, rules = content.step, content.rules
    now, before = step.current, step.before
    made_at = made_at or now_utc()
    band = now.index.band
    colour = band.color if band else "#888888"
    parts = [
        f"<h1>{_e(step.node.name)}平安报表</h1>",
        "<div class='meta'>"
        + _e(
            f"{LEVEL_ZH.get(step.node.level, step.node.level)} {step.node.code} · 统计期间 "
            f"{format_cst(step.period.start)} 至 {format_cst(step.period.end)}（对比 "
            f"{format_cst(step.previous.start)} 至 {format_cst(step.previous.end)}）· "
            f"常住人口 {step.node.population:,} · 生成于 {format_cst(made_at)}"
        )
        + "</div>",
        "<div class='index'>"
        f"<div><div>平安指数</div><div class='score' style='color:{colour}'>"
        f"{index_text(now.index.value)}</div></div>"
        f"<div class='band' style='color:{colour}'>{_e(band.zh if band else UNRATED_ZH)}</div>"
        f"<div>上期 {index_text(before.index.value)}</div></div>",
        "<h2>主要指标</h2>",
        _kpi_table(content),
        "<h2>平安指数构成</h2>",
        _index_section(content),
    ]
    if step.children:
        parts += ["<h2 class='break'>下级区域平安指数</h2>", _map_section(content),
                  _ranking_table(content)]  # fmt: skip
    weekly = step.period.days > 62
    parts += [
        "<h2>趋势与构成</h2>",
        charts.trend_png(step.trend, weekly),
        "<div class='row'><div>",
        charts.bars_png(step.categories, {k: v.zh for k, v in CATEGORIES.items()}, "按类别新增"),
        "</div><div>",
        charts.bars_png(step.sources, {k: v.zh for k, v in SOURCES.items()}, "按来源新增"),
        "</div></div>",
        _breakdown_tables(content),
        "<h2>期末超期案件</h2>",
        _overdue_table(content),
        "<h2>指挥中心工作量</h2>",
        _centers_table(content),
        "<p class='note'>"
        + _e(
            "平安指数：各指标按固定锚点折算为0–100分后加权平均（规则文件 "
            "geo/rules/safety_index.toml），跨层级、跨期间可比；"
            f"常住人口少于{rules.min_population}人或案件少于{rules.min_cases}件的指标不评分。"
            "未结束的期间统计至当日0时，与上期同样天数对比。"
        )
        + "</p>",
    ]
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{_e(step.node.name)}平安报表 {_e(step.period.key)}</title>"
        f"<style>{CSS}</style></head><body>{body}</body></html>"
    )


def _kpi_table(content: ReportContent) -> str:
    now, before = content.step.current.counts, content.step.before.counts
    rows = [
        [label, fmt(getattr(now.kpis, attr), kind), fmt(getattr(before.kpis, attr), kind)]
        for attr, label, kind in KPI_ROWS
    ]
    rows.append(["重复诉求", fmt(now.repeats, "count"), fmt(before.repeats, "count")])
    return _table(["指标", "本期", "对比期"], rows, {1, 2})


def _index_section(content: ReportContent) -> str:
    index = content.step.current.index
    indicators = content.rules.indicators
    names = [i.zh for i in indicators]
    contributions = [index.contribution(i.key) for i in indicators]
    rows = [
        [i.zh, indicator_text(i.key, c.value), SPARSE_ZH if not c.rated else f"{c.score:.0f}",
         f"{c.weight:.0%}", f"{c.points:.1f}", f"{c.lost:.1f}"]
        for i, c in zip(indicators, contributions, strict=True)
    ]  # fmt: skip
    chart = charts.contributions_png(
        names, [c.points for c in contributions], [c.lost for c in contributions]
    )
    table = _table(["指标", "数值", "单项得分", "权重", "贡献分", "失分"], rows, {1, 2, 3, 4, 5})
    return f"<div class='row'><div>{table}</div><div>{chart}</div></div>"


def _map_section(content: ReportContent) -> str:
    rows = {r.area.code: r for r in content.step.children}
    fills = {
        code: (r.figures.index.band.color if r.figures.index.band else charts.NO_INDEX)
        for code, r in rows.items()
    }
    labels = {
        code: f"{r.area.name}\n{index_text(r.figures.index.value)}" for code, r in rows.items()
    }
    legend = " ".join(
        f"<span style='display:inline-block;width:10px;height:10px;background:{b.color}'></span>"
        f" {_e(b.zh)} ≥{b.min:.0f}"
        for b in content.rules.bands
    )
    image = charts.map_png(content.children, fills, content.frame, labels)
    return f"{image}<div class='note'>填色：平安指数等级　{legend}</div>"


def _ranking_table(content: ReportContent) -> str:
    rows = []
    for rank, row in enumerate(content.step.ranked(), start=1):
        k = row.figures.counts.kpis
        band = row.figures.index.band
        rows.append(
            [str(rank), row.area.name, index_text(row.figures.index.value),
             band.zh if band else UNRATED_ZH, index_text(row.previous_index), fmt(k.new, "count"),
             fmt(k.open, "count"), fmt(k.overdue, "count"), fmt(k.resolved_rate, "rate"),
             fmt(k.major_new, "count"), fmt(row.figures.counts.repeats, "count")]
        )  # fmt: skip
    headers = ["排名", "区域", "平安指数", "等级", "上期", "新增", "在办", "超期", "化解成功率",
               "重大风险", "重复"]  # fmt: skip
    return _table(headers, rows, {0, 2, 4, 5, 6, 7, 8, 9, 10})


def _breakdown_tables(content: ReportContent) -> str:
    def rows(items: list, name: Callable[[str], str]) -> list[list[str]]:
        return [
            [name(r.key), fmt(r.new, "count"), fmt(r.previous_new, "count"),
             fmt(r.concluded, "count"), fmt(r.resolved_rate, "rate")]
            for r in items
        ]  # fmt: skip

    headers = ["新增", "上期新增", "办结", "化解成功率"]
    left = _table(["类别", *headers], rows(content.step.categories, category_zh), {1, 2, 3, 4})
    right = _table(["来源", *headers], rows(content.step.sources, source_zh), {1, 2, 3, 4})
    return f"<div class='row'><div>{left}</div><div>{right}</div></div>"


def _overdue_table(content: ReportContent) -> str:
    cases = content.overdue
    rows = [
        [str(c.id), format_cst(c.deadline_at), category_zh(c.category), source_zh(c.source),
         "是" if c.is_major_risk else "", STATUS_ZH.get(c.status, c.status), c.center_name or "",
         c.address]
        for c in cases[:OVERDUE_ROWS]
    ]  # fmt: skip
    note = (
        f"<p class='note'>共 {len(cases):,} 件，此处列出超期最久的 {min(len(cases), OVERDUE_ROWS)}"
        " 件；完整清单见 Excel 报表。</p>"
    )
    headers = ["编号", "办理时限", "类别", "来源", "重大风险", "状态", "承办中心", "地址"]
    return _table(headers, rows, {0}) + note


def _centers_table(content: ReportContent) -> str:
    rows = [
        [c.name, CENTER_LEVEL_ZH.get(c.level, c.level), fmt(c.open, "count"),
         fmt(c.overdue, "count"), fmt(c.concluded, "count"), fmt(c.mean_hours, "hours")]
        for c in content.centers[:25]
    ]  # fmt: skip
    return _table(
        ["中心", "层级", "在办", "超期", "本期办结", "平均用时(小时)"], rows, {2, 3, 4, 5}
    )
