"""What tiles are drawn from, kept per process: the area tree per boundary version, each
client area's grid colours (recomputed at most every `status_seconds`) and data stamp, and the
tiles themselves (an LRU bounded in bytes)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import psycopg2.extensions

from geo.filters import Scope
from geo.live import queries as live
from geo.live.grid_status import load_rules
from geo.live.view import Static
from geo.mapapi.status import colour_filter, grid_colours, history_key
from geo.mapapi.tiles import GridColour, data_stamp
from geo.timeutil import now_utc

T = TypeVar("T")
STAMP_SECONDS = 1.0


class TileCache:
    """Tiles by key, least recently used dropped first, at most `capacity` bytes in all."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        """The tile kept under `key`, if any."""
        with self._lock:
            tile = self._items.get(key)
            if tile is not None:
                self._items.move_to_end(key)
            return tile

    def put(self, key: Hashable, tile: bytes) -> None:
        """Keep a tile (not when it alone is larger than the whole cache)."""
        if len(tile) > self.capacity:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size += len(tile) - (len(old) if old is not None else 0)
            self._items[key] = tile
            while self._size > self.capacity:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)


class MapState:
    """The per-process state the tile routes read through (all of it keyed by scope)."""

    def __init__(self, status_seconds: float, tile_cache_bytes: int) -> None:
        self.status_seconds = status_seconds
        self.tiles = TileCache(tile_cache_bytes)
        self._lock = threading.Lock()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._trees: dict[int, dict[str, live.AreaNode]] = {}
        self._shapes: dict[int, list[live.GridShape]] = {}
        self._stamps: dict[Scope, tuple[float, tuple]] = {}
        self._colours: dict[Scope, tuple[float, tuple, dict[str, GridColour], str]] = {}
        self._history: dict[tuple, live.FlowTable] = {}

    def _once(self, key: Hashable, make: Callable[[], T]) -> T:
        """Run `make` with others asking for the same key waiting for it (not recomputing)."""
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            return make()

    def stamp(self, conn: psycopg2.extensions.connection, scope: Scope) -> tuple:
        """The data stamp of the scope, read at most once a second."""
        now = time.monotonic()
        kept = self._stamps.get(scope)
        if kept and now - kept[0] < STAMP_SECONDS:
            return kept[1]
        value = data_stamp(conn)
        self._stamps[scope] = (now, value)
        return value

    def tree(self, conn: psycopg2.extensions.connection, version: int) -> dict[str, live.AreaNode]:
        """Every current area with its label point and box (once per boundary version)."""

        def load() -> dict[str, live.AreaNode]:
            if version not in self._trees:
                self._trees = {version: live.area_tree(conn)}
            return self._trees[version]

        return self._once(("tree", version), load)

    def colours(
        self, conn: psycopg2.extensions.connection, scope: Scope, stamp: tuple
    ) -> tuple[dict[str, GridColour], str]:
        """The scope's red and yellow grids and a tag of their content (for ETags), judged
        again when older than `status_seconds` (deadlines pass without any new data)."""

        def judge() -> tuple[dict[str, GridColour], str]:
            kept = self._colours.get(scope)
            now = time.monotonic()
            if kept and now - kept[0] < self.status_seconds and kept[1][0] == stamp[0]:
                return kept[2], kept[3]
            version = stamp[0]
            static = Static(version, self.tree(conn, version), self._grid_shapes(conn, version),
                            live.centers(conn))  # fmt: skip
            moment = now_utc()
            flt = colour_filter(scope, moment)
            key = history_key(static, flt, moment)
            colours, past = grid_colours(
                conn, flt, moment, static, load_rules(), self._history.get(key)
            )
            if past is not None:
                self._history = {k: v for k, v in self._history.items() if k[1] != scope}
                self._history[key] = past
            tag = hashlib.sha1(repr(sorted(colours.items())).encode()).hexdigest()[:16]
            self._colours[scope] = (now, stamp, colours, tag)
            return colours, tag

        return self._once(("colours", scope), judge)

    def _grid_shapes(
        self, conn: psycopg2.extensions.connection, version: int
    ) -> list[live.GridShape]:
        def load() -> list[live.GridShape]:
            if version not in self._shapes:
                self._shapes = {version: live.grid_shapes(conn)}
            return self._shapes[version]

        return self._once(("shapes", version), load)
