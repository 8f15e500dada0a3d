"""Interface text in Simplified Chinese (default) and English, and the language switch."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

LANGUAGES = {"zh": "中文", "en": "English"}

TEXT: dict[str, dict[str, str]] = {
    "app_title": {"zh": "民情地图", "en": "Minqing Map"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "page_overview": {"zh": "全市概览", "en": "City overview"},
    "overview_caption": {
        "zh": "兰州市 · 区县与街道边界 · 数据来自 PostGIS",
        "en": "Lanzhou · district and street boundaries · data from PostGIS",
    },
    "kpi_residents": {"zh": "常住人口", "en": "Residents"},
    "kpi_grids": {"zh": "网格数", "en": "Grids"},
    "kpi_recent": {"zh": "近30天诉求", "en": "Requests, last 30 days"},
    "kpi_open": {"zh": "在办", "en": "Open"},
    "kpi_overdue": {"zh": "超期", "en": "Overdue"},
    "col_district": {"zh": "区县", "en": "District"},
    "col_streets": {"zh": "街道(乡镇)", "en": "Streets"},
    "col_grids": {"zh": "网格", "en": "Grids"},
    "col_recent": {"zh": "近30天诉求", "en": "Last 30 days"},
    "col_rate": {"zh": "每千人诉求", "en": "Per 1,000 residents"},
    "col_open": {"zh": "在办", "en": "Open"},
    "col_overdue": {"zh": "超期", "en": "Overdue"},
    "col_population": {"zh": "常住人口", "en": "Residents"},
    "legend_rate": {
        "zh": "填色：近30天每千人诉求量（分位数分级）",
        "en": "Fill: requests per 1,000 residents, last 30 days (quantile classes)",
    },
    "overview_click": {
        "zh": "点击区县：打开该区县的逐级下钻（近30天）",
        "en": "Click a district to open its drill-down (last 30 days)",
    },
    "tooltip_recent": {"zh": "近30天诉求", "en": "Last 30 days"},
    "tooltip_open": {"zh": "在办", "en": "Open"},
    "no_data": {
        "zh": "系统中还没有行政区划边界，地图暂时无法显示。请联系系统管理员导入边界。",
        "en": "There are no boundaries yet, so no map can be drawn. Ask your administrator to "
        "load them.",
    },
    "db_error": {"zh": "无法读取数据库", "en": "Cannot read the database"},
    "bad_area_param": {
        "zh": "链接中的区域编码“{value}”不存在，已从地址中去掉，显示默认区域。",
        "en": "The link's area code “{value}” names no area: it is taken out of the address "
        "and the default area is shown.",
    },
    "bad_period_param": {
        "zh": "链接中的期间“{value}”无法识别，已从地址中去掉，显示默认期间。",
        "en": "The link's period “{value}” cannot be read: it is taken out of the address and "
        "the default period is shown.",
    },
    "db_in_use": {"zh": "数据库", "en": "Database"},
    "deferred_pending": {
        "zh": "数据尚未整理完毕：上次载入数据时被中断，还有 {n} 项索引或汇总待完成，"
        "在此之前各页的统计数字不完整。请联系系统管理员完成数据库迁移。",
        "en": "The data is not finished: the last load was interrupted and {n} index or rollup "
        "steps are pending, so the figures on every page are incomplete until then. Ask "
        "your administrator to finish the database migration.",
    },
}


def lang() -> str:
    """The language chosen in this session ('zh' unless switched)."""
    return st.session_state.get("lang", "zh")


def t(key: str, table: dict[str, dict[str, str]] | None = None) -> str:
    """The text for `key` in the session's language, from a page's table or the common one."""
    entry = (table or {}).get(key) or TEXT[key]
    return entry[lang()]


def translator(table: dict[str, dict[str, str]]) -> Callable[[str], str]:
    """A `t` for one page: looks in the page's own table first, then the common one."""
    return lambda key: t(key, table)
