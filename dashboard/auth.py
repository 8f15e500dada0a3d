"""Who is signed in, and the check every page makes at its top: `user = require("drilldown")`.

The session is checked against the database once per page run: the router resolves the
user (`current_user`) and runs the page inside `resolved(user)`, so the page's `require`
returns that user; the page hands it on (`connection(user)`, `scope_key(user)`). A run the
router does not make (a fragment's own rerun, a page opened alone in a test) checks once
in its `require`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import cast

import streamlit as st

from dashboard import session_cookie
from dashboard.auth_text import TABLE
from dashboard.i18n import t
from dashboard.resources import (
    SSO_TOKEN,
    TOKEN_KEY,
    browser_cookie,
    connection,
    pool,
    session_token,
)
from geo import db
from geo.auth import User
from geo.auth.audit import record
from geo.auth.sessions import revoke_session, session_user, sso_session
from geo.auth.sso import header_username, is_trusted, trusted_networks
from geo.settings import get_settings

_COOKIE_SET = "auth_cookie_set"
_COOKIE_OFFER = "auth_cookie_offer"  # (token or "", code) offered to this browser
_COOKIE_RUNS = "auth_cookie_runs"
_NOTICE = "auth_notice"
_SIGNED_OUT = "auth_signed_out"
_UNRESOLVED = object()
_RUN_USER: ContextVar[object] = ContextVar("minqing_run_user", default=_UNRESOLVED)


def _headers() -> dict[str, str]:
    headers = st.context.headers
    return {k: v for k, v in headers.items() if isinstance(k, str) and isinstance(v, str)}


def _peer_address() -> str:
    # Streamlit reports a loopback peer as None.
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "127.0.0.1"


def client_address() -> str:
    """Where the request came from: the trusted proxy's X-Forwarded-For, else the peer."""
    peer = _peer_address()
    settings = get_settings()
    forwarded = _headers().get("X-Forwarded-For") or _headers().get("x-forwarded-for")
    if forwarded and is_trusted(peer, trusted_networks(settings.trusted_proxies)):
        return forwarded.split(",")[0].strip()[:100]
    return peer


def _sso_user(use: bool) -> User | None:
    settings = get_settings()
    name = header_username(_headers(), _peer_address(), settings)
    if name is None:
        return None
    with db.transaction(pool()) as conn:
        user = session_user(conn, st.session_state.get(SSO_TOKEN), use)
        if user is None or user.username != name:
            found = sso_session(conn, name, settings, client_address())
            if found is None:
                st.session_state[_NOTICE] = ("sso_unknown", name)
                return None
            user, st.session_state[SSO_TOKEN] = found
    return user


def current_user(use: bool = False) -> User | None:
    """The signed-in user (the session checked by the database now), or None.

    `use`: this run is a person's own action (the router's run of a page), which keeps the
    session alive; a timed refresh of a fragment does not.
    """
    sso = _sso_user(use)
    if sso is not None:
        return sso
    token = session_token()
    if not token:
        return None
    with db.transaction(pool()) as conn:
        user = session_user(conn, token, use)
    if user is not None:
        st.session_state[TOKEN_KEY] = token  # a session found by its cookie stays this one's
    elif token != st.session_state.get(_SIGNED_OUT):
        st.session_state[TOKEN_KEY] = ""
        st.session_state[_NOTICE] = ("expired", "")
    return user


@contextmanager
def resolved(user: User | None) -> Iterator[None]:
    """Within this block (the router's run of a page), `require` returns `user` unchecked."""
    token = _RUN_USER.set(user)
    try:
        yield
    finally:
        _RUN_USER.reset(token)


def require(role_or_permission: str) -> User:
    """The signed-in user when allowed this page or role; otherwise a clear message and stop.

    The user the router resolved for this run, else the session checked now (once).
    """
    known = _RUN_USER.get()
    user = current_user() if known is _UNRESOLVED else cast("User | None", known)
    if user is None:
        st.warning(t("expired", TABLE))
        st.stop()
    if not user.may(role_or_permission):
        with connection(user) as conn:
            record(conn, user.username, "access_denied", role_or_permission, {}, client_address())
        st.error(t("denied", TABLE))
        st.stop()
    return user


def remember_token(token: str) -> None:
    """Keep a new session's token in this Streamlit session (the cookie follows on render)."""
    st.session_state[TOKEN_KEY] = token
    st.session_state.pop(_NOTICE, None)


def sync_cookie() -> None:
    """Make the browser's HttpOnly sign-in cookie match this session (set, or cleared when
    signed out), through a one-time code the page's script redeems (dashboard/session_cookie)."""
    token = st.session_state.get(TOKEN_KEY) or None
    if token == st.session_state.get(_COOKIE_SET, browser_cookie()):
        return
    # The script is sent again on every run until the browser has posted its code: a run cut
    # short (the root URL switching to the first page, a rerun) may never have delivered it.
    offered, code = st.session_state.get(_COOKIE_OFFER, (None, ""))
    if offered == (token or "") and session_cookie.redeemed(code):
        st.session_state[_COOKIE_SET] = token
        return
    if offered != (token or "") or not session_cookie.pending(code):
        code = session_cookie.offer(token, get_settings().session_absolute_hours * 3600)
        st.session_state[_COOKIE_OFFER] = (token or "", code)
    base = st.get_option("server.baseUrlPath") or ""
    # A new mark each run: the same element at the same place would not be mounted (and its
    # script run) again.
    runs = st.session_state[_COOKIE_RUNS] = st.session_state.get(_COOKIE_RUNS, 0) + 1
    script = session_cookie.script(code, base) + f"<!-- {runs} -->"
    st.sidebar.html(script, unsafe_allow_javascript=True, width=1)


def sign_out() -> None:
    """End this browser's session (audited by the database) and forget it."""
    token = session_token()
    if token:
        with db.transaction(pool()) as conn:
            revoke_session(conn, token, client_address())
        st.session_state[_SIGNED_OUT] = token
    st.session_state[TOKEN_KEY] = ""
    st.session_state.pop(SSO_TOKEN, None)


def notice() -> tuple[str, str] | None:
    """Why the sign-in page is shown (expired session, unknown SSO user), if known."""
    return st.session_state.get(_NOTICE)


def signed_in_by_gateway() -> bool:
    """True when this browser's session came from the SSO gateway's header."""
    return bool(st.session_state.get(SSO_TOKEN))
