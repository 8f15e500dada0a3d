"""Start Streamlit as the dashboard needs it: offline, with the real peer address of each
connection, and with the route that sets the HttpOnly sign-in cookie; `served` runs a script
that way on a free port for the tests and the benchmarks (`server_process`: any server)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
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


def free_port() -> int:
    """A local TCP port free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server_process(
    args: list[str], env: dict[str, str], port: int, health: str, what: str, seconds: float = 60,
    cwd: Path | None = None,
) -> Iterator[str]:  # fmt: skip
    """A server started by `args` (from the project's folder, or `cwd`, with extra environment)
    on this port, once `health` answers 200; its URL. Ended (terminated, killed if need be)
    when the block ends."""
    process = subprocess.Popen(
        args, cwd=cwd or Path(__file__).resolve().parent.parent, env={**os.environ, **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}{health}", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{what} did not start: {process.stdout.read()}")
        time.sleep(0.3)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def served(script: Path, env: dict[str, str], seconds: float = 60) -> Iterator[str]:
    """A real `streamlit run` of `script` (started as `minqing run` starts the app) with extra
    environment on a free local port; its URL while the block runs, stopped after."""
    port = free_port()
    args = [
        sys.executable, "-m", "dashboard.serve", "run", str(script),
        "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with server_process(args, env, port, "/_stcore/health", "streamlit", seconds) as url:
        yield url


if __name__ == "__main__":
    skip_external_ip_lookup()
    keep_real_peer_address()
    add_session_cookie_route()
    sys.exit(main(prog_name="streamlit"))
