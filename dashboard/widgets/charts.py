"""Charts made once per what they show: a page's run draws a cached Vega-Lite spec."""

from __future__ import annotations

from collections.abc import Callable, Hashable

import altair as alt
import streamlit as st

from layers.charts import chart_spec


@st.cache_resource(max_entries=512, show_spinner=False)
def _spec(key: tuple[Hashable, ...], _build: Callable[[], alt.TopLevelMixin]) -> dict:
    """The spec of the chart `_build` makes, once per `key`."""
    return chart_spec(_build())


def cached_chart(key: tuple[Hashable, ...], build: Callable[[], alt.TopLevelMixin]) -> None:
    """Draw the chart `build` makes, made once per `key` (everything the chart depends on:
    the data's version, the area, the period, the language)."""
    st.vega_lite_chart(spec={**_spec(key, build)}, width="stretch")
