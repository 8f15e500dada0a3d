"""The check report: what was read, how, every problem, every repair and the diff, as JSON."""

from __future__ import annotations

import json

from geo.boundaries.metric import area_m2
from geo.boundaries.prepare import PreparedUpload
from geo.boundaries.publish import PublishResult

ROLE_ZH = {
    "code": "编码",
    "name": "名称",
    "parent": "上级编码",
    "kind": "类型",
    "population": "人口",
}
HOW_ZH = {
    "declared": "文件声明",
    "geojson default": "GeoJSON 默认",
    "chosen": "用户指定",
    "guessed": "按内容判断",
    "standard": "格式标准",
    "remembered": "沿用上次",
}


def report(prepared: PreparedUpload, published: PublishResult | None = None) -> dict:
    """Everything a person needs to see what the file holds and what publishing would do."""
    repairs = [
        {
            "feature": r.feature,
            "code": r.code,
            "reason": r.reason,
            "parts_before": r.parts_before,
            "parts_after": r.parts_after,
            "area_before_m2": round(r.area_before_m2, 1),
            "area_after_m2": round(r.area_after_m2, 1),
        }
        for r in prepared.result.repairs
    ]
    out = {
        **prepared.summary(),
        "can_publish": prepared.can_publish,
        "problems": [p.to_dict() for p in prepared.problems],
        "repairs": repairs,
        "diff": prepared.diff.to_json(),
        "removal": prepared.removal.to_json(),
    }
    if published is not None:
        out["published"] = {
            "version_id": published.version_id,
            "previous_version_id": published.previous_version_id,
            "event_id": published.event_id,
            "reassigned": published.reassigned.to_dict(),
            "seconds": round(published.seconds, 2),
        }
    return out


def report_json(prepared: PreparedUpload, published: PublishResult | None = None) -> str:
    """The report as indented UTF-8 JSON text."""
    return json.dumps(report(prepared, published), ensure_ascii=False, indent=2)


def describe_lines(prepared: PreparedUpload, max_problems: int = 50) -> list[str]:
    """The report for a terminal: what was read, how, the problems and the diff."""
    source, c = prepared.source, prepared.result.candidates
    encoding = source.encoding
    lines = [
        f"读取：{source.name} › {source.layer}（{source.format}，{len(c.code):,} 个要素）",
        f"编码：{encoding.name}（{HOW_ZH.get(encoding.how, encoding.how)}）" if encoding else "",
        f"坐标系：{prepared.crs.label}（{HOW_ZH.get(prepared.crs.how, prepared.crs.how)}）",
        "字段：" + "，".join(
            f"{ROLE_ZH[role]}={getattr(prepared.mapping, role) or '—'}" for role in ROLE_ZH
        ) + ("，上级编码取自编码前缀" if prepared.mapping.parent_from_code else "")
        + f"（{HOW_ZH.get(prepared.mapping_how, prepared.mapping_how)}）",
    ]  # fmt: skip
    lines += [f"提示：{n}" for n in source.notices]
    if prepared.crs.note:
        lines.append(f"提示：{prepared.crs.note}")
    errors = sum(p.severity == "error" for p in prepared.problems)
    lines.append(f"问题：{errors} 个错误，{len(prepared.problems) - errors} 个警告")
    for p in prepared.problems[:max_problems]:
        where = f"（经度 {p.lon:.5f}，纬度 {p.lat:.5f}）" if p.lon is not None else ""
        feature = f"要素 {p.feature}" if p.feature else "—"
        severity = "错误" if p.severity == "error" else "警告"
        lines.append(f"  {severity} {feature} {p.code or ''} {p.title()}：{p.detail}{where}")
    if len(prepared.problems) > max_problems:
        lines.append(f"  … 另有 {len(prepared.problems) - max_problems} 个（见 --report）")
    n = prepared.diff.counts()
    lines.append(
        f"差异：新增 {n['added']}，删除 {n['removed']}，形状变化 {n['reshaped']}，"
        f"改名 {n['renamed']}，改变上级 {n['reparented']}，未变 {n['unchanged']}"
    )
    total = float(area_m2(c.geom).sum())
    lines.append(f"总面积：{total / 1e6:,.2f} km²")
    return [line for line in lines if line]
