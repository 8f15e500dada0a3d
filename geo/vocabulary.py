"""The canonical incident vocabulary: sources, categories, subcategories, labels and deadlines.

Codes are English snake_case and are what the database stores; the Chinese (zh) and English
(en) labels are for display. The source codes match the `incident_sources` table of
`001_schema.sql`. Deadlines are the default time allowed to handle a case of a category
(限时办理), counted from the report; urgent cases (severity 3 and 4) get `urgent_hours`.

The five governance categories hold the common kinds of the 12345 hotline's and the 110
police's own taxonomies as subcategories (the names those exports use are mapped to them in
`geo/rules/intake_sources.toml`). A report whose label maps to none of them is kept in the
catch-all `other` (其他) with the source's own label (`incidents.source_category`), never
dropped; `minqing incidents recategorise` moves such cases once a mapping for the label exists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    """A code's Chinese and English display names."""

    zh: str
    en: str


@dataclass(frozen=True)
class Category:
    """An incident category with its subcategories and default deadlines."""

    zh: str
    en: str
    deadline_days: int
    urgent_hours: int
    subcategories: dict[str, Label]


SOURCES: dict[str, Label] = {
    "hotline_12345": Label("12345热线", "12345 hotline"),
    "grid_patrol": Label("网格员巡查", "Grid worker patrol"),
    "police_110": Label("110警情", "110 police call"),
    "mini_program": Label("小程序随手拍", "Mini-program report"),
    "online_message": Label("网络留言", "Online message"),
    "letters_visits": Label("信访", "Letters and visits"),
    "petition": Label("来信来访", "Petition"),
    "court_case": Label("法院民商事案件", "Court civil/commercial case"),
}

CATEGORIES: dict[str, Category] = {
    "dispute": Category(
        "矛盾纠纷",
        "Dispute",
        deadline_days=15,
        urgent_hours=72,
        subcategories={
            "neighbour": Label("邻里纠纷", "Neighbour dispute"),
            "family": Label("家庭纠纷", "Family dispute"),
            "loan": Label("借贷纠纷", "Loan dispute"),
            "wage_arrears": Label("劳资欠薪", "Wage arrears"),
            "property_management": Label("房产物业", "Property management"),
            "demolition_resettlement": Label("拆迁安置", "Demolition and resettlement"),
            "overdue_delivery": Label("逾期交房", "Overdue housing delivery"),
            "land": Label("土地山林", "Land and forest rights"),
            "civil": Label("民事纠纷", "Civil dispute"),
        },
    ),
    "safety_hazard": Category(
        "安全隐患",
        "Safety hazard",
        deadline_days=3,
        urgent_hours=12,
        subcategories={
            "fire": Label("消防隐患", "Fire hazard"),
            "gas": Label("燃气安全", "Gas safety"),
            "building": Label("房屋安全", "Building safety"),
            "ebike_charging": Label("电动车违规充电", "E-bike charging"),
            "road_traffic": Label("道路交通", "Road traffic"),
            "production": Label("安全生产", "Workplace safety"),
            "geological": Label("地质灾害", "Geological hazard"),
            "accident": Label("灾害事故", "Disaster or accident"),
        },
    ),
    "livelihood": Category(
        "民生诉求",
        "Livelihood request",
        deadline_days=5,
        urgent_hours=24,
        subcategories={
            "heating": Label("供暖", "Heating"),
            "water_power": Label("水电气", "Water, power and gas supply"),
            "sanitation": Label("环境卫生", "Sanitation"),
            "noise": Label("噪声扰民", "Noise"),
            "municipal": Label("市政设施", "Municipal facilities"),
            "social_security": Label("社保医保", "Social and medical insurance"),
            "education": Label("教育入学", "School enrolment"),
            "elderly_care": Label("养老服务", "Elderly care"),
            "transport": Label("交通出行", "Transport and parking"),
            "housing": Label("住房保障", "Housing"),
            "urban_management": Label("城市管理", "City management"),
            "environment": Label("环境保护", "Environmental pollution"),
            "market": Label("市场监管", "Market regulation and consumer rights"),
            "health": Label("医疗卫生", "Health care"),
            "civil_affairs": Label("民政服务", "Civil affairs and social assistance"),
            "rural": Label("农业农村", "Agriculture and rural affairs"),
            "government_services": Label("政务服务", "Government services"),
            "help": Label("群众求助", "Request for help"),
        },
    ),
    "public_order": Category(
        "治安",
        "Public order",
        deadline_days=3,
        urgent_hours=6,
        subcategories={
            "theft": Label("盗窃", "Theft"),
            "fight": Label("打架斗殴", "Fight"),
            "nuisance": Label("寻衅滋事", "Nuisance and provocation"),
            "gambling_drugs": Label("黄赌毒", "Gambling, drugs and prostitution"),
            "criminal": Label("刑事案件", "Criminal case"),
        },
    ),
    "fraud": Category(
        "电诈",
        "Telecom and online fraud",
        deadline_days=10,
        urgent_hours=24,
        subcategories={
            "impersonation": Label("冒充公检法", "Impersonating officials"),
            "investment": Label("投资理财诈骗", "Investment scam"),
            "task_scam": Label("刷单返利诈骗", "Click-farming scam"),
            "loan_scam": Label("网贷诈骗", "Online loan scam"),
        },
    ),
    # the catch-all: a source's label that no mapping names yet; the label is kept on the case
    "other": Category("其他", "Other", deadline_days=5, urgent_hours=24, subcategories={}),
}
OTHER = "other"


def category_label(category: str, lang: str = "zh") -> str:
    """The display name of a category code (the code itself when unknown)."""
    found = CATEGORIES.get(category)
    if found is None:
        return category
    return found.zh if lang == "zh" else found.en


def subcategory_label(category: str, subcategory: str, lang: str = "zh") -> str:
    """The display name of a subcategory code (the code itself when unknown)."""
    found = CATEGORIES.get(category)
    label = found.subcategories.get(subcategory) if found else None
    if label is None:
        return subcategory
    return label.zh if lang == "zh" else label.en


def source_label(label: str, sublabel: str = "") -> str:
    """A source's own category labels as one text: 交通出行 / 道路拥堵 (（无类别） when empty)."""
    return " / ".join(x for x in (label, sublabel) if x) or "（无类别）"
