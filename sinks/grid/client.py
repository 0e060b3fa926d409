"""HTTP client of the grid platform (网格化社会治理平台): one request per dispatch order.

Each ``POST /orders`` carries the order id as ``Idempotency-Key`` and a bearer token,
over HTTPS verified against a configurable CA. Answers are sorted for the
``Deliverer``: 201/200 created or replayed and 409 "already have it" are
acknowledgements; timeouts, connection errors, 5xx, 408, 425, 429, 401 and 403 are
transient (the last two because a rotated token is the platform's or our
configuration's fault, never the order's: orders wait rather than die); every other
4xx is a permanent rejection of that order.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx

from fenliu.settings import Settings
from fenliu.sinks.base import Ack, PermanentError, Sink, TransientError
from fenliu.sinks.grid.contract import IDEMPOTENCY_HEADER, OrderRequest, OrderUpdate

TRANSIENT_4XX = frozenset({401, 403, 408, 425, 429})
ACK_OUTCOME = {201: "created", 200: "replayed", 409: "duplicate"}
# An update: 425 (the platform lacks the order or the version before) is transient, so
# versions reach the platform in order even when the previous one is still being retried.
UPDATE_OUTCOME = {201: "updated", 200: "replayed", 409: "duplicate"}


def tls_verify(ca_file: Path | None) -> ssl.SSLContext | bool:
    """Verification for httpx: the given CA bundle, or the system's CAs."""
    return ssl.create_default_context(cafile=str(ca_file)) if ca_file else True


class GridPlatform(Sink[OrderRequest]):
    """The grid platform's order API, spoken with one pooled, thread-safe httpx client."""

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
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "fenliu-grid-sink/1"},
            verify=tls_verify(ca_file),
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=max_connections),
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
            content=body.encode(),
            headers={IDEMPOTENCY_HEADER: key, "Content-Type": "application/json"},
        )
        status = response.status_code
        if status in outcomes:
            return Ack(status, outcomes[status])
        detail = f"HTTP {status}: {_snippet(response)}"
        if status >= 500 or status in TRANSIENT_4XX:
            raise TransientError(detail, retry_after_s=_retry_after(response))
        raise PermanentError(detail)

    def probe(self) -> None:
        """``GET /health`` with our token: raises unless the platform would take orders."""
        response = self._request("GET", "/health")
        if response.status_code != 200:
            raise TransientError(f"health: HTTP {response.status_code}: {_snippet(response)}")

    def get_order(self, order_id: str) -> dict[str, Any] | None:
        """The platform's view of an order (Open311-style service request), None if unknown."""
        response = self._request("GET", f"/orders/{order_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def close(self) -> None:
        self._client.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientError(f"timeout: {type(exc).__name__}: {exc}") from exc
        except httpx.TransportError as exc:  # refused, reset, DNS, TLS verification
            raise TransientError(f"network: {type(exc).__name__}: {exc}") from exc


def _snippet(response: httpx.Response, limit: int = 200) -> str:
    return response.text[:limit].replace("\n", " ")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:  # an HTTP-date: the jittered backoff will do
        return None
