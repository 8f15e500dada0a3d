"""What tiles are drawn from, kept per process: the boundaries and the grid colours through the
live map's shared answers (`geo.live.view.shared_static`, `shared_live_view`: judged once per
client area and data change, or every `status_seconds` as deadlines pass), each client area's
data stamp and active warnings, and the tiles themselves (an LRU bounded in bytes). The `kept_…`
methods answer without reading, for a tile sent in one message (`service.tiles._at_once`)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from contextlib import nullcontext
from datetime import datetime

import psycopg2.extensions

from geo.filters import Scope
from geo.live import queries as live
from geo.live.grid_status import load_rules
from geo.live.view import LiveView, Static, shared_live_view, shared_static, view_key
from geo.mapapi.features import warning_properties
from geo.mapapi.status import colour_filter, grid_colours
from geo.mapapi.tiles import GridColour, data_stamp
from geo.timeutil import now_utc
from geo.warnings.queries import ACTIVE, EarlyWarning, list_warnings
from geo.warnings.rules import load_rules as load_warning_rules

STAMP_SECONDS = 1.0
VIEWER = "api"  # the shared answers' viewer of a client area: ("api", its scope)
# What a kept tile costs beside its bytes (its key, the entry): an empty tile is not free, so
# a client asking for many empty tiles cannot fill the memory with them.
ENTRY_BYTES = 200


Warned = tuple[list[EarlyWarning], dict[int, tuple[str, str]]]


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
        if len(tile) + ENTRY_BYTES > self.capacity:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size += len(tile) - (len(old) if old is not None else -ENTRY_BYTES)
            self._items[key] = tile
            while self._size > self.capacity:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped) + ENTRY_BYTES


class MapState:
    """The per-process state the tile routes read through (all of it keyed by scope)."""

    def __init__(self, status_seconds: float, tile_cache_bytes: int) -> None:
        self.status_seconds = status_seconds
        self.tiles = TileCache(tile_cache_bytes)
        self._stamps: dict[Scope, tuple[float, tuple, live.Versions]] = {}
        self._colours: dict[Scope, tuple[LiveView, dict[str, GridColour], str, tuple]] = {}
        self._static: Static | None = None
        self._warnings: dict[Scope, tuple[tuple, Warned]] = {}

    def stamp(
        self, conn: psycopg2.extensions.connection, scope: Scope
    ) -> tuple[tuple, live.Versions]:
        """The data stamp of the scope and the live map's versions of its data (the change
        counter the shared view is keyed by), read at most once a second."""
        kept = self.kept_stamp(scope)
        if kept is not None:
            return kept
        value, seen = data_stamp(conn), live.versions(conn)
        self._stamps[scope] = (time.monotonic(), value, seen)
        return value, seen

    def kept_stamp(self, scope: Scope) -> tuple[tuple, live.Versions] | None:
        """The scope's stamp and versions as `stamp` read them, while under a second old."""
        kept = self._stamps.get(scope)
        if kept and time.monotonic() - kept[0] < STAMP_SECONDS:
            return kept[1], kept[2]
        return None

    def static(self, conn: psycopg2.extensions.connection, version: int) -> Static:
        """The boundaries of the version, shared with every other reader in the process."""
        self._static = shared_static(lambda: nullcontext(conn), version)
        return self._static

    def kept_static(self, version: int) -> Static | None:
        """The boundaries `static` last gave, when they are of this version."""
        kept = self._static
        return kept if kept is not None and kept.version == version else None

    def colours(
        self, conn: psycopg2.extensions.connection, scope: Scope, static: Static,
        seen: live.Versions,
    ) -> tuple[dict[str, GridColour], str]:  # fmt: skip
        """The scope's red and yellow grids and a tag of their content (for ETags), read
        through the live map's shared view in the client's transaction `conn`: judged again
        after any change to the incidents (`seen`, from `stamp`: within a second), and every
        `status_seconds` (deadlines pass without any new data)."""
        moment = now_utc()
        rules = load_rules()
        view, _ = shared_live_view(
            lambda: nullcontext(conn), (VIEWER, scope), colour_filter(scope, moment), moment,
            static, rules, view_seconds=self.status_seconds, seen=seen,
        )  # fmt: skip
        kept = self._colours.get(scope)
        key = self._view_key(scope, static.version, seen, moment)
        if kept is not None and kept[0] is view:
            self._colours[scope] = (view, kept[1], kept[2], key)
            return kept[1], kept[2]
        colours = grid_colours(view, rules)
        tag = hashlib.sha1(repr(sorted(colours.items())).encode()).hexdigest()[:16]
        self._colours[scope] = (view, colours, tag, key)
        return colours, tag

    def warnings(self, conn: psycopg2.extensions.connection, scope: Scope, stamp: tuple) -> Warned:
        """The scope's active warnings and their reasons (zh, en) by id, read in the client's
        transaction `conn` again when the stamp's boundaries, latest scan or latest warning
        event move (what a tile's ETag holds of the warnings)."""
        kept = self.kept_warnings(scope, stamp)
        if kept is not None:
            return kept
        rules = load_warning_rules()
        active = list_warnings(conn, ACTIVE)
        described = {w.id: warning_properties(w, rules) for w in active}
        reasons = {key: (p["reason_zh"], p["reason_en"]) for key, p in described.items()}
        self._warnings[scope] = ((stamp[0], stamp[3], stamp[4]), (active, reasons))
        return active, reasons

    def kept_warnings(self, scope: Scope, stamp: tuple) -> Warned | None:
        """The warnings `warnings` last read for the scope, while the stamp's parts agree."""
        kept = self._warnings.get(scope)
        if kept is None or kept[0] != (stamp[0], stamp[3], stamp[4]):
            return None
        return kept[1]

    def kept_colours(
        self, scope: Scope, version: int, seen: live.Versions
    ) -> tuple[dict[str, GridColour], str] | None:
        """The colours `colours` would give now without reading anything: those it last
        judged, while the shared view's key (boundaries, change counter, clock bucket of
        `status_seconds`, the 7 days' start) is the same; else None."""
        kept = self._colours.get(scope)
        if kept is None or kept[3] != self._view_key(scope, version, seen, now_utc()):
            return None
        return kept[1], kept[2]

    def _view_key(self, scope: Scope, version: int, seen: live.Versions, moment: datetime) -> tuple:
        """What `shared_live_view` keeps the scope's colour view by, besides the scope."""
        return version, view_key(colour_filter(scope, moment), moment, seen, self.status_seconds)
