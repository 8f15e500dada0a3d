"""The 民情地图 router: page setup, language switch, and the pages."""

from __future__ import annotations

import streamlit as st

from dashboard.drill_text import TABLE as DRILL_TEXT
from dashboard.i18n import language_switch, t
from dashboard.live_text import TABLE as LIVE_TEXT

st.set_page_config(page_title="民情地图 Minqing Map", layout="wide")
language_switch()

pages = [
    st.Page(
        "dashboard/live_map.py", title=t("page_live", LIVE_TEXT), url_path="live", default=True
    ),
    st.Page("dashboard/city_overview.py", title=t("page_overview"), url_path="overview"),
    st.Page("dashboard/drilldown.py", title=t("page_drill", DRILL_TEXT), url_path="drilldown"),
    st.Page("dashboard/boundaries.py", title="网格边界 Boundaries", url_path="boundaries"),
]
st.navigation(pages).run()
