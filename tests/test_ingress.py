"""The webhook ingress for real: HTTP server on 127.0.0.1, records on the real broker."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from confluent_kafka import Consumer, TopicPartition
from prometheus_client import REGISTRY
from pydantic import SecretStr

from fenliu.settings import Settings
from fenliu.sinks.grid.contract import signed_headers
from fenliu.sinks.grid.ingress import WEBHOOK_PATH, AckingProducer, Ingress
from fenliu.sinks.grid.webserver import ThreadedServer
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.watchdog import WatchedProducer
from fenliu.topics import catalogue as topics
from tests.grid_support import CODEC, SECRET, read_topic
from tests.watchdog_support import recreated, stranded_in_place_of

pytestmark = pytest.mark.kafka
BEARER = "ingress-test-token"


def event(event_id: str = "o-1-01-SIGNED", **changes: Any) -> dict[str, Any]:
    body = {
        "event_id": event_id,
        "order_id": "o-1",
        "case_id": "case-o-1",
        "kind": "SIGNED",
        "at": "2026-11-19T08:00:30+08:00",
        "unit_id": "u-hrss",
        "actor": "u-hrss-staff-03",
        "note": "已签收",
        "satisfaction": None,
        "resolved_on_site": None,
    }
    body.update(changes)
    return body


def ingress_settings(settings: Settings, **groups: dict[str, Any]) -> Settings:
    base = {
        "webhook_hmac_secret": SecretStr(SECRET.decode()),
        "webhook_bearer_token": SecretStr(BEARER),
        "webhook_max_skew_s": 300,
    }
    return settings.replace(**{**groups, "ingress": {**base, **groups.get("ingress", {})}})


@pytest.fixture()
def ingress(
    isolated_settings: Settings, topic_factory: Any
) -> Iterator[tuple[Settings, ThreadedServer]]:
    topic_factory(topics.LIFECYCLE, partitions=1)
    s = ingress_settings(isolated_settings)
    server = ThreadedServer(Ingress(s, CODEC, AckingProducer(s)).app()).start()
    yield s, server
    server.stop()


def send(server: ThreadedServer, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.url}{WEBHOOK_PATH}", content=body, headers=headers, timeout=30)


def signed(body: bytes, at: int | None = None, secret: bytes = SECRET) -> dict[str, str]:
    return signed_headers(secret, body, int(time.time()) if at is None else at)


def accepted_count() -> float:
    return REGISTRY.get_sample_value("fenliu_ingress_requests_total", {"result": "accepted"}) or 0.0


def test_a_signed_event_is_on_the_topic_before_the_202(
    ingress: tuple[Settings, ThreadedServer],
) -> None:
    settings, server = ingress
    before = accepted_count()
    body = json.dumps(event(), ensure_ascii=False).encode()
    response = send(server, body, signed(body))
    assert response.status_code == 202
    answer = response.json()
    assert answer["status"] == "accepted" and answer["event_id"] == "o-1-01-SIGNED"
    [record] = read_topic(settings, settings.topic(topics.LIFECYCLE), 1)
    assert (record.partition(), record.offset()) == (answer["partition"], answer["offset"])
    assert record.key() == b"o-1"
    decoded = CODEC.decode(record.value(), expect="LifecycleEvent")
    assert decoded["kind"] == "SIGNED" and decoded["note"] == "已签收"
    assert decoded["at"] == datetime(2026, 11, 19, 0, 0, 30, tzinfo=UTC)  # 08:00:30 +08:00
    assert accepted_count() == before + 1


def test_a_bearer_token_is_accepted_instead_of_a_signature(
    ingress: tuple[Settings, ThreadedServer],
) -> None:
    _settings, server = ingress
    body = json.dumps(event("bearer-1")).encode()
    ok = send(
        server, body, {"Authorization": f"Bearer {BEARER}", "Content-Type": "application/json"}
    )
    assert ok.status_code == 202
    wrong = send(
        server, body, {"Authorization": "Bearer guess", "Content-Type": "application/json"}
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "bad_token")


def test_refused_requests_say_why_and_write_nothing(
    ingress: tuple[Settings, ThreadedServer],
) -> None:
    settings, server = ingress
    body = json.dumps(event()).encode()
    now = int(time.time())
    cases: list[tuple[bytes, dict[str, str], int, str]] = [
        (body, {"Content-Type": "application/json"}, 401, "missing_signature"),
        (body, signed(body, secret=b"not the secret"), 401, "bad_signature"),
        (body.replace(b"SIGNED", b"CLOSED", 1), signed(body), 401, "bad_signature"),
        (body, signed(body, at=now - 301), 401, "stale_timestamp"),
        (body, signed(body, at=now + 3600), 401, "stale_timestamp"),
        (body, {**signed(body), "Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        (b"{not json", signed(b"{not json"), 400, "invalid_json"),
    ]
    for bad in [
        event(kind="EXPLODED"),
        event(at="2026-11-19T08:00:30"),
        event(order_id=""),
        event(extra="x"),
        {k: v for k, v in event().items() if k != "unit_id"},
    ]:
        raw = json.dumps(bad).encode()
        cases.append((raw, signed(raw), 422, "invalid_event"))
    huge = json.dumps(event(note="长" * 70_000)).encode()
    cases.append((huge, signed(huge), 413, "too_large"))
    for raw, headers, status, code in cases:
        response = send(server, raw, headers)
        assert (response.status_code, response.json()["error"]) == (status, code), code
    detail = send(
        server,
        json.dumps(event(kind="EXPLODED")).encode(),
        signed(json.dumps(event(kind="EXPLODED")).encode()),
    ).json()["detail"]
    assert detail[0]["loc"] == ["kind"]
    # a valid sentinel after them: the only record before it would be a half-written refusal
    sentinel = json.dumps(event("sentinel")).encode()
    assert send(server, sentinel, signed(sentinel)).status_code == 202
    records = read_topic(settings, settings.topic(topics.LIFECYCLE), 1)
    assert [CODEC.decode(r.value())["event_id"] for r in records] == ["sentinel"]


def test_an_unreachable_broker_gets_a_503_not_a_202(isolated_settings: Settings) -> None:
    s = ingress_settings(
        isolated_settings, kafka={"bootstrap": "127.0.0.1:1"}, ingress={"produce_timeout_s": 1.0}
    )
    server = ThreadedServer(Ingress(s, CODEC, AckingProducer(s)).app()).start()
    try:
        body = json.dumps(event()).encode()
        response = send(server, body, signed(body))
        assert (response.status_code, response.json()["error"]) == (503, "broker_unavailable")
        assert response.headers["Retry-After"] == "5"
        assert httpx.get(f"{server.url}/healthz").json()["status"] == "ok"
    finally:
        server.stop()


class StrandedAckingProducer(AckingProducer):
    """The ingress's producer, stranded from the start (librdkafka #5301)."""

    def new_producer(self, settings: Settings) -> WatchedProducer:
        return stranded_in_place_of(super().new_producer(settings))


