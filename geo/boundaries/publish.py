"""Publish a checked file as a new boundary version, or roll back to an earlier one.

Each runs in one transaction: the new (or earlier) version becomes current, incidents are
re-assigned to the grid that now contains them, and an audit event records who, when, what
file and what changed. Two at once: the second is refused at once (advisory lock), and a file
checked against a version that is no longer current is refused (checked again first).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import psycopg2.extensions
import psycopg2.extras
import shapely

from geo.auth.audit import record
from geo.boundaries.errors import (
    PublishBusy,
    PublishError,
    RemovalNotConfirmed,
    StaleUpload,
    UploadHasErrors,
    VersionNotFound,
)
from geo.boundaries.mapping import remember_mapping
from geo.boundaries.pgcopy import copy_rows
from geo.boundaries.prepare import PreparedUpload
from geo.boundaries.problems import Detail
from geo.boundaries.reassign import ReassignResult, grid_set, reassign
from geo.boundaries.store import level_areas
from geo.display import display_geometries
from geo.sqlfiles import load_sql
from geo.timeutil import format_cst

# Any 64-bit number unique to boundary publication (migrations use another).
PUBLISH_LOCK = 0x626F756E64617279
_TRY_LOCK = "SELECT pg_try_advisory_xact_lock(%s)"
# only the owner may ANALYZE: a function of the owner does it for GIS staff (migration 060)
_ANALYZE = "SELECT minqing_analyze_areas()"
_CURRENT_FOR_UPDATE = """
SELECT id, created_by, created_at FROM boundary_versions WHERE is_current FOR UPDATE
"""
_VERSION = "SELECT id, is_current FROM boundary_versions WHERE id = %s FOR UPDATE"
_NEW_VERSION = """
INSERT INTO boundary_versions (created_by, source, note, diff)
VALUES (%(actor)s, %(source)s, %(note)s, %(diff)s) RETURNING id
"""
# two statements: the unique index on the current flag is checked row by row
_MAKE_CURRENT = """
UPDATE boundary_versions SET is_current = false WHERE is_current AND id <> %(id)s;
UPDATE boundary_versions SET is_current = true WHERE id = %(id)s;
"""
# the new current version's grids and communities cut for each tile (migration 253), the other
# versions' cuts dropped
_CUT_TILES = "SELECT minqing_cut_area_tiles(%(id)s)"
_EVENT = """
INSERT INTO boundary_events (action, actor, version_id, previous_version_id, level, file_name,
                             file_sha256, file_bytes, note, summary)
VALUES (%(action)s, %(actor)s, %(version_id)s, %(previous)s, %(level)s, %(file_name)s,
        %(file_sha256)s, %(file_bytes)s, %(note)s, %(summary)s)
