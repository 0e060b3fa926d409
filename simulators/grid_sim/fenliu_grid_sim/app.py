"""grid-sim's HTTP server: the grid platform's order API, lives played back by webhook, faults.

Implements ``api/grid-platform.openapi.yaml`` as the reference platform: bearer auth,
``POST /orders`` idempotent by ``Idempotency-Key`` (201 new, 200 same body again, 409
another body under a known id), ``GET /orders/{id}`` as an Open311 service request,
``GET /health``. Every new order gets a player task that reports its planned life
(``life.plan_life``) to the webhook, signed, at ``time_scale`` speed. ``/metrics``
and ``/admin/*`` (faults, request log) are for people and tests.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from pydantic import ValidationError

from fenliu.settings import Settings
from fenliu.sinks.grid.contract import (
    IDEMPOTENCY_HEADER,
    LifecycleEventIn,
    OrderRequest,
    OrderUpdate,
    signed_headers,
)
from fenliu_grid_sim.faults import FaultBoard, FaultSpec
from fenliu_grid_sim.life import LifeKnobs, Step, plan_life
from fenliu_grid_sim.store import OrderStore, StoredOrder, body_hash

log = logging.getLogger("fenliu.grid_sim")
BODY_HASH = web.RequestKey("body_hash", str)  # which version of an order a request carried
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class SimConfig:
    """Everything grid-sim needs; ``from_settings`` reads it from ``FENLIU_GRID_SIM_*``."""

    token: str
    webhook_url: str
    webhook_secret: bytes
    seed: int = 7
    time_scale: float = 60.0
    event_clock: str = "order"
    knobs: LifeKnobs = field(default_factory=LifeKnobs)
    error_rate: float = 0.0
    webhook_attempts: int = 6
    store_file: Path | None = None
    #: Webhook posts in flight at once: the size of the HTTP client's pool, and of the
    #: semaphore in front of it (``GridSim._report`` says why both).
    webhook_connections: int = 100
    webhook_timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(10.0))

    @classmethod
    def from_settings(cls, s: Settings) -> SimConfig:
        return cls(
            token=s.grid.platform_token.get_secret_value(),
            webhook_url=s.grid_sim.webhook_url,
            webhook_secret=s.ingress.webhook_hmac_secret.get_secret_value().encode(),
            seed=s.grid_sim.seed,
            time_scale=s.grid_sim.time_scale,
            event_clock=s.grid_sim.event_clock,
            knobs=LifeKnobs(
                sign_late_rate=s.grid_sim.sign_late_rate,
                no_arrival_rate=s.grid_sim.no_arrival_rate,
                return_rate=s.grid_sim.return_rate,
                complaint_rate=s.grid_sim.complaint_rate,
                on_site_rate=s.grid_sim.on_site_rate,
                follow_up_after_s=s.grid_sim.follow_up_after_s,
                satisfaction=dict(s.grid_sim.satisfaction),
            ),
            error_rate=s.grid_sim.error_rate,
            webhook_attempts=s.grid_sim.webhook_attempts,
            store_file=s.grid_sim.store_file,
        )


class _Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.orders = Counter(
            "fenliu_grid_sim_orders_received_total",
            "New orders stored",
            ["unit_kind"],
            registry=registry,
        )
        self.duplicates = Counter(
            "fenliu_grid_sim_order_duplicates_total",
            "Orders sent again: replayed (same body) or conflict (409)",
            ["kind"],
            registry=registry,
        )
        self.requests = Counter(
            "fenliu_grid_sim_requests_total",
            "API requests by route and status",
            ["route", "status"],
            registry=registry,
        )
        self.faults = Counter(
            "fenliu_grid_sim_faults_injected_total",
            "Requests a fault answered",
            ["status"],
            registry=registry,
        )
        self.events = Counter(
            "fenliu_grid_sim_lifecycle_events_total",
            "Lifecycle events reported",
            ["kind", "result"],
            registry=registry,
        )
        self.updates = Counter(
            "fenliu_grid_sim_order_updates_total",
            "Order versions applied (a reopening starts a new round of work)",
            registry=registry,
        )
        self.open = Gauge(
            "fenliu_grid_sim_open_orders", "Orders not yet closed or returned", registry=registry
        )


class GridSim:
    """The reference grid platform; ``app()`` builds the aiohttp application."""

    def __init__(self, config: SimConfig, registry: CollectorRegistry | None = None) -> None:
        self.config = config
        self.registry = registry or CollectorRegistry()
        self.metrics = _Metrics(self.registry)
        self.metrics.open.set_function(self._count_open)
        self.store = OrderStore(config.store_file)
        self.faults = FaultBoard(config.error_rate, config.seed)
        self.request_log: deque[dict[str, Any]] = deque(maxlen=10_000)
        self._players: dict[str, asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._http: httpx.AsyncClient | None = None
        self._webhook_slots: asyncio.Semaphore | None = None
        self._retry_rng = random.Random(config.seed)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._log_middleware], client_max_size=1 << 20)
        app.router.add_get("/health", self.health)
        app.router.add_post("/orders", self.create_order)
        app.router.add_get("/orders", self.list_orders)
        app.router.add_get("/orders/{order_id}", self.get_order)
        app.router.add_post("/orders/{order_id}/updates", self.update_order)
        app.router.add_get("/metrics", self.metrics_page)
        app.router.add_get("/admin/faults", self.get_faults)
        app.router.add_post("/admin/faults", self.add_fault)
        app.router.add_delete("/admin/faults", self.clear_faults)
        app.router.add_get("/admin/requests", self.get_requests)
        app.on_startup.append(self._startup)
        app.on_cleanup.append(self._cleanup)
        return app

    # --- lifecycle of the server ---------------------------------------------------------
    async def _startup(self, _app: web.Application) -> None:
        n = self.config.webhook_connections
        self._http = httpx.AsyncClient(
            timeout=self.config.webhook_timeout,
            limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
        )
        self._webhook_slots = asyncio.Semaphore(n)
        self._tasks.append(asyncio.create_task(self._autosave()))
        for stored in self.store:  # resume lives interrupted by a restart
            self._start_player(stored)

    async def _cleanup(self, _app: web.Application) -> None:
        for task in [*self._players.values(), *self._tasks]:
            task.cancel()
        await asyncio.gather(*self._players.values(), *self._tasks, return_exceptions=True)
        self.store.save()
        if self._http is not None:
            await self._http.aclose()

    async def _autosave(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.store.save()

    # --- middleware: auth, faults, request log -----------------------------------------
    @web.middleware
    async def _log_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        route = _route_name(request)
        order_id = request.match_info.get("order_id") or request.headers.get(IDEMPOTENCY_HEADER)
        if route != "metrics" and not self._authorized(request):
            response: web.StreamResponse = _error(
                401, "unauthorized", "bearer token missing or wrong"
            )
            response.headers["WWW-Authenticate"] = "Bearer"
        elif route in ("orders", "health"):
            verdict = self.faults.verdict(route, order_id)
            if verdict.status is not None:
                await asyncio.sleep(verdict.delay_s)
                self.metrics.faults.labels(str(verdict.status)).inc()
                response = _error(verdict.status, "injected_fault", "grid-sim was told to fail")
            else:  # slow but working: the order is stored, only the answer comes late
                response = await handler(request)
                await asyncio.sleep(verdict.delay_s)
        else:
            response = await handler(request)
        self.metrics.requests.labels(route, str(response.status)).inc()
        if route != "admin":
            self.request_log.append(
                {
                    "method": request.method,
                    "route": route,
                    "order_id": order_id,
                    "status": response.status,
                    "body_hash": request.get(BODY_HASH),
                    "at": time.time(),
                }
            )
        return response

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        expected = f"Bearer {self.config.token}"
        return hmac.compare_digest(header.encode(), expected.encode())

    # --- the order API -----------------------------------------------------------------
    async def health(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "orders": len(self.store)})

    async def create_order(self, request: web.Request) -> web.Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if not key:
            return _error(
                400, "missing_idempotency_key", f"{IDEMPOTENCY_HEADER} header is required"
            )
        try:
            order = OrderRequest.model_validate_json(await request.read())
        except ValidationError as exc:
            return _error(422, "invalid_order", "body is not a DispatchOrder", _errors(exc))
        if key != order.order_id:
            return _error(422, "idempotency_key_mismatch", "Idempotency-Key must be the order_id")
        digest = body_hash(order)
        request[BODY_HASH] = digest
        known = self.store.get(order.order_id)
        if known is not None and known.body_hash == digest:
            self.metrics.duplicates.labels("replayed").inc()
            return web.json_response(
                known.service_request(), status=200, headers={"Idempotent-Replayed": "true"}
            )
        if known is not None:
            self.metrics.duplicates.labels("conflict").inc()
            return _error(
                409,
                "order_exists",
                "another order body was stored under this id",
                {"service_request_id": order.order_id},
            )
        stored = self.store.add(order, digest, datetime.now(UTC))
        self.metrics.orders.labels(order.unit_kind).inc()
        self._start_player(stored)
        return web.json_response(
            stored.service_request(), status=201, headers={"Location": f"/orders/{order.order_id}"}
        )

    async def update_order(self, request: web.Request) -> web.Response:
        """Version n of a known order (a reopening): idempotent by (order id, version), applied
        in version order; 425 asks the sender to come back when the version before is here."""
        order_id = request.match_info["order_id"]
        key = request.headers.get(IDEMPOTENCY_HEADER)
        try:
            update = OrderUpdate.model_validate_json(await request.read())
        except ValidationError as exc:
            return _error(422, "invalid_update", "body is not an OrderUpdate", _errors(exc))
        if update.order_id != order_id:
            return _error(422, "order_id_mismatch", "the body names another order than the path")
        if key != update.idempotency_key:
            return _error(
                422, "idempotency_key_mismatch", "Idempotency-Key must be <order_id>:v<version>"
            )
        digest = hashlib.sha256(update.model_dump_json().encode()).hexdigest()
        request[BODY_HASH] = digest
        stored = self.store.get(order_id)
        if stored is None or stored.parent is not None:
            return _too_early("order_unknown", "no order with this id (yet)")
        if update.version <= stored.version:
            known = stored.updates[update.version - 2]
            if known["body_hash"] == digest:
                self.metrics.duplicates.labels("update_replayed").inc()
                return web.json_response(
                    self.store.service_request(stored),
                    status=200,
                    headers={"Idempotent-Replayed": "true"},
                )
            self.metrics.duplicates.labels("update_conflict").inc()
            return _error(
                409,
                "version_exists",
                "another body was stored for this version",
                {"service_request_id": order_id, "version": update.version},
            )
        if update.version > stored.version + 1:
            return _too_early("version_gap", f"version {stored.version + 1} must come first")
        base = self.store.rounds(stored)[-1].order
        round_order = base.model_copy(
            update={
                "order_id": update.dispatch_order_id,
                "decision_id": update.decision_id,
                "created_at": update.at,
                "priority": update.priority,
                "unit_id": update.unit_id,
                "deadlines": list(update.deadlines),
                "repeat_count": update.repeat_count,
                "flow_back": True,
                "reopens_order_id": order_id,
                "version": update.version,
            }
        )
        record = {
            "version": update.version,
            "body_hash": digest,
            "at": update.at.isoformat(),
            "note": update.note,
            "dispatch_order_id": update.dispatch_order_id,
        }
        round_ = self.store.add_update(order_id, record, round_order, datetime.now(UTC))
        self.metrics.updates.inc()
        self._start_player(round_)
        return web.json_response(
            self.store.service_request(stored),
            status=201,
            headers={"Location": f"/orders/{order_id}"},
        )

    async def get_order(self, request: web.Request) -> web.Response:
        stored = self.store.get(request.match_info["order_id"])
        if stored is None:
            return _error(404, "not_found", "no order with this id")
        return web.json_response(self.store.service_request(stored))

    async def list_orders(self, request: web.Request) -> web.Response:
        status = request.query.get("status")
        items = [
            self.store.service_request(s)
            for s in self.store
            if s.parent is None and (status is None or self.store.status(s) == status)
        ]
        return web.json_response(items)

    async def metrics_page(self, _request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(self.registry),
            headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
        )

    # --- admin -------------------------------------------------------------------------
    async def get_faults(self, _request: web.Request) -> web.Response:
        return web.json_response(self.faults.describe())

    async def add_fault(self, request: web.Request) -> web.Response:
        try:
            spec = FaultSpec.model_validate_json(await request.read())
        except ValidationError as exc:
            return _error(422, "invalid_fault", "body is not a fault", _errors(exc))
        self.faults.add(spec)
        return web.json_response(self.faults.describe(), status=201)

    async def clear_faults(self, _request: web.Request) -> web.Response:
        self.faults.clear()
        return web.json_response([])

    async def get_requests(self, _request: web.Request) -> web.Response:
        return web.json_response(list(self.request_log))

    # --- playing lives -----------------------------------------------------------------
    def _start_player(self, stored: StoredOrder) -> None:
        if not self.config.webhook_url:  # nobody to report to: store orders only
            return
        steps = plan_life(stored.order, self.config.knobs, self.config.seed)
        if len(stored.events) < len(steps) and stored.order.order_id not in self._players:
            task = asyncio.create_task(self._play(stored, steps))
            self._players[stored.order.order_id] = task
            task.add_done_callback(
                lambda _t, oid=stored.order.order_id: self._players.pop(oid, None)
            )

    async def _play(self, stored: StoredOrder, steps: list[Step]) -> None:
        loop = asyncio.get_running_loop()
        done = len(stored.events)
        scale = self.config.time_scale
        start = loop.time() - (steps[done - 1].offset_s / scale if done else 0.0)
        for step in steps[done:]:
            await asyncio.sleep(max(0.0, start + step.offset_s / scale - loop.time()))
            event = self._event(stored, step)
            result = await self._report(event)
            self.metrics.events.labels(step.kind, result).inc()
            self.store.record_event(stored.order.order_id, event.model_dump(mode="json"))

    def _event(self, stored: StoredOrder, step: Step) -> LifecycleEventIn:
        order = stored.order
        if self.config.event_clock == "order":
            at = order.created_at + timedelta(seconds=step.offset_s)
        else:
            at = datetime.now(UTC)
        return LifecycleEventIn(
            event_id=step.event_id(order.order_id),
            order_id=order.order_id,
            case_id=order.case_id,
            kind=step.kind,
            at=at,
            unit_id=order.unit_id,
            actor=step.actor,
            note=step.note,  # type: ignore[arg-type]
            satisfaction=step.satisfaction,
            resolved_on_site=step.resolved_on_site,  # type: ignore[arg-type]
        )

    async def _report(self, event: LifecycleEventIn) -> str:
        """POST the signed event to the webhook, retrying transient failures; returns the result.

        A post waits for one of ``webhook_slots`` before it enters the HTTP client, so the
        client's pool always has a connection for it and no request ever queues there.
        httpcore 1.0.9 loses a pool slot for good when a queued request gives up (its pool
        timeout, a cancellation) just as the pool creates a connection for it: the new
        connection stays CONNECTING with nobody to use it (encode/httpcore#1093). Under load
        (a slow ingress, a CPU-starved event loop) that emptied all 100 slots: every later
        post failed with PoolTimeout and grid-sim held no connection to the ingress at all.
        Waiting here instead has no timeout: a slow ingress delays the lives, it does not
        make them fail."""
        assert self._http is not None and self._webhook_slots is not None
        body = event.model_dump_json().encode()
        for attempt in range(1, self.config.webhook_attempts + 1):
            try:
                async with self._webhook_slots:
                    headers = signed_headers(self.config.webhook_secret, body, int(time.time()))
                    response = await self._http.post(
                        self.config.webhook_url, content=body, headers=headers
                    )
                if response.status_code < 300:
                    return "ok"
                if response.status_code < 500 and response.status_code != 429:
                    log.warning(
                        "webhook refused %s: %s %s",
                        event.event_id,
                        response.status_code,
                        response.text[:200],
                    )
                    return "refused"
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            log.info("webhook attempt %s for %s failed: %s", attempt, event.event_id, problem)
            await asyncio.sleep(min(5.0, 0.2 * 2**attempt) * self._retry_rng.uniform(0.5, 1.0))
        return "failed"

    def _count_open(self) -> int:
        """Orders whose latest round is open: counted when /metrics is scraped (on this loop),
        not on every order received, which walked every stored order per request (72% of
        grid-sim's CPU at 300 orders/s, growing with the orders held)."""
        return sum(1 for s in self.store if s.parent is None and self.store.status(s) == "open")


def _route_name(request: web.Request) -> str:
    path = request.path
    if path.startswith("/admin"):
        return "admin"
    if path.startswith("/orders"):
        return "orders"
    return path.strip("/") or "root"


def _too_early(code: str, message: str) -> web.Response:
    response = _error(425, code, message)
    response.headers["Retry-After"] = "1"
    return response


def _error(status: int, code: str, message: str, detail: Any = None) -> web.Response:
    body: dict[str, Any] = {"error": code, "message": message}
    if detail is not None:
        body["detail"] = detail
    return web.json_response(body, status=status)


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    return json.loads(exc.json(include_url=False, include_input=False))
