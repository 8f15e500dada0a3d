"""A row of key figures, each with an optional change since the last refresh."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Figure:
    """One key figure: label, value text, change text, and whether a rise is bad."""

    label: str
    value: str
    delta: str | None = None
    rise_is_bad: bool = False
    help: str | None = None


def kpi_strip(figures: Sequence[Figure]) -> None:
    """The figures side by side (st.metric), changes coloured good or bad."""
    for column, figure in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(
            figure.label,
            figure.value,
            delta=figure.delta,
            delta_color="inverse" if figure.rise_is_bad else "normal",
            help=figure.help,
            border=True,
        )
