"""Which attribute is the code, name, parent code, kind and population; remembered per level."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import psycopg2.extensions

LEVELS = ("street", "community", "grid")
PARENT_LEVEL = {"street": "district", "community": "street", "grid": "community"}
CHILD_LEVEL = {"street": "community", "community": "grid", "grid": None}
CODE_PATTERN = re.compile(r"^[0-9A-Za-z_-]{1,40}$")
# Codes follow the statistical division codes: each level adds three digits to its parent's.
CODE_STEP = 3

_NAMES = {
    "code": ("code", "grid_code", "gridcode", "wgbm", "wgdm", "wgbh", "bm", "dm", "编码", "代码",
             "网格编码", "网格代码", "网格编号", "社区编码", "社区代码", "街道编码", "街道代码",
             "区划代码", "行政区划代码", "xzqdm", "sqbm", "sqdm", "jdbm", "jddm", "adcode", "id"),
    "name": ("name", "名称", "网格名称", "网格名", "社区名称", "街道名称", "wgmc", "mc", "sqmc",
             "jdmc", "name_zh", "名字"),
    "parent": ("parent", "parent_code", "parentcode", "pcode", "sjbm", "sjdm", "上级编码",
               "上级代码", "所属社区编码", "所属社区代码", "所属街道编码", "所属街道代码",
               "所属区县编码", "所属区县代码", "sssq", "ssjd", "ssqx"),
    "kind": ("kind", "type", "类型", "网格类型", "网格类别", "类别", "wglx", "lx", "category"),
    "population": ("population", "pop", "人口", "人口数", "常住人口", "户籍人口", "rk", "rks",
                   "czrk"),
}  # fmt: skip
KIND_VALUES = {
    "urban": ("urban", "城镇", "城市", "城区", "城镇网格", "城市网格", "城市社区", "社区网格"),
    "rural": ("rural", "农村", "乡村", "农村网格", "村", "村网格", "乡村网格"),
    "dedicated": ("dedicated", "专属", "专属网格", "专业网格", "专用网格"),
}


@dataclass(frozen=True)
class FieldMapping:
    """Field names for each role (None when the file has no such field)."""

    code: str | None = None
    name: str | None = None
    parent: str | None = None
    kind: str | None = None
    population: str | None = None
    parent_from_code: bool = False

    def to_json(self) -> str:
        """The mapping as JSON (for remembering it)."""
        return json.dumps(asdict(self), ensure_ascii=False)

    def valid_for(self, fields: list[str]) -> bool:
        """True when every named field exists in `fields`."""
        named = [self.code, self.name, self.parent, self.kind, self.population]
        return all(f is None or f in fields for f in named)


def fields_key(fields: list[str]) -> str:
    """The remembered-mapping key of a set of field names (order and case ignored)."""
    return "|".join(sorted(f.lower() for f in fields))


def clean_text(value: object) -> str | None:
    """A cell as trimmed text; integral numbers without '.0'; full-width digits made ASCII."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def normalise_kind(value: object) -> str | None:
    """'urban', 'rural' or 'dedicated' for the words people use, else None."""
    text = clean_text(value)
    if text is None:
        return None
    key = text.lower()
    for kind, words in KIND_VALUES.items():
        if key in words:
            return kind
    return None


def _by_name(fields: list[str], role: str, taken: set[str]) -> str | None:
    lowered = {f.lower(): f for f in fields if f not in taken}
    for candidate in _NAMES[role]:
        if candidate in lowered:
            return lowered[candidate]
    return None


def _codes(column: pd.Series) -> list[str]:
    return [c for c in (clean_text(v) for v in column) if c is not None]


