"""pandas helpers for the intake's column checks."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def mapped(values: pd.Series, mapping: Mapping) -> pd.Series:
    """`values.map(mapping)` (NaN where the mapping has no key) without turning the mapping
    into an indexed Series on every call, which costs more than the lookups for the few rows
    of a pushed report (about 0.8 ms a call for the 215 category names)."""
    return pd.Series([mapping.get(v, np.nan) for v in values], index=values.index)
