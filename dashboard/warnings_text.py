"""Interface text of the early warnings (list page and map layer), Chinese first."""

from __future__ import annotations

from geo.warnings.actions import ACTION_NAMES, STATUS_NAMES

TABLE: dict[str, dict[str, str]] = {
    **{f"warn_status_{status}": names for status, names in STATUS_NAMES.items()},
    **{f"warn_{action}": names for action, names in ACTION_NAMES.items()},
    "page_warnings": {"zh": "预警单", "en": "Early warnings"},
    "layer_warnings": {"zh": "预警单", "en": "Early warnings"},
    "legend_warnings": {"zh": "预警单", "en": "Early warnings"},
    "legend_warnings_note": {
        "zh": "带“!”的圆点；未关闭的预警 {n} 条；白圈为新预警，黑圈为已交办",
        "en": "dots with a “!”; {n} warnings not closed; white ring: new, dark ring: assigned",
    },
    "legend_warnings_note_city": {
        "zh": "小圆点（进入区县后为带“!”的大圆点）；未关闭的预警 {n} 条；"
        "白圈为新预警，黑圈为已交办",
        "en": "small dots (large with a “!” once a district is opened); {n} warnings not closed; "
        "white ring: new, dark ring: assigned",
    },
    "warn_title": {"zh": "预警", "en": "Warning"},
    "warn_kind_grid_surge": {"zh": "网格诉求激增", "en": "Grid surge"},
    "warn_kind_category_cluster": {"zh": "同类事件聚集", "en": "Category cluster"},
    "warn_kind_repeat_address": {"zh": "同一地址重复报事", "en": "Repeat address"},
    "warn_kind_major_risk_rise": {"zh": "重大风险类别上升", "en": "Rising major risks"},
    "warn_all": {"zh": "全部", "en": "All"},
    "warn_area": {"zh": "位置", "en": "Area"},
    "warn_status": {"zh": "状态", "en": "Status"},
    "warn_detected": {"zh": "首次预警", "en": "Raised"},
    "warn_filter_status": {"zh": "状态", "en": "Status"},
    "warn_filter_kind": {"zh": "类型", "en": "Kind"},
    "warn_none": {"zh": "没有符合条件的预警。", "en": "No warnings match."},
    "warn_count": {"zh": "共 {n} 条", "en": "{n} warnings"},
    "warn_last_scan": {
        "zh": "最近一次扫描：{time}（北京时间）",
        "en": "Latest scan: {time} (China Standard Time)",
    },
    "warn_never_scanned": {
        "zh": "尚未进行预警扫描。系统定时自动扫描，扫描后预警会显示在这里。",
        "en": "No scan has run yet. The system scans on a schedule; warnings appear here after "
        "the first scan.",
    },
    "col_id": {"zh": "编号", "en": "No."},
    "col_kind": {"zh": "类型", "en": "Kind"},
    "col_status": {"zh": "状态", "en": "Status"},
    "col_area": {"zh": "位置", "en": "Area"},
    "col_reason": {"zh": "预警原因", "en": "Reason"},
    "col_detected": {"zh": "首次预警", "en": "Raised"},
    "col_met": {"zh": "仍满足", "en": "Still met"},
    "col_center": {"zh": "承办中心", "en": "Center"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "warn_pick": {"zh": "选择预警", "en": "Choose a warning"},
    "warn_history": {"zh": "处置记录", "en": "History"},
    "warn_note": {"zh": "备注", "en": "Note"},
    "warn_center": {"zh": "交办给", "en": "Assign to"},
    "warn_done": {"zh": "预警 #{id} 已{action}", "en": "Warning #{id}: {action}"},
    "warn_refused": {"zh": "未执行", "en": "Not done"},
    "action_raised": {"zh": "预警生成", "en": "raised"},
    "action_acknowledged": {"zh": "签收", "en": "acknowledged"},
    "action_assigned": {"zh": "交办", "en": "assigned"},
    "action_closed": {"zh": "关闭", "en": "closed"},
    "col_at": {"zh": "时间", "en": "When"},
    "col_action": {"zh": "动作", "en": "Action"},
    "col_actor": {"zh": "操作人", "en": "By"},
    "col_note": {"zh": "备注", "en": "Note"},
    "warn_figures": {"zh": "依据数据", "en": "Figures"},
}
