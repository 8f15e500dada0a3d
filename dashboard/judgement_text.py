"""Interface text of the 研判 parts of the pages: scorecards, forecasts, published reports."""

from __future__ import annotations

TABLE: dict[str, dict[str, str]] = {
    "tab_scorecards": {"zh": "一体考评", "en": "Scorecards"},
    "tab_forecast": {"zh": "预判", "en": "Forecast"},
    "score_level": {"zh": "层级", "en": "Level"},
    "score_stored": {
        "zh": "已归档考评（{at} 生成，规则 {rules}）",
        "en": "Stored scorecards (made {at}, rules {rules})",
    },
    "score_live": {
        "zh": "按当前数据即时计算（本期尚未归档）；排名为本区域内同层级排名",
        "en": "Counted from the current data (not stored for this period); ranked among the "
        "peers of the same level in this area",
    },
    "score_why": {"zh": "得分构成", "en": "What makes the score"},
    "score_pick": {"zh": "查看", "en": "Show"},
    "score_none": {"zh": "本区域无考评对象", "en": "Nothing to score in this area"},
    "score_unscored": {
        "zh": "未评分：{why}。指标基数不足时不评分，其权重分给其他指标。",
        "en": "Not scored: {why}. An indicator with too small a base is not rated; its weight "
        "goes to the others.",
    },
    "score_note": {
        "zh": "各指标列为百分比；空白为样本不足未评。规则：geo/rules/scorecard.toml",
        "en": "Indicator columns are percentages; blank: too few to rate. Rules: "
        "geo/rules/scorecard.toml",
    },
    "won": {"zh": "得分", "en": "Won"},
    "lost": {"zh": "失分", "en": "Lost"},
    "fc_week": {"zh": "周", "en": "Week"},
    "fc_actual": {"zh": "实际诉求", "en": "Reports"},
    "fc_forecast": {"zh": "预测", "en": "Forecast"},
    "fc_low": {"zh": "区间下限", "en": "Low"},
    "fc_high": {"zh": "区间上限", "en": "High"},
    "fc_caption": {
        "zh": "橙线：每周实际诉求；紫线：为该周所做的提前一周预测，阴影为{level:.0%}区间；"
        "虚线：最新预测的未来各周",
        "en": "Orange: reports per week; purple: the forecast made a week ahead, shaded its "
        "{level:.0%} interval; dashed: the latest forecast of the weeks to come",
    },
    "fc_none": {
        "zh": "尚无预测：预测由系统定期计算，计算后显示在这里。",
        "en": "No forecast yet: the system computes forecasts on a schedule; they appear here "
        "once computed.",
    },
    "fc_backtest": {
        "zh": "回测（{weeks}周，网格级，提前一周）：平均绝对误差 模型 {model:.2f} · "
        "季节朴素 {sn:.2f} · 近四周均值 {m4:.2f}；PAI@1% 模型 {pai:.1f}。"
        "演示数据上的数字不代表真实城市。",
        "en": "Backtest ({weeks} weeks, grids, one week ahead): MAE model {model:.2f} · seasonal "
        "naive {sn:.2f} · mean of 4 weeks {m4:.2f}; PAI@1% model {pai:.1f}. Figures on the "
        "demo are not claims about a real city.",
    },
    "layer_forecast": {"zh": "下周预判", "en": "Next week (forecast)"},
    "legend_rising": {"zh": "下周预计上升最多的网格", "en": "Grids expected to rise most"},
    "rising_item": {"zh": "预计上升 {n} 个", "en": "{n} expected to rise"},
    "rising_note": {
        "zh": "{week} 周预测较近四周均值的增幅最大者",
        "en": "forecast for the week of {week} above the mean of the last four weeks",
    },
    "rising_title": {"zh": "预计上升", "en": "Expected to rise"},
    "rising_body": {
        "zh": "下周预计 {mean:.1f} 件（区间 {low:.0f}–{high:.0f}），近四周均值 {recent:.1f}，"
        "预计增加 {rise:.1f}",
        "en": "Next week {mean:.1f} reports expected ({low:.0f}–{high:.0f}); last four weeks "
        "{recent:.1f} a week; {rise:+.1f}",
    },
    "rising_no_history": {
        "zh": "该网格尚无历史诉求：按同类网格估计",
        "en": "No reports yet in this grid: estimated from grids like it",
    },
    "page_reports": {"zh": "平安报表发布", "en": "Published reports"},
    "rep_caption": {
        "zh": "每月（全市及各区县）与每周（全市）的平安报表在期末自动生成并归档，可下载往期报表。",
        "en": "The month's safety reports (city and districts) and the week's (city) are made "
        "when the period closes and kept here to download.",
    },
    "rep_kind": {"zh": "类型", "en": "Kind"},
    "rep_all": {"zh": "全部", "en": "All"},
    "rep_month": {"zh": "月报", "en": "Monthly"},
    "rep_week": {"zh": "周报", "en": "Weekly"},
    "rep_none": {
        "zh": "您的区域暂无已发布的报表（报表按全市与区县发布）。",
        "en": "No published report for your area (reports are published for the city and "
        "the districts).",
    },
    "rep_period": {"zh": "期间", "en": "Period"},
    "rep_area": {"zh": "区域", "en": "Area"},
    "rep_version": {"zh": "版本", "en": "Version"},
    "rep_made": {"zh": "生成时间", "en": "Made"},
    "rep_by": {"zh": "生成者", "en": "By"},
    "rep_reason": {"zh": "重新生成原因", "en": "Why made again"},
    "rep_index": {"zh": "平安指数", "en": "Safety index"},
    "rep_band": {"zh": "等级", "en": "Band"},
    "rep_new": {"zh": "新增诉求", "en": "New"},
    "rep_rules": {"zh": "规则版本", "en": "Rules"},
    "rep_pick": {"zh": "选择报表下载", "en": "Choose a report to download"},
    "rep_xlsx": {"zh": "下载 Excel", "en": "Download Excel"},
    "rep_pdf": {"zh": "下载 PDF", "en": "Download PDF"},
}
