"""The 民情地图 router: page setup, language switch, and the pages."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import language_switch, t

st.set_page_config(page_title="民情地图 Minqing Map", layout="wide")
language_switch()

pages = [
    st.Page("dashboard/city_overview.py", title=t("page_overview"), default=True),
    st.Page("dashboard/boundaries.py", title="网格边界 Boundaries", url_path="boundaries"),
]
st.navigation(pages).run()
