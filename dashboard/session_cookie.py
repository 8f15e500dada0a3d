"""The sign-in cookie, set by the server as HttpOnly: page scripts never see the session token.

A page's script cannot send HTTP headers, and a cookie written by JavaScript is readable by
JavaScript. So after a sign-in (or sign-out) the page offers a one-time code for the token
here, in the server's memory, and a tiny script posts that code to `/_minqing/session`; the
answer sets (or clears) the cookie with `HttpOnly; SameSite=Strict`. A code works once, for a
minute; the token itself never reaches the browser's scripts. `dashboard/serve.py` mounts the
route into Streamlit's server (the pages and the route share this process).
"""

from __future__ import annotations

import secrets
import threading
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

COOKIE = "minqing_session"
PATH = "_minqing/session"
CODE_SECONDS = 60.0

_offers: dict[str, tuple[str, int, float]] = {}  # code -> (token or "", max age, expiry)
_redeemed: dict[str, float] = {}  # code -> when it was redeemed (kept for CODE_SECONDS)
_lock = threading.Lock()


def offer(token: str | None, max_age: int) -> str:
    """A one-time code that sets the cookie to `token` (None: clears it) when posted."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for old in [c for c, (_, _, until) in _offers.items() if until < now]:
            del _offers[old]
        for old in [c for c, at in _redeemed.items() if at + CODE_SECONDS < now]:
            del _redeemed[old]
        _offers[code] = (token or "", max_age if token else 0, now + CODE_SECONDS)
    return code


def pending(code: str) -> bool:
    """Whether `code` can still be redeemed (offered, not yet used, not expired)."""
    with _lock:
        found = _offers.get(code)
    return found is not None and found[2] >= time.monotonic()


def redeemed(code: str) -> bool:
    """Whether the browser has posted `code` (its cookie is set or cleared)."""
    with _lock:
        return code in _redeemed


def _take(code: str) -> tuple[str, int] | None:
    now = time.monotonic()
    with _lock:
        found = _offers.pop(code, None)
        if found is not None and found[2] >= now:
            _redeemed[code] = now
    if found is None or found[2] < now:
        return None
    return found[0], found[1]


async def _redeem(request: Request) -> Response:
    """POST a code: 204 with the cookie set or cleared; 403 for an unknown or used code."""
    taken = _take((await request.body()).decode("ascii", "replace").strip()[:100])
    if taken is None:
        return Response(status_code=403)
    token, max_age = taken
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.query_params.get("secure") == "1",
    )
    return response


def routes(base_path: str) -> list[Route]:
    """The route, under Streamlit's base URL path (`server.baseUrlPath`)."""
    prefix = "/" + base_path.strip("/") if base_path.strip("/") else ""
    return [Route(f"{prefix}/{PATH}", _redeem, methods=["POST"])]


def script(code: str, base_path: str) -> str:
    """The script a page runs to redeem a code (Secure when the page came over HTTPS)."""
    prefix = "/" + base_path.strip("/") if base_path.strip("/") else ""
    return (
        "<script>fetch('" + f"{prefix}/{PATH}" + "?secure=' + "
        "(location.protocol === 'https:' ? '1' : '0'), "
        "{method: 'POST', body: '" + code + "', credentials: 'same-origin'});</script>"
    )
