"""Shared pieces of the grid platform tests: orders, real servers, a throwaway CA, topic reads."""

from __future__ import annotations

import datetime as dt
import ipaddress
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka import Consumer, Message, Producer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fenliu_grid_sim import GridSim, LifeKnobs, SimConfig
from pydantic import SecretStr

from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.sinks.grid.client import GridPlatform
from fenliu.sinks.grid.delivery import GridSinkService, run_in_thread
from fenliu.sinks.grid.webserver import ThreadedServer
from fenliu.streams.kafka.commit import COMMIT_RETRY_CODES
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics import catalogue as topics

CODEC = SingleObjectCodec()
TOKEN = "test-grid-token"
SECRET = b"test-webhook-secret"
CREATED_MS = 1_795_000_000_000  # 2026-11-19, as tests/factories.py


def dispatch_order(order_id: str, **changes: Any) -> dict[str, Any]:
    """A DispatchOrder record as the streams produce it (Avro shape, times in ms)."""
    record: dict[str, Any] = {
        "order_id": order_id,
        "case_id": f"case-{order_id}",
        "decision_id": f"dec-{order_id}",
        "created_at": CREATED_MS,
        "source": "S110",
        "is_police_matter": False,
        "class_code": "LABOUR",
        "situation_code": "LABOUR-WAGE-ARREARS",
        "situation_name": "拖欠工资",
        "priority": 2,
        "unit_id": "u-331099001-hrss",
        "unit_name": "东城街道人力社保所",
        "unit_kind": "department",
        "town_code": "331099001",
        "grid_code": "331099001-01",
        "team_id": None,
        "location": {
            "text": "东城街道金城路8号",
            "lon": 121.056,
            "lat": 28.86,
            "admin_code": "331099001",
        },
        "summary": "工地老板拖欠我们三个月工资",
        "caller_key": "ck_0123456789abcdef0123456789abcdef",
        "deadlines": [
            {"stage": "SIGN", "due_at": CREATED_MS + 60_000},
            {"stage": "ARRIVE", "due_at": CREATED_MS + 480_000},
            {"stage": "CLOSE", "due_at": CREATED_MS + 1_800_000},
        ],
        "repeat_count": 0,
        "flow_back": False,
        "taxonomy_version": "tz-demo-test",
        "routing_version": "tz-demo-test",
    }
    record.update(changes)
    return record


def sim_config(**changes: Any) -> SimConfig:
    """A fast, well-behaved grid-sim (every order lives through to follow-up)."""
    base: dict[str, Any] = {
        "token": TOKEN,
        "webhook_url": "",  # no lives reported unless a test wants them
        "webhook_secret": SECRET,
        "seed": 11,
        "time_scale": 1_000_000.0,
        "knobs": LifeKnobs(sign_late_rate=0, no_arrival_rate=0, return_rate=0, complaint_rate=0),
        "webhook_attempts": 3,
    }
    base.update(changes)
    return SimConfig(**base)


@contextmanager
def running_sim(
    config: SimConfig, ssl_context: Any = None
) -> Iterator[tuple[GridSim, ThreadedServer]]:
    """grid-sim serving for real on 127.0.0.1, on a port the OS picks."""
    sim = GridSim(config)
    server = ThreadedServer(sim.app(), ssl_context=ssl_context).start()
    try:
        yield sim, server
    finally:
        server.stop()


@contextmanager
def running_sink(settings: Settings) -> Iterator[GridSinkService]:
    service = GridSinkService(settings, GridPlatform.from_settings(settings), CODEC)
    thread, stop = run_in_thread(service)
    try:
        yield service
    finally:
        stop.set()
        thread.join(60)
        assert not thread.is_alive()


def admin(server: ThreadedServer, method: str, path: str, json: Any = None, **kw: Any) -> Any:
    """Call grid-sim's admin API over HTTP."""
    response = httpx.request(
        method,
        f"{server.url}{path}",
        json=json,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
        **kw,
    )
    response.raise_for_status()
    return response.json()


def requests_for(server: ThreadedServer, order_id: str, **kw: Any) -> list[int]:
    """Statuses grid-sim answered to POST /orders for one order, in arrival order."""
    log = admin(server, "GET", "/admin/requests", **kw)
    return [r["status"] for r in log if r["method"] == "POST" and r["order_id"] == order_id]


def wait_for(condition: Callable[[], Any], timeout_s: float = 60.0, what: str = "condition") -> Any:
    """Poll until ``condition()`` is truthy; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def sink_settings(settings: Settings, url: str, **grid: Any) -> Settings:
    """Settings for a grid-sink under test: fast backoff, its own group; ``grid`` overrides."""
    base: dict[str, Any] = {
        "platform_url": url,
        "platform_token": SecretStr(TOKEN),
        "sink_group": f"{settings.topics.prefix}grid-sink",
        "sink_backoff_initial_s": 0.01,
        "sink_backoff_max_s": 0.05,
        "sink_breaker_reset_s": 0.3,
        "sink_timeout_s": 5.0,
        "sink_poll_timeout_s": 0.1,
    }
    base.update(grid)
    return settings.replace(grid=base, ingress={"webhook_hmac_secret": SecretStr(SECRET.decode())})


def produce_orders(settings: Settings, records: list[dict[str, Any]]) -> None:
    producer = Producer(confluent_config(settings))
    topic = settings.topic(topics.ORDERS)
    for record in records:
        producer.produce(topic, CODEC.encode("DispatchOrder", record), record["order_id"].encode())
    assert producer.flush(30) == 0


def read_topic(
    settings: Settings, topic: str, expected: int, timeout_s: float = 60.0
) -> list[Message]:
    """Read at least ``expected`` records from the start of a topic (fresh group each call)."""
    consumer = Consumer(
        confluent_config(
            settings,
            **{
                "group.id": f"reader-{time.monotonic_ns()}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            },
        )
    )
    consumer.subscribe([topic])
    out: list[Message] = []
    deadline = time.monotonic() + timeout_s
    while len(out) < expected and time.monotonic() < deadline:
        out += [m for m in consumer.consume(100, timeout=0.2) if m.error() is None]
    consumer.close()
    return out


def committed(settings: Settings, group: str, topic: str, partitions: int = 1) -> list[int]:
    """The group's committed offsets per partition (-1001 = nothing committed).

    A coordinator that is loading or moving (NOT_COORDINATOR early in a run, while the
    broker creates ``__consumer_offsets``) is asked again for up to 10 s, as the
    router's commits are (``COMMIT_RETRY_CODES``)."""
    from confluent_kafka import KafkaException, TopicPartition

    consumer = Consumer(confluent_config(settings, **{"group.id": group}))
    deadline = time.monotonic() + 10
    try:
        while True:
            try:
                parts = consumer.committed(
                    [TopicPartition(topic, p) for p in range(partitions)], timeout=10
                )
                return [p.offset for p in parts]
            except KafkaException as exc:
                err = exc.args[0]
                transient = err.retriable() or err.code() in COMMIT_RETRY_CODES
                if not transient or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        consumer.close()


def make_ca_and_server_cert(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate it signs for 127.0.0.1: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(name("fenliu test CA"))
        .issuer_name(name("fenliu test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("grid-sim"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths
