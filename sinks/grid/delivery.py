"""grid-sink: dispatch orders from ``fenliu.orders`` to the grid platform, at least once.

A confluent-kafka consumer feeds a pool of worker threads through per-key lanes:
orders with the same key (order id) are delivered one after another in offset
order, different keys in parallel. Each order goes through the ``Deliverer``
(retries with jittered backoff, a circuit breaker that makes orders wait while the
platform is down) and ends acknowledged or as a dead letter carrying every
attempt's error. Offsets are committed only up to the first order not yet finished
(``OffsetTracker``), so a crash re-sends, and the idempotency key makes re-sending
harmless. While orders wait, consumption pauses at ``grid_sink_max_in_flight`` but
the consumer keeps polling, so it stays in its group.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from confluent_kafka import Consumer, Message, TopicPartition
from prometheus_client import Counter, Gauge, Histogram
from pydantic import ValidationError

from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.sinks.base import Ack, Cancelled, Deliverer, OffsetTracker, RetryPolicy, Sink
from fenliu.sinks.grid.contract import OrderRequest
from fenliu.streams.kafka.commit import Committer, is_consumer_error
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.consumer_watchdog import WatchedConsumer, watched_consumer
from fenliu.streams.kafka.dead_letters import DEAD_LETTERS, Failure, dead_letter_record
from fenliu.streams.kafka.produce import DeliveryFailed, Output, produce_all
from fenliu.streams.kafka.take import take_available
from fenliu.streams.kafka.watchdog import WatchedProducer, watched_producer
from fenliu.topics import catalogue as topics

log = logging.getLogger("fenliu.grid_sink")

SERVICE = "grid-sink"
ORDERS = Counter(
    "fenliu_grid_sink_orders_total",
    "Orders finished by grid-sink: created, replayed, duplicate (all acknowledged) or dead_letter",
    ["outcome", "unit_kind"],
)
PENDING = Gauge("fenliu_grid_sink_pending_orders", "Orders consumed and not yet acknowledged")
DELIVERY_LAG = Histogram(
    "fenliu_grid_sink_delivery_lag_seconds",
    "From the order record's Kafka timestamp to the platform's acknowledgement",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600),
)

TP = tuple[str, int]


class KeyedLanes:
    """A thread pool that runs tasks one at a time per key, in the order they were submitted."""

    def __init__(self, workers: int, name: str = "lane") -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._queues: dict[bytes, deque[Callable[[], None]]] = {}

    def submit(self, key: bytes, task: Callable[[], None]) -> None:
        with self._lock:
            queue = self._queues.get(key)
            if queue is not None:  # a task of this key is running: wait behind it
                queue.append(task)
                return
            self._queues[key] = deque()
        self._pool.submit(self._run, key, task)

    def _run(self, key: bytes, task: Callable[[], None]) -> None:
        try:
            task()
        except Exception:  # a task must never take its lane down with it
            log.exception("lane task failed")
        with self._lock:
            queue = self._queues[key]
            if not queue:
                del self._queues[key]
                return
            follower = queue.popleft()
        self._pool.submit(self._run, key, follower)  # resubmitted: other keys get their turn

    def shutdown(self) -> None:
        """Wait for every queued task (they return at once when cancelled)."""
        while True:
            with self._lock:
                if not self._queues:
                    break
            time.sleep(0.02)
        self._pool.shutdown(wait=True)


class GridSinkService:
    """Consumes dispatch orders and delivers each through a ``Sink`` of ``OrderRequest``."""

    def __init__(
        self,
        settings: Settings,
        sink: Sink[OrderRequest],
        codec: Codec,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        heartbeat: Callable[[], None] = lambda: None,
    ) -> None:
        if settings.grid.sink_max_attempts <= settings.grid.sink_breaker_failures:
            log.warning(
                "grid_sink_max_attempts (%s) <= grid_sink_breaker_failures (%s): an outage may "
                "dead-letter orders before the breaker opens",
                settings.grid.sink_max_attempts,
                settings.grid.sink_breaker_failures,
            )
        self.settings = settings
        self.codec = codec
        self.clock_ms = clock_ms
        self.heartbeat = heartbeat
        self.owned: frozenset[tuple[str, int]] = frozenset()  # replaced, never mutated (/health)
        self.breaker = Deliverer.breaker_for(
            sink.name, settings.grid.sink_breaker_failures, settings.grid.sink_breaker_reset_s
        )
        policy = RetryPolicy(
            settings.grid.sink_max_attempts,
            settings.grid.sink_backoff_initial_s,
            settings.grid.sink_backoff_max_s,
        )
        self.deliverer = Deliverer(sink, policy, self.breaker)
        self.orders_topic = settings.topic(topics.ORDERS)
        self.dead_letter_topic = settings.topic(topics.DEAD_LETTER)
        self.tracker = OffsetTracker()
        # Commits what the tracker says is finished, without waiting in the loop (the
        # router's Committer); ``run`` makes one per consumer.
        self.committer = Committer(None, settings.grid.sink_commit_interval_s)
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._generation: dict[TP, int] = defaultdict(int)  # bumped when a partition is revoked
        self._running: dict[TP, int] = defaultdict(int)

    # --- one order ---------------------------------------------------------------------
    def handle(self, msg: Message, producer: WatchedProducer, generation: int) -> None:
        """Deliver one consumed order (worker thread); marks it done only when finished."""
        tp: TP = (msg.topic() or "", msg.partition() or 0)

        def cancelled() -> bool:
            return self._stop.is_set() or self._generation[tp] != generation

        if cancelled():
            return
        with self._cond:
            self._running[tp] += 1
        try:
            result, unit_kind = self._deliver(msg, cancelled)
            if isinstance(result, Failure):
                self._dead_letter(msg, result, producer, cancelled)
                ORDERS.labels("dead_letter", unit_kind).inc()
            else:
                ORDERS.labels(result.outcome, unit_kind).inc()
                DELIVERY_LAG.observe(max(0.0, (self.clock_ms() - msg.timestamp()[1]) / 1000))
            if self._generation[tp] == generation:  # still ours (a stop still commits it)
                self.tracker.done(tp[0], tp[1], msg.offset() or 0)
        except Cancelled:
            log.info("order at %s@%s left for the next owner", tp, msg.offset())
        finally:
            with self._cond:
                self._running[tp] -= 1
                self._cond.notify_all()

    def _deliver(self, msg: Message, cancelled: Callable[[], bool]) -> tuple[Ack | Failure, str]:
        """The platform's ack, or the failure that makes the order a dead letter."""
        try:
            order = OrderRequest.from_record(
                self.codec.decode(msg.value() or b"", expect="DispatchOrder")
            )
        except ValidationError as exc:
            return Failure("decode", "INVALID_ORDER", str(exc)), "unknown"
        except Exception as exc:
            return Failure.from_exception("decode", exc), "unknown"
        try:
            outcome = self.deliverer.deliver(order, cancelled)
        except Cancelled:
            raise
        except Exception as exc:  # a bug in building the request: keep the order for replay
            return Failure.from_exception("deliver", exc), order.unit_kind
        if outcome.ack is not None:
            return outcome.ack, order.unit_kind
        last = outcome.attempts[-1] if outcome.attempts else "no attempt"
        error = f"{len(outcome.attempts)} attempt(s); last: {last}"
        return Failure(
            "deliver", outcome.reason or "DELIVERY_FAILED", error, outcome.attempts
        ), order.unit_kind

    def _dead_letter(
        self,
        msg: Message,
        failure: Failure,
        producer: WatchedProducer,
        cancelled: Callable[[], bool],
    ) -> None:
        """Produce the dead letter and wait for the broker; an order is never dropped silently."""
        record = dead_letter_record(
            msg,
            failure,
            service=SERVICE,
            now_ms=self.clock_ms(),
            max_value_bytes=self.settings.kafka.dead_letter_max_value_bytes,
        )
        output = Output(self.dead_letter_topic, msg.key(), self.codec.encode("DeadLetter", record))
        while True:
            try:
                produce_all(producer, [output], timeout_s=30)
                break
            except DeliveryFailed as exc:
                log.warning("dead letter not acknowledged, retrying: %s", exc)
                if cancelled():
                    raise Cancelled() from exc
                time.sleep(1)
        DEAD_LETTERS.labels(SERVICE, failure.stage, failure.reason).inc()
        log.warning(
            "order at %s/%s@%s dead-lettered: %s",
            msg.topic(),
            msg.partition(),
            msg.offset(),
            failure.reason,
        )

    # --- the Kafka loop ----------------------------------------------------------------
    def new_producer(self) -> WatchedProducer:
        """The dead letters' producer, shared by the delivery threads and watched (librdkafka
        #5301, streams/kafka/watchdog.py): a stranded one is recreated and its unacknowledged
        dead letters produced again. At-least-once as before: a dead letter is a pointer to
        its order (topic, partition, offset) with the order's bytes, so a repeat is the
        same dead letter again (a retry after ``DeliveryFailed`` could already repeat it)."""
        config = confluent_config(self.settings, **{"enable.idempotence": True, "acks": "all"})
        return watched_producer(self.settings, config, client=SERVICE)

    def new_consumer(self) -> WatchedConsumer:
        """The orders' consumer, watched (librdkafka #5301 on a consumer,
        streams/kafka/consumer_watchdog.py): a stranded one is closed, its partitions handed
        back as lost, and a new one subscribed, which resumes from the committed offsets."""
        s = self.settings
        config = confluent_config(
            s,
            **{
                "group.id": s.grid.sink_group,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "partition.assignment.strategy": "cooperative-sticky",
                "max.poll.interval.ms": 300_000,
                # answers to commits sent without waiting (Committer.on_commit)
                "on_commit": self.committer.on_commit,
            },
        )
        return watched_consumer(
            s, config, client=SERVICE, on_recreated=self.committer.consumer_replaced
        )

    def run(self, stop: threading.Event) -> None:
        """Consume, deliver, commit what is acknowledged, until ``stop`` is set."""
        s = self.settings
        self._stop.clear()
        self.committer = Committer(None, s.grid.sink_commit_interval_s)
        consumer = self.new_consumer()
        self.committer.consumer = consumer
        producer = self.new_producer()
        lanes = KeyedLanes(s.grid.sink_concurrency, name="grid-sink")
        consumer.subscribe(
            [self.orders_topic],
            on_assign=self._on_assign,
            on_revoke=lambda c, parts: self._on_revoke(c, parts, commit=True),
            on_lost=lambda c, parts: self._on_revoke(c, parts, commit=False),
        )
        log.info("grid-sink consuming %s", self.orders_topic)
        paused = False
        try:
            while not stop.is_set():
                self.heartbeat()  # /health: the loop comes back (streams/kafka/health.py)
                # What is there now: an order goes to its lane at once, never after a wait
                # for a full batch (streams/kafka/take.py).
                taken = take_available(consumer, s.grid.sink_batch_size, s.grid.sink_poll_timeout_s)
                for msg in taken:
                    if is_consumer_error(msg):
                        continue
                    tp = (msg.topic() or "", msg.partition() or 0)
                    self.tracker.add(tp[0], tp[1], msg.offset() or 0)
                    generation = self._generation[tp]
                    lanes.submit(msg.key() or b"", partial(self.handle, msg, producer, generation))
                # Commit what is finished at most every interval, or when idle, without
                # waiting for the broker's answer: a commit per record would cost a round
                # trip per order, and a synchronous one held the next orders behind it.
                self.committer.finished(self.tracker.take_committable())
                if not taken:
                    self.committer.commit(wait=False)
                pending = self.tracker.pending()
                PENDING.set(pending)
                if pending >= s.grid.sink_max_in_flight:
                    consumer.pause(consumer.assignment())  # also covers partitions assigned since
                    paused = True
                elif paused and pending <= s.grid.sink_max_in_flight // 2:
                    consumer.resume(consumer.assignment())
                    paused = False
        finally:
            self._stop.set()  # waiting orders give up; requests in flight finish first
            lanes.shutdown()
            self._commit()
            producer.flush(30)
            consumer.close()
            self.deliverer.sink.close()
            log.info("grid-sink stopped")

    def _commit(self, only: set[TP] | None = None) -> None:
        """Commit what is finished (of ``only``'s partitions) and wait for the answer: before
        partitions go to another member, and at stop. A failure that persists leaves the
        offsets pending: the orders are sent again by whoever reads them next, and the
        idempotency key makes that harmless."""
        self.committer.finished(self.tracker.take_committable(only))
        try:
            self.committer.commit(only=only)
        except Exception as exc:  # noqa: BLE001 - mid-rebalance or closing: re-read, at least once
            log.warning("commit failed: %s", exc)

    def _on_revoke(
        self, consumer: Consumer, partitions: list[TopicPartition], *, commit: bool
    ) -> None:
        """Stop the partitions' orders, wait for requests in flight, commit what was acknowledged."""
        tps = {(p.topic, p.partition) for p in partitions}
        with self._cond:
            for tp in tps:
                self._generation[tp] += 1
            deadline = time.monotonic() + self.settings.grid.sink_timeout_s + 5
            while any(self._running[tp] for tp in tps) and time.monotonic() < deadline:
                self._cond.wait(0.1)
        if commit:
            self._commit(only=tps)
        self.committer.forget(tps)
        self.tracker.forget(tps)
        self.owned = self.owned - tps
        log.info("partitions revoked: %s", sorted(tps))

    def _on_assign(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        tps = {(p.topic, p.partition) for p in partitions}
        self.committer.assigned(tps)
        self.owned = self.owned | tps


def run_in_thread(service: GridSinkService) -> tuple[threading.Thread, threading.Event]:
    """Start the loop in a daemon thread (tests, demo); set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,), name="grid-sink", daemon=True)
    thread.start()
    return thread, stop
