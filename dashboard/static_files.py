"""Data the browser fetches once: JSON files under the app's `static/` folder.

Streamlit serves `<app folder>/static/` at `app/static/` when `server.enableStaticServing`
is on (.streamlit/config.toml). A file's name carries a hash of its content, so a changed
content is a new URL and a browser never keeps a stale copy. Where the folder cannot be
written (a read-only deployment) or serving is off, callers send the data inline instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time

import streamlit as st

from geo.settings import PROJECT_ROOT

FOLDER = PROJECT_ROOT / "static" / "live"
URL_PREFIX = "app/static/live/"
KEEP_DAYS = 7


def static_json_url(name: str, payload: object) -> str | None:
    """The relative URL of `payload` as a served JSON file (None when it cannot be served)."""
    if not st.get_option("server.enableStaticServing"):
        return None
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    target = FOLDER / f"{name}-{digest}.json"
    try:
        if not target.exists():
            FOLDER.mkdir(parents=True, exist_ok=True)
            _prune()
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=FOLDER, suffix=".tmp", delete=False
            ) as handle:
                handle.write(text)
            os.chmod(handle.name, 0o644)
            os.replace(handle.name, target)
    except OSError:
        return None
    return URL_PREFIX + target.name


def _prune() -> None:
    """Delete files nobody wrote for KEEP_DAYS days (old boundary versions)."""
    limit = time.time() - KEEP_DAYS * 86400
    for path in FOLDER.iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
