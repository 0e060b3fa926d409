"""Serving ``/metrics`` (and ``/health`` where a service has one). Metric objects are
defined next to the code they measure."""

from __future__ import annotations

import threading
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import make_wsgi_app, start_http_server
from prometheus_client.exposition import ThreadingWSGIServer


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Scrapes and probes every few seconds: not worth a log line each."""


def serve_metrics(port: int, addr: str = "0.0.0.0", health: Any = None) -> None:
    """Expose the default registry on ``port`` (0 = do not serve: tests, one-off commands).

    ``health``: a ``streams.kafka.health.ServiceHealth`` answering ``GET /health`` on the
    same port (the liveness probe of the confluent-kafka services)."""
    if not port:
        return
    if health is None:
        start_http_server(port, addr=addr)
        return
    from fenliu.streams.kafka.health import wsgi_app

    server = make_server(
        addr, port, wsgi_app(health, make_wsgi_app()), ThreadingWSGIServer, handler_class=_Quiet
    )
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
