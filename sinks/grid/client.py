"""HTTP client of the grid platform (网格化社会治理平台): one request per dispatch order.

Each ``POST /orders`` carries the order id as ``Idempotency-Key`` and a bearer token,
over HTTPS verified against a configurable CA. Answers are sorted for the
``Deliverer``: 201/200 created or replayed and 409 "already have it" are
acknowledgements; timeouts, connection errors, 5xx, 408, 425, 429, 401 and 403 are
transient (the last two because a rotated token is the platform's or our
configuration's fault, never the order's: orders wait rather than die); every other
4xx is a permanent rejection of that order.

Spoken with urllib3 rather than httpx: one order is one request on the sink's hot path, and
urllib3 spends ~250 µs of CPU on a keep-alive POST where httpx spends ~400 µs (measured
against a local aiohttp server, docs/benchmarks.md, fourteenth round).
"""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import urllib3
from urllib3.exceptions import HTTPError as TransportError
from urllib3.exceptions import TimeoutError as RequestTimeout

from fenliu.settings import Settings
from fenliu.sinks.base import Ack, PermanentError, Sink, TransientError
from fenliu.sinks.grid.contract import IDEMPOTENCY_HEADER, OrderRequest, OrderUpdate

TRANSIENT_4XX = frozenset({401, 403, 408, 425, 429})
ACK_OUTCOME = {201: "created", 200: "replayed", 409: "duplicate"}
# An update: 425 (the platform lacks the order or the version before) is transient, so
# versions reach the platform in order even when the previous one is still being retried.
UPDATE_OUTCOME = {201: "updated", 200: "replayed", 409: "duplicate"}


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verification against the given CA bundle, or the system's CAs."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


class GridPlatform(Sink[OrderRequest]):
    """The grid platform's order API, spoken with one pooled, thread-safe urllib3 pool."""

    name = "grid-platform"

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        ca_file: Path | None = None,
        timeout_s: float = 10.0,
        max_connections: int = 16,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "User-Agent": "fenliu-grid-sink/1"}
        # block: at most max_connections open, a request waits for a free one, at most
        # timeout_s (as a bounded pool should); retries=False: no retry and no redirect here,
        # the Deliverer decides. One platform host: one pool.
        self._timeout_s = timeout_s
        self._pool = urllib3.PoolManager(
            num_pools=1,
            maxsize=max_connections,
            block=True,
            timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
            retries=False,
            ssl_context=tls_context(ca_file) if base_url.startswith("https:") else None,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> GridPlatform:
        return cls(
            settings.grid.platform_url,
            settings.grid.platform_token.get_secret_value(),
            ca_file=settings.grid.platform_ca_file,
            timeout_s=settings.grid.sink_timeout_s,
            max_connections=settings.grid.sink_concurrency * 2,
        )

    def send(self, item: OrderRequest) -> Ack:
        """``POST /orders`` once (or, for a reopening, ``POST /orders/{id}/updates``); sorts the
        answer into an ack or a typed failure."""
        if item.reopens_order_id is not None:
            update = OrderUpdate.from_order(item)
            path, key, body = (
                f"/orders/{update.order_id}/updates",
                update.idempotency_key,
                update.model_dump_json(),
            )
            outcomes = UPDATE_OUTCOME
        else:
            path, key, body = "/orders", item.order_id, item.model_dump_json()
            outcomes = ACK_OUTCOME
        response = self._request(
            "POST",
            path,
            body=body.encode(),
            headers={IDEMPOTENCY_HEADER: key, "Content-Type": "application/json"},
        )
        status = response.status
        if status in outcomes:
            return Ack(status, outcomes[status])
        detail = f"HTTP {status}: {_snippet(response)}"
        if status >= 500 or status in TRANSIENT_4XX:
            raise TransientError(detail, retry_after_s=_retry_after(response))
        raise PermanentError(detail)

    def probe(self) -> None:
        """``GET /health`` with our token: raises unless the platform would take orders."""
        response = self._request("GET", "/health")
        if response.status != 200:
            raise TransientError(f"health: HTTP {response.status}: {_snippet(response)}")

    def get_order(self, order_id: str) -> dict[str, Any] | None:
        """The platform's view of an order (Open311-style service request), None if unknown."""
        response = self._request("GET", f"/orders/{order_id}")
        if response.status == 404:
            return None
        if response.status != 200:
            raise TransientError(f"order {order_id}: HTTP {response.status}: {_snippet(response)}")
        result: dict[str, Any] = json.loads(response.data)
        return result

    def close(self) -> None:
        self._pool.clear()

    def _request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> urllib3.BaseHTTPResponse:
        try:
            return self._pool.request(
                method,
                self.base_url + path,
                body=body,
                headers={**self._headers, **(headers or {})},
                pool_timeout=self._timeout_s,
            )
        except RequestTimeout as exc:
            raise TransientError(f"timeout: {type(exc).__name__}: {exc}") from exc
        except TransportError as exc:  # refused, reset, DNS, TLS verification
            raise TransientError(f"network: {type(exc).__name__}: {exc}") from exc


def _snippet(response: urllib3.BaseHTTPResponse, limit: int = 200) -> str:
    return response.data[: limit * 4].decode("utf-8", "replace")[:limit].replace("\n", " ")


def _retry_after(response: urllib3.BaseHTTPResponse) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:  # an HTTP-date: the jittered backoff will do
        return None
