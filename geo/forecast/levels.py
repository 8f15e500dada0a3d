"""Adding grid figures up to communities, streets, districts and the city, per category and in
all ('*'), so that every level's forecast is the sum of its grids' (they always agree)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.forecast.series import Grids

LEVELS = ("grid", "community", "street", "district", "city")
ALL = "*"


@dataclass(frozen=True)
class Level:
    """One level: its areas' codes and, for each grid, the index of its area."""

    name: str
    codes: np.ndarray
    of_grid: np.ndarray

    def add_up(self, values: np.ndarray) -> np.ndarray:
        """Grid × category values summed per area, with their total as a last column."""
        out = np.zeros((len(self.codes), values.shape[1] + 1))
        np.add.at(out[:, :-1], self.of_grid, values)
        out[:, -1] = out[:, :-1].sum(axis=1)
        return out


def levels(grids: Grids, city_code: str) -> list[Level]:
    """The five levels of the tree, from the grids up to the city."""
    out = [Level("grid", grids.code, np.arange(len(grids)))]
    for name, codes in (
        ("community", grids.community),
        ("street", grids.street),
        ("district", grids.district),
    ):
        unique, index = np.unique(codes, return_inverse=True)
        out.append(Level(name, unique, index))
    out.append(Level("city", np.array([city_code], dtype=object), np.zeros(len(grids), dtype=int)))
    return out
