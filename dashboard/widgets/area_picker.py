"""The area tree as three selects (district › street › community) instead of a typed code."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from geo.drill.queries import ChildArea

PICKED_LEVELS = ("district", "street", "community")
Translate = Callable[[str], str]


def area_picker(
    children: Callable[[str], Sequence[ChildArea]], root: str, t: Translate, key: str
) -> str:
    """Choose an area under `root` one level at a time; the code of the deepest one chosen.

    An empty choice at a level keeps the area above it (the whole city, the whole district…).
    Each select's key holds its parent's code, so choosing another parent starts it afresh;
    the levels below an empty choice are shown, disabled.
    """
    code = root
    chosen = True
    for level in PICKED_LEVELS:
        found = {c.code: c.name for c in children(code) if c.level == level} if chosen else {}
        choice = st.selectbox(
            t(f"level_{level}"),
            ["", *found],
            format_func=lambda c, found=found: f"{found[c]} · {c}" if c else t("area_whole"),
            key=f"{key}_{level}_{code if chosen else ''}",
            disabled=not found,
        )
        chosen = bool(choice)
        code = choice or code
    return code
