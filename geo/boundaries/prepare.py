"""Everything before publication, in order: read, CRS, mapping, check, diff."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
import psycopg2.extensions

from geo.boundaries import crs as crs_mod
from geo.boundaries.check import BaseTree, CheckOptions, CheckResult, check
from geo.boundaries.diff import Diff, compute_diff
from geo.boundaries.mapping import (
    CHILD_LEVEL,
    CODE_STEP,
    LEVELS,
    PARENT_LEVEL,
    FieldMapping,
    clean_text,
    guess_mapping,
    normalise_kind,
    recall_mapping,
)
from geo.boundaries.problems import Detail, Problem, has_errors
from geo.boundaries.read import RawLayer, SourceInfo, read_upload
from geo.boundaries.removal import Removal, removal_of
from geo.boundaries.store import VersionInfo, codes_outside_level, current_version, level_areas
from geo.errors import DataError


@dataclass(frozen=True)
class UploadOptions:
    """The user's choices for one upload (None means: detect it)."""

    level: str = "grid"
    layer: str | None = None
    encoding: str | None = None
    crs: str | None = None
    gcj02: bool = False
    mapping: FieldMapping | None = None
    repair: bool = False
    clip_to_parent: bool = False
    partial: bool = False


@dataclass
class PreparedUpload:
    """A checked file, ready to preview and (without errors) to publish."""

    source: SourceInfo
    level: str
    crs: crs_mod.CrsChoice
    mapping: FieldMapping
    mapping_how: str  # "chosen", "remembered", "guessed"
    fields: list[str]
    attributes: pd.DataFrame
    result: CheckResult
    diff: Diff
    base: VersionInfo | None
    base_in_scope: pd.DataFrame
    base_parents: pd.DataFrame  # the parent level of the current version (the preview draws it)
    removal: Removal  # current areas the file lacks: publishing them needs a confirmation
    options: UploadOptions
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def problems(self) -> list[Problem]:
        """Every problem found, errors first."""
        return self.result.problems

    @property
    def can_publish(self) -> bool:
        """True when no problem blocks publication."""
        return not has_errors(self.problems) and len(self.result.candidates.code) > 0

    def summary(self) -> dict:
        """The upload in a few JSON-ready figures (for the audit record and the report)."""
        errors = sum(p.severity == "error" for p in self.problems)
        return {
            "file": {
                "name": self.source.name,
                "bytes": self.source.size,
                "sha256": self.source.sha256,
                "format": self.source.format,
                "layer": self.source.layer,
                "encoding": self.source.encoding.name if self.source.encoding else None,
                "encoding_how": self.source.encoding.how if self.source.encoding else None,
                "notices": self.source.notices,
            },
            "crs": {
                "srid": self.crs.srid,
                "name": self.crs.name,
                "how": self.crs.how,
                "gcj02": self.crs.gcj02,
                "note": self.crs.note,
            },
            "level": self.level,
            "features": len(self.result.candidates.code),
            "mapping": self.mapping.__dict__,
            "mapping_how": self.mapping_how,
            "options": {
                "repair": self.options.repair,
                "clip_to_parent": self.options.clip_to_parent,
                "partial": self.options.partial,
            },
            "errors": errors,
            "warnings": len(self.problems) - errors,
            "repairs": len(self.result.repairs),
            "removal": {
                k: v for k, v in self.removal.to_json().items() if k not in ("areas", "parents")
            },
            "base_version": self.base.id if self.base else None,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


def mapped_values(attributes: pd.DataFrame, mapping: FieldMapping) -> pd.DataFrame:
    """The mapped columns: code, name, parent_code, kind, kind_raw, population_raw."""
    n = len(attributes)

    def column(name: str | None) -> list[str | None]:
        if name is None or name not in attributes:
            return [None] * n
        return [clean_text(v) for v in attributes[name]]

    codes = column(mapping.code)
    if mapping.parent_from_code:
        parents = [c[:-CODE_STEP] if c and len(c) > CODE_STEP else None for c in codes]
    else:
        parents = column(mapping.parent)
    kind_raw = column(mapping.kind)
    return pd.DataFrame(
        {
            "code": codes,
            "name": column(mapping.name),
            "parent_code": parents,
            "kind": [normalise_kind(v) for v in kind_raw],
            "kind_raw": kind_raw,
            "population_raw": column(mapping.population),
        },
        dtype=object,
    )


def base_tree(
    conn: psycopg2.extensions.connection, level: str, version: VersionInfo | None
) -> BaseTree:
    """The parts of the current version a check of `level` needs."""
    empty = pd.DataFrame(columns=["code", "name", "parent_code", "kind", "population", "geom"])
    if version is None:
        return BaseTree(None, level, empty, empty, empty, {})
    child = CHILD_LEVEL[level]
    return BaseTree(
        version_id=version.id,
        level=level,
        parents=level_areas(conn, version.id, PARENT_LEVEL[level]),
        same_level=level_areas(conn, version.id, level),
        children=level_areas(conn, version.id, child) if child else empty,
        other_codes=codes_outside_level(conn, version.id, level),
    )


def choose_mapping(
    conn: psycopg2.extensions.connection, raw: RawLayer, level: str, parent_codes: set[str]
) -> tuple[FieldMapping, str]:
    """The remembered mapping for these fields if it fits, else a guess."""
    remembered = recall_mapping(conn, level, raw.fields)
    if remembered is not None:
        return remembered, "remembered"
    return guess_mapping(raw.attributes, level, parent_codes), "guessed"


def prepare_raw(
    conn: psycopg2.extensions.connection,
    raw: RawLayer,
    options: UploadOptions,
    tree: BaseTree | None = None,
) -> PreparedUpload:
    """Check an already read layer against the current version (read-only on the database).

    `tree` is the current version's areas for the level when the caller has them already
    (`base_tree`); they are read otherwise.
    """
    if options.level not in LEVELS:
        raise DataError(
            Detail(
                f"层级必须是 {', '.join(LEVELS)} 之一", f"the level is one of {', '.join(LEVELS)}"
            )
        )
    timings: dict[str, float] = {}
    start = time.perf_counter()
    crs_choice, geoms = crs_mod.resolve(
        raw.geometries, raw.info.declared_crs, raw.info.format, options.crs, options.gcj02
    )
    timings["crs"] = time.perf_counter() - start
    start = time.perf_counter()
    version = current_version(conn)
    if tree is None or tree.version_id != (version.id if version else None):
        tree = base_tree(conn, options.level, version)
    timings["load_current"] = time.perf_counter() - start
    if options.mapping is not None:
        mapping, how = options.mapping, "chosen"
    else:
        mapping, how = choose_mapping(conn, raw, options.level, set(tree.parents["code"]))
    if mapping.code is None:
        raise DataError(
            Detail(
                f"无法确定哪个字段是编码：请在字段对应中选择（可选字段：{'、'.join(raw.fields)}）",
                "which field holds the code cannot be told: choose it in the field mapping "
                f"(fields: {', '.join(raw.fields)})",
            )
        )
    start = time.perf_counter()
    values = mapped_values(raw.attributes, mapping)
    result = check(
        values,
        geoms,
        raw.unreadable,
        raw.unclosed,
        tree,
        CheckOptions(options.repair, options.clip_to_parent, options.partial),
    )
    timings["check"] = time.perf_counter() - start
    start = time.perf_counter()
    same = tree.same_level
    in_scope = same[same["parent_code"].isin(result.scope_parents)] if len(same) else same
    diff = compute_diff(result.candidates, in_scope)
    timings["diff"] = time.perf_counter() - start
    start = time.perf_counter()
    removal = removal_of(
        conn, version.id if version else None, options.level, diff, result.candidates, in_scope,
        tree.parents,
    )  # fmt: skip
    timings["removal"] = time.perf_counter() - start
    return PreparedUpload(
        source=raw.info,
        level=options.level,
        crs=crs_choice,
        mapping=mapping,
        mapping_how=how,
        fields=raw.fields,
        attributes=raw.attributes,
        result=result,
        diff=diff,
        base=version,
        base_in_scope=in_scope,
        base_parents=tree.parents,
        removal=removal,
        options=options,
        timings=timings,
    )


def prepare_upload(
    conn: psycopg2.extensions.connection, data: bytes, name: str, options: UploadOptions
) -> PreparedUpload:
    """Read, convert, map, check and diff an uploaded file; nothing is written."""
    start = time.perf_counter()
    raw = read_upload(data, name, layer=options.layer, encoding=options.encoding)
    elapsed = time.perf_counter() - start
    prepared = prepare_raw(conn, raw, options)
    prepared.timings = {"read": elapsed, **prepared.timings}
    return prepared
