"""The rules files as rows of name / value / meaning in both languages, for the settings page.

Each value of a rules file is one row, named by its path (`escalation.after_hours`,
`indicator[2].weight`); its meaning comes from the key (`after_hours`), else from its section
(`model`, `category_names`), so every row says what it is in the interface's language.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from geo.vocabulary import Label

FILES: dict[str, Label] = {
    "deadlines.toml": Label(
        "各类别案件的办理时限（天），紧急案件（严重程度≥3）的时限（小时），有法定期限的来源的最短天数。",
        "The time allowed per category (days), for urgent cases (severity 3 and up, hours), "
        "and the least number of days for sources with statutory terms.",
    ),
    "forecast.toml": Label(
        "每周按网格和类别预测诉求量（预判）：预测几周、用多少周训练、区间、回测和模型参数。",
        "The weekly forecast of reports per grid and category: weeks ahead, training weeks, "
        "interval, backtest and model parameters.",
    ),
    "grid_status.toml": Label(
        "网格三色（红、黄、绿）的判定规则：满足条件时网格显示为该颜色，并给出原因。",
        "The grid colour status rules (red, yellow, green): a grid meeting a rule's "
        "conditions shows its colour, with the reason.",
    ),
    "intake_sources.toml": Label(
        "各来源导出文件的接入：来源名称、类别名称、紧急程度名称如何对应到本系统，以及各字段所在的列。",
        "How each source's exports are read: which names stand for which source, category "
        "and severity here, and which columns hold each field.",
    ),
    "publishing.toml": Label(
        "平安报表的定期发布：哪些周期、哪些区域，周期结束后多久发布。",
        "The scheduled publishing of the safety reports: which periods and areas, and how "
        "long after a period closes.",
    ),
    "safety_index.toml": Label(
        "平安指数：各指标的权重与好坏界值、计算天数、最少人口与案件数、等级划分。",
        "The safety index: each indicator's weight and good/bad bounds, the days counted, the "
        "least residents and cases, the bands.",
    ),
    "scorecard.toml": Label(
        "一体考评：各中心与网格的指标、权重与好坏界值、满意度分值、等级划分。",
        "The scorecards of centers and grids: indicators, weights and bounds, satisfaction "
        "scores, grades.",
    ),
    "warnings.toml": Label(
        "早期预警的规则：网格激增、类别聚集、同一地址重复、重大风险上升，各自的阈值与说明文字。",
        "The early warning rules: grid surge, category cluster, repeat address, major-risk "
        "rise, each with its thresholds and wording.",
    ),
    "workflow.toml": Label(
        "案件自动升级：超期多少小时后升级到上一级中心，每次最多处理多少件。",
        "Automatic escalation: how many hours overdue before a case goes to the center above, "
        "and how many cases per run.",
    ),
}

# A section's meaning: for values whose key alone says little (model parameters, name maps).
SECTIONS: dict[str, Label] = {
    "categories": Label("该类别的办理时限", "the time allowed for this category"),
    "sources": Label("该来源的设置", "this source's settings"),
    "model": Label(
        "预测模型（LightGBM）的训练参数", "a training parameter of the forecast model (LightGBM)"
    ),
    "backtest": Label("回测设置", "a backtest setting"),
    "rising": Label("上升最快网格的列表设置", "a setting of the fastest-rising grids list"),
    "rule": Label("一条网格三色规则", "one grid colour rule"),
    "when": Label("规则的条件：达到此数即满足", "the rule's condition: met at this number"),
    "schedule": Label("一项发布计划", "one publishing schedule"),
    "indicator": Label("一项指标", "one indicator"),
    "band": Label("一个等级", "one band"),
    "satisfaction": Label("回访评价对应的得分", "the score of a follow-up answer"),
    "grid_surge": Label("预警：网格诉求激增", "warning: a grid's reports surge"),
    "category_cluster": Label("预警：同类诉求空间聚集", "warning: reports of a category cluster"),
    "repeat_address": Label(
        "预警：同一地址反复报事", "warning: one address reports again and again"
    ),
    "major_risk_rise": Label("预警：重大风险上升", "warning: major risks rise"),
    "escalation": Label("自动升级", "automatic escalation"),
    "category_names": Label(
        "来源的类别名称 → 本系统类别/小类", "a source's category name → category/subcategory here"
    ),
    "severity_names": Label(
        "来源的紧急程度名称 → 严重程度（1–4）", "a source's severity name → severity (1–4)"
    ),
    "source_names": Label(
        "导出文件中的来源名称 → 本系统来源", "a source name in exports → source here"
    ),
    "columns": Label(
        "该字段所在的列（取文件中第一个存在的）",
        "the column(s) holding this field (the first present)",
    ),
    "linking": Label(
        "同一事件多来源报告的关联", "linking reports of one event from several sources"
    ),
}

KEYS: dict[str, Label] = {
    "version": Label(
        "规则版本号（修改规则时加一）", "rules version (raise it when the rules change)"
    ),
    "enabled": Label("是否启用", "whether it is on"),
    "zh": Label("中文名称或说明文字", "Chinese name or wording"),
    "en": Label("英文名称或说明文字", "English name or wording"),
    "key": Label("代码", "code"),
    "id": Label("代码", "code"),
    "color": Label("颜色", "colour"),
    "weight": Label("权重", "weight"),
    "good": Label("达到此值为满分", "full score at this value"),
    "bad": Label("达到此值为零分", "zero score at this value"),
    "min": Label("进入该等级的最低分", "least score of the band"),
    "days": Label("天数", "days"),
    "categories.days": Label("该类别的办理时限（天）", "days allowed for a case of this category"),
    "hours": Label("小时数", "hours"),
    "urgent_hours": Label("紧急案件的时限（小时）", "time allowed for an urgent case (hours)"),
    "urgent_severity": Label("严重程度达到此级即为紧急", "severity from which a case is urgent"),
    "after_hours": Label("在此小时数之后执行", "hours before it happens"),
    "limit_per_tick": Label("每次最多处理的案件数", "most cases per run"),
    "reopen_after_hours": Label(
        "关闭的预警在此小时数后可再次触发", "hours before a closed warning may fire again"
    ),
    "recent_days": Label("近期天数", "recent days"),
    "baseline_days": Label("基线天数", "baseline days"),
    "z": Label("显著性阈值（标准差倍数）", "significance threshold (standard deviations)"),
    "min_count": Label("最少件数", "least number of reports"),
    "min_ratio": Label("最小倍数（相对基线）", "least ratio to the baseline"),
    "min_expected": Label("基线预期的最小值", "least expected count"),
    "radius_m": Label("半径（米）", "radius (metres)"),
    "min_points": Label("最少件数", "least number of reports"),
    "min_addresses": Label("最少不同地址数", "least number of addresses"),
    "srid": Label("计算距离所用的投影坐标系", "projected coordinate system for distances"),
    "min_reports": Label("最少报事次数", "least number of reports"),
    "rate_days": Label("计算比率的天数", "days counted for rates"),
    "min_population": Label(
        "最少常住人口（更少则不计算指数）", "least residents (fewer: no index)"
    ),
    "min_cases": Label("最少案件数（更少则标为样本不足）", "least cases (fewer: marked too few)"),
    "min_follow_ups": Label("最少回访数", "least follow-ups"),
    "accept_within_hours": Label("按时受理的时限（小时）", "hours to accept a case on time"),
    "catch_up": Label("暂停后最多补发的周期数", "most missed periods made after a pause"),
    "period": Label("周期（月、周）", "period (month, week)"),
    "areas": Label("发布的区域", "areas published"),
    "horizons": Label("预测未来几周", "weeks forecast ahead"),
    "train_origins": Label("训练所用的周数", "weeks used for training"),
    "calibration_origins": Label("校准区间所用的周数", "weeks used to calibrate the interval"),
    "low": Label("区间下限分位数", "interval's lower quantile"),
    "high": Label("区间上限分位数", "interval's upper quantile"),
    "weeks": Label("周数", "weeks"),
    "refit_every_weeks": Label("每隔几周重新训练", "refit every so many weeks"),
    "flag_shares": Label("标记的网格比例", "shares of grids flagged"),
    "grids": Label("列出的网格数", "grids listed"),
    "min_rise": Label("最小上升倍数", "least rise (ratio)"),
    "categories": Label("计入的类别", "categories counted"),
    "coords": Label("坐标系（wgs84 或 gcj02）", "coordinate datum (wgs84 or gcj02)"),
    "distance_m": Label("关联距离（米）", "linking distance (metres)"),
}


@dataclass(frozen=True)
class RuleRow:
    """One value of a rules file: its path, its value as text, and what it means."""

    name: str
    value: str
    meaning: Label | None


def meaning_of(path: tuple[str, ...]) -> Label | None:
    """What a value at this path means: by its key, else by its nearest named section."""
    words = [part.split("[")[0] for part in path]
    if words and f"{words[0]}.{words[-1]}" in KEYS:
        return KEYS[f"{words[0]}.{words[-1]}"]
    if words and words[-1] in KEYS and not (len(words) > 1 and words[-2] in _MAPS):
        return KEYS[words[-1]]
    for part in reversed(words[:-1]):
        if part in SECTIONS:
            return SECTIONS[part]
    return None


# Sections whose keys are names (of a source's categories, a source's fields), not settings.
_MAPS = frozenset({"category_names", "severity_names", "source_names", "columns", "when"})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _rows(path: tuple[str, ...], value: Any) -> list[RuleRow]:
    if isinstance(value, dict):
        return [row for key, inner in value.items() for row in _rows((*path, key), inner)]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        head, last = path[:-1], path[-1]
        return [
            row for i, inner in enumerate(value, 1) for row in _rows((*head, f"{last}[{i}]"), inner)
        ]
    return [RuleRow(".".join(path), _text(value), meaning_of(path))]


def rule_rows(text: str) -> list[RuleRow]:
    """Every value of a rules file's text, in file order."""
    return _rows((), tomllib.loads(text))


def rules_files() -> dict[str, str]:
    """The packaged rules files by name, with their text."""
    files = resources.files("geo.rules").iterdir()
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(files, key=lambda entry: entry.name)
        if entry.name.endswith(".toml")
    }
