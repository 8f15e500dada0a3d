"""The safety report as an Excel workbook (openpyxl): figures as numbers, one sheet per table.

Every cell is written through `geo.cells.set_cell`: names, addresses and residents' texts are
text that no spreadsheet evaluates, whatever they begin with.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from geo.assess.sheet import scorecard_sheet
from geo.cells import set_cell
from geo.reports.content import ReportContent
from geo.reports.labels import (
    CENTER_LEVEL_ZH,
    KPI_ROWS,
    LEVEL_ZH,
    STATUS_ZH,
    category_zh,
    source_zh,
)
from geo.sheets import table
from geo.timeutil import format_cst

TITLE_FONT = Font(bold=True, size=14)
SHEETS = ("概览", "下级排名", "类别", "来源", "趋势", "超期案件", "指挥中心", "指数规则", "考评")


def workbook_bytes(content: ReportContent) -> bytes:
    """The workbook of gathered report content."""
    book = Workbook()
    _overview(book.active, content)
    _ranking(book.create_sheet(SHEETS[1]), content)
    _breakdown(book.create_sheet(SHEETS[2]), content.step.categories, "类别", category_zh)
    _breakdown(book.create_sheet(SHEETS[3]), content.step.sources, "来源", source_zh)
    _trend(book.create_sheet(SHEETS[4]), content)
    _overdue(book.create_sheet(SHEETS[5]), content)
    _centers(book.create_sheet(SHEETS[6]), content)
    _rules(book.create_sheet(SHEETS[7]), content)
    _scorecards(book.create_sheet(SHEETS[8]), content)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _overview(sheet: Worksheet, content: ReportContent) -> None:
    step = content.step
    sheet.title = SHEETS[0]
    set_cell(sheet["A1"], f"{step.node.name}平安报表 · {step.period.key}").font = TITLE_FONT
    set_cell(
        sheet["A2"],
        f"{LEVEL_ZH.get(step.node.level, step.node.level)} {step.node.code} · "
        f"统计期间 {format_cst(step.period.start)} 至 {format_cst(step.period.end)} · "
        f"对比 {format_cst(step.previous.start)} 至 {format_cst(step.previous.end)}",
    )
    now, before = step.current, step.before
    rows: list[list] = [
        ["平安指数", _round(now.index.value), _round(before.index.value),
         now.index.band.zh if now.index.band else "未评"],
    ]  # fmt: skip
    for attr, label, _kind in KPI_ROWS:
        a, b = getattr(now.counts.kpis, attr), getattr(before.counts.kpis, attr)
        rows.append([label, _round(a, 4), _round(b, 4), None])
    rows.append(["重复诉求", now.counts.repeats, before.counts.repeats, None])
    rows.append(["常住人口", step.node.population, step.node.population, None])
    table(sheet, 4, ["指标", "本期", "对比期", "说明"], rows)
    top = 6 + len(rows)
    contributions = []
    for indicator in content.rules.indicators:
        c = now.index.contribution(indicator.key)
        contributions.append(
            [indicator.zh, _round(c.value, 4), _round(c.score), _round(c.weight, 4),
             _round(c.points), _round(c.lost)]
        )  # fmt: skip
    set_cell(sheet.cell(row=top - 1, column=1), "平安指数构成").font = Font(bold=True)
    table(sheet, top, ["指标", "数值", "单项得分", "权重", "贡献分", "失分"], contributions)
    sheet.freeze_panes = None


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _ranking(sheet: Worksheet, content: ReportContent) -> None:
    rows = []
    for rank, row in enumerate(content.step.ranked(), start=1):
        k = row.figures.counts.kpis
        rows.append(
            [rank, row.area.name, row.area.code, _round(row.figures.index.value),
             row.figures.index.band.zh if row.figures.index.band else "未评",
             _round(row.previous_index), k.new, k.open, k.overdue, k.concluded,
             _round(k.resolved_rate, 4), k.major_new, row.figures.counts.repeats,
             row.area.population]
        )  # fmt: skip
    headers = ["排名", "区域", "编码", "平安指数", "等级", "上期指数", "新增",
               "期末在办", "期末超期", "办结", "化解成功率", "新增重大风险", "重复诉求",
               "常住人口"]  # fmt: skip
    table(sheet, 1, headers, rows)


def _breakdown(sheet: Worksheet, rows_in: Sequence, title: str, name: Callable[[str], str]) -> None:
    rows = [
        [name(r.key), r.new, r.previous_new, r.concluded, r.resolved, _round(r.resolved_rate, 4)]
        for r in rows_in
    ]
    table(sheet, 1, [title, "新增", "上期新增", "办结", "化解成功", "化解成功率"], rows)


def _trend(sheet: Worksheet, content: ReportContent) -> None:
    rows = [[p.day, p.new, p.concluded, p.major_new] for p in content.step.trend]
    table(sheet, 1, ["日期", "新增", "办结", "新增重大风险"], rows)
    for cell in sheet["A"][1:]:
        cell.number_format = "yyyy-mm-dd"


def _overdue(sheet: Worksheet, content: ReportContent) -> None:
    rows = [
        [c.id, format_cst(c.reported_at), format_cst(c.deadline_at), category_zh(c.category),
         source_zh(c.source), "是" if c.is_major_risk else "", STATUS_ZH.get(c.status, c.status),
         c.center_name or "", c.escalations, c.grid_code, c.address, c.description]
        for c in content.overdue
    ]  # fmt: skip
    headers = ["编号", "上报时间", "办理时限", "类别", "来源", "重大风险", "状态", "承办中心",
               "升级次数", "网格", "地址", "内容"]  # fmt: skip
    table(sheet, 1, headers, rows)


def _centers(sheet: Worksheet, content: ReportContent) -> None:
    rows = [
        [c.name, CENTER_LEVEL_ZH.get(c.level, c.level), c.open, c.overdue, c.concluded,
         _round(c.mean_hours)]
        for c in content.centers
    ]  # fmt: skip
    table(sheet, 1, ["中心", "层级", "在办", "超期", "本期办结", "平均用时(小时)"], rows)


def _scorecards(sheet: Worksheet, content: ReportContent) -> None:
    step, listed = content.step, content.scorecards
    title = f"{step.node.name}一体考评 · {step.period.key}"
    scorecard_sheet(sheet, listed.cards, listed.rules, title)


def _rules(sheet: Worksheet, content: ReportContent) -> None:
    rules = content.rules
    rows = [[i.zh, i.key, i.weight, i.good, i.bad] for i in rules.indicators]
    table(sheet, 1, ["指标", "代码", "权重", "满分锚点(100分)", "零分锚点(0分)"], rows)
    notes = [
        "单项得分 = 100 × (零分锚点 − 数值) / (零分锚点 − 满分锚点)，截断在0–100之间。",
        "平安指数 = Σ 权重 × 单项得分 / Σ 权重（仅计样本充足的指标）。",
        f"每居民指标按每{rules.rate_days:.0f}天折算；常住人口少于{rules.min_population}人"
        f"或案件少于{rules.min_cases}件的指标不评分，其权重分给其他指标。",
        "等级：" + "；".join(f"{b.zh} ≥ {b.min:.0f}" for b in rules.bands),
    ]
    for offset, note in enumerate(notes, start=len(rows) + 3):
        set_cell(sheet.cell(row=offset, column=1), note)
