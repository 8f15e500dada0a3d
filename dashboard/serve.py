"""Start Streamlit as the dashboard needs it: offline, with the real peer address of each
connection, and with the route that sets the HttpOnly sign-in cookie."""

from __future__ import annotations

import sys
from typing import Any

from streamlit import config, net_util
from streamlit.web.cli import main
from streamlit.web.server.starlette import starlette_app, starlette_server

from dashboard import session_cookie


def skip_external_ip_lookup() -> None:
    """Answer Streamlit's external-IP question with 'none' before it asks the internet."""
    # Headless, and when checking a request's origin, Streamlit asks checkip.amazonaws.com
    # for the machine's public address; an intranet deployment must not call out. An empty
    # answer is cached as known, so Streamlit neither asks nor prints an External URL.
    net_util._external_ip = ""


def keep_real_peer_address() -> None:
    """Have uvicorn report the connection's own peer, never an X-Forwarded-For address.

    By default uvicorn replaces the peer of a connection from 127.0.0.1 with the address in
    X-Forwarded-For. Behind the documented gateway (nginx on the same host, sending
    `X-Forwarded-For $remote_addr`) the gateway then looked like the browser, and the SSO
    header was ignored; any local process could claim any address. The trust decision
    (`geo.auth.sso`) needs the real peer; the browser's address is read from the header only
    when that peer is a trusted proxy (`dashboard.auth.client_address`).
    """
    original = starlette_server._get_uvicorn_config_kwargs

    def without_proxy_headers() -> dict[str, Any]:
        return {**original(), "proxy_headers": False}

    starlette_server._get_uvicorn_config_kwargs = without_proxy_headers


def add_session_cookie_route() -> None:
    """Serve `/_minqing/session` beside Streamlit's routes (`dashboard.session_cookie`)."""
    original = starlette_app.create_streamlit_routes

    def with_session_route(runtime: Any) -> list:
        base = config.get_option("server.baseUrlPath") or ""
        return [*session_cookie.routes(base), *original(runtime)]

    starlette_app.create_streamlit_routes = with_session_route


if __name__ == "__main__":
    skip_external_ip_lookup()
    keep_real_peer_address()
    add_session_cookie_route()
    sys.exit(main(prog_name="streamlit"))
