"""Start Streamlit without its lookup of the machine's external IP address (offline first);
`served` runs a script that way on a free port for the tests and the benchmarks."""

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

from streamlit import net_util
from streamlit.web.cli import main


def skip_external_ip_lookup() -> None:
    """Answer Streamlit's external-IP question with 'none' before it asks the internet."""
    # Headless, and when checking a request's origin, Streamlit asks checkip.amazonaws.com
    # for the machine's public address; an intranet deployment must not call out. An empty
    # answer is cached as known, so Streamlit neither asks nor prints an External URL.
    net_util._external_ip = ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(script: Path, env: dict[str, str], seconds: float = 60) -> Iterator[str]:
    """A real `streamlit run` of `script` (started as `minqing run` starts the app) with extra
    environment on a free local port; its URL while the block runs, stopped after."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "dashboard.serve", "run", str(script),
            "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
        ],
        cwd=Path(__file__).resolve().parent.parent, env={**os.environ, **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"streamlit did not start: {process.stdout.read()}")
        time.sleep(0.3)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    skip_external_ip_lookup()
    sys.exit(main(prog_name="streamlit"))
