"""Scratch databases for the benchmarks: a sibling of the configured one, recreated, dropped."""

from __future__ import annotations

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
