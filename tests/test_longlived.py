"""Long-lived values are frozen out of the cyclic garbage collector's passes, still freed."""

from __future__ import annotations

import gc
import weakref

from dashboard.long_lived import long_lived
from geo.longlived import kept


class _Shape:
    """A stand-in for a cached boundary part (weak-referenceable, tracked by the collector)."""

    def __init__(self, ring: list[list[float]]) -> None:
        self.ring = ring


def test_a_kept_value_is_out_of_the_collectors_passes_and_freed_when_dropped():
    gc.unfreeze()
    try:
        value = kept(_Shape([[103.8, 36.0 + i / 1000] for i in range(10_000)]))
        tracked = {id(o) for o in gc.get_objects()}
        assert id(value) not in tracked and id(value.ring) not in tracked
        assert gc.get_freeze_count() >= 10_002
        gone = weakref.ref(value)
        del value
        assert gone() is None  # freed by its reference count, frozen or not
    finally:
        gc.unfreeze()


def test_a_long_lived_cache_builds_once_per_key_and_keeps_its_values_out_of_the_passes():
    builds: list[int] = []

    @long_lived(max_entries=2)
    def outline(version: int) -> _Shape:
        """A boundary part, built once per version."""
        builds.append(version)
        return _Shape([[103.8, 36.0 + i / 1000] for i in range(1_000)])

    gc.unfreeze()
    try:
        first = outline(1)
        assert outline(1) is first and builds == [1]
        tracked = {id(o) for o in gc.get_objects()}
        assert id(first) not in tracked and id(first.ring) not in tracked
        assert outline(2) is not first and builds == [1, 2]
    finally:
        outline.clear()
        gc.unfreeze()
