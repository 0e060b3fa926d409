"""A watched producer shared by threads: a recreation by one thread never closes the producer
another thread is waiting inside. CI found it (1 run in many): one of eight threads sharing a
stranded producer called ``flush`` on the producer another thread had just recreated and
closed, and got "Producer has been closed". No broker is needed: every producer's bootstrap
is a closed port, so records stay queued and ``flush`` waits its whole timeout."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from confluent_kafka import Producer

from fenliu.processors.producer_watch import Stranded, WatchPolicy
from fenliu.streams.kafka.watchdog import WatchedProducer

UNREACHABLE = {"bootstrap.servers": "127.0.0.1:9", "message.timeout.ms": 600_000}


class SaysWhenLeased(WatchedProducer):
    """Sets ``inside`` once a thread holds the current producer for a call."""

    def __init__(self) -> None:
        self.inside = threading.Event()
        super().__init__(
            UNREACHABLE,
            WatchPolicy(no_broker_s=600.0, stall_s=600.0),
            client="test-leases",
            stats_interval_ms=0,
            check_every_s=5.0,
        )

    @contextmanager
    def _current(self) -> Iterator[Producer]:
        with super()._current() as producer:
            self.inside.set()
            yield producer


def _is_closed(producer: Producer) -> bool:
    try:
        producer.poll(0)
    except RuntimeError:  # "Producer has been closed"
        return True
    return False


needs_close = pytest.mark.skipif(
    not hasattr(Producer, "close"), reason="confluent-kafka without Producer.close()"
)


@needs_close
def test_a_replaced_producer_a_thread_is_inside_is_closed_when_that_thread_leaves() -> None:
    """The lease itself, without timing: held here as ``poll``/``flush`` hold it."""
    watched = SaysWhenLeased()
    watched.produce("t", b"v", b"k")
    with watched._current() as held:
        assert watched.recreate(Stranded("no_broker", "a test")) == 1
        assert not _is_closed(held)  # retired: the holder may still call it
        assert held.flush(0) == 0  # its purged record's report served, ignored
        assert watched._retired
    assert _is_closed(held)
    assert not watched._leases and not watched._retired
    watched._producer.purge()
    watched.close()


@needs_close
def test_a_producer_recreated_under_a_waiting_flush_is_closed_after_the_flush_leaves() -> None:
    watched = SaysWhenLeased()
    for i in range(3):
        watched.produce("t", f"v{i}".encode(), f"k{i}".encode())
    first = watched._producer
    outcome: list[object] = []

    def flush() -> None:
        try:
            outcome.append(watched.flush(2.0))
        except Exception as exc:  # noqa: BLE001 - the failure this test is about
            outcome.append(exc)

    flusher = threading.Thread(target=flush)
    flusher.start()
    assert watched.inside.wait(10)
    assert watched.recreate(Stranded("no_broker", "a test")) == 3
    flusher.join(30)

    assert outcome == [3]  # it went on waiting on the new producer, which has the three
    assert watched._producer is not first
    assert _is_closed(first)  # closed once the flush had left it, not leaked
    assert not watched._leases and not watched._retired
    assert len(watched) == 3
    watched._producer.purge()
    watched.close()


def test_a_producer_nobody_is_inside_is_closed_by_the_recreation_itself() -> None:
    watched = SaysWhenLeased()
    watched.produce("t", b"v", b"k")
    first = watched._producer
    assert watched.recreate(Stranded("stall", "a test")) == 1
    if hasattr(Producer, "close"):
        assert _is_closed(first)
    assert not watched._retired
    watched._producer.purge()
    watched.close()
