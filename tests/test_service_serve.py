"""`minqing run` starts the map service beside the dashboard: its own port, ending with it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import uvicorn
from fastapi.testclient import TestClient

from geo.errors import MinqingError
from service.app import create_app
from service.config import ServiceSettings
from service.serve import server_options, start_beside
from tests.service_fixtures import free_port, service_world
from tests.support import ROOT


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_a_taken_port_is_a_clear_error():
    """Another program on the service's port: a message naming --service-port, nothing started."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(MinqingError, match="--service-port"):
            start_beside(taken.getsockname()[1])


@pytest.mark.db
def test_the_service_ends_with_the_process_that_started_it(scratch):
    """Started beside a parent (the dashboard), it answers; when the parent dies, it stops."""
    world = service_world(scratch)
    port = free_port()
    script = (
        "import time; from service.serve import start_beside;"
        f" start_beside({port}); time.sleep(120)"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": world.url},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/conformance"
    try:
        deadline = time.monotonic() + 60
        while not _answers(url):
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.3)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 20
    while _answers(url):
        assert time.monotonic() < deadline, "the service outlived its parent"
        time.sleep(0.3)


def test_the_service_runs_on_httptools_and_uvloop():
    """uvicorn is told to parse HTTP with httptools (C) and loop on uvloop, and can: both are
    installed (without them it would fall back to the pure-Python h11 parser)."""
    config = uvicorn.Config(_no_app, **server_options(ServiceSettings()))
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    loop = config.get_loop_factory()()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()


async def _no_app(scope, receive, send) -> None:
    """An ASGI app that is never called."""


@pytest.mark.db
def test_the_service_exports_no_telemetry_whatever_its_environment(scratch, monkeypatch):
    """FastAPI would export OpenTelemetry data to an OTLP collector named in the environment
    (without the exporter installed it warns at every start instead): the service starts and
    answers with every kind of telemetry off (FastAPI's own record of its settings)."""
    world = service_world(scratch)
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.invalid:4318")
    app = create_app(world.app_url)
    with TestClient(app) as api:
        assert api.get("/conformance").status_code == 200
    assert not any(app._telemetry[kind] for kind in ("tracing", "metrics", "logs"))