RETURNING id
"""
_STAGED = """
CREATE TEMP TABLE boundary_staged (
    code text, parent_code text, name text, kind text, population integer, geom_hex text,
    display_hex text
) ON COMMIT DROP
"""
_MISSING_DISPLAY = """
SELECT code, level, ST_AsBinary(geom) FROM areas
WHERE version_id = %s AND geom_display IS NULL
"""
_SET_DISPLAY = """
UPDATE areas SET geom_display = ST_GeomFromWKB(%s, 4490) WHERE version_id = %s AND code = %s
"""


@dataclass(frozen=True)
class PublishResult:
    """What a publication or rollback did."""

    version_id: int
    previous_version_id: int | None
    event_id: int
    reassigned: ReassignResult
    seconds: float


def _lock(cur: psycopg2.extensions.cursor) -> tuple[int, str, object] | None:
    cur.execute(_TRY_LOCK, (PUBLISH_LOCK,))
    if not cur.fetchone()[0]:
        raise PublishBusy()
    cur.execute(_CURRENT_FOR_UPDATE)
    return cur.fetchone()


def publish(
    conn: psycopg2.extensions.connection,
    prepared: PreparedUpload,
    actor: str,
    note: str = "",
    client: str | None = None,
    allow_removal: bool = False,
) -> PublishResult:
    """Make the checked file the current boundaries, in one transaction (all or nothing).

    A file that lacks current areas deletes them (their incidents move): refused unless
    `allow_removal`. The publication is written to the audit log (`client`: where it came
    from) in the same transaction.
    """
    if not prepared.can_publish:
        raise UploadHasErrors()
    if prepared.removal and not allow_removal:
        raise RemovalNotConfirmed(
            "\n".join(
                [
                    *prepared.removal.lines(),
                    "未发布：删除现有区域需要明确确认"
                    "（页面上勾选“确认删除”，命令行加 --allow-removal）",
                ]
            )
        )
    actor = _actor(actor)
    start = time.perf_counter()
    try:
        with conn, conn.cursor() as cur:
            current = _lock(cur)
            base_id = prepared.base.id if prepared.base else None
            if (current[0] if current else None) != base_id:
                who = f"{current[1]} 于 {format_cst(current[2])}" if current else "他人"
                raise StaleUpload(
                    Detail(
                        f"检查之后边界已由 {who} 更新为版本 {current[0] if current else '—'}："
                        "请重新检查文件后再发布",
                        f"{who} has made version {current[0] if current else '—'} current since "
                        "the check: check the file again, then publish",
                    )
                )
            diff_json = prepared.diff.to_json()
            cur.execute(
                _NEW_VERSION,
                {
                    "actor": actor,
                    "source": prepared.source.name,
                    "note": note,
                    "diff": psycopg2.extras.Json({**diff_json, "level": prepared.level}),
                },
            )
            new_id = cur.fetchone()[0]
            old_grids = grid_set(conn, base_id) if base_id is not None else None
            if base_id is not None:
                cur.execute(
                    load_sql("boundaries_copy_levels"),
                    {"new": new_id, "base": base_id, "level": prepared.level},
                )
            _write_level(cur, prepared, new_id)
            cur.execute(_ANALYZE)  # plans over the new version must not assume it is empty
            moved = reassign(conn, new_id, old_grids)
            cur.execute(_MAKE_CURRENT, {"id": new_id})
            cur.execute(_CUT_TILES, {"id": new_id})
            remember_mapping(conn, prepared.level, prepared.fields, prepared.mapping, actor)
            summary = {
                **prepared.summary(),
                "diff": diff_json["counts"],
                "reassigned": moved.to_dict(),
            }
            event_id = _event(cur, "publish", actor, new_id, base_id, prepared, note, summary)
            audit_detail = {
                "previous_version": base_id,
                "level": prepared.level,
                "file": prepared.source.name,
                "note": note,
                "diff": diff_json["counts"],
                # areas deleted on the person's explicit confirmation, and their incidents
                "removed": len(prepared.removal.areas),
                "removed_incidents": prepared.removal.incidents,
            }
            record(conn, actor, "boundary_publish", str(new_id), audit_detail, client)
    except psycopg2.Error as exc:
        raise PublishError(
            Detail(
                f"发布失败，数据库未作任何改动：{_first_line(exc)}",
                f"the publication failed; nothing was changed: {_first_line(exc)}",
            )
        ) from None
    return PublishResult(new_id, base_id, event_id, moved, time.perf_counter() - start)


def _write_level(cur: psycopg2.extensions.cursor, prepared: PreparedUpload, new_id: int) -> None:
    """The published level: the file's areas plus (partial update) the kept ones, simplified."""
    c = prepared.result.candidates
    frame = pd.DataFrame(
        {
            "code": c.code,
            "parent_code": c.parent_code,
            "name": c.name,
            "kind": c.kind,
            "population": c.population,
            "geom": c.geom,
        }
    )
    if prepared.base is not None and prepared.options.partial:
        same = level_areas(cur.connection, prepared.base.id, prepared.level)
        kept = same[~same["parent_code"].isin(prepared.result.scope_parents)]
        frame = pd.concat([frame, kept[frame.columns]], ignore_index=True)
    geoms = frame["geom"].to_numpy(dtype=object)
    display = display_geometries(geoms, np.full(len(geoms), prepared.level))
    rows = [
        (
            code, parent, name, kind or "", int(population),
            shapely.to_wkb(geom, hex=True), shapely.to_wkb(shown, hex=True),
        )
        for code, parent, name, kind, population, geom, shown in zip(
            frame["code"], frame["parent_code"], frame["name"], frame["kind"],
            frame["population"], geoms, display, strict=True,
        )
    ]  # fmt: skip
    cur.execute(_STAGED)
    copy_rows(
        cur,
        "boundary_staged",
        ["code", "parent_code", "name", "kind", "population", "geom_hex", "display_hex"],
        rows,
    )
    cur.execute(load_sql("boundaries_insert_level"), {"new": new_id, "level": prepared.level})


