"""Run the map service with uvicorn: `python -m service.serve [--host H] [--port P]`."""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import logging
import signal
import socket
import subprocess
import sys

import uvicorn

from geo.errors import MinqingError
from geo.settings import PROJECT_ROOT
from service.config import ServiceSettings

_PR_SET_PDEATHSIG = 1


def serve(host: str | None = None, port: int | None = None) -> None:
    """Serve until interrupted, on the settings' address unless another is given."""
    settings = ServiceSettings()
    if host:
        settings.host = host
    if port:
        settings.port = port
    logging.basicConfig(level=logging.INFO, format="minqing service: %(message)s")
    if settings.workers > 1:
        # each worker process makes its own app (pool, caches, rate limits, grouping of
        # pushed reports) from the same settings, read from the environment
        uvicorn.run(
            "service.app:create_app", factory=True, workers=settings.workers,
            **server_options(settings),
        )  # fmt: skip
        return
    from service.app import create_app  # the web stack only in the service's own process

    uvicorn.run(create_app(settings=settings), **server_options(settings))


def server_options(settings: ServiceSettings) -> dict[str, object]:
    """uvicorn's options for the service: address, quiet logs, its HTTP parser and loop."""
    return {
        "host": settings.host, "port": settings.port, "log_level": "warning",
        "access_log": False, "server_header": False, "proxy_headers": False,
        "http": settings.http, "loop": settings.loop,
    }  # fmt: skip


def main() -> None:
    """Command-line entry of `python -m service.serve`."""
    parser = argparse.ArgumentParser(description="民情地图 map service")
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    serve(args.host, args.port)


if __name__ == "__main__":
    main()


def _die_with_parent() -> None:
    """In the child: receive SIGTERM when the process that started it ends (Linux)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def start_beside(port: int, host: str | None = None) -> str:
    """Start the service in a process of its own that ends with its parent (the dashboard),
    on `host` (the settings' address if None); its URL, or a MinqingError when its port is taken."""
    host = host or ServiceSettings().host
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise MinqingError(
                f"the map service cannot listen on {host}:{port} ({exc.strerror}): "
                "choose another with --service-port"
            ) from None
    command = [sys.executable, "-m", "service.serve", "--host", host, "--port", str(port)]
    subprocess.Popen(command, cwd=PROJECT_ROOT, preexec_fn=_die_with_parent)
    return f"http://{host}:{port}"
