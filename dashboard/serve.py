"""Start Streamlit without its lookup of the machine's external IP address (offline first)."""

from __future__ import annotations

import sys

from streamlit import net_util
from streamlit.web.cli import main


def skip_external_ip_lookup() -> None:
    """Answer Streamlit's external-IP question with 'none' before it asks the internet."""
    # Headless, and when checking a request's origin, Streamlit asks checkip.amazonaws.com
    # for the machine's public address; an intranet deployment must not call out. An empty
    # answer is cached as known, so Streamlit neither asks nor prints an External URL.
    net_util._external_ip = ""


if __name__ == "__main__":
    skip_external_ip_lookup()
    sys.exit(main(prog_name="streamlit"))
