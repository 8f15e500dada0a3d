"""Interface text of the boundary upload page (and its menu entry), Chinese first."""

from __future__ import annotations

TABLE: dict[str, dict[str, str]] = {
    "page": {"zh": "网格边界管理", "en": "Boundary upload"},
    "caption": {
        "zh": "上传区县或测绘单位提供的边界文件：读取、检查、预览、发布为新版本，或回滚到旧版本",
        "en": "Upload boundary files: read, check, preview, publish as a new version, roll back",
    },
    "current": {"zh": "当前版本", "en": "Current version"},
    "none": {"zh": "数据库中还没有边界版本", "en": "No boundary version yet"},
    "tab_upload": {"zh": "上传与检查", "en": "Upload and check"},
    "tab_versions": {"zh": "版本与回滚", "en": "Versions and rollback"},
    "file": {
        "zh": "边界文件（GeoJSON、zip 压缩的 Shapefile、GeoPackage、KML）",
        "en": "Boundary file (GeoJSON, zipped Shapefile, GeoPackage, KML)",
    },
    "upload_button": {"zh": "选择文件", "en": "Choose a file"},
    "upload_limits": {
        "zh": "或拖放到这里 · 文件最大 {mb} MB",
        "en": "or drop it here · up to {mb} MB",
    },
    "level": {"zh": "文件中的层级", "en": "Level in the file"},
    "partial": {
        "zh": "部分更新：只替换文件中出现的上级区域下的区域",
        "en": "Partial update: replace only the areas of the parents in the file",
    },
    "read_options": {
        "zh": "读取选项（编码、坐标系、图层）",
        "en": "Reading (encoding, CRS, layer)",
    },
    "auto": {"zh": "自动识别", "en": "Detect"},
    "encoding": {"zh": "属性文字编码", "en": "Attribute encoding"},
    "crs": {"zh": "坐标系", "en": "Coordinate system"},
    "crs_other": {"zh": "或填写 EPSG 编号", "en": "Or an EPSG code"},
    "crs_candidates": {
        "zh": "可能的坐标系（点选即用；百分比为落在本市的要素比例）",
        "en": "Likely coordinate systems (click to use; share of features inside the city)",
    },
    "gcj02": {
        "zh": "坐标是 GCJ-02（高德/腾讯），纠偏到 CGCS2000",
        "en": "Coordinates are GCJ-02 (AMap/Tencent): correct to CGCS2000",
    },
    "layer": {"zh": "图层", "en": "Layer"},
    "read_as": {"zh": "读取结果", "en": "Read as"},
    "attributes": {
        "zh": "属性表（前 5 行，请核对中文是否正常）",
        "en": "Attributes (first 5 rows)",
    },
    "mapping": {"zh": "字段对应", "en": "Field mapping"},
    "role_code": {"zh": "编码", "en": "Code"},
    "role_name": {"zh": "名称", "en": "Name"},
    "role_parent": {"zh": "上级编码", "en": "Parent code"},
    "role_kind": {"zh": "网格类型", "en": "Grid kind"},
    "role_population": {"zh": "人口", "en": "Population"},
    "no_field": {"zh": "（无）", "en": "(none)"},
    "parent_from_code": {
        "zh": "上级编码取编码去掉末 3 位",
        "en": "Parent code = code without its last 3 digits",
    },
    "repair": {"zh": "自动修复无效几何（make_valid）", "en": "Repair invalid geometry"},
    "clip": {"zh": "裁剪到上级边界", "en": "Clip to the parent"},
    "mapping_how": {"zh": "字段对应来源", "en": "Mapping from"},
    "features": {"zh": "要素", "en": "Features"},
    "errors": {"zh": "错误", "en": "Errors"},
    "warnings": {"zh": "警告", "en": "Warnings"},
    "added": {"zh": "新增", "en": "Added"},
    "removed": {"zh": "删除", "en": "Removed"},
    "reshaped": {"zh": "形状变化", "en": "Reshaped"},
    "renamed": {"zh": "改名", "en": "Renamed"},
    "reparented": {"zh": "改变上级", "en": "New parent"},
    "recoded": {"zh": "疑似改编码", "en": "Likely re-coded"},
    "problems": {"zh": "问题", "en": "Problems"},
    "no_problems": {"zh": "没有发现问题", "en": "No problems found"},
    "pick_problem": {
        "zh": "点选一行问题，地图会定位到该处",
        "en": "Select a problem to zoom the map to it",
    },
    "preview": {"zh": "预览", "en": "Preview"},
    "parent": {"zh": "上级边界", "en": "Parents"},
    "current_layer": {"zh": "当前边界", "en": "Current outlines"},
    "new": {"zh": "新边界", "en": "New outlines"},
    "diff": {"zh": "差异明细", "en": "Changes"},
    "publish": {"zh": "发布", "en": "Publish"},
    "actor": {"zh": "操作人", "en": "Your name"},
    "note": {"zh": "说明（可选）", "en": "Note (optional)"},
    "confirm": {"zh": "我已核对问题和差异", "en": "I have checked the problems and changes"},
    "publish_button": {"zh": "发布为新版本", "en": "Publish as a new version"},
    "removal_summary": {
        "zh": "**发布将删除 {n} 个现有{unit}**（涉及诉求 {incidents} 条，其中在办 {open} 条，"
        "发布后改归其他{unit}）：文件中没有它们。如果文件只是本层级的一部分（选错图层、筛选后导出），"
        "请不要发布。",
        "en": "**Publishing deletes {n} current {unit}s** ({incidents} incidents, {open} open, "
        "move to other {unit}s): the file lacks them. If the file holds only part of the level "
        "(a wrong layer, a filtered export), do not publish it.",
    },
    "removal_all": {
        "zh": "{name}（{code}）：现有 {before} 个{unit}**全部删除**",
        "en": "{name} ({code}): **all {before}** of its {unit}s go",
    },
    "removal_some": {
        "zh": "{name}（{code}）：删除现有 {before} 个{unit}中的 {removed} 个",
        "en": "{name} ({code}): {removed} of its {before} {unit}s go",
    },
    "removal_empty": {
        "zh": "，发布后该{parent}**没有任何{unit}**",
        "en": ", leaving the {parent} **without any {unit}**",
    },
    "removal_after": {"zh": "，发布后有 {after} 个", "en": "; {after} after publication"},
    "removal_more_parents": {"zh": "…… 另有 {n} 个{parent}", "en": "… and {n} more {parent}s"},
    "removal_confirm": {
        "zh": "确认删除这 {n} 个{unit}：{names}；其中的诉求 {incidents} 条将改归其他{unit}",
        "en": "Delete these {n} {unit}s: {names}; their {incidents} incidents move to other "
        "{unit}s",
    },
    "removal_refused": {
        "zh": "未发布：发布将删除 {n} 个现有{unit}（{names}），"
        "涉及诉求 {incidents} 条（在办 {open} 条）。确属撤销时，请勾选“确认删除”后再发布。",
        "en": "Not published: this deletes {n} current {unit}s ({names}) holding {incidents} "
        "incidents ({open} open). If they are really abolished, tick the deletion confirmation "
        "and publish again.",
    },
    "and_more": {"zh": " 等 {n} 个", "en": " and others, {n} in all"},
    "col_name": {"zh": "名称", "en": "Name"},
    "col_parent": {"zh": "上级编码", "en": "Parent"},
    "col_incidents": {"zh": "诉求", "en": "Incidents"},
    "col_open": {"zh": "在办", "en": "Open"},
    "col_recoded": {"zh": "疑似改编码为", "en": "Likely re-coded as"},
    "cannot_publish": {
        "zh": "有错误，不能发布：请修改文件，或勾选自动修复/裁剪",
        "en": "There are errors: fix the file, or allow repair / clipping",
    },
    "published": {"zh": "已发布为版本", "en": "Published as version"},
    "moved": {"zh": "重新分配诉求", "en": "Incidents re-assigned"},
    "unplaced": {"zh": "待核查诉求", "en": "Incidents to review"},
    "versions": {"zh": "边界版本", "en": "Boundary versions"},
    "events": {"zh": "发布与回滚记录", "en": "Publications and rollbacks"},
    "rollback_to": {"zh": "回滚到版本", "en": "Roll back to version"},
    "rollback_button": {"zh": "回滚", "en": "Roll back"},
    "rolled_back": {"zh": "已回滚，当前版本为", "en": "Rolled back; current version is"},
    "col_id": {"zh": "版本", "en": "Version"},
    "col_current": {"zh": "当前", "en": "Current"},
    "col_time": {"zh": "时间（北京时间）", "en": "Time (CST)"},
    "col_by": {"zh": "操作人", "en": "By"},
    "col_source": {"zh": "文件", "en": "File"},
    "col_note": {"zh": "说明", "en": "Note"},
    "col_sizes": {"zh": "区域数", "en": "Areas"},
    "col_action": {"zh": "操作", "en": "Action"},
    "col_changes": {"zh": "变化", "en": "Changes"},
    "col_severity": {"zh": "级别", "en": "Severity"},
    "col_feature": {"zh": "要素", "en": "Feature"},
    "col_code": {"zh": "编码", "en": "Code"},
    "col_problem": {"zh": "问题", "en": "Problem"},
    "col_detail": {"zh": "说明", "en": "Detail"},
    "col_where": {"zh": "位置", "en": "Where"},
    "timings": {"zh": "用时", "en": "Timings"},
    "error": {"zh": "错误", "en": "Error"},
    "warning": {"zh": "警告", "en": "Warning"},
    "feature": {"zh": "要素", "en": "Feature"},
    "list_hint": {
        "zh": "点选一项，地图定位到该处",
        "en": "Click a problem to zoom the map to it",
    },
    "more": {"zh": "另有 {n} 个未在此列出，见问题表", "en": "{n} more: see the problem table"},
    "nowhere": {"zh": "无位置", "en": "No location"},
}

# Keys of TABLE the preview map shows (layer names, the problem list).
PREVIEW_TEXT = (
    "parent", "new", "added", "removed", "reshaped", "renamed", "problems", "error", "warning",
    "feature", "list_hint", "no_problems", "more", "nowhere",
)  # fmt: skip
