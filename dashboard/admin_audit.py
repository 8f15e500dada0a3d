"""Admin page: the audit log — filter by days, actor, actions and text; table and CSV export.

Actions and details are in words in the interface's language; the raw entries stay one click
away (an expander) and in the CSV.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard.auth import require
from dashboard.auth_text import TABLE
from dashboard.errors import shown_errors
from dashboard.i18n import lang, translator
from dashboard.resources import connection
from geo.auth.audit import ACTIONS, action_text, actors, detail_text, search, to_csv
from geo.timeutil import CST, format_cst, now_utc, start_of_day_cst

tr = translator(TABLE)
user = require("audit")
st.title(tr("audit_title"))

today = now_utc().astimezone(CST).date()
days = st.date_input(tr("audit_days"), (today - timedelta(days=6), today), max_value=today)
first, last = (days[0], days[-1]) if isinstance(days, tuple) and days else (today, today)
since = start_of_day_cst(pd.Timestamp(first, tz=CST).to_pydatetime())
until = start_of_day_cst(pd.Timestamp(last, tz=CST).to_pydatetime()) + timedelta(days=1)

with shown_errors(), connection(user) as conn:
    known = actors(conn)
filters = st.columns(3)
actor = filters[0].selectbox(
    tr("audit_actor"), [""] + known, format_func=lambda a: a or tr("audit_all")
)
chosen = filters[1].multiselect(
    tr("audit_actions"),
    ACTIONS,
    format_func=lambda a: action_text(a, lang()),
    placeholder=tr("audit_all"),
    select_all=False,
)
text = filters[2].text_input(tr("audit_text"), max_chars=100)

with shown_errors(), connection(user) as conn:
    entries = search(conn, since, until, actor or None, tuple(chosen), text.strip() or None)

st.caption(tr("audit_count").format(n=len(entries)))
st.dataframe(
    pd.DataFrame(
        {
            tr("col_time"): [format_cst(e.at) for e in entries],
            tr("col_actor"): [e.actor for e in entries],
            tr("col_action"): [action_text(e.action, lang()) for e in entries],
            tr("col_target"): [e.target for e in entries],
            tr("col_detail"): [detail_text(e.action, e.detail, lang()) for e in entries],
            tr("col_client"): [e.client or "" for e in entries],
        }
    ),
    hide_index=True,
    width="stretch",
)
with st.expander(tr("audit_raw")):
    st.dataframe(
        pd.DataFrame(
            {
                "id": [e.id for e in entries],
                "action": [e.action for e in entries],
                "detail": [json.dumps(e.detail, ensure_ascii=False) for e in entries],
            }
        ),
        hide_index=True,
        width="stretch",
    )
st.download_button(
    tr("audit_export"),
    to_csv(entries),
    file_name=f"audit_{first:%Y%m%d}_{last:%Y%m%d}.csv",
    mime="text/csv",
)
