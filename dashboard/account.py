"""Who is signed in, and the way out, at the top right of every page.

An account with one page (GIS staff: the boundary page) gets no menu from `st.navigation`,
and a collapsed or narrow sidebar hides the sidebar's sign-out: this menu is there whatever
the number of pages and the width of the window.
"""

from __future__ import annotations

import streamlit as st

from dashboard.auth import sign_out
from dashboard.auth_text import TABLE
from dashboard.i18n import lang, t
from dashboard.widgets.markdown import literal
from geo.auth import User


def account_menu(user: User) -> None:
    """A button with the user's name opening their role and the sign-out."""
    with st.container(horizontal=True, horizontal_alignment="right", key="account_bar"):
        with st.popover(
            literal(user.display_name),
            icon=":material/account_circle:",
            type="secondary",
            key="account_menu",
        ):
            st.markdown(f"**{literal(user.display_name)}** · {literal(user.username)}")
            colon = "：" if lang() == "zh" else ": "
            st.caption(f"{t('role', TABLE)}{colon}{t(f'role_{user.role}', TABLE)}")
            st.button(
                t("sign_out", TABLE),
                key="account_sign_out",
                icon=":material/logout:",
                on_click=sign_out,
            )
