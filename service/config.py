"""The service's settings: environment variables with the prefix MINQING_SERVICE_."""

from __future__ import annotations

import sys

from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.settings import PROJECT_ROOT


class ServiceSettings(BaseSettings):
    """Where the service listens and its limits (the database is geo.settings' DATABASE_URL)."""

    model_config = SettingsConfigDict(
        env_prefix="MINQING_SERVICE_", env_file=PROJECT_ROOT / ".env", extra="ignore"
    )

    host: str = "127.0.0.1"
    port: int = 8502
    # The address other systems reach the service at (behind a reverse proxy), for links;
    # empty: taken from each request.
    public_url: str = ""
    max_body_bytes: int = 5 * 1024 * 1024
    max_batch: int = 5000
    default_limit: int = 100
    max_limit: int = 10_000
    # Grid colours in tiles and features are recomputed at most this often per client area.
    status_seconds: float = 15.0
    # Tiles kept in memory (per area, layers and filter), in megabytes.
    tile_cache_mb: int = 64
    # Connections a kept caller's tile is awaited on, on the event loop (service.lane), beside
    # the pool's (MINQING_POOL_MAX); a tile while all are lent is drawn by its route on the
    # pool. Six: the connections a browser opens to one host at once.
    tile_connections: int = 6
    # Single reports arriving together are stored together: the longest a report waits for
    # others, and the most stored in one transaction.
    intake_wait_ms: float = 10.0
    intake_group: int = 500
    # Groups of one client stored at the same time (each holds a pooled connection while it
    # is stored; the next group gathers meanwhile). Two: with the checks' fixed cost per group
    # gone, one group at a time left a core idle while a group waited for its statements
    # (docs/benchmarks.md, issue 16); one costs the least CPU a report.
    intake_parallel: int = 2
    # Batches stored at the same time by one service process, each in its own transaction;
    # the others wait their turn before they take a connection. Two, as the machine's cores:
    # four at once stored 5 % fewer reports a second than two (every batch adds to the same
    # day's city and district rollup rows, locked to its commit; docs/benchmarks.md, issue 16).
    intake_batches: int = 2
    # A pushed single report's token is looked up in the database at most this often per
    # token, and a tile's caller kept this long (its tile then one message); the transaction
    # storing the report or drawing the tile checks it again (service.access.TokenCache).
    token_seconds: float = 2.0
    # Service processes (uvicorn workers), each with its own pool, caches, rate limits (a
    # client may reach its rate in each) and grouping of pushed reports; 1: one process.
    workers: int = 1
    # uvicorn's HTTP parser and event loop: httptools (C) and uvloop; "h11" and "asyncio" are
    # the pure-Python ones (slower: docs/benchmarks.md, map service)
    http: str = "httptools"
    loop: str = "uvloop" if sys.platform != "win32" else "asyncio"
