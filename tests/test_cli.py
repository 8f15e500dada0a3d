"""The `minqing` command on bad input: one clear line, a non-zero exit, never the password."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
from psycopg2 import sql

from dashboard.serve import free_port

pytestmark = pytest.mark.db

MINQING = [sys.executable, "-m", "geo.cli"]


def _minqing(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    full_env.update(env or {})
    return subprocess.run(
        [*MINQING, *args], capture_output=True, text=True, env=full_env, timeout=120
    )


def _assert_one_clear_line(result: subprocess.CompletedProcess[str], *secrets: str) -> str:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for secret in secrets:
        assert secret not in result.stderr + result.stdout
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_malformed_database_url():
    """A URL that is not a URL is named, and refused."""
    result = _minqing("db", "status", env={"DATABASE_URL": "postgresql://u:sekr3t@[bad/x"})
    line = _assert_one_clear_line(result, "sekr3t")
    assert line.startswith("minqing:")


def test_unreachable_server():
    """A server that does not answer gives one line naming the address."""
    port = _closed_port()
    url = f"postgresql://someone:hunter22@127.0.0.1:{port}/nothing"
    result = _minqing("db", "migrate", env={"DATABASE_URL": url})
    line = _assert_one_clear_line(result, "hunter22")
    assert f"127.0.0.1:{port}" in line and "***" in line


def test_wrong_password(server_url):
    """A wrong password is refused without printing it."""
    parts = urlsplit(server_url)
    url = server_url.replace(f":{parts.password}@", ":not-the-password@")
    result = _minqing("db", "status", env={"DATABASE_URL": url})
    _assert_one_clear_line(result, "not-the-password", parts.password)


def test_database_without_postgis(server_url):
    """A role that may not create PostGIS in its database is told the database lacks it."""
    name = f"nopostgis_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(name)),
                ("pw-" + name,),
            )
            cur.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier("minqing")
                )
            )
            cur.execute(
                sql.SQL("REVOKE CREATE ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name))
            )
        parts = urlsplit(server_url)
        url = f"postgresql://{name}:pw-{name}@{parts.hostname}:{parts.port}/{name}"
        result = _minqing("db", "migrate", env={"DATABASE_URL": url})
        line = _assert_one_clear_line(result, "pw-" + name)
        assert "PostGIS" in line
    finally:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
        admin.close()


def _port() -> str:
    """A port free now for a cluster of the test's own (a fixed one may be held for a moment
    by a connection's own end: the kernel hands out these numbers to outgoing connections)."""
    return str(free_port())


def test_second_db_up_while_running(tmp_path):
    """A second `db up` of a running local cluster says so in one line and exits non-zero."""
    env = {"MINQING_STATE_DIR": str(tmp_path / "state"), "MINQING_LOCAL_DB_PORT": _port()}
    first = _minqing("db", "up", env=env)
    try:
        assert first.returncode == 0, first.stderr
        status = _minqing("db", "status", env=env)
        assert status.returncode == 0 and "PostGIS" in status.stdout, status.stderr
        second = _minqing("db", "up", env=env)
        line = _assert_one_clear_line(second)
        assert "already running" in line
    finally:
        down = _minqing("db", "down", env=env)
    assert down.returncode == 0 and "stopped" in down.stdout
    again = _minqing("db", "status", env=env)
    _assert_one_clear_line(again)


def test_a_restarted_local_server_reads_its_buffers_back(tmp_path):
    """The local server lists the buffers in use at shutdown and reads them back at start
    (autoprewarm), so the first views after a restart do not wait for the disk."""
    env = {"MINQING_STATE_DIR": str(tmp_path / "state"), "MINQING_LOCAL_DB_PORT": _port()}
    assert _minqing("db", "up", env=env).returncode == 0
    try:
        url = _minqing("db", "url", "--show-password", env=env).stdout.strip()
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("SHOW shared_preload_libraries")
            assert "pg_prewarm" in cur.fetchone()[0]
            cur.execute(
                "CREATE TABLE warm AS SELECT g, md5(g::text) FROM generate_series(1, 50000) g"
            )
        conn.close()
        assert _minqing("db", "down", env=env).returncode == 0
        state = json.loads((tmp_path / "state" / "cluster.json").read_text())
        data_dir = Path(state["data_dir"])
        assert (data_dir / "autoprewarm.blocks").stat().st_size > 0
        assert _minqing("db", "up", env=env).returncode == 0
        log = data_dir / "server.log"
        for _ in range(300):
            if "autoprewarm successfully prewarmed" in log.read_text():
                break
            time.sleep(0.1)
        prewarmed = re.search(r"prewarmed (\d+) of (\d+) previously-loaded blocks", log.read_text())
        assert prewarmed and int(prewarmed[1]) > 0, log.read_text()[-2000:]
    finally:
        _minqing("db", "down", env=env)


def test_db_url_hides_password(server_url):
    """`db url` prints *** for the password unless asked."""
    password = urlsplit(server_url).password
    result = _minqing("db", "url", env={"DATABASE_URL": server_url})
    assert result.returncode == 0
    assert password not in result.stdout and "***" in result.stdout
    shown = _minqing("db", "url", "--show-password", env={"DATABASE_URL": server_url})
    assert password in shown.stdout


@pytest.mark.parametrize(("memory_gb", "expected_mb"), [(0.25, 128), (4, 1024), (23, 2048)])
def test_local_server_buffers_follow_memory(monkeypatch, memory_gb, expected_mb):
    """The local server's buffer cache is a quarter of the memory, between 128 MB and 2 GB."""
    from geo import cluster

    pages = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": int(memory_gb * 2**30 / 4096)}
    monkeypatch.setattr(cluster.os, "sysconf", pages.__getitem__)
    assert cluster.shared_buffers_mb() == expected_mb
