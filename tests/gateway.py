"""A reverse proxy in the test process, doing for the app what the documented nginx gateway does
(docs/auth.md): it replaces the browser's X-Remote-User and X-Forwarded-For with its own, and
passes WebSocket traffic through. Without headers to set it is a plain relay: a connection
from another address, carrying whatever the browser sent."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_SET_BY_GATEWAY = (b"x-remote-user", b"x-forwarded-for")


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _rewrite(head: bytes, headers: dict[bytes, bytes]) -> bytes:
    """The request's head with the gateway's headers in place of the browser's."""
    lines = head.split(b"\r\n")
    kept = [
        line for line in lines[1:]
        if line and line.split(b":", 1)[0].strip().lower() not in (*_SET_BY_GATEWAY, b"connection")
    ]  # fmt: skip
    upgrade = any(line.lower().startswith(b"upgrade:") for line in kept)
    extra = [name + b": " + value for name, value in headers.items()]
    extra.append(b"Connection: upgrade" if upgrade else b"Connection: close")
    return b"\r\n".join([lines[0], *kept, *extra]) + b"\r\n\r\n"


@contextmanager
def gateway(
    upstream: tuple[str, int],
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
) -> Iterator[str]:
    """A proxy on a free local port in front of `upstream`; its URL. `headers`: what it sets
    on each request (None: relay bytes untouched); `source`: the address it connects from."""
    wanted = {k.encode(): v.encode() for k, v in (headers or {}).items()}

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            upstream_sock = socket.create_connection(
                upstream, timeout=30, source_address=(source, 0)
            )
            upstream_sock.settimeout(None)
            self.request.settimeout(None)
            if headers is not None:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = self.request.recv(65536)
                    if not chunk:
                        upstream_sock.close()
                        return
                    data += chunk
                head, rest = data.split(b"\r\n\r\n", 1)
                upstream_sock.sendall(_rewrite(head, wanted) + rest)
            back = threading.Thread(target=_pipe, args=(upstream_sock, self.request), daemon=True)
            back.start()
            _pipe(self.request, upstream_sock)
            back.join()
            upstream_sock.close()

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Server(("127.0.0.1", 0), Handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
