"""What a process keeps for long (a boundary version's outlines, shapes and tree) put out of
the way of Python's cyclic garbage collector.

A full collection walks every object the collector tracks. With a boundary version's outlines
and grid shapes alive, one took 94 ms on average and up to 163 ms, and came every refresh or
two of the live map: its p95 (`bench/live_map.py`, 2.4 M incidents: 184–225 ms with them
walked, 112–139 ms frozen; docs/benchmarks.md, issue 12).
"""

from __future__ import annotations

import gc
from typing import TypeVar

T = TypeVar("T")


def kept(value: T) -> T:
    """`value`, with every object alive now frozen out of the collector's passes (gc.freeze).

    Frozen objects are still freed by their reference counts when dropped (a cache entry
    replaced); only garbage in reference cycles alive at this moment would stay, so call it
    where a long-lived value has just been built, not in a loop."""
    gc.freeze()
    return value
