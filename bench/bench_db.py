"""Benchmarks' databases: scratch ones beside the configured one, and their servers' CPU time."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2.extensions
from psycopg2 import sql


def sibling_url(url: str, name: str) -> str:
    """The same server URL with another database name."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def recreate_database(admin: psycopg2.extensions.connection, name: str) -> None:
    """Drop the database if it exists and create it empty (admin in autocommit)."""
    drop_database(admin, name)
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(admin: psycopg2.extensions.connection, name: str) -> None:
    """Drop the database, disconnecting whoever is still connected (admin in autocommit)."""
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def backend_cpu_seconds(conn: psycopg2.extensions.connection) -> float | None:
    """CPU seconds (user + system) used so far by the connection's server process.

    Read from /proc, so only for a server on this machine; None when it cannot be read.
    """
    try:
        stat = Path(f"/proc/{conn.get_backend_pid()}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
