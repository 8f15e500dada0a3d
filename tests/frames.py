"""A Playwright page's Streamlit websocket, decoded: the messages the browser sends (BackMsg)
and receives (ForwardMsg), for the browser tests and bench/browser.py."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


def watch_frames(
    page,
    sent: Callable[[BackMsg], None] | None = None,
    received: Callable[[ForwardMsg, int], None] | None = None,
) -> None:
    """Call `sent` with each message the page sends and `received` with each it receives
    (and its size in bytes), from the page's next websocket on (watch before it opens)."""

    def on_sent(payload: bytes | str) -> None:
        if sent is not None and isinstance(payload, bytes):
            message = BackMsg()
            message.ParseFromString(payload)
            sent(message)

    def on_received(payload: bytes | str) -> None:
        if received is not None and isinstance(payload, bytes):
            message = ForwardMsg()
            message.ParseFromString(payload)
            received(message, len(payload))

    def on_socket(ws) -> None:
        ws.on("framesent", on_sent)
        ws.on("framereceived", on_received)

    page.on("websocket", on_socket)
