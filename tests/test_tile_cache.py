"""The service's tile cache: bounded by bytes, each entry counted with what it costs beside."""

from __future__ import annotations

from service.maps import ENTRY_BYTES, TileCache


def test_a_cache_of_no_bytes_keeps_nothing_not_even_an_empty_tile():
    """With the cache off (0 MB) every tile is drawn, the empty ones too."""
    cache = TileCache(0)
    cache.put("empty", b"")
    cache.put("tile", b"x" * 10)
    assert cache.get("empty") is None and cache.get("tile") is None


def test_empty_tiles_take_room_and_the_least_recent_go_first():
    """A client asking for many empty tiles fills the cache only to its size."""
    cache = TileCache(10 * ENTRY_BYTES)
    for n in range(100):
        cache.put(n, b"")
    assert [n for n in range(100) if cache.get(n) is not None] == list(range(90, 100))
    cache.get(90)
    cache.put("big", b"x" * (5 * ENTRY_BYTES))
    kept = [n for n in range(90, 100) if cache.get(n) is not None]
    assert cache.get("big") is not None and kept == [90, 97, 98, 99], kept
