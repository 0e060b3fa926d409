"""Serving ``/metrics``. Metric objects are defined next to the code they measure."""

from __future__ import annotations

from prometheus_client import start_http_server


def serve_metrics(port: int, addr: str = "0.0.0.0") -> None:
    """Expose the default registry on ``port`` (0 = do not serve: tests, one-off commands)."""
    if port:
        start_http_server(port, addr=addr)
