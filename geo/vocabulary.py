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


# The words of the tree, the command system, the case loop, the roles and the audit log: the
# one place pages, reports, messages and the command line take them from (issue 15 item 4).
AREA_LEVELS: dict[str, Label] = {
    "city": Label("市", "City"),
    "district": Label("区县", "District"),
    "street": Label("街道(乡镇)", "Street"),
    "community": Label("社区(村)", "Community"),
    "grid": Label("网格", "Grid"),
}
# Short names (tables, sheets) and full titles (legends) of the four center levels.
CENTER_LEVELS: dict[str, Label] = {
    "city_center": Label("市中心", "City center"),
    "sub_center": Label("分中心", "Sub-center"),
    "command_post": Label("指挥所", "Command post"),
    "workstation": Label("工作站", "Workstation"),
}
CENTER_LEVEL_TITLES: dict[str, Label] = {
    "city_center": Label("市社会治理中心", "City center"),
    "sub_center": Label("县区分中心", "District sub-center"),
    "command_post": Label("街道(乡镇)指挥所", "Street command post"),
    "workstation": Label("村(社区)工作站", "Community workstation"),
}
# A case's status (incidents.status), in the order of the loop.
STATUSES: dict[str, Label] = {
    "reported": Label("已上报", "Reported"),
    "assigned": Label("已交办", "Assigned"),
    "in_progress": Label("办理中", "In progress"),
    "resolved": Label("已办结", "Resolved"),
    "closed": Label("已反馈归档", "Closed"),
}
# A case action as a verb (buttons) and as done (messages: "it cannot be transferred").
CASE_ACTIONS: dict[str, Label] = {
    "assign": Label("交办", "Assign"),
    "transfer": Label("转办", "Transfer"),
    "return": Label("退回", "Return"),
    "escalate": Label("上报", "Escalate"),
    "accept": Label("受理", "Accept"),
    "resolve": Label("办结", "Resolve"),
    "close": Label("回访归档", "Close after feedback"),
    "reopen": Label("重新办理", "Reopen"),
    "supervise": Label("督办", "Supervise"),
    "urge": Label("催办", "Urge"),
}
CASE_ACTIONS_DONE: dict[str, str] = {
    "assign": "assigned", "transfer": "transferred", "return": "returned",
    "escalate": "escalated", "accept": "accepted", "resolve": "resolved", "close": "closed",
    "reopen": "reopened", "supervise": "supervised", "urge": "urged",
}  # fmt: skip
# An early warning's status and actions (warnings.status).
WARNING_STATUSES: dict[str, Label] = {
    "new": Label("新预警", "New"),
    "acknowledged": Label("已签收", "Acknowledged"),
    "assigned": Label("已交办", "Assigned"),
    "closed": Label("已关闭", "Closed"),
}
WARNING_ACTIONS: dict[str, Label] = {
    "acknowledge": Label("签收", "Acknowledge"),
    "assign": Label("交办", "Assign"),
    "close": Label("关闭", "Close"),
}
ROLES: dict[str, Label] = {
    "operator": Label("话务/受理员", "Operator"),
    "leader": Label("领导", "Leader"),
    "gis_staff": Label("GIS 人员", "GIS staff"),
    "admin": Label("管理员", "Administrator"),
}
# The audit log's actions (audit_log.action) as people say them.
AUDIT_ACTIONS: dict[str, Label] = {
    "login": Label("登录", "Sign-in"),
    "login_failed": Label("登录失败", "Failed sign-in"),
    "logout": Label("退出登录", "Sign-out"),
    "access_denied": Label("拒绝访问", "Access refused"),
    "user_add": Label("新增用户", "User added"),
    "user_disable": Label("停用用户", "User disabled"),
    "user_enable": Label("启用用户", "User enabled"),
    "user_password": Label("重置密码", "Password reset"),
    "user_role": Label("更改角色", "Role changed"),
    "boundary_upload": Label("上传边界", "Boundary upload"),
    "boundary_publish": Label("发布边界", "Boundaries published"),
    "boundary_rollback": Label("回滚边界", "Boundaries rolled back"),
    "case_action": Label("办理案件", "Case action"),
    "incidents_recategorise": Label("诉求重新归类", "Incidents recategorised"),
    "warning_acknowledge": Label("签收预警", "Warning acknowledged"),
    "warning_assign": Label("交办预警", "Warning assigned"),
    "warning_close": Label("关闭预警", "Warning closed"),
    "report_publish": Label("发布报表", "Report published"),
    "report_remake": Label("重新生成报表", "Report remade"),
}
# Values the audit log's details hold, as people say them (sign-in method, refusal reason).
AUDIT_VALUES: dict[str, Label] = {
    "password": Label("密码", "password"),
    "trusted_header": Label("统一身份认证", "single sign-on"),
    "throttled": Label("尝试过于频繁", "too many attempts"),
    "unknown user": Label("用户不存在", "unknown user"),
    "disabled": Label("账号已停用", "account disabled"),
    "no password": Label("未设密码", "no password"),
    "wrong password": Label("密码错误", "wrong password"),
}
# The keys of the audit log's details.
AUDIT_FIELDS: dict[str, Label] = {
    "method": Label("方式", "method"),
    "reason": Label("原因", "reason"),
    "retry_after": Label("等待秒数", "wait (seconds)"),
    "role": Label("角色", "role"),
    "from": Label("原角色", "role before"),
    "to": Label("新角色", "role after"),
    "area": Label("区域", "area"),
    "area_code": Label("区域", "area"),
    "center": Label("中心", "center"),
    "center_code": Label("中心", "center"),
    "center_from": Label("原中心", "center before"),
    "action": Label("操作", "action"),
    "event_id": Label("事件号", "event"),
    "from_status": Label("原状态", "status before"),
    "to_status": Label("新状态", "status after"),
    "note": Label("说明", "note"),
    "result": Label("结果", "result"),
    "target": Label("目标中心", "target center"),
    "previous_version": Label("上一版本", "previous version"),
    "level": Label("层级", "level"),
    "file": Label("文件", "file"),
    "diff": Label("变化", "changes"),
    "removed": Label("删除区域", "areas removed"),
    "removed_incidents": Label("受影响事件", "incidents affected"),
    "moved": Label("移动", "moved"),
    "report_id": Label("报表号", "report"),
    "version": Label("版本", "version"),
}


