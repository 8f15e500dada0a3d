"""Long-lived values are frozen out of the cyclic garbage collector's passes, still freed."""

from __future__ import annotations

import gc
import weakref

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
