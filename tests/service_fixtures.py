"""Map service test helpers: a small seeded demo of its own (writable) with API clients."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from dashboard.serve import free_port, server_process
from geo import db
from geo.demo.load import seed_demo
from geo.mapapi.clients import add_client
from geo.settings import Settings
from geo.warnings import scan_warnings

OWN_DISTRICT = "620102"  # 城关区
OTHER_DISTRICT = "620103"  # 七里河区


@dataclass(frozen=True)
class ServiceWorld:
    """The database and one token per client: city reader, district reader, sources."""

    url: str
    city: str
    district: str
    hotline: str
    district_hotline: str
    slow: str

    @property
    def app_url(self) -> str:
        """The service's login: the app's role on the world's database, as for the pages."""
        return db.app_database_url(Settings(database_url=self.url))


_WORLDS: dict[int, ServiceWorld] = {}


def service_world(scratch) -> ServiceWorld:  # noqa: ANN001 - the conftest's ScratchDatabases
    """A small seeded demo (with warnings) and its clients, one per test session."""
    if id(scratch) in _WORLDS:
        return _WORLDS[id(scratch)]
    url = scratch.create_migrated("minqing_service")
    conn = db.connect(url)
    try:
        seed_demo(conn, incidents=20_000, seed=13, scale=0.03)
        scan_warnings(conn)
        tokens = [
            add_client(conn, "city-gis", "reader", "620100")[1],
            add_client(conn, "chengguan-gis", "reader", OWN_DISTRICT)[1],
            add_client(conn, "hotline", "source", "620100", ("hotline_12345", "mini_program"))[1],
            add_client(conn, "chengguan-12345", "source", OWN_DISTRICT, ("hotline_12345",))[1],
            add_client(conn, "slow", "reader", "620100", rate_per_minute=6)[1],
        ]
        conn.commit()
    finally:
        conn.close()
    world = ServiceWorld(url, *tokens)
    _WORLDS[id(scratch)] = world
    return world


@contextmanager
def service_server(database_url: str, **env: str) -> Iterator[str]:
    """The map service started for real (uvicorn, its own process) on a free port; its URL."""
    port = free_port()
    args = [sys.executable, "-m", "service.serve", "--port", str(port)]
    with server_process(args, {"DATABASE_URL": database_url, **env}, port, "/conformance",
                        "the map service") as url:  # fmt: skip
        yield url
