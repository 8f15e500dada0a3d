"""`long_lived`: a process-wide cache (st.cache_resource) whose values stay out of the
collector's passes (geo.longlived.kept), for what is kept per boundary version."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import streamlit as st

from geo.longlived import kept

P = ParamSpec("P")
T = TypeVar("T")


def long_lived(**options: Any) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """st.cache_resource(**options, show_spinner=False) that freezes each value it builds.

    Every boundary-version cache goes through here: one that skipped the freeze would bring
    back the full collections walking it (the live refresh's p95 spikes, docs/benchmarks.md)."""

    def decorate(func: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(func)
        def build(*args: P.args, **kwargs: P.kwargs) -> T:
            return kept(func(*args, **kwargs))

        return st.cache_resource(show_spinner=False, **options)(build)

    return decorate
