"""What a checked file changes against the current version: added, removed, reshaped, renamed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geo.boundaries.check import Candidates
from geo.boundaries.metric import area_m2

# A same-code area whose outline moved by less than this (symmetric difference) is unchanged.
RESHAPE_M2 = 1.0
# An added and a removed area covering each other this much are reported as a new code.
RECODE_SHARE = 0.9
_TOUCH = 1e-7  # degrees (about 1 cm): outlines this close count as the same


@dataclass
class Diff:
    """The changes a publication would make to one level (within its scope)."""

    added: pd.DataFrame  # code, name, parent_code, area_m2, geom
    removed: pd.DataFrame  # code, name, parent_code, area_m2, geom
    reshaped: pd.DataFrame  # code, name, old_area_m2, new_area_m2, changed_m2, share, old, new
    renamed: pd.DataFrame  # code, old_name, new_name
    reparented: pd.DataFrame  # code, name, old_parent, new_parent
    recoded: pd.DataFrame  # old_code, new_code, name, share
    unchanged: int

    def counts(self) -> dict[str, int]:
        """How many areas each kind of change touches."""
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "reshaped": len(self.reshaped),
            "renamed": len(self.renamed),
            "reparented": len(self.reparented),
            "recoded": len(self.recoded),
            "unchanged": self.unchanged,
        }

    def to_json(self, limit: int = 10_000) -> dict:
        """The diff as JSON-ready lists (geometry left out), at most `limit` rows each."""

        def rows(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
            out = frame[columns].head(limit).to_dict("records")
            return [{k: _plain(v) for k, v in row.items()} for row in out]

        return {
            "counts": self.counts(),
            "added": rows(self.added, ["code", "name", "parent_code", "area_m2"]),
            "removed": rows(self.removed, ["code", "name", "parent_code", "area_m2"]),
            "reshaped": rows(
                self.reshaped, ["code", "name", "old_area_m2", "new_area_m2", "changed_m2", "share"]
            ),
            "renamed": rows(self.renamed, ["code", "old_name", "new_name"]),
            "reparented": rows(self.reparented, ["code", "name", "old_parent", "new_parent"]),
            "recoded": rows(self.recoded, ["old_code", "new_code", "name", "share"]),
        }


def _plain(value: object) -> object:
    if isinstance(value, np.floating):
        return round(float(value), 1)
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, np.integer):
        return int(value)
    return value


def compute_diff(candidates: Candidates, base: pd.DataFrame) -> Diff:
    """The changes from `base` (the current areas in scope) to the usable candidates."""
    new = candidates.frame()
    new = new[new["geom"].notna() & new["code"].notna()].drop_duplicates("code", keep=False)
    old = base if len(base) else pd.DataFrame(columns=["code", "name", "parent_code", "geom"])
    both = new.merge(old, on="code", suffixes=("", "_old"))
    added = new[~new["code"].isin(old["code"])].copy()
    removed = old[~old["code"].isin(new["code"])].copy()
    added["area_m2"] = area_m2(added["geom"].to_numpy(dtype=object)) if len(added) else []
    removed["area_m2"] = area_m2(removed["geom"].to_numpy(dtype=object)) if len(removed) else []
    reshaped = _reshaped(both)
    renamed = both.loc[both["name"] != both["name_old"], ["code", "name_old", "name"]].rename(
        columns={"name_old": "old_name", "name": "new_name"}
    )
    reparented = both.loc[
        both["parent_code"] != both["parent_code_old"],
        ["code", "name", "parent_code_old", "parent_code"],
    ].rename(columns={"parent_code_old": "old_parent", "parent_code": "new_parent"})
    recoded = _recoded(added, removed)
    changed = set(reshaped["code"]) | set(renamed["code"]) | set(reparented["code"])
    unchanged = int((~both["code"].isin(changed)).sum())
    return Diff(
        added=added[["code", "name", "parent_code", "area_m2", "geom"]].reset_index(drop=True),
        removed=removed[["code", "name", "parent_code", "area_m2", "geom"]].reset_index(drop=True),
        reshaped=reshaped,
        renamed=renamed.reset_index(drop=True),
        reparented=reparented.reset_index(drop=True),
        recoded=recoded,
        unchanged=unchanged,
    )


def _reshaped(both: pd.DataFrame) -> pd.DataFrame:
    columns = ["code", "name", "old_area_m2", "new_area_m2", "changed_m2", "share", "old", "new"]
    if not len(both):
        return pd.DataFrame(columns=columns)
    new = both["geom"].to_numpy(dtype=object)
    old = both["geom_old"].to_numpy(dtype=object)
    same = shapely.equals_exact(new, old, tolerance=_TOUCH)
    idx = np.flatnonzero(~same)
    if not len(idx):
        return pd.DataFrame(columns=columns)
    changed = area_m2(shapely.symmetric_difference(new[idx], old[idx]))
    moved = changed > RESHAPE_M2
    idx, changed = idx[moved], changed[moved]
    old_area = area_m2(old[idx])
    return pd.DataFrame(
        {
            "code": both["code"].to_numpy()[idx],
            "name": both["name"].to_numpy()[idx],
            "old_area_m2": old_area,
            "new_area_m2": area_m2(new[idx]),
            "changed_m2": changed,
            "share": np.where(old_area > 0, changed / np.maximum(old_area, 1e-9), 1.0),
            "old": old[idx],
            "new": new[idx],
        }
    )


def _recoded(added: pd.DataFrame, removed: pd.DataFrame) -> pd.DataFrame:
    columns = ["old_code", "new_code", "name", "share"]
    if not len(added) or not len(removed):
        return pd.DataFrame(columns=columns)
    new = added["geom"].to_numpy(dtype=object)
    old = removed["geom"].to_numpy(dtype=object)
    left, right = shapely.STRtree(old).query(new, predicate="intersects")
    if not len(left):
        return pd.DataFrame(columns=columns)
    inter = area_m2(shapely.intersection(new[left], old[right]))
    union = area_m2(shapely.union(new[left], old[right]))
    share = np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)
    hit = share >= RECODE_SHARE
    return pd.DataFrame(
        {
            "old_code": removed["code"].to_numpy()[right[hit]],
            "new_code": added["code"].to_numpy()[left[hit]],
            "name": added["name"].to_numpy()[left[hit]],
            "share": share[hit],
        }
    )
