"""A file uploader that speaks the page's language.

`st.file_uploader` writes "Upload" on its button and "200MB per file" under it in English,
whatever the page's language, and Streamlit 1.67 has no option for either text. The only
supported hooks are a style sheet (`st.html` with nothing but a <style> takes no space) and
the widget's key, which Streamlit turns into the class `st-key-<key>` of its container. So the
built-in texts are hidden and ours are shown by CSS, scoped to that one uploader, through the
uploader's stable test ids. If a Streamlit upgrade renames those, the English text comes back
(the upload itself keeps working); `tests/test_boundaries_browser.py` checks the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.uploaded_file_manager import UploadedFile

_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def css_string(text: str) -> str:
    """`text` as a quoted CSS string (quotes, backslashes, angle brackets, controls escaped)."""
    escaped = "".join(
        f"\\{ord(ch):x} " if ch in '"\\<>' or ord(ch) < 0x20 or ord(ch) == 0x7F else ch
        for ch in text
    )
    return f'"{escaped}"'


def uploader_css(key: str, button: str, limits: str) -> str:
    """The style giving the uploader with `key` our button text and size line."""
    if not _KEY.match(key):
        raise ValueError(f"an uploader key usable as a CSS class is needed, not {key!r}")
    zone = f'.st-key-{key} [data-testid="stFileUploaderDropzone"]'
    label = f'{zone} button [data-testid="stMarkdownContainer"]'
    notes = f'{zone} [data-testid="stFileUploaderDropzoneInstructions"]'
    return (
        f"{label} p {{ display: none; }}\n"
        f"{label}::after {{ content: {css_string(button)}; }}\n"
        f"{notes} > * {{ display: none; }}\n"
        f"{notes}::after {{ content: {css_string(limits)}; font-size: 0.875rem; opacity: 0.6; }}"
    )


def file_upload(
    label: str,
    types: Sequence[str],
    key: str,
    *,
    button: str,
    limits: str,
    max_mb: int,
    container: DeltaGenerator | None = None,
) -> UploadedFile | None:
    """`st.file_uploader` (in `container`) with `button` and `limits` as its inner texts."""
    st.html(f"<style>{uploader_css(key, button, limits)}</style>")
    target = container if container is not None else st
    return target.file_uploader(label, type=list(types), key=key, max_upload_size=max_mb)
