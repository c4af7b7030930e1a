"""`wfq server`'s HTTP server: werkzeug's threaded server, with a read timeout.

Without one, a client that announces a Content-Length and sends less (or opens a connection
and says nothing) holds a server thread and its socket forever. With `api_read_timeout_s`, a
socket read that waits longer gives up: a request whose body stopped arriving is answered 400
("the request body ended before its Content-Length") and its connection closed; a connection
that never completed its headers is closed. Production runs granian (docker-compose.yml).
"""

from __future__ import annotations

from typing import Any

from werkzeug.serving import WSGIRequestHandler, run_simple


def handler_class(read_timeout_s: float) -> type[WSGIRequestHandler]:
    """A request handler whose socket reads give up after `read_timeout_s` (0: never)."""

    class Handler(WSGIRequestHandler):
        timeout = read_timeout_s or None

    return Handler


def serve(app: Any, host: str, port: int, *, read_timeout_s: float) -> None:
    """Serve `app` on host:port, one thread per connection, until interrupted."""
    run_simple(
        host,
        port,
        app,
        threaded=True,
        use_reloader=False,
        request_handler=handler_class(read_timeout_s),
    )
