"""What `minqing grids …` does, kept out of geo/cli.py: run the steps and say what happened."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import psycopg2.extensions

from geo.boundaries.errors import CrsProblem, LayerNeeded
from geo.boundaries.mapping import FieldMapping
from geo.boundaries.prepare import UploadOptions, prepare_upload
from geo.boundaries.publish import publish
from geo.boundaries.report import describe_lines, report_json
from geo.boundaries.versions import boundary_events, boundary_versions
from geo.errors import DataError
from geo.timeutil import format_cst

ROLES = ("code", "name", "parent", "kind", "population")


def parse_mapping(pairs: Iterable[str], parent_from_code: bool) -> FieldMapping | None:
    """'code=网格编码' pairs as a mapping (None when none are given)."""
    chosen: dict[str, str] = {}
    for pair in pairs:
        role, sep, name = pair.partition("=")
        if not sep or role.strip() not in ROLES or not name.strip():
            raise DataError(f"--map 应写成 角色=字段名，角色为 {', '.join(ROLES)}：{pair!r}")
        chosen[role.strip()] = name.strip()
    if not chosen and not parent_from_code:
        return None
    return FieldMapping(**chosen, parent_from_code=parent_from_code)


def import_file(
    conn: psycopg2.extensions.connection,
    path: Path,
    *,
    level: str,
    layer: str | None,
    crs: str | None,
    encoding: str | None,
    gcj02: bool,
    mapping: Iterable[str],
    parent_from_code: bool,
    repair: bool,
    clip: bool,
    partial: bool,
    dry_run: bool,
    allow_removal: bool,
    report_path: str | None,
    actor: str,
    note: str,
    echo: Callable[[str], None],
) -> bool:
    """Check (and unless dry-run or in error, publish) one file; True when all went well.

    A file that would delete current areas is not published without `allow_removal`.
    """
    options = UploadOptions(
        level=level,
        layer=layer,
        encoding=encoding,
        crs=crs,
        gcj02=gcj02,
        mapping=parse_mapping(mapping, parent_from_code),
        repair=repair,
        clip_to_parent=clip,
        partial=partial,
    )
    try:
        prepared = prepare_upload(conn, path.read_bytes(), path.name, options)
    except CrsProblem as exc:
        hints = [
            f"  --crs {c.choice}{' --gcj02' if c.gcj02 and c.srid != 4326 else ''}  "
            f"{c.name}（{c.inside_share:.0%} 的要素落在本市）"
            for c in exc.candidates
        ]
        lines = [str(exc), *(["可能的坐标系：", *hints] if hints else [])]
        raise CrsProblem("\n".join(lines), exc.candidates) from None
    except LayerNeeded as exc:
        raise LayerNeeded(f"{exc}（用 --layer 选择）", exc.layers) from None
    conn.rollback()
    for line in describe_lines(prepared):
        echo(line)
    for line in prepared.removal.lines(limit=50):
        echo(line)
    published = None
    refused = bool(prepared.removal) and not allow_removal
    if prepared.can_publish and not dry_run and not refused:
        published = publish(conn, prepared, actor, note, allow_removal=allow_removal)
        moved = published.reassigned
        echo(
            f"已发布为版本 {published.version_id}（原版本 {published.previous_version_id}）；"
            f"重新分配诉求 {moved.moved:,} 条（检查 {moved.considered:,} 条，"
            f"就近归入 {moved.snapped:,} 条，待核查 {moved.unplaced:,} 条），"
            f"用时 {published.seconds:.1f} s"
        )
    elif not prepared.can_publish:
        echo("未发布：请先处理上面的错误（或使用 --repair / --clip）")
    elif dry_run:
        echo("试运行（--dry-run）：未发布" + ("；发布时需加 --allow-removal" if refused else ""))
    else:
        echo("未发布：删除现有区域需要明确确认；核对上面的名单后，加 --allow-removal 重新运行")
    if report_path:
        Path(report_path).write_text(report_json(prepared, published), encoding="utf-8")
        echo(f"报告已写入 {report_path}")
    return prepared.can_publish and (dry_run or not refused)


def version_lines(conn: psycopg2.extensions.connection, events: int = 20) -> list[str]:
    """Versions (current marked) and the latest audit events, one line each."""
    lines = ["版本："]
    for v in boundary_versions(conn):
        mark = "*" if v.is_current else " "
        lines.append(
            f"{mark} {v.id:>4}  {format_cst(v.created_at)}  {v.created_by}  {v.source}  "
            f"[{v.sizes_text}]  {v.changes_text}  {v.note}"
        )
    rows = boundary_events(conn, events)
    if rows:
        lines.append("记录：")
    for e in rows:
        action = "发布" if e.action == "publish" else "回滚"
        lines.append(
            f"  {format_cst(e.at)}  {e.actor}  {action} → 版本 {e.version_id}"
            f"（原 {e.previous_version_id}）  {e.file_name}  {e.summary_text}"
        )
    return lines
