"""The interface language that survives a reload and a shared link.

Where the choice comes from: at the start of a browser session, the URL's `?lang=` when given
(a shared link opens in the language it was shared in), else Chinese; when the person signs in
(the form, or the SSO gateway's first run) and the link said nothing, their own choice kept in
the database (it follows the person to another browser or computer, which a cookie would
not). Within a session the switch decides; the URL then carries `?lang=en` while English is
shown, so a reload or a copied link keeps it, and each switch is kept for the user
(`minqing_set_my_language`, migration 140). A session restored from its cookie keeps the
URL's word: the stored choice counts at sign-in, not on every visit.
"""

from __future__ import annotations

import streamlit as st

from dashboard.auth import signed_in_by_gateway
from dashboard.i18n import LANGUAGES, TEXT, lang
from dashboard.resources import connection
from geo.auth import User
from geo.auth.users import my_language, set_my_language

KEY = "lang"
DEFAULT = "zh"
_FOR_USER = "lang_for_user"
_FROM_URL = "lang_from_url"


def _url_language() -> str | None:
    asked = st.query_params.get(KEY)
    return asked if asked in LANGUAGES else None


def _stored(user: User) -> str | None:
    with connection(user) as conn:
        return my_language(conn)


def _remember(user: User | None) -> None:
    """The switch moved: keep the choice for the signed-in user (if any) and in the URL."""
    keep_in_url()
    if user is not None and st.session_state.get(_FOR_USER):
        with connection(user) as conn:
            set_my_language(conn, lang())


def keep_in_url() -> None:
    """Put `?lang=en` in the URL while English is shown; the default needs none."""
    if lang() == DEFAULT:
        if KEY in st.query_params:
            del st.query_params[KEY]
    elif st.query_params.get(KEY) != lang():
        st.query_params[KEY] = lang()


def language_switch(user: User | None) -> None:
    """Settle this run's language (URL, then the user's choice, then Chinese) and draw the
    sidebar switch that changes and keeps it."""
    if KEY not in st.session_state:
        asked = _url_language()
        st.session_state[_FROM_URL] = asked is not None
        st.session_state[KEY] = asked or DEFAULT
    if user is None:
        st.session_state[_FOR_USER] = ""  # signed out: the next user signs in here
    elif st.session_state.get(_FOR_USER) != user.username:
        signing_in = st.session_state.get(_FOR_USER) == "" or signed_in_by_gateway()
        st.session_state[_FOR_USER] = user.username
        stored = _stored(user) if signing_in and not st.session_state[_FROM_URL] else None
        if stored in LANGUAGES:
            st.session_state[KEY] = stored
    keep_in_url()
    st.sidebar.selectbox(
        TEXT["language"][lang()],
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=KEY,
        on_change=_remember,
        args=(user,),
    )