def test_a_stranded_producer_is_recreated_and_the_event_acknowledged_once(
    isolated_settings: Settings, topic_factory: Any
) -> None:
    """Without the watchdog the stranded producer would answer 503 until a restart."""
    topic_factory(topics.LIFECYCLE, partitions=1)
    s = ingress_settings(isolated_settings, ingress={"produce_timeout_s": 20.0})
    before = recreated("ingress")
    server = ThreadedServer(Ingress(s, CODEC, StrandedAckingProducer(s)).app()).start()
    try:
        body = json.dumps(event("stranded-1")).encode()
        response = send(server, body, signed(body))
    finally:
        server.stop()
    assert response.status_code == 202, response.text
    assert recreated("ingress") == before + 1
    [record] = read_topic(s, s.topic(topics.LIFECYCLE), 1)
    assert record.offset() == response.json()["offset"] == 0
    assert CODEC.decode(record.value(), expect="LifecycleEvent")["event_id"] == "stranded-1"
    reader = Consumer(confluent_config(s, **{"group.id": f"w-{time.monotonic_ns()}"}))
    _low, high = reader.get_watermark_offsets(TopicPartition(s.topic(topics.LIFECYCLE), 0), 10)
    reader.close()
    assert high == 1  # written once


def test_bodies_without_a_length_are_read_whole_and_still_limited(
    ingress: tuple[Settings, ThreadedServer],
) -> None:
    _settings, server = ingress
    body = json.dumps(event("chunked-1", note="分段" * 1500), ensure_ascii=False).encode()

    def pieces(data: bytes) -> Iterator[bytes]:  # httpx sends a generator chunked
        for i in range(0, len(data), 1000):
            yield data[i : i + 1000]

    url = f"{server.url}{WEBHOOK_PATH}"
    ok = httpx.post(url, content=pieces(body), headers=signed(body), timeout=30)
    assert ok.status_code == 202 and ok.json()["event_id"] == "chunked-1"
    huge = json.dumps(event(note="长" * 70_000)).encode()
    refused = httpx.post(url, content=pieces(huge), headers=signed(huge), timeout=30)
    assert (refused.status_code, refused.json()["error"]) == (413, "too_large")