def guess_mapping(
    attributes: pd.DataFrame, level: str, parent_codes: set[str] | frozenset[str] = frozenset()
) -> FieldMapping:
    """The most likely mapping from field names, then from the values themselves."""
    fields = list(attributes.columns)
    taken: set[str] = set()
    roles: dict[str, str | None] = {}
    for role in ("code", "parent", "name", "kind", "population"):
        roles[role] = _by_name(fields, role, taken)
        if roles[role]:
            taken.add(roles[role])
    if roles["code"] is None:
        roles["code"] = _code_by_values(attributes, taken)
        if roles["code"]:
            taken.add(roles["code"])
    parent_from_code = False
    if roles["parent"] is None and parent_codes:
        roles["parent"] = _parent_by_values(attributes, taken, parent_codes)
        if roles["parent"] is None and roles["code"]:
            codes = _codes(attributes[roles["code"]])
            derived = sum(1 for c in codes if c[:-CODE_STEP] in parent_codes)
            parent_from_code = bool(codes) and derived >= 0.8 * len(codes)
    if roles["name"] is None:
        roles["name"] = _name_by_values(attributes, taken | {roles["parent"] or ""})
    return FieldMapping(
        code=roles["code"],
        name=roles["name"],
        parent=roles["parent"],
        kind=roles["kind"] if level == "grid" else None,
        population=roles["population"],
        parent_from_code=parent_from_code,
    )


def _code_by_values(attributes: pd.DataFrame, taken: set[str]) -> str | None:
    for field in attributes.columns:
        if field in taken:
            continue
        codes = _codes(attributes[field])
        if (
            codes
            and len(set(codes)) == len(codes) == len(attributes)
            and all(CODE_PATTERN.match(c) and c.isdigit() and len(c) >= 6 for c in codes)
        ):
            return field
    return None


def _parent_by_values(
    attributes: pd.DataFrame, taken: set[str], parent_codes: set[str] | frozenset[str]
) -> str | None:
    for field in attributes.columns:
        if field in taken:
            continue
        codes = _codes(attributes[field])
        if codes and sum(1 for c in codes if c in parent_codes) >= 0.8 * len(codes):
            return field
    return None


def _name_by_values(attributes: pd.DataFrame, taken: set[str]) -> str | None:
    for field in attributes.columns:
        if field in taken:
            continue
        values = [str(v) for v in attributes[field] if clean_text(v)]
        if values and sum(bool(re.search(r"[\u4e00-\u9fff]", v)) for v in values) > len(values) / 2:
            return field
    return None


RECALL = """
SELECT mapping FROM boundary_field_mappings
WHERE level = %(level)s
ORDER BY (fields_key = %(key)s) DESC, updated_at DESC
LIMIT 5
"""

REMEMBER = """
INSERT INTO boundary_field_mappings (level, fields_key, mapping, updated_by)
VALUES (%(level)s, %(key)s, %(mapping)s, %(actor)s)
ON CONFLICT (level, fields_key) DO UPDATE
SET mapping = EXCLUDED.mapping, updated_by = EXCLUDED.updated_by, updated_at = now()
"""


def recall_mapping(
    conn: psycopg2.extensions.connection, level: str, fields: list[str]
) -> FieldMapping | None:
    """The mapping last chosen for these fields (else for this level) if it fits these fields."""
    with conn.cursor() as cur:
        cur.execute(RECALL, {"level": level, "key": fields_key(fields)})
        rows = cur.fetchall()
    for (stored,) in rows:
        mapping = FieldMapping(
            **{k: v for k, v in stored.items() if k in FieldMapping.__annotations__}
        )
        if mapping.valid_for(fields) and mapping.code is not None:
            return mapping
    return None


def remember_mapping(
    conn: psycopg2.extensions.connection,
    level: str,
    fields: list[str],
    mapping: FieldMapping,
    actor: str,
) -> None:
    """Keep this mapping for the next upload of this level with these fields."""
    with conn.cursor() as cur:
        cur.execute(
            REMEMBER,
            {
                "level": level,
                "key": fields_key(fields),
                "mapping": mapping.to_json(),
                "actor": actor,
            },
        )
