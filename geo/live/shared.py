"""Answers computed once and shared by every thread of the process (pages, the map service).

An answer lives in a *slot* (what was asked: the viewer's scope, the area, the filters …) under
a *stamp* (what it was computed from: a data version, a time bucket …). Stamps of one slot are
ordered: a newer stamp replaces the older answer, and an answer with a stamp at least as new as
the one asked for is served. While one thread computes a slot's answer for a stamp, the others
asking for it wait for that answer instead of computing it again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class SharedAnswers:
    """A thread-safe store of the newest answer per slot, each computed once per stamp."""

    def __init__(self, max_slots: int = 128) -> None:
        self.max_slots = max_slots
        self.computed = 0  # answers computed so far (the benchmark and tests read it)
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, tuple[Any, Any]] = OrderedDict()
        self._running: dict[tuple[Hashable, Any], threading.Event] = {}

    def get(self, slot: Hashable, stamp: Any, compute: Callable[[], T]) -> T:
        """The slot's answer for `stamp` (or a newer one), computed by `compute` when missing."""
        while True:
            with self._lock:
                held = self._answers.get(slot)
                if held is not None and held[0] >= stamp:
                    self._answers.move_to_end(slot)
                    return held[1]
                running = self._running.get((slot, stamp))
                leader = running is None
                if leader:
                    running = self._running[(slot, stamp)] = threading.Event()
            if not leader:
                running.wait()
                continue  # served by the leader's answer, or (if it failed) computed here
            try:
                value = compute()
                self._keep(slot, stamp, value)
                return value
            finally:
                with self._lock:
                    del self._running[(slot, stamp)]
                running.set()

    def _keep(self, slot: Hashable, stamp: Any, value: Any) -> None:
        with self._lock:
            self.computed += 1
            held = self._answers.get(slot)
            if held is None or stamp >= held[0]:
                self._answers[slot] = (stamp, value)
            self._answers.move_to_end(slot)
            while len(self._answers) > self.max_slots:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        """Forget every answer (tests; a demo re-seed in the same process)."""
        with self._lock:
            self._answers.clear()
