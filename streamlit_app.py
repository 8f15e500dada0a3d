"""The 民情地图 router: page setup, language switch, sign-in, and the pages the role may open."""

from __future__ import annotations

import streamlit as st

from dashboard.account import account_menu
from dashboard.auth import current_user, resolved, sign_out, sync_cookie
from dashboard.auth_text import TABLE as AUTH_TEXT
from dashboard.boundaries_text import TABLE as BOUNDARY_TEXT
from dashboard.desk_text import TABLE as DESK_TEXT
from dashboard.drill_text import TABLE as DRILL_TEXT
from dashboard.errors import shown_errors
from dashboard.i18n import t
from dashboard.judgement_text import TABLE as JUDGEMENT_TEXT
from dashboard.language import keep_in_url, language_switch
from dashboard.live_text import TABLE as LIVE_TEXT
from dashboard.login import login_form
from dashboard.notices import database_notice, pending_work_notice
from dashboard.query_guard import correct_query, show_notices
from dashboard.warnings_text import TABLE as WARN_TEXT

st.set_page_config(page_title="民情地图 Minqing Map", layout="wide")
with shown_errors():  # the error boundary of every page: a message, never a traceback
    # The one check of the session in this run (the page's require reuses it); a page run is
    # a person's action: the session lives on.
    user = current_user(use=True)
    language_switch(user)
sync_cookie()

# (permission = url path, script, title). Pages the role may not open stay registered but
# hidden, so a typed URL reaches the page's own check and its refusal.
PAGES = [
    ("live", "dashboard/live_map.py", t("page_live", LIVE_TEXT)),
    ("overview", "dashboard/city_overview.py", t("page_overview")),
    ("drilldown", "dashboard/drilldown.py", t("page_drill", DRILL_TEXT)),
    ("desk", "dashboard/case_desk.py", t("page_desk", DESK_TEXT)),
    ("warnings", "dashboard/warnings.py", t("page_warnings", WARN_TEXT)),
    ("reports", "dashboard/published_reports.py", t("page_reports", JUDGEMENT_TEXT)),
    ("boundaries", "dashboard/boundaries.py", t("page", BOUNDARY_TEXT)),
    ("users", "dashboard/admin_users.py", t("page_users", AUTH_TEXT)),
    ("audit", "dashboard/admin_audit.py", t("page_audit", AUTH_TEXT)),
    ("settings", "dashboard/admin_settings.py", t("page_settings", AUTH_TEXT)),
]
allowed = [key for key, _, _ in PAGES if user is not None and user.may(key)]
pages = {
    key: st.Page(
        script,
        title=title,
        url_path=key,
        visibility="visible" if key in allowed else "hidden",
    )
    for key, script, title in PAGES
}


def home() -> None:
    """The root URL: open the first page the role may use, at its own URL."""
    st.switch_page(pages[allowed[0] if allowed else "live"], query_params=st.query_params.to_dict())


navigation = st.navigation(
    [
        st.Page(home, title="民情地图", url_path="home", default=True, visibility="hidden"),
        *pages.values(),
    ],
    position="sidebar" if user is not None else "hidden",
)
if user is None:
    # The page asked for (and its query) stays in the URL: signing in reruns into it.
    with shown_errors():
        login_form()
    st.stop()
st.sidebar.text(f"{t('signed_in_as', AUTH_TEXT)}: {user.display_name} ({user.username})")
if st.sidebar.button(t("sign_out", AUTH_TEXT)):
    with shown_errors():
        sign_out()
    st.rerun()
with shown_errors(), resolved(user):
    account_menu(user)
    database_notice(user)
    pending_work_notice(user)
    correct_query()
    if navigation.url_path:  # the root URL ("") switches to the first page, which says it
        show_notices()
    navigation.run()
    keep_in_url()  # a page that rewrote its query (?area=, ?period=) keeps the language
