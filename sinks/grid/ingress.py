"""The webhook ingress: lifecycle events from the grid platform onto ``fenliu.lifecycle``.

``POST /webhook/lifecycle`` checks the caller (HMAC-SHA256 signature over
``"<timestamp>." + raw body`` with a shared secret and a freshness window, or a
configured bearer token), validates the body against the ``LifecycleEvent``
contract, encodes it with the codec and produces it keyed by ``order_id``. It answers
202 only after the broker acknowledged the record; any refusal is a 4xx JSON error
written before anything is produced, and a broker that does not acknowledge within
``message.timeout.ms`` yields a 503 for a record librdkafka has given up on (so a
retry by the platform cannot leave two half-states: at worst the same ``event_id``
twice, which the lifecycle consumers drop).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from confluent_kafka import KafkaError, Message
from prometheus_client import Counter, Histogram
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.sinks.grid.contract import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    LifecycleEventIn,
    SignatureError,
    verify_signature,
)
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.watchdog import WatchedProducer, watched_producer
from fenliu.topics import catalogue as topics

log = logging.getLogger("fenliu.ingress")

WEBHOOK_PATH = "/webhook/lifecycle"
REQUESTS = Counter(
    "fenliu_ingress_requests_total",
    "Webhook requests by result (accepted, unauthorized, invalid_json, invalid_event, ...)",
    ["result"],
)
EVENTS = Counter("fenliu_ingress_events_total", "Lifecycle events produced", ["kind"])
ACK_SECONDS = Histogram(
    "fenliu_ingress_ack_seconds",
    "From a valid request to the broker's acknowledgement",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class ProduceFailed(Exception):
    """The broker did not acknowledge the record; librdkafka has given up on it."""


class AckingProducer:
    """A confluent-kafka producer whose ``produce`` coroutine returns once the broker acked.

    A background thread serves delivery callbacks and hands each result to the
    event loop that is waiting for it. The producer is watched (librdkafka #5301): a
    stranded one is recreated by that thread and the records still waiting for their
    answer are produced again, so the ingress recovers instead of answering 503 until it is
    restarted.
    """

    def __init__(self, settings: Settings) -> None:
        self._producer = self.new_producer(settings)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="ingress-producer", daemon=True)

    def new_producer(self, settings: Settings) -> WatchedProducer:
        """Acknowledged by all replicas, idempotent, and a record's life as long as the
        answer's budget (``produce_timeout_s``): a 503 is final for that record. Only a
        record without a report yet is produced again on a recreated producer (the
        lifecycle consumers drop a repeated ``event_id``); it gets a new budget there."""
        timeout_ms = int(settings.ingress.produce_timeout_s * 1000)
        config = confluent_config(
            settings,
            **{
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 2,
                "message.timeout.ms": timeout_ms,
            },
        )
        return watched_producer(settings, config, client="ingress")

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)
        self._producer.flush(timeout_s)

    def _serve(self) -> None:
        while not self._stop.is_set():
            self._producer.poll(0.05)

    async def produce(self, topic: str, key: bytes, value: bytes) -> tuple[int, int]:
        """Produce and wait for the acknowledgement; returns (partition, offset)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[tuple[int, int]] = loop.create_future()

        def settle(err: KafkaError | None, msg: Message) -> None:
            if done.done():
                return
            if err is not None:
                done.set_exception(ProduceFailed(str(err)))
            else:
                done.set_result((msg.partition() or 0, msg.offset() or 0))

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            loop.call_soon_threadsafe(settle, err, msg)

        try:
            self._producer.produce(topic, value, key, on_delivery=on_delivery)
        except Exception as exc:  # BufferError (queue full), bad config: nothing was written
            raise ProduceFailed(f"{type(exc).__name__}: {exc}") from exc
        return await done


class Ingress:
    """The webhook's request handling; ``app()`` builds the aiohttp application."""

    def __init__(
        self,
        settings: Settings,
        codec: Codec,
        producer: AckingProducer,
        clock_s: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.codec = codec
        self.producer = producer
        self.clock_s = clock_s
        self.topic = settings.topic(topics.LIFECYCLE)
        self._secret = settings.ingress.webhook_hmac_secret.get_secret_value().encode()
        token = settings.ingress.webhook_bearer_token
        self._bearer = f"Bearer {token.get_secret_value()}".encode() if token else None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.settings.ingress.max_body_bytes * 2)
        app.router.add_post(WEBHOOK_PATH, self.lifecycle)
        app.router.add_get("/healthz", self.healthz)
        app.on_startup.append(lambda _app: self._start())
        app.on_cleanup.append(lambda _app: self._close())
        return app

    async def _start(self) -> None:
        self.producer.start()

    async def _close(self) -> None:
        await asyncio.to_thread(self.producer.close)

    async def healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "topic": self.topic})

    async def lifecycle(self, request: web.Request) -> web.Response:
        """Verify, validate, produce, and answer 202 only after the broker's ack."""
        limit = self.settings.ingress.max_body_bytes
        if (request.content_length or 0) > limit:
            return _refuse(413, "too_large", f"body over {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.content.iter_any():  # also bodies sent without a length
            size += len(chunk)
            if size > limit:
                return _refuse(413, "too_large", f"body over {limit} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            self._verify(request, body)
        except SignatureError as exc:
            return _refuse(401, exc.code, str(exc))
        if request.content_type != "application/json":
            return _refuse(415, "unsupported_media_type", "send application/json")
        try:
            event = LifecycleEventIn.model_validate_json(body)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False)
            if any(e["type"] == "json_invalid" for e in errors):
                return _refuse(400, "invalid_json", "body is not JSON")
            return _refuse(422, "invalid_event", "body is not a LifecycleEvent", _jsonable(errors))
        try:
            value = self.codec.encode("LifecycleEvent", event.to_record())
        except Exception as exc:  # the contract and the model disagree: a bug, refuse loudly
            log.exception("event %s does not encode", event.event_id)
            return _refuse(422, "invalid_event", f"does not encode: {exc}")
        started = time.perf_counter()
        try:
            partition, offset = await self.producer.produce(
                self.topic, event.order_id.encode(), value
            )
        except ProduceFailed as exc:
            log.warning("event %s not acknowledged: %s", event.event_id, exc)
            response = _refuse(503, "broker_unavailable", "not stored, send it again later")
            response.headers["Retry-After"] = "5"
            return response
        ACK_SECONDS.observe(time.perf_counter() - started)
        REQUESTS.labels("accepted").inc()
        EVENTS.labels(event.kind).inc()
        return web.json_response(
            {
                "status": "accepted",
                "event_id": event.event_id,
                "topic": self.topic,
                "partition": partition,
                "offset": offset,
            },
            status=202,
        )

    def _verify(self, request: web.Request, body: bytes) -> None:
        auth = request.headers.get("Authorization")
        if self._bearer is not None and auth is not None:
            if hmac.compare_digest(auth.encode(), self._bearer):
                return
            raise SignatureError("bad_token", "bearer token does not match")
        verify_signature(
            self._secret,
            request.headers.get(SIGNATURE_HEADER),
            request.headers.get(TIMESTAMP_HEADER),
            body,
            now_s=int(self.clock_s()),
            max_skew_s=self.settings.ingress.webhook_max_skew_s,
        )


def _refuse(status: int, code: str, message: str, detail: Any = None) -> web.Response:
    REQUESTS.labels(code).inc()
    body: dict[str, Any] = {"error": code, "message": message}
    if detail is not None:
        body["detail"] = detail
    return web.json_response(body, status=status)


def _jsonable(errors: list[ErrorDetails]) -> list[dict[str, Any]]:
    return [{"loc": list(e["loc"]), "type": e["type"], "msg": e["msg"]} for e in errors]
