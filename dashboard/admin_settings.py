"""Admin page: the settings in effect (passwords hidden), the rules, the migrations — each a
table of name, value and meaning in the interface's language."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.auth import require
from dashboard.auth_text import TABLE
from dashboard.errors import shown_errors
from dashboard.i18n import lang, translator
from dashboard.resources import connection
from geo.migrate import applied_versions, load_migrations
from geo.rules.describe import FILES, rule_rows, rules_files
from geo.settings import get_settings, settings_summary

tr = translator(TABLE)
user = require("settings")
st.title(tr("settings_title"))
st.caption(tr("settings_how"))


def _in_language(label: object) -> str:
    return "" if label is None else label.zh if lang() == "zh" else label.en


st.dataframe(
    pd.DataFrame(
        settings_summary(get_settings(), lang()),
        columns=[tr("settings_variable"), tr("settings_value"), tr("settings_meaning")],
    ),
    hide_index=True,
    width="stretch",
)

st.subheader(tr("settings_rules"))
files = rules_files()
for tab, (file_name, text) in zip(st.tabs(list(files)), files.items(), strict=True):
    tab.caption(_in_language(FILES.get(file_name)))
    rows = rule_rows(text)
    tab.dataframe(
        pd.DataFrame(
            {
                tr("settings_rule"): [r.name for r in rows],
                tr("settings_value"): [r.value for r in rows],
                tr("settings_meaning"): [_in_language(r.meaning) for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    with tab.expander(tr("settings_file_text")):
        st.code(text, language="toml")

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
