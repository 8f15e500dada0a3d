"""A lean load generator for the service's push benchmark: HTTP/1.1 over asyncio streams.

httpx's AsyncClient cost the benchmark 4.5–5 ms of CPU a report, on the same two cores as the
service and the database; this client writes each request's bytes itself and reads the
answer's status and body by Content-Length, on kept-alive connections, about ten times less.
Clients can also run in several processes (`processes`), each with its share of connections.
Every report is sent until it is answered: a 502–504 or a lost connection means the same
report again after a pause (what a source's system does while the database restarts).
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from urllib.parse import urlsplit

RETRY_STATUS = (502, 503, 504)
PAUSE = 0.5  # seconds before a retry


def stats_of(latency: list[float], status: dict[int, int], retries: int) -> dict:
    """The figures one run gathers: each answered request's seconds, answers by status."""
    return {"latency": latency, "status": status, "retries": retries}


def send_all(base: str, token: str, items: list, path: str, workers: int, processes: int) -> dict:
    """POST each item as JSON to `path` from `workers` connections (over `processes` processes)
    until each is answered; latencies (s), answers by status, retries, wall seconds."""
    start = time.perf_counter()
    if processes <= 1:
        stats = asyncio.run(_send(base, token, items, path, workers))
    else:
        shares = [items[i::processes] for i in range(processes)]
        per = [workers // processes + (i < workers % processes) for i in range(processes)]
        with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
            parts = list(
                pool.map(_send_in_process, [base] * processes, [token] * processes, shares,
                         [path] * processes, per)
            )  # fmt: skip
        stats = stats_of([], {}, 0)
        for part in parts:
            stats["latency"] += part["latency"]
            stats["retries"] += part["retries"]
            for code, n in part["status"].items():
                stats["status"][code] = stats["status"].get(code, 0) + n
    stats["seconds"] = time.perf_counter() - start
    return stats


def _send_in_process(base: str, token: str, items: list, path: str, workers: int) -> dict:
    return asyncio.run(_send(base, token, items, path, workers))


async def _send(base: str, token: str, items: list, path: str, workers: int) -> dict:
    address = urlsplit(base)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\n"
    ).encode()
    queue: asyncio.Queue = asyncio.Queue()
    for item in items:
        body = json.dumps(item, ensure_ascii=False).encode()
        queue.put_nowait(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    stats = stats_of([], {}, 0)

    async def worker() -> None:
        connection = None
        while not queue.empty():
            request = queue.get_nowait()
            while True:
                start = time.perf_counter()
                try:
                    if connection is None:
                        connection = await asyncio.open_connection(host, port)
                    status, keep = await _exchange(*connection, request)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    connection = _closed(connection)
                    stats["retries"] += 1
                    await asyncio.sleep(PAUSE)
                    continue
                if not keep:
                    connection = _closed(connection)
                if status in RETRY_STATUS:
                    stats["retries"] += 1
                    await asyncio.sleep(PAUSE)
                    continue
                stats["latency"].append(time.perf_counter() - start)
                stats["status"][status] = stats["status"].get(status, 0) + 1
                break
        _closed(connection)

    await asyncio.gather(*(worker() for _ in range(max(1, workers))))
    return stats


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bool]:
    """Send one request and read its answer: the status, and whether the connection stays."""
    writer.write(request)
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length, keep = 0, True
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
        elif name == b"transfer-encoding":
            raise ValueError("chunked answers are not read here")
    await reader.readexactly(length)
    return status, keep


def _closed(connection: tuple | None) -> None:
    if connection is not None:
        connection[1].close()
    return None
