"""Chinese labels and number formats shared by the workbook and the PDF."""

from __future__ import annotations

from geo.vocabulary import SOURCES, category_label

LEVEL_ZH = {"city": "市", "district": "区县", "street": "街道(乡镇)", "community": "社区(村)",
            "grid": "网格"}  # fmt: skip
CENTER_LEVEL_ZH = {"city_center": "市中心", "sub_center": "分中心", "command_post": "指挥所",
                   "workstation": "工作站"}  # fmt: skip
STATUS_ZH = {"reported": "已上报", "assigned": "已交办", "in_progress": "办理中",
             "resolved": "已办结", "closed": "已反馈归档"}  # fmt: skip

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
    if kind == "index":
        return f"{value:.1f}"
    return f"{value:,.0f}"


def indicator_text(key: str, value: float | None) -> str:
    """An indicator's value: a rate per residents, or a share of cases."""
    if value is None:
        return "—"
    return f"{value:.2f}" if key in ("incident_rate", "major_risk_rate") else f"{value:.1%}"
