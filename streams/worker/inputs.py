"""Each input record decoded once per worker and handed to every feature that needs it.

Features used to run one agent each over the topics they read, so a decision or an order
was fetched, decoded and turned into a stream event by several agents (about six Avro
decodes per decision). Now one agent reads a group of co-partitioned topics
(``SharedInput``), decodes each record once and calls the handlers the features
subscribed, in the order they subscribed; and what the cases agent derives (a call's
``CaseUpdate``) reaches the features that count it in-process (``LocalFeed``), instead of
through a topic they would read and decode again.

A handler gets the event and the decoded record, or ``None`` and the ``InvalidEvent``
when the bytes are bad (the feature that owns the topic dead-letters them; the others
count them). A handler's own failure is its own: it dead-letters or counts, and the next
handler still runs.

After the handlers, the record's offset is written to the agent's applied-offsets table
(one call per record): the continuity check compares it with the committed offset before
the agent resumes after a restart or a rebalance (``streams/worker/continuity.py``).

The tick topic has one reader too (``TickInput``; the SLA and the held suggestions
subscribe). Every topic must: faust hands a record read by two agents to both queues with
a reference count of two, and a worker stopping while one copy waited in a queue drops
that copy (``flow_control.clear()``) without acknowledging it; the other agent's stream
still holds the record, so it stays among the unacknowledged ones and the shutdown waited
for it forever (``Consumer.wait_empty``; the demo's Ctrl-C test, docs/testing.md).
``tests/test_streams_topology.py`` checks that no topic has two readers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import mode
from confluent_kafka import KafkaException
from prometheus_client import Histogram

from fenliu.processors.model import InvalidEvent
from fenliu.streams.worker.clock import TICK_RETENTION_MS, ensure_tick_topic, tick_topic
from fenliu.streams.worker.context import StreamsContext
from fenliu.streams.worker.continuity import AppliedOffsets

log = logging.getLogger(__name__)

RAW: dict[str, Any] = {"key_serializer": "raw", "value_serializer": "raw"}

INPUT_AGE = Histogram(
    "fenliu_streams_input_age_seconds",
    "How old a record is (its Kafka timestamp to now) when the worker's agent takes it:"
    " the wait on the broker, in the fetch and in the stream's queue",
    ["agent"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)

Handler = Callable[[Any, "dict[str, Any] | None", "InvalidEvent | None"], Awaitable[None]]


class SharedInput:
    """One agent over ``topics`` (physical name -> Avro schema), fanning out each record."""

    def __init__(
        self, app: Any, ctx: StreamsContext, name: str, topics: dict[str, str], **topic_options: Any
    ) -> None:
        self.ctx = ctx
        self.schemas = dict(topics)
        self.handlers: list[Handler] = []
        self.source = app.topic(*topics, **{**RAW, **topic_options})
        # The continuity check's record of what this agent applied (streams/worker/continuity.py).
        self.age = INPUT_AGE.labels(name)
        self.applied = AppliedOffsets(
            app,
            name,
            topics,
            topic_options.get("partitions") or ctx.settings.topics.partitions,
        )

        @app.agent(self.source, name=name)
        async def agent(stream: Any) -> None:
            async for event in stream.events():
                await self.dispatch(event)

        self.agent = agent

    def subscribe(self, handler: Handler) -> None:
        self.handlers.append(handler)

    async def dispatch(self, event: Any) -> None:
        msg = event.message
        if msg.timestamp:  # seconds since the epoch (the producer's create time)
            self.age.observe(max(0.0, time.time() - msg.timestamp))
        record: dict[str, Any] | None = None
        error: InvalidEvent | None = None
        try:
            record = self.ctx.codec.decode(msg.value or b"", expect=self.schemas[msg.topic])
        except InvalidEvent as exc:
            error = exc
        for handler in self.handlers:
            await handler(event, record, error)
        self.applied.applied(msg)  # one call per record, after every handler


TickHandler = Callable[[Any], Awaitable[None]]


class TickTopicFirst(mode.Service):
    """Creates the tick topic while the agents start, before the consumer subscribes, so
    the first assignment already has its partitions (``clock.ensure_tick_topic``)."""

    def __init__(self, settings: Any) -> None:
        super().__init__()
        self.settings = settings

    async def on_start(self) -> None:
        try:
            if await asyncio.to_thread(ensure_tick_topic, self.settings):
                log.info("created tick topic %s", tick_topic(self.settings))
        except (KafkaException, RuntimeError) as exc:  # Faust declares it later itself
            log.warning("could not create the tick topic first: %s", exc)


class TickInput:
    """The one agent over the tick topic (``streams.worker.clock``): each tick event is
    handed to every subscribed feature, in the order they subscribed."""

    def __init__(self, app: Any, ctx: StreamsContext) -> None:
        settings = ctx.settings
        self.handlers: list[TickHandler] = []
        self.topic = app.topic(
            tick_topic(settings),
            internal=True,
            partitions=settings.topics.partitions,
            retention=timedelta(milliseconds=TICK_RETENTION_MS),
            **RAW,
        )

        @app.agent(self.topic, name=TICKS)
        async def agent(stream: Any) -> None:
            async for event in stream.events():
                for handler in self.handlers:
                    await handler(event)

        agent.add_dependency(TickTopicFirst(settings))
        self.agent = agent

    def subscribe(self, handler: TickHandler) -> None:
        self.handlers.append(handler)


class LocalFeed:
    """In-process fan-out of values one feature derives and others count."""

    def __init__(self) -> None:
        self.handlers: list[Callable[..., Awaitable[None]]] = []

    def subscribe(self, handler: Callable[..., Awaitable[None]]) -> None:
        self.handlers.append(handler)

    async def publish(self, *args: Any) -> None:
        for handler in self.handlers:
            await handler(*args)


class Hub:
    """The shared inputs and feeds of one app (features find each other's through it)."""

    def __init__(self) -> None:
        self.inputs: dict[str, SharedInput] = {}
        self.feeds: dict[str, LocalFeed] = {}
        self._ticks: TickInput | None = None

    def input(
        self, app: Any, ctx: StreamsContext, name: str, topics: dict[str, str], **topic_options: Any
    ) -> SharedInput:
        """The agent ``name`` over ``topics``, created by the first feature that asks."""
        found = self.inputs.get(name)
        if found is None:
            found = self.inputs[name] = SharedInput(app, ctx, name, topics, **topic_options)
        elif found.schemas != topics:
            raise ValueError(f"shared input {name} asked for {topics}, has {found.schemas}")
        return found

    def ticks(self, app: Any, ctx: StreamsContext) -> TickInput:
        """The tick agent, created by the first feature that asks."""
        if self._ticks is None:
            self._ticks = TickInput(app, ctx)
        return self._ticks

    def feed(self, name: str) -> LocalFeed:
        return self.feeds.setdefault(name, LocalFeed())


def hub(app: Any) -> Hub:
    """The app's hub (kept on the app object: one per app, whatever installs first)."""
    found = getattr(app, "_fenliu_hub", None)
    if found is None:
        found = Hub()
        app._fenliu_hub = found
    return found


# Names every feature agrees on.
ORDERS_AND_LIFECYCLE = "fenliu-orders"  # fenliu.orders + fenliu.lifecycle (keyed by order id)
TICKS = "fenliu-ticks"  # the tick topic (<app>-sla-ticks): SLA time and held suggestions
CASE_CALLS = "case-calls"  # LocalFeed: (partition, decision record, update record, duplicate)
CASE_UPDATES = "case-updates"  # LocalFeed: (partition, update record) for every CaseUpdate sent
