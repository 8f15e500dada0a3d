"""The dashboard's launcher: no lookup of the machine's IP on the internet, the real peer
address of each connection, the route of the HttpOnly cookie, and `minqing run`'s address."""

from __future__ import annotations

import asyncio
import threading

from starlette.applications import Starlette
from streamlit import net_util
from streamlit.testing.v1 import AppTest
from streamlit.web.server.starlette import starlette_server

from dashboard import session_cookie
from dashboard.serve import keep_real_peer_address, skip_external_ip_lookup
from geo.cli import dashboard_command, main


def test_no_external_ip_lookup(monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr(net_util, "_external_ip", None)
    monkeypatch.setattr(net_util, "_make_blocking_http_get", lambda url, timeout: asked.append(url))
    skip_external_ip_lookup()
    assert not net_util.get_external_ip()
    assert asked == []


def test_without_the_launcher_streamlit_would_ask(monkeypatch):
    """The check above can fail: unpatched, Streamlit does call out."""
    asked: list[str] = []
    monkeypatch.setattr(net_util, "_external_ip", None)
    monkeypatch.setattr(net_util, "_make_blocking_http_get", lambda url, timeout: asked.append(url))
    net_util.get_external_ip()
    assert asked and all("amazonaws.com" in url for url in asked)


def test_uvicorn_keeps_the_real_peer_address(monkeypatch):
    """X-Forwarded-For never replaces the connection's peer (the SSO trust decision needs it)."""
    monkeypatch.setattr(starlette_server, "_get_uvicorn_config_kwargs", lambda: {"ws": "auto"})
    keep_real_peer_address()
    assert starlette_server._get_uvicorn_config_kwargs() == {"ws": "auto", "proxy_headers": False}


def _post(app: Starlette, path: str, body: str) -> tuple[int, str]:
    """POST to an ASGI app in this process: the status and the Set-Cookie header."""
    route, _, query = path.partition("?")
    scope = {
        "type": "http", "http_version": "1.1", "method": "POST", "path": route,
        "raw_path": route.encode(), "query_string": query.encode(), "headers": [],
        "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 5000),
        "root_path": "",
    }  # fmt: skip
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body.encode(), "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    # in a thread of its own: the browser tests' Playwright keeps an event loop in this one
    worker = threading.Thread(target=lambda: asyncio.run(app(scope, receive, send)))
    worker.start()
    worker.join()
    start = next(m for m in sent if m["type"] == "http.response.start")
    cookie = dict(start["headers"]).get(b"set-cookie", b"").decode()
    return start["status"], cookie


def test_the_cookie_route_sets_an_httponly_cookie_once_per_code():
    """A code offered by a page sets the HttpOnly cookie once; unknown and used codes fail."""
    app = Starlette(routes=session_cookie.routes(""))
    code = session_cookie.offer("the-token", 3600)
    status, cookie = _post(app, "/_minqing/session?secure=0", code)
    assert status == 204
    assert cookie.startswith("minqing_session=the-token;") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Max-Age=3600" in cookie and "Secure" not in cookie
    assert _post(app, "/_minqing/session", code)[0] == 403  # used
    assert _post(app, "/_minqing/session", "made-up")[0] == 403
    status, gone = _post(app, "/_minqing/session?secure=1", session_cookie.offer(None, 3600))
    assert gone.startswith('minqing_session="";') and "Max-Age=0" in gone and "Secure" in gone


def test_minqing_run_listens_on_loopback_unless_told():
    address = next(p for p in main.commands["run"].params if p.name == "address")
    assert address.default == "127.0.0.1"
    command = dashboard_command(8600, True, address.default)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    wide = dashboard_command(8600, True, "0.0.0.0")
    assert wide[wide.index("--server.address") + 1] == "0.0.0.0"


def _sync_cookie_page() -> None:
    import streamlit as st

    from dashboard.auth import sync_cookie
    from dashboard.resources import TOKEN_KEY

    st.session_state.setdefault(TOKEN_KEY, "the-token")
    sync_cookie()


def _offered_code(at: AppTest) -> str | None:
    scripts = [node.proto.body for node in at.get("html") if session_cookie.PATH in node.proto.body]
    return scripts[0].split("body: '")[1].split("'")[0] if scripts else None


def test_the_cookie_script_is_sent_again_until_the_browser_redeems_it():
    """A run cut short may never deliver the script: each run sends it until its code is
    posted, then no more (a sign-in at the root URL switches page right after it)."""
    at = AppTest.from_function(_sync_cookie_page)
    at.run()
    code = _offered_code(at)
    assert code and session_cookie.pending(code)
    at.run()
    assert _offered_code(at) == code  # not delivered yet: the same code, offered again
    app = Starlette(routes=session_cookie.routes(""))
    assert _post(app, "/_minqing/session?secure=0", code)[0] == 204
    assert session_cookie.redeemed(code)
    at.run()
    assert _offered_code(at) is None
    at.run()
    assert _offered_code(at) is None
