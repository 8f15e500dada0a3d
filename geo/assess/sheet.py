"""Scorecards in Excel: the 考评 sheet of the safety report, and `minqing assess`'s workbook."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from geo.assess.measure import LEVELS
from geo.assess.rules import ANSWER_ZH, ScorecardRules
from geo.assess.score import NO_CASES, Scorecard
from geo.assess.view import word
from geo.sheets import table

LEVEL_ZH = {level: word(level, "zh") for level in LEVELS}
_COUNTS = [
    ("received", "受理案件"),
    ("finished", "办结"),
    ("open_end", "期末在办"),
    ("overdue_end", "期末超期"),
    ("returned", "退回"),
    ("reopened", "重新办理"),
    ("supervised", "督办"),
    ("escalated", "上报"),
    ("follow_ups", "回访"),
    ("satisfied", "满意"),
    ("basically_satisfied", "基本满意"),
    ("dissatisfied", "不满意"),
    ("unreachable", "未联系上"),
]


def scorecardtable(cards: list[Scorecard], rules: ScorecardRules) -> tuple[list[str], list[list]]:
    """Headers and rows: one row per card, its counts, then each indicator's value and points."""
    headers = ["层级", "排名", "同级数", "名称", "编码", "综合得分", "等级"]
    headers += [label for _, label in _COUNTS]
    for indicator in rules.indicators:
        headers += [indicator.zh, f"{indicator.zh}得分", f"{indicator.zh}贡献分"]
    rows = []
    for card in cards:
        s = card.subject
        grade = card.band.zh if card.band else word(card.unscored or NO_CASES, "zh")
        row = [LEVEL_ZH.get(s.level, s.level), card.rank, card.peers or None, s.name, s.code,
               _round(card.score), grade]  # fmt: skip
        row += [getattr(card.counts, name) for name, _ in _COUNTS]
        for indicator in rules.indicators:
            c = card.contribution(indicator.key)
            row += [_round(c.value, 4), _round(c.score), _round(c.points) if c.rated else None]
        rows.append(row)
    return headers, rows


def scorecard_sheet(
    sheet: Worksheet, cards: list[Scorecard], rules: ScorecardRules, title: str
) -> None:
    """A sheet of scorecards under a title line, ordered by level and rank."""
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = (
        f"一体考评规则 {rules.version}：排名为同一层级内按综合得分由高到低；"
        "未评分（无案件或样本不足）的不参与排名。各指标得分与贡献分见右侧各列。"
    )
    ordered = sorted(cards, key=lambda c: (LEVELS.index(c.subject.level), c.rank or 10**9))
    headers, rows = scorecardtable(ordered, rules)
    table(sheet, 4, headers, rows)


def assessment_workbook(cards: list[Scorecard], rules: ScorecardRules, title: str) -> bytes:
    """`minqing assess`'s workbook: one sheet per level present, and the rules."""
    book = Workbook()
    first = True
    for level in LEVELS:
        chosen = [c for c in cards if c.subject.level == level]
        if not chosen:
            continue
        sheet = book.active if first else book.create_sheet()
        sheet.title = LEVEL_ZH[level]
        scorecard_sheet(sheet, chosen, rules, f"{title} · {LEVEL_ZH[level]}")
        first = False
    rules_sheet = book.active if first else book.create_sheet()
    rules_sheet.title = "考评规则"
    _rules(rules_sheet, rules)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rules(sheet: Worksheet, rules: ScorecardRules) -> None:
    rows = [[i.zh, i.key, i.weight, i.good, i.bad] for i in rules.indicators]
    table(sheet, 1, ["指标", "代码", "权重", "满分锚点(100分)", "零分锚点(0分)"], rows)
    notes = [
        f"规则版本 {rules.version}",
        f"按时受理：收到案件后 {rules.accept_within_hours:g} 小时内受理。",
        "满意度 = Σ 回访评价分值 / 联系上的回访数（"
        + "，".join(f"{ANSWER_ZH[k]} {v:g}" for k, v in rules.answer_values.items())
        + "；未联系上不计入）。",
        f"指标基数少于 {rules.min_cases} 件（满意度：回访少于 {rules.min_follow_ups} 次）"
        "时不评分，其权重分给其他指标。",
        "等级：" + "；".join(f"{b.zh} ≥ {b.min:.0f}" for b in rules.bands),
    ]
    for offset, note in enumerate(notes, start=len(rows) + 3):
        sheet.cell(row=offset, column=1, value=note)


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)
