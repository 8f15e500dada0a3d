"""Text from outside (file attributes, residents) shown in Streamlit's markdown as plain text."""

from __future__ import annotations

import string

_PUNCTUATION = frozenset(string.punctuation)


def literal(text: object) -> str:
    """`text` with every markdown, HTML and Streamlit directive character escaped, one line.

    CommonMark lets any ASCII punctuation be escaped with a backslash, so escaping all of it
    also disarms Streamlit's own `:red[…]`, `:material/…:` and `$…$` (LaTeX) syntax.
    """
    flat = " ".join(str(text).split())
    return "".join(f"\\{ch}" if ch in _PUNCTUATION else ch for ch in flat)
