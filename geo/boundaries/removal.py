"""What a publication would remove: the areas the file lacks, their incidents, emptied parents.

A file holding only part of a level (a wrong layer, a filtered export) reads as a level whose
other areas were abolished. Publishing it deletes them and moves their incidents, so it is
refused unless the person confirms the removal explicitly (`publish(..., allow_removal=True)`,
the page's confirmation, `minqing grids import --allow-removal`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import psycopg2.extensions

from geo.boundaries.check import LEVEL_ZH, Candidates
from geo.boundaries.diff import Diff
from geo.boundaries.mapping import PARENT_LEVEL
from geo.sqlfiles import load_sql

# Names listed in a message before "等 N 个".
NAMES_SHOWN = 10


@dataclass(frozen=True)
class RemovedArea:
    """One current area the publication would delete, and the incidents it holds now."""

    code: str
    name: str
    parent_code: str
    incidents: int
    open_incidents: int
    recoded_as: str | None  # the added area covering it (a likely new code), if any


@dataclass(frozen=True)
class ParentLoss:
    """A parent losing children: how many it has, how many go, how many stay."""

    code: str
    name: str
    before: int
    removed: int
    after: int


@dataclass(frozen=True)
class Removal:
    """Every removal of one publication (empty when it removes nothing)."""

    level: str
    areas: tuple[RemovedArea, ...] = ()
    parents: tuple[ParentLoss, ...] = ()  # emptied ones first, then by incidents

    def __bool__(self) -> bool:
        return bool(self.areas)

    @property
    def incidents(self) -> int:
        """Incidents in the removed areas (they move to other areas on publication)."""
        return sum(a.incidents for a in self.areas)

    @property
    def open_incidents(self) -> int:
        """Of those, the cases still open."""
        return sum(a.open_incidents for a in self.areas)

    @property
    def emptied(self) -> tuple[ParentLoss, ...]:
        """Parents left without any child."""
        return tuple(p for p in self.parents if p.after == 0)

    def to_json(self) -> dict:
        """JSON-ready: counts, the removed areas and the parents losing children."""
        return {
            "level": self.level,
            "removed": len(self.areas),
            "incidents": self.incidents,
            "open_incidents": self.open_incidents,
            "emptied_parents": len(self.emptied),
            "areas": [a.__dict__ for a in self.areas],
            "parents": [p.__dict__ for p in self.parents],
        }

    def lines(self, limit: int = NAMES_SHOWN) -> list[str]:
        """The removal in Chinese, for a terminal or an error: count, names, incidents."""
        if not self:
            return []
        unit, parent_unit = LEVEL_ZH[self.level], LEVEL_ZH[PARENT_LEVEL[self.level]]
        held = sum(a.incidents > 0 for a in self.areas)
        lines = [
            f"发布将删除 {len(self.areas):,} 个现有{unit}（其中 {held:,} 个有诉求，共 "
            f"{self.incidents:,} 条，在办 {self.open_incidents:,} 条，将改归其他{unit}）"
        ]
        for p in self.parents[:limit]:
            gone = (
                f"现有 {p.before} 个{unit}全部删除"
                if p.removed >= p.before
                else f"删除现有 {p.before} 个{unit}中的 {p.removed} 个"
            )
            after = (
                f"发布后该{parent_unit}没有任何{unit}" if p.after == 0 else f"发布后有 {p.after} 个"
            )
            lines.append(f"  {p.name}（{p.code}）：{gone}，{after}")
        if len(self.parents) > limit:
            lines.append(f"  …… 另有 {len(self.parents) - limit:,} 个{parent_unit}")
        lines.append(f"被删除的{unit}：{named(self.areas, limit)}")
        return lines


def named(areas: tuple[RemovedArea, ...] | list[RemovedArea], limit: int = NAMES_SHOWN) -> str:
    """'name（code，诉求 n 条）、…… 等 N 个': the first areas, most incidents first."""
    shown = []
    for a in areas[:limit]:
        held = f"，诉求 {a.incidents:,} 条" if a.incidents else ""
        recoded = f"，疑似改编码为 {a.recoded_as}" if a.recoded_as else ""
        shown.append(f"{a.name}（{a.code}{held}{recoded}）")
    more = f" 等 {len(areas):,} 个" if len(areas) > limit else ""
    return "、".join(shown) + more


def removed_incidents(
    conn: psycopg2.extensions.connection, version_id: int, codes: list[str]
) -> dict[str, tuple[int, int]]:
    """Incidents (all, open) now under each of the areas, by code."""
    if not codes:
        return {}
    with conn.cursor() as cur:
        cur.execute(
            load_sql("boundaries_removed_incidents"), {"version_id": version_id, "codes": codes}
        )
        return {code: (int(n), int(still_open)) for code, n, still_open in cur.fetchall()}


def removal_of(
    conn: psycopg2.extensions.connection,
    version_id: int | None,
    level: str,
    diff: Diff,
    candidates: Candidates,
    base_in_scope: pd.DataFrame,
    parents: pd.DataFrame,
) -> Removal:
    """What publishing `candidates` over the current version would remove (read-only).

    A code the file holds on a feature it cannot use (broken geometry) is not lacking: that
    feature's error blocks publication until it is fixed.
    """
    removed = diff.removed[~diff.removed["code"].isin(set(candidates.code) - {None})]
    if version_id is None or not len(removed):
        return Removal(level)
    counts = removed_incidents(conn, version_id, [str(c) for c in removed["code"]])
    recoded = dict(zip(diff.recoded["old_code"], diff.recoded["new_code"], strict=True))
    areas = sorted(
        (
            RemovedArea(
                str(code),
                str(name),
                str(parent),
                *counts.get(str(code), (0, 0)),
                recoded.get(code),
            )  # fmt: skip
            for code, name, parent in zip(
                removed["code"], removed["name"], removed["parent_code"], strict=True
            )
        ),
        key=lambda a: (-a.incidents, a.code),
    )
    frame = candidates.frame()
    usable = frame[frame["code"].notna() & frame["geom"].notna()].drop_duplicates("code")
    after = usable["parent_code"].value_counts().to_dict()
    before = base_in_scope["parent_code"].value_counts().to_dict()
    names = dict(zip(parents["code"], parents["name"], strict=True))
    lost = pd.Series([a.parent_code for a in areas]).value_counts().to_dict()
    held = pd.Series([a.parent_code for a in areas]).to_frame("parent")
    held["incidents"] = [a.incidents for a in areas]
    by_parent = held.groupby("parent")["incidents"].sum().to_dict()
    losses = sorted(
        (
            ParentLoss(
                str(code),
                str(names.get(code, code)),
                int(before.get(code, n)),
                int(n),
                int(after.get(code, 0)),
            )  # fmt: skip
            for code, n in lost.items()
        ),
        key=lambda p: (p.after > 0, -by_parent.get(p.code, 0), p.code),
    )
    return Removal(level, tuple(areas), tuple(losses))