def _event(
    cur: psycopg2.extensions.cursor,
    action: str,
    actor: str,
    version_id: int,
    previous: int | None,
    prepared: PreparedUpload | None,
    note: str,
    summary: dict,
) -> int:
    cur.execute(
        _EVENT,
        {
            "action": action,
            "actor": actor,
            "version_id": version_id,
            "previous": previous,
            "level": prepared.level if prepared else None,
            "file_name": prepared.source.name if prepared else "",
            "file_sha256": prepared.source.sha256 if prepared else "",
            "file_bytes": prepared.source.size if prepared else 0,
            "note": note,
            "summary": psycopg2.extras.Json(summary),
        },
    )
    return cur.fetchone()[0]


def rollback(
    conn: psycopg2.extensions.connection,
    version_id: int,
    actor: str,
    note: str = "",
    client: str | None = None,
) -> PublishResult:
    """Make an earlier version current again, the same way as a publication (audited)."""
    actor = _actor(actor)
    start = time.perf_counter()
    try:
        with conn, conn.cursor() as cur:
            current = _lock(cur)
            cur.execute(_VERSION, (version_id,))
            target = cur.fetchone()
            if target is None:
                raise VersionNotFound(
                    Detail(
                        f"没有编号为 {version_id} 的边界版本",
                        f"no boundary version {version_id}",
                    )
                )
            if target[1]:
                raise PublishError(
                    Detail(
                        f"版本 {version_id} 已经是当前版本",
                        f"version {version_id} is already current",
                    )
                )
            _fill_display(cur, version_id)
            old_grids = grid_set(conn, current[0]) if current else None
            moved = reassign(conn, version_id, old_grids)
            cur.execute(_MAKE_CURRENT, {"id": version_id})
            cur.execute(_CUT_TILES, {"id": version_id})
            previous = current[0] if current else None
            summary = {"reassigned": moved.to_dict(), "from_version": previous}
            event_id = _event(cur, "rollback", actor, version_id, previous, None, note, summary)
            audit_detail = {"previous_version": previous, "note": note}
            record(conn, actor, "boundary_rollback", str(version_id), audit_detail, client)
    except psycopg2.Error as exc:
        raise PublishError(
            Detail(
                f"回滚失败，数据库未作任何改动：{_first_line(exc)}",
                f"the rollback failed; nothing was changed: {_first_line(exc)}",
            )
        ) from None
    return PublishResult(version_id, previous, event_id, moved, time.perf_counter() - start)


def _fill_display(cur: psycopg2.extensions.cursor, version_id: int) -> None:
    """Browser outlines for a version that has none yet (e.g. loaded without them)."""
    cur.execute(_MISSING_DISPLAY, (version_id,))
    rows = cur.fetchall()
    if not rows:
        return
    geoms = shapely.from_wkb(np.array([bytes(r[2]) for r in rows], dtype=object))
    display = display_geometries(geoms, np.array([r[1] for r in rows]))
    psycopg2.extras.execute_batch(
        cur,
        _SET_DISPLAY,
        [(shapely.to_wkb(g), version_id, r[0]) for g, r in zip(display, rows, strict=True)],
        page_size=500,
    )


def _actor(actor: str) -> str:
    cleaned = " ".join(actor.split())[:200]
    if not cleaned:
        raise PublishError(
            Detail(
                "请填写操作人（发布和回滚都会记录是谁做的）",
                "say who you are (a publication and a rollback record who made them)",
            )
        )
    return cleaned


def _first_line(exc: psycopg2.Error) -> str:
    text = (exc.pgerror or str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__