# The words of periods offered in selectors (geo.drill.periods) and of durations.
PERIOD_WORDS: dict[str, Label] = {
    "this_month": Label("本月", "This month"),
    "last_month": Label("上月", "Last month"),
    "this_week": Label("本周", "This week"),
    "last_week": Label("上周", "Last week"),
    "last_7": Label("近7天", "Last 7 days"),
    "last_30": Label("近30天", "Last 30 days"),
}
DURATIONS: dict[str, Label] = {
    "hours": Label("小时", "h"),
    "days": Label("天", "d"),
}
# An index that rests on too few reports, and an area with no index at all.
INDEX_MARKS: dict[str, Label] = {
    "sparse": Label("样本不足", "Too few reports"),
    "unrated": Label("未评", "Not rated"),
}


@dataclass(frozen=True)
class Unit:
    """How an indicator's value is shown: its decimals and what it counts per (None: a share
    of cases, shown as a percentage)."""

    decimals: int
    per: Label | None = None

    def rounded(self, value: float) -> float:
        """The value as shown, still a number (a share stays a fraction: 0.125 for 12.5 %)."""
        return round(value, self.decimals + (2 if self.per is None else 0))

    def text(self, value: float, lang: str = "zh") -> str:
        """The value with its decimals and unit: "8.3 件/千人", "12.5%"."""
        if self.per is None:
            return f"{value:.{self.decimals}%}"
        return f"{value:.{self.decimals}f} {self.per.zh if lang == 'zh' else self.per.en}"


# The safety index (geo/rules/safety_index.toml): one precision for the index and one unit and
# precision per indicator, the same on the drill-down, in the safety report (Excel and PDF) and
# on the command line. Rates per residents keep two significant digits at their usual size
# (disputes about 8 per 1,000, major risks about 2 per 100,000, both per 30 days).
INDEX_DECIMALS = 1
INDICATOR_UNITS: dict[str, Unit] = {
    "incident_rate": Unit(1, Label("件/千人", "per 1,000")),
    "major_risk_rate": Unit(2, Label("件/十万人", "per 100,000")),
    "resolved_rate": Unit(1),
    "overdue_rate": Unit(1),
    "repeat_rate": Unit(1),
    "escalation_rate": Unit(1),
}


def indicator_text(key: str, value: float | None, lang: str = "zh") -> str:
    """An indicator's value as everything shows it ("—" when there is none)."""
    return "—" if value is None else INDICATOR_UNITS[key].text(value, lang)


def index_text(value: float | None) -> str:
    """A safety index (0–100) as everything shows it ("—" when there is none)."""
    return "—" if value is None else f"{value:.{INDEX_DECIMALS}f}"


def name(table: dict[str, Label], code: str, lang: str = "zh") -> str:
    """A code's display name from one of the tables above (the code itself when unknown)."""
    found = table.get(code)
    if found is None:
        return code
    return found.zh if lang == "zh" else found.en


def text_table(table: dict[str, Label], prefix: str = "") -> dict[str, dict[str, str]]:
    """A vocabulary table as interface text entries (`{prefix}{code}` → zh/en)."""
    return {f"{prefix}{code}": {"zh": label.zh, "en": label.en} for code, label in table.items()}
