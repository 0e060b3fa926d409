"""The stateless router: raw 110/12345 records in, decisions (or dead letters) out.

A confluent-kafka consumer-producer that scales by adding replicas to its group.
Each batch (what the consumer has, up to ``FENLIU_ROUTER_BATCH_SIZE``: never a wait for a
full one): decode → normalise → classify → place → nearest team (one Redis round trip
for the whole batch) → route + deadlines → produce; offsets are committed only after
every output of the batch is acknowledged by the broker, at most every
``FENLIU_ROUTER_COMMIT_INTERVAL_S`` (at-least-once; decision ids are deterministic, so a
re-run after a crash writes the same ids again).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import Consumer, Message, Producer, TopicPartition
from prometheus_client import Counter, Gauge, Histogram

from fenliu.processors.decide import Decider, Prepared
from fenliu.processors.model import Decision, Source
from fenliu.processors.records import decision_record
from fenliu.refdata.team_directory import TeamDirectory
from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.streams.kafka.commit import Committer, is_consumer_error
from fenliu.streams.kafka.config import confluent_config, router_producer_config
from fenliu.streams.kafka.consumer_watchdog import WatchedConsumer, watched_consumer
from fenliu.streams.kafka.dead_letters import DEAD_LETTERS, Failure, dead_letter_record
from fenliu.streams.kafka.position import position
from fenliu.streams.kafka.produce import Output, produce_all
from fenliu.streams.kafka.take import take_available
from fenliu.streams.kafka.watchdog import WatchedProducer, watched_producer
from fenliu.topics import catalogue as topics

log = logging.getLogger("fenliu.router")

EVENTS_IN = Counter("fenliu_router_events_in_total", "Raw events consumed", ["source"])
DECISIONS = Counter(
    "fenliu_router_decisions_total", "Decisions produced", ["source", "list", "class_code"]
)
OUTCOMES = Counter(
    "fenliu_router_outcomes_total", "Decisions by outcome (issue 11)", ["source", "outcome"]
)
TEAM_LOOKUPS = Counter("fenliu_router_team_lookups_total", "Team choices by method", ["method"])
BATCH_SECONDS = Histogram(
    "fenliu_router_batch_seconds",
    "Time to decide, produce and commit one batch",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BATCH_SIZE = Histogram(
    "fenliu_router_batch_records",
    "Records per batch",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 5000),
)

ASSIGNED = Gauge("fenliu_router_assigned_partitions", "Raw-topic partitions this replica owns")

SERVICE = "router"


class Router:
    """Applies the pure ``Decider`` to batches of Kafka records. Holds no state across batches."""

    def __init__(
        self,
        settings: Settings,
        decider: Decider,
        codec: Codec,
        teams: TeamDirectory | None,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        heartbeat: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.decider = decider
        self.codec = codec
        self.teams = teams
        self.clock_ms = clock_ms
        self.heartbeat = heartbeat
        # Raw-topic partitions this replica owns; replaced, never mutated, so /health's
        # thread reads a consistent set.
        self.owned: frozenset[tuple[str, int]] = frozenset()
        self.source_by_topic = {
            settings.topic(topics.RAW_110): (Source.CALL_110, "Call110"),
            settings.topic(topics.RAW_12345): (Source.TICKET_12345, "Ticket12345"),
        }
        self.decisions_topic = settings.topic(topics.DECISIONS)
        self.dead_letter_topic = settings.topic(topics.DEAD_LETTER)

    # --- pure-ish batch step (no Kafka calls; Redis only through TeamDirectory) ---------
    def process_batch(self, messages: Sequence[Message]) -> list[Output]:
        """Decide every record of a batch; failures become dead-letter outputs."""
        outputs: list[Output] = []
        prepared: list[tuple[Message, Prepared]] = []
        for msg in messages:
            source, schema = self.source_by_topic[position(msg)[0]]
            EVENTS_IN.labels(source.value).inc()
            stage = "decode"
            try:
                raw = self.codec.decode(msg.value() or b"", expect=schema)
                stage = "normalise+classify"
                _, ts = msg.timestamp()
                prepared.append((msg, self.decider.prepare(raw, source, now_ms=ts)))
            except Exception as exc:  # every failure is data, never a stopped loop
                outputs.append(self._dead_letter(msg, Failure.from_exception(stage, exc)))
        picks, failed = self._pick_teams([p for _, p in prepared])
        for (msg, prep), pick in zip(prepared, picks):
            try:
                decision = self.decider.finish(
                    prep, pick, team_lookup_failed=failed and prep.needs_team
                )
                outputs.append(self._decision_output(decision))
            except Exception as exc:
                outputs.append(self._dead_letter(msg, Failure.from_exception("route", exc)))
        return outputs

    def _pick_teams(self, prepared: list[Prepared]) -> tuple[list[Any], bool]:
        """Nearest available team for each record that wants one, in one Redis round trip."""
        wanted = [p for p in prepared if p.needs_team]
        if not wanted or self.teams is None:
            return [None] * len(prepared), self.teams is None and bool(wanted)
        try:
            found = self.teams.nearest_many(
                [p.team_query for p in wanted if p.team_query is not None]
            )
        except Exception as exc:  # TeamLookupTimeout, connection refused: fall back, say so
            log.warning("team lookup failed, falling back to command rooms: %s", exc)
            return [None] * len(prepared), True
        it = iter(found)
        return [next(it) if p.needs_team else None for p in prepared], False

    def _decision_output(self, decision: Decision) -> Output:
        c = decision.classification
        DECISIONS.labels(decision.event.source.value, c.list_name.value, c.class_code).inc()
        OUTCOMES.labels(decision.event.source.value, c.outcome.value if c.outcome else "none").inc()
        TEAM_LOOKUPS.labels(decision.route.team_method).inc()
        value = self.codec.encode("Decision", decision_record(decision))
        headers = [("decision_id", decision.decision_id.encode())]
        return Output(self.decisions_topic, decision.case_key.encode(), value, headers)

    def _dead_letter(self, msg: Message, failure: Failure) -> Output:
        DEAD_LETTERS.labels(SERVICE, failure.stage, failure.reason).inc()
        log.info(
            "dead letter %s/%s@%s: %s", msg.topic(), msg.partition(), msg.offset(), failure.reason
        )
        record = dead_letter_record(
            msg,
            failure,
            service=SERVICE,
            now_ms=self.clock_ms(),
            max_value_bytes=self.settings.kafka.dead_letter_max_value_bytes,
        )
        return Output(self.dead_letter_topic, msg.key(), self.codec.encode("DeadLetter", record))

    # --- the Kafka loop ----------------------------------------------------------------
    def new_producer(self) -> Producer | WatchedProducer:
        """Watched: recreated if librdkafka strands it after a broker restart (#5301,
        streams/kafka/watchdog.py). bench/bench_router.py compares it with a plain one."""
        return watched_producer(
            self.settings, router_producer_config(self.settings), client=SERVICE
        )

    def new_consumer(self, committer: Committer) -> WatchedConsumer:
        """The inputs' consumer, watched: recreated if librdkafka strands it after a broker
        restart (#5301 on a consumer, streams/kafka/consumer_watchdog.py); ``committer``
        hears the answers to its commits and of a recreation."""
        s = self.settings
        return watched_consumer(
            s,
            confluent_config(
                s,
                **{
                    "group.id": s.router.group,
                    "enable.auto.commit": False,
                    "enable.auto.offset.store": False,
                    "auto.offset.reset": "earliest",
                    "partition.assignment.strategy": "cooperative-sticky",
                    "max.poll.interval.ms": 300_000,
                    # answers to commits sent without waiting (Committer.on_commit)
                    "on_commit": committer.on_commit,
                },
            ),
            client=SERVICE,
            on_recreated=committer.consumer_replaced,
        )

    def run(self, stop: threading.Event) -> None:
        """Consume, decide, produce, commit after delivery, until ``stop`` is set."""
        s = self.settings
        # The reference data (automata, polygons, policies) lives as long as the process:
        # move it out of the collector's generations so full collections stop rescanning it.
        gc.freeze()
        committer = Committer(None, s.router.commit_interval_s)  # its consumer follows
        consumer = self.new_consumer(committer)
        producer = self.new_producer()
        committer.consumer = consumer

        def on_assign(_c: Consumer, parts: list[TopicPartition]) -> None:
            committer.assigned((p.topic, p.partition) for p in parts)
            self.owned = self.owned | {(p.topic, p.partition) for p in parts}
            ASSIGNED.set(len(self.owned))

        def on_revoke(_c: Consumer, parts: list[TopicPartition]) -> None:
            gone = [(p.topic, p.partition) for p in parts]
            committer.commit(only=gone)  # what was acknowledged, before another replica reads on
            committer.forget(gone)
            self.owned = self.owned - set(gone)
            ASSIGNED.set(len(self.owned))

        def on_lost(_c: Consumer, parts: list[TopicPartition]) -> None:
            gone = [(p.topic, p.partition) for p in parts]
            committer.forget(gone)  # not ours any more: a commit would be refused
            self.owned = self.owned - set(gone)
            ASSIGNED.set(len(self.owned))

        consumer.subscribe(
            list(self.source_by_topic), on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost
        )
        log.info("router consuming %s", list(self.source_by_topic))
        try:
            while not stop.is_set():
                self.heartbeat()  # /health: the loop comes back (streams/kafka/health.py)
                # What is there now, up to a batch: a quiet input waits for its first record
                # only, never for the batch to fill (streams/kafka/take.py).
                messages = take_available(consumer, s.router.batch_size, s.router.poll_timeout_s)
                good = [m for m in messages if not is_consumer_error(m)]
                if not good:
                    committer.commit(wait=False)  # idle: nothing waits for the interval
                    continue
                started = time.perf_counter()
                produce_all(producer, self.process_batch(good))
                committer.acknowledged(good)  # every output acknowledged: committable
                BATCH_SECONDS.observe(time.perf_counter() - started)
                BATCH_SIZE.observe(len(good))
        finally:
            try:
                committer.commit()  # the acknowledged rest, before leaving the group
            except Exception as exc:  # noqa: BLE001 - stopping anyway: they are re-read
                log.warning("final commit failed: %s", exc)
            producer.flush(30)
            consumer.close()  # leaves the group at once, so a replica takes over without a wait
            log.info("router stopped")
