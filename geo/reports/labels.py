"""Chinese labels and number formats shared by the workbook and the PDF (the index and the
indicators: `geo.vocabulary.index_text`, `indicator_text`)."""

from __future__ import annotations

from geo.vocabulary import (
    AREA_LEVELS,
    CENTER_LEVELS,
    INDEX_MARKS,
    SOURCES,
    STATUSES,
    category_label,
)

LEVEL_ZH = {code: label.zh for code, label in AREA_LEVELS.items()}
CENTER_LEVEL_ZH = {code: label.zh for code, label in CENTER_LEVELS.items()}
STATUS_ZH = {code: label.zh for code, label in STATUSES.items()}
SPARSE_ZH, UNRATED_ZH = INDEX_MARKS["sparse"].zh, INDEX_MARKS["unrated"].zh

# Key figures in report order: attribute of Kpis, Chinese label, kind of number.
KPI_ROWS = [
    ("new", "新增诉求", "count"),
    ("open", "期末在办", "count"),
    ("overdue", "期末超期", "count"),
    ("concluded", "办结", "count"),
    ("resolved", "化解成功", "count"),
    ("resolved_rate", "化解成功率", "rate"),
    ("concluded_late", "超时办结", "count"),
    ("mean_handling_hours", "平均办理时长(小时)", "hours"),
    ("p90_handling_hours", "P90办理时长(小时)", "hours"),
    ("escalated", "上报升级", "count"),
    ("major_new", "新增重大风险", "count"),
    ("major_open", "在办重大风险", "count"),
]


def source_zh(code: str) -> str:
    """The Chinese name of a source code."""
    label = SOURCES.get(code)
    return label.zh if label else code


def category_zh(code: str) -> str:
    """The Chinese name of a category code."""
    return category_label(code, "zh")


def fmt(value: float | None, kind: str) -> str:
    """A figure as the report prints it."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value:.1%}"
    if kind == "hours":
        return f"{value:.1f}"
    return f"{value:,.0f}"
