"""Size limits for uploaded boundary files and the zips they come in."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 2**20


@dataclass(frozen=True)
class Limits:
    """What an upload may be: bytes on arrival, bytes unpacked, and the zip's shape."""

    max_file_bytes: int = 200 * MIB
    max_unpacked_bytes: int = 1024 * MIB
    # real Shapefile zips compress 2-10x; a member packing 100x or more is treated as a bomb
    max_ratio: float = 100.0
    max_members: int = 5000
    max_features: int = 200_000


DEFAULT_LIMITS = Limits()
