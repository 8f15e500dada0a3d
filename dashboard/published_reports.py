"""平安报表发布 · the safety reports published when their period closed, to download.

Leaders see the reports of their own scope (row-level security: a district's leaders their
district's, the city's every report); each version is listed with who made it and why.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st
from psycopg2.pool import ThreadedConnectionPool

from dashboard.auth import require
from dashboard.errors import shown_errors
from dashboard.i18n import translator
from dashboard.judgement_text import TABLE
from dashboard.resources import connection, pool, session_token
from geo import db
from geo.auth import User
from geo.publish.store import Listed, list_reports, report_file
from geo.timeutil import format_cst
from geo.vocabulary import INDEX_DECIMALS

t = translator(TABLE)


def _file(pool_: ThreadedConnectionPool, token: str | None, report_id: int, kind: str) -> bytes:
    """A stored file, read when its button is pressed (empty when no longer visible)."""
    with db.session_transaction(pool_, token) as conn:
        found = report_file(conn, report_id, kind)
    return found[1] if found else b""


def _table(reports: list[Listed]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("rep_period"): [r.period_key for r in reports],
            t("rep_kind"): [t("rep_" + r.period_kind) for r in reports],
            t("rep_area"): [r.area_name for r in reports],
            t("rep_version"): [r.version for r in reports],
            t("rep_index"): [r.summary.get("index") for r in reports],
            t("rep_band"): [r.summary.get("band") or "—" for r in reports],
            t("rep_new"): [r.summary.get("new") for r in reports],
            t("rep_made"): [format_cst(r.made_at) for r in reports],
            t("rep_by"): [r.made_by for r in reports],
            t("rep_reason"): [r.reason for r in reports],
            t("rep_rules"): [f"{r.safety_rules[:8]} · {r.scorecard_rules}" for r in reports],
        }
    )


def render(user: User) -> None:
    """Draw the page."""
    st.title(t("page_reports"))
    st.caption(t("rep_caption"))
    kinds = {"": t("rep_all"), "month": t("rep_month"), "week": t("rep_week")}
    kind = st.radio(t("rep_kind"), list(kinds), format_func=kinds.__getitem__, horizontal=True)
    with shown_errors(), connection(user) as conn:
        reports = list_reports(conn, kind or None)
    if not reports:
        st.info(t("rep_none"))
        return
    st.dataframe(
        _table(reports),
        hide_index=True,
        width="stretch",
        column_config={
            t("rep_index"): st.column_config.NumberColumn(format=f"%.{INDEX_DECIMALS}f")
        },
    )
    labels = {
        r.id: f"{r.period_key} · {r.area_name} · v{r.version} · {format_cst(r.made_at)}"
        for r in reports
    }
    chosen = st.selectbox(t("rep_pick"), list(labels), format_func=labels.__getitem__)
    report = next(r for r in reports if r.id == chosen)
    stem = f"平安报表_{report.area_name}_{report.period_key}" + (
        f"_v{report.version}" if report.version > 1 else ""
    )
    # Streamlit reads the file on click in a thread of its own, outside this run: the user's
    # session and the pool are taken now, so the file is read as the user may see it.
    read = partial(_file, pool(), session_token(), report.id)
    left, right, _ = st.columns([1, 1, 4])
    with left:
        st.download_button(
            t("rep_xlsx"), data=lambda: read("xlsx"), file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"published-xlsx-{report.id}",
        )  # fmt: skip
    with right:
        st.download_button(
            t("rep_pdf"), data=lambda: read("pdf"), file_name=f"{stem}.pdf",
            mime="application/pdf", key=f"published-pdf-{report.id}",
        )  # fmt: skip


render(require("reports"))
