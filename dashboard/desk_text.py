"""Interface text of the case desk (zh default, en switchable)."""

from __future__ import annotations

from geo.vocabulary import CENTER_LEVELS, text_table
from geo.workflow.messages import ACTION_NAMES, STATUS_NAMES

TABLE: dict[str, dict[str, str]] = {
    "page_desk": {"zh": "案件工作台", "en": "Case desk"},
    "caption": {
        "zh": "本中心在办案件：超期与重大风险优先，再按办理时限；打开案件查看位置、记录并办理",
        "en": "Open cases of this center: overdue and major risks first, then by deadline",
    },
    "center": {"zh": "本中心", "en": "My center"},
    "queue": {"zh": "队列", "en": "Queue"},
    "own": {"zh": "本中心承办", "en": "Held by my center"},
    "below": {"zh": "下级中心承办（督办、催办）", "en": "Held by centers below (supervise, urge)"},
    "filter_status": {"zh": "状态", "en": "Status"},
    "filter_category": {"zh": "类别", "en": "Category"},
    "all": {"zh": "全部", "en": "All"},
    "filter_overdue": {"zh": "只看超期", "en": "Overdue only"},
    "filter_text": {"zh": "搜索描述或地址", "en": "Search description or address"},
    "page_no": {"zh": "页码", "en": "Page"},
    "of_pages": {"zh": "共 {n} 页", "en": "of {n}"},
    "kpi_open": {"zh": "在办", "en": "Open"},
    "kpi_overdue": {"zh": "超期", "en": "Overdue"},
    "kpi_major": {"zh": "重大风险", "en": "Major risks"},
    "queue_empty": {"zh": "没有符合条件的在办案件", "en": "No open case matches"},
    "col_id": {"zh": "编号", "en": "No."},
    "col_countdown": {"zh": "剩余/超期", "en": "Time left"},
    "col_source": {"zh": "来源", "en": "Source"},
    "col_category": {"zh": "类别", "en": "Category"},
    "col_address": {"zh": "地址", "en": "Address"},
    "col_status": {"zh": "状态", "en": "Status"},
    "col_major": {"zh": "重大风险", "en": "Major risk"},
    "col_deadline": {"zh": "办理时限", "en": "Deadline"},
    "open_case": {"zh": "打开案件", "en": "Open a case"},
    "choose_case": {"zh": "选择案件…", "en": "Choose a case…"},
    "case_title": {"zh": "案件", "en": "Case"},
    "left": {"zh": "剩余 {d}天{h}小时{m}分", "en": "{d} d {h} h {m} min left"},
    "overdue_by": {"zh": "超期 {d}天{h}小时{m}分", "en": "overdue by {d} d {h} h {m} min"},
    "reported_at": {"zh": "上报时间", "en": "Reported"},
    "holder": {"zh": "承办中心", "en": "Held by"},
    "unrouted": {"zh": "未分派（市中心）", "en": "Not routed (city center)"},
    "escalations": {"zh": "上报次数", "en": "Escalations"},
    "result": {"zh": "办结结果", "en": "Result"},
    "description": {"zh": "诉求内容", "en": "Request"},
    "history": {"zh": "流转记录", "en": "History"},
    "linked": {
        "zh": "关联报告（多渠道同一事件）",
        "en": "Linked reports (same event, other sources)",
    },
    "no_linked": {"zh": "无关联报告", "en": "No linked reports"},
    "col_distance": {"zh": "距离(米)", "en": "Distance (m)"},
    "act": {"zh": "办理", "en": "Act"},
    "action": {"zh": "操作", "en": "Action"},
    "no_action": {"zh": "本中心对此案件无可办理的操作", "en": "No action is open to this center"},
    "unavailable": {"zh": "不可用的操作", "en": "Unavailable actions"},
    "target": {"zh": "目标中心", "en": "Target center"},
    "goes_to": {"zh": "将转至", "en": "Goes to"},
    "target_placeholder": {"zh": "请选择目标中心", "en": "Choose the center"},
    "result_pick": {"zh": "办结结果", "en": "Result"},
    "satisfaction": {"zh": "群众评价", "en": "Resident's answer"},
    "satisfaction_pick": {"zh": "请选择回访结果", "en": "Choose the follow-up answer"},
    "ans_satisfied": {"zh": "满意", "en": "Satisfied"},
    "ans_basically_satisfied": {"zh": "基本满意", "en": "Basically satisfied"},
    "ans_dissatisfied": {"zh": "不满意", "en": "Dissatisfied"},
    "ans_unreachable": {"zh": "未联系上", "en": "Not reached"},
    "note": {"zh": "说明", "en": "Note"},
    "reason": {"zh": "理由（必填）", "en": "Reason (required)"},
    "result_placeholder": {"zh": "请选择办结结果", "en": "Choose the result"},
    "major_resolve": {
        "zh": "重大风险案件：请核实处置结果后再办结。",
        "en": "A major risk: check how it was handled before resolving it.",
    },
    "confirm_resolve": {
        "zh": "确认以所选结果办结此案（办结后进入回访）",
        "en": "I confirm resolving this case with the result chosen (it then goes to follow-up)",
    },
    "result_required": {"zh": "请先选择办结结果", "en": "choose the result first"},
    "confirm_required": {
        "zh": "请勾选确认后再办结",
        "en": "tick the confirmation to resolve the case",
    },
    "click_row": {
        "zh": "点击行首的选择框打开案件",
        "en": "Click the box at the start of a row to open its case",
    },
    "export_make": {"zh": "导出 Excel（按当前筛选）", "en": "Export to Excel (as filtered)"},
    "export_download": {"zh": "下载导出文件（{n} 条）", "en": "Download the export ({n} cases)"},
    "export_ready": {"zh": "导出文件已生成：{n} 条", "en": "Export ready: {n} cases"},
    "export_title": {"zh": "{center} 在办案件（{at} 导出）", "en": "{center}: open cases ({at})"},
    "export_more": {
        "zh": "；仅含前 {n} 条，共 {total} 条",
        "en": "; the first {n} of {total} only",
    },
    "map_legend": {
        "zh": "紫色：本案；橙色/红色：附近其他在办/超期案件（{n} 件）；线条：街道、社区、网格",
        "en": "Magenta: this case; orange/red: other open/overdue cases nearby ({n}); "
        "lines: streets, communities, grids",
    },
    "reply_hours": {"zh": "限期回复（小时）", "en": "Reply within (hours)"},
    "reply_by": {"zh": "限 {at} 前回复", "en": "reply by {at}"},
    "done": {"zh": "已{action}：案件 {case}", "en": "Done: {action}, case {case}"},
    "refused": {"zh": "操作被拒绝", "en": "Refused"},
    "no_own_center": {
        "zh": "您的账号没有所属的指挥中心，不能办理案件。请联系管理员为账号指定中心。",
        "en": "Your account has no center of its own, so it cannot act on cases. "
        "Ask an administrator to give the account its center.",
    },
    "no_centers": {
        "zh": "系统中还没有指挥中心，暂时无法办理案件。请联系系统管理员。",
        "en": "There are no command centers yet, so no case can be worked. Ask your administrator.",
    },
    "case_gone": {"zh": "案件不存在", "en": "No such case"},
    "res_resolved": {"zh": "化解", "en": "Resolved"},
    "res_unresolved": {"zh": "未化解", "en": "Unresolved"},
    "res_withdrawn": {"zh": "撤回", "en": "Withdrawn"},
    **text_table(CENTER_LEVELS, "level_"),
}
VERBS_EN = {
    "assign": "Assign", "transfer": "Transfer", "return": "Return", "escalate": "Escalate",
    "accept": "Accept", "resolve": "Resolve", "close": "Close after feedback",
    "reopen": "Reopen", "supervise": "Supervise", "urge": "Urge",
}  # fmt: skip
TABLE.update({f"act_{k}": {"zh": v["zh"], "en": VERBS_EN[k]} for k, v in ACTION_NAMES.items()})
TABLE.update({f"status_{k}": v for k, v in STATUS_NAMES.items()})
EVENT_NAMES: dict[str, dict[str, str]] = {
    "reported": {"zh": "上报登记", "en": "Reported"},
    "assigned": {"zh": "交办", "en": "Assigned"},
    "transferred": {"zh": "转办", "en": "Transferred"},
    "returned": {"zh": "退回", "en": "Returned"},
    "escalated": {"zh": "上报升级", "en": "Escalated"},
    "accepted": {"zh": "受理办理", "en": "Accepted"},
    "resolved": {"zh": "办结", "en": "Resolved"},
    "closed": {"zh": "回访归档", "en": "Closed after feedback"},
    "reopened": {"zh": "重新办理", "en": "Reopened"},
    "supervised": {"zh": "督办", "en": "Supervised"},
    "urged": {"zh": "催办", "en": "Urged"},
}
TABLE.update({f"event_{k}": v for k, v in EVENT_NAMES.items()})
