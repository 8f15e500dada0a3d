"""Benchmarks' databases: scratch ones beside the configured one, and their servers' CPU time."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
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


def process_cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) a process of this machine has used so far; None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> set[int]:
    """The process and every process started under it (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        todo += children.get(current, [])
    return found


class CpuMeter:
    """CPU seconds used during a run by the processes `pids()` names, read from /proc every
    `every` seconds in a thread of its own (its own CPU is kept apart): a process there at the
    start counts from then, one that appears later from its start."""

    def __init__(self, pids: Callable[[], set[int]], every: float = 0.5) -> None:
        self._pids = pids
        self._every = every
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.own_seconds = 0.0  # the sampling thread's CPU (in the benchmark's process)

    def __enter__(self) -> CpuMeter:
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def seconds(self) -> float:
        """CPU seconds used by the processes since the start."""
        return sum(last - self._first.get(pid, 0.0) for pid, last in self._last.items())

    def _run(self) -> None:
        start = time.thread_time()
        while not self._stop.wait(self._every):
            self._sample()
        self.own_seconds = time.thread_time() - start

    def _sample(self, first: bool = False) -> None:
        for pid in self._pids():
            used = process_cpu_seconds(pid)
            if used is None:
                continue
            if first:
                self._first[pid] = used
            self._last[pid] = used
