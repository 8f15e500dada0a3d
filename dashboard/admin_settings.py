"""Admin page: the settings in effect (passwords hidden), the rules files, the migrations."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import streamlit as st

from dashboard.auth import require
from dashboard.auth_text import TABLE
from dashboard.errors import shown_errors
from dashboard.i18n import translator
from dashboard.resources import connection
from geo.migrate import applied_versions, load_migrations
from geo.settings import get_settings, settings_summary

tr = translator(TABLE)
user = require("settings")
st.title(tr("settings_title"))
st.caption(tr("settings_how"))

st.dataframe(
    pd.DataFrame(
        settings_summary(get_settings()),
        columns=[tr("settings_variable"), tr("settings_value")],
    ),
    hide_index=True,
)

st.subheader(tr("settings_rules"))
rules = sorted(
    (entry for entry in resources.files("geo.rules").iterdir() if entry.name.endswith(".toml")),
    key=lambda entry: entry.name,
)
for tab, entry in zip(st.tabs([entry.name for entry in rules]), rules, strict=True):
    tab.code(entry.read_text(encoding="utf-8"), language="toml")

st.subheader(tr("settings_migrations"))
with shown_errors(), connection(user) as conn:
    applied = applied_versions(conn)
st.dataframe(
    pd.DataFrame(
        [(m.version, m.name, m.version in applied) for m in load_migrations()],
        columns=[tr("settings_version"), tr("settings_name"), tr("settings_applied")],
    ),
    hide_index=True,
)
