"""Kept callers' tiles answered before FastAPI's routing.

A tile whose caller, data stamp, colours and warnings the service keeps is one message to
the database (`service.tiles.kept_tile`); around that message FastAPI's routing, its request
handling and its own hand-over to a worker thread were about a tenth of a z15 tile's time. This
middleware matches a tile's path itself and answers such a tile on the event loop, the message
awaited on a connection of the service's lane (`service.lane`); every other request, a tile
not all kept (a caller's first, a stamp to read again), and a tile while the lane's
connections are all lent, goes on to the app and its routes, which draw it in a transaction
as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from service.lane import Busy
from service.tiles import TMS, kept_tile

PATH = re.compile(rf"(?:/collections/([^/]+))?/tiles/{TMS}/([^/]+)/([^/]+)/([^/]+)")


class KeptTiles:
    """ASGI middleware: a GET of a tile by a kept caller answered without the routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            found = PATH.fullmatch(scope["path"].removeprefix(scope.get("root_path", "")))
            if found is not None:
                request = Request(scope, receive)
                collection, *address = found.groups()
                response = await _answer(request, collection, address)
                if response is not None:
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


async def _answer(
    request: Request, collection: str | None, address: Sequence[str]
) -> Response | None:
    """The kept tile, a refusal as the app's handlers answer it (a 401, a 429, a 503), or
    None (the routes answer)."""
    try:
        return await kept_tile(request, collection, address)
    except Busy:
        return None
    except Exception as exc:
        handler = _handler(request, exc)
        if handler is None:
            raise
        return handler(request, exc)


def _handler(request: Request, exc: Exception) -> Callable[[Request, Exception], Response] | None:
    """The app's own handler of this kind of error (as Starlette finds it: the nearest class);
    None for those left to the server error middleware (a 500, logged there)."""
    handlers = request.app.exception_handlers
    for kind in type(exc).__mro__:
        if kind is Exception:
            return None
        if kind in handlers:
            return handlers[kind]
    return None
