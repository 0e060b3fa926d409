"""The one settings object. Every knob is an environment variable prefixed ``FENLIU_``.

Defaults suit the local stack on 127.0.0.1; the README's configuration table lists
them all. Code receives a ``Settings`` instance; nothing reads the environment itself.

``Settings`` is grouped by service (``settings.kafka.bootstrap``, ``settings.grid.platform_url``):
each group is a pydantic-settings ``BaseSettings`` with the ``env_prefix`` its variables share,
and a ``validation_alias`` for the few whose historical name does not share it, so every
``FENLIU_*`` name stays what it was. ``env_name`` says which variable feeds a field.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from fenliu.data import shipped

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]

# The published development secrets. A service refuses to start with any of them unless
# FENLIU_ENVIRONMENT=development (``refuse_default_secrets``); anyone can read them here.
DEV_PHONE_HMAC_KEY = "fenliu-dev-key-change-me"
DEV_GRID_PLATFORM_TOKEN = "fenliu-dev-grid-token-change-me"
DEV_WEBHOOK_HMAC_SECRET = "fenliu-dev-webhook-secret-change-me"
# secret -> (group, field, published value); services name the secrets they use.
DEV_SECRETS: dict[str, tuple[str, str, str]] = {
    "phone_hmac_key": ("intake", "phone_hmac_key", DEV_PHONE_HMAC_KEY),
    "grid_platform_token": ("grid", "platform_token", DEV_GRID_PLATFORM_TOKEN),
    "webhook_hmac_secret": ("ingress", "webhook_hmac_secret", DEV_WEBHOOK_HMAC_SECRET),
}


class _Group(BaseSettings):
    """One service's settings, read from its ``FENLIU_*`` variables when constructed.

    Each variable may instead be given as ``FENLIU_X_FILE`` (a file holding the value, as
    Docker and Kubernetes mount secrets) or as a file ``fenliu_x`` in ``FENLIU_SECRETS_DIR``
    (pydantic-settings' secrets source).
    """

    model_config = SettingsConfigDict(env_file=None, extra="forbid", populate_by_name=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then FENLIU_X, then FENLIU_X_FILE, then files in FENLIU_SECRETS_DIR."""
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            env_settings,
            _FileVariables(settings_cls),
            dotenv_settings,
        ]
        secrets_dir = os.environ.get("FENLIU_SECRETS_DIR")
        if secrets_dir:
            sources.append(SecretsSettingsSource(settings_cls, secrets_dir=secrets_dir))
        return tuple(sources)


class _FileVariables(PydanticBaseSettingsSource):
    """``FENLIU_X_FILE=/run/secrets/x``: the value of X is that file's content (trailing
    newline dropped), the way Docker and Kubernetes hand secrets to a container."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ does the work

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in self.settings_cls.model_fields:
            variable = env_name(self.settings_cls, name)
            path = os.environ.get(f"{variable}_FILE")
            if not path:
                continue
            if variable in os.environ:
                raise ValueError(f"set {variable} or {variable}_FILE, not both")
            try:
                values[name] = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as error:
                raise ValueError(f"{variable}_FILE={path}: {error.strerror}") from None
        return values


class SecuritySettings(_Group):
    """Secure by default (issue 14; docs/runbook.md, deployment checklist)."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_")

    environment: Literal["production", "development"] = Field(
        "production",
        description="development allows the published default secrets (./dev, the demo, the "
        "tests set it); production refuses to start with them",
    )
    secrets_dir: Path | None = Field(
        None, description="folder of secret files named like the variables (fenliu_phone_hmac_key)"
    )


class KafkaSettings(_Group):
    """Broker connection and security; both clients (librdkafka, aiokafka/Faust) use it."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_KAFKA_")

    bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers")
    security_protocol: SecurityProtocol = Field(
        "PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (both clients)"
    )
    sasl_mechanism: SaslMechanism | None = Field(
        None, description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"
    )
    sasl_username: str | None = Field(None, description="SASL user")
    sasl_password: SecretStr | None = Field(None, description="SASL password")
    ssl_cafile: Path | None = Field(None, description="CA bundle for TLS to the broker")
    ssl_certfile: Path | None = Field(None, description="client certificate (mTLS)")
    ssl_keyfile: Path | None = Field(None, description="client key (mTLS)")
    debug: str = Field(
        "",
        description="librdkafka debug contexts for the confluent-kafka services (router,"
        " grid-sink), e.g. cgrp,consumer,fetch: their log, for diagnosing a stall; empty = off",
    )
    producer_stats_interval_ms: int = Field(
        5000,
        ge=0,
        description="how often the watched producers (router, grid-sink's dead letters, ingress,"
        " replay's topic sink, the generator) report librdkafka statistics to their watchdog (librdkafka #5301,"
        " docs/streams.md); 0 = no watchdog",
    )
    producer_no_broker_s: float = Field(
        30.0,
        gt=0,
        description="watchdog: records queued and no broker known at all (librdkafka #5301)"
        " this long = stranded: the producer is recreated and its records produced again",
    )
    producer_stall_s: float = Field(
        120.0,
        gt=0,
        description="watchdog: records queued, no broker UP, no delivery report and no broker"
        " changing state (no reconnect attempt) this long = stranded; below message.timeout.ms"
        " (300 s)",
    )
    consumer_stats_interval_ms: int = Field(
        5000,
        ge=0,
        description="how often the watched consumers (router, grid-sink) report librdkafka"
        " statistics to their watchdog (librdkafka #5301 on a consumer, docs/streams.md);"
        " 0 = no watchdog",
    )
    consumer_no_broker_s: float = Field(
        30.0,
        gt=0,
        description="consumer watchdog: subscribed and no broker known at all (librdkafka #5301)"
        " this long = stranded: the consumer is closed and a new one subscribed, which resumes"
        " from the committed offsets",
    )
    consumer_stall_s: float = Field(
        120.0,
        gt=0,
        description="consumer watchdog: subscribed, no broker UP, no record and no broker"
        " changing state (no reconnect attempt) this long = stranded",
    )
    dead_letter_max_value_bytes: int = Field(
        512 * 1024,
        ge=1024,
        description="original bytes a dead letter keeps at most (the rest stays in the source topic)",
        validation_alias="FENLIU_DEAD_LETTER_MAX_VALUE_BYTES",
    )


class TopicSettings(_Group):
    """Topic names and shapes, and how records are encoded on them."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_TOPIC_")

    prefix: str = Field("", description="prefix for every topic name (tests, tenants)")
    partitions: int = Field(6, ge=1, description="partitions for new topics")
    replication: int = Field(1, ge=1, description="replication factor for new topics")
    schema_registry_url: str | None = Field(
        None,
        description="Confluent schema registry; unset = Avro single-object encoding",
        validation_alias="FENLIU_SCHEMA_REGISTRY_URL",
    )


class RefdataSettings(_Group):
    """Reference data files and the local time zone (defaults: the files shipped in ``fenliu.data``)."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_")

    taxonomy_file: Path = Field(
        default_factory=lambda: shipped("taxonomy.yaml"),
        description="the two lists (a city ships its own)",
    )
    jurisdiction_file: Path = Field(
        default_factory=lambda: shipped("jurisdictions.yaml"),
        description="towns, grids, units, departments (属地/属事)",
    )
    sla_policy_file: Path = Field(
        default_factory=lambda: shipped("sla_policy.yaml"), description="time limits per SLA class"
    )
    categories_file: Path = Field(
        default_factory=lambda: shipped("categories_12345.yaml"),
        description="12345 categories: three levels, departments, words",
    )
    opinion_file: Path | None = Field(
        None,
        description="the learned second opinion's artifact (None: the shipped one, data/models/current.yaml)",
    )
    opinion_enabled: bool = Field(
        True,
        description="false: no learned opinion (no DIVERT/ROUTE; everything the rules clear is SUGGEST/REVIEW)",
    )
    opinion_divert_below: float | None = Field(
        None, ge=0, le=1, description="override the artifact's 110 DIVERT threshold on P(police)"
    )
    opinion_route_below: float | None = Field(
        None, ge=0, le=1, description="override the artifact's 12345 ROUTE threshold on P(police)"
    )
    opinion_to_police_veto_below: float | None = Field(
        None,
        ge=0,
        le=1,
        description="override the artifact's 12345 veto: a danger/crime rule with P(police) below it goes to REVIEW",
    )
    local_timezone: str = Field(
        "Asia/Shanghai", description="zone of local times and next-day deadlines"
    )


class IntakeSettings(_Group):
    """What the router accepts and how it keys callers (validation, privacy)."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_")

    phone_hmac_key: SecretStr = Field(
        SecretStr(DEV_PHONE_HMAC_KEY),
        description="HMAC key that turns phone numbers into caller keys (also *_FILE)",
    )
    phone_hmac_key_id: str = Field(
        "k1",
        pattern=r"^[a-z0-9]{1,16}$",
        description="id of phone_hmac_key, written into every caller key (ck_<id>_...); a new key "
        "gets a new id",
    )
    phone_default_area_code: str | None = Field(
        None,
        pattern=r"^0?\d{2,3}$",
        description="area code (e.g. 0576) completing local landline numbers given without one",
    )
    max_future_skew_s: int = Field(300, ge=0, description="reject events this far ahead of now")
    max_text_chars: int = Field(
        4000, ge=1, description="reject calls/tickets whose text is longer (TEXT_TOO_LONG)"
    )


class TeamSettings(_Group):
    """The Redis team directory the router looks teams up in."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_TEAM_")

    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="Redis with the team directory",
        validation_alias="FENLIU_REDIS_URL",
    )
    redis_timeout_ms: int = Field(
        50,
        ge=1,
        description="router's budget for a team lookup",
        validation_alias="FENLIU_REDIS_TIMEOUT_MS",
    )
    search_radius_km: float = Field(
        5.0, gt=0, description="how far from the scene an available team may be (GEOSEARCH radius)"
    )
    key_prefix: str = Field(
        "fenliu:teams", description="prefix of the Redis keys of the team directory"
    )


class MetricsSettings(_Group):
    """Prometheus exposition of every service."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_METRICS_")

    port: int = Field(9108, ge=0, description="port of /metrics (0 = do not serve)")
    consumer_lag_interval_s: float = Field(
        5.0,
        gt=0,
        description="how often the router and grid-sink measure their group's lag",
        validation_alias="FENLIU_CONSUMER_LAG_INTERVAL_S",
    )


class RouterSettings(_Group):
    """The router (fenliu run router)."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_ROUTER_")

    group: str = Field("fenliu-router", description="consumer group of the router replicas")
    batch_size: int = Field(
        500,
        ge=1,
        description="most records decided per batch (a batch is what is there, up to this)",
    )
    poll_timeout_s: float = Field(
        0.5,
        gt=0,
        description="how long a poll waits while nothing is there (never for a full batch)",
    )
    commit_interval_s: float = Field(
        0.2,
        ge=0,
        description="acknowledged offsets are committed at most this often (and when idle,"
        " on revoke, at stop); 0 = after every batch",
    )
    health_stall_s: float = Field(
        60.0,
        gt=0,
        description="/health on the metrics port turns red when the loop has not come back"
        " this long, or input waits and no commit advanced this long",
    )
    producer_linger_ms: int = Field(
        5,
        ge=0,
        description="router producer: how long a batch of decisions and orders may wait to"
        " fill (ms); the latency budget to the grid platform is ~100 ms",
    )


class StreamsSettings(_Group):
    """The Faust worker (fenliu run streams): membership, store, health."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_STREAMS_")

    app_id: str = Field(
        "fenliu-streams",
        description="Faust app id = consumer group and changelog prefix (topic prefix in front)",
    )
    # The worker's producer and commits (docs/streams.md, "Producer and commits"): every
    # decision makes ~2 records and ~4 changelog writes; faust's defaults (no linger, no
    # compression, 16 KB batches, a 100-message buffer) made each stream wait on flushes.
    producer_linger_ms: int = Field(
        10, ge=0, description="worker producer: how long a batch may wait to fill (ms)"
    )
    producer_busy_linger_ms: int = Field(
        100,
        ge=0,
        description="worker producer: while a backlog waits in front of the agents (see"
        " producer_busy_backlog), how long a batch may wait to fill (ms); a commit flushes"
        " it sooner",
    )
    producer_busy_backlog: int = Field(
        100,
        ge=1,
        description="worker producer: input records waiting in front of the agents (fetched"
        " or on the broker past what the streams were given) from which batches use the"
        " busy linger",
    )
    # The worker's fetches (streams/worker/fetching.py): faust asks for 1 byte, so at a
    # trickle every record came in a fetch of its own (7.7-8.2 ms of worker CPU a decision
    # at 100/s; 5.1-5.5 ms waiting 20 ms for 64 KB; ~1.8 ms when draining a backlog). After
    # an empty fetch the next waits for 1 byte, so an idle worker does not fetch every 20 ms.
    fetch_min_bytes: int = Field(
        65_536,
        ge=1,
        description="worker consumer: a fetch returns once this many bytes are there (or"
        " fetch_max_wait_ms has passed); 1 returns every record at once",
    )
    fetch_max_wait_ms: int = Field(
        20,
        ge=1,
        le=1_500,
        description="worker consumer: how long a fetch may wait for fetch_min_bytes (ms); the"
        " latency it may add per hop through the worker",
    )
    fetch_idle_wait_ms: int = Field(
        500,
        ge=1,
        le=1_500,
        description="worker consumer: after a fetch that brought nothing, with no fetched"
        " records being drained, the next asks for 1 byte and waits up to this long (ms):"
        " answered as soon as a record arrives, and an idle worker fetches a few times a"
        " second instead of every fetch_max_wait_ms",
    )
    fetch_idle_after_ms: int = Field(
        2_000,
        ge=0,
        description="worker consumer: fetched records younger than this (ms) still waiting"
        " in the client's buffer mean the worker is draining, not idle; older ones belong to"
        " partitions faust does not read",
    )
    # Not lz4: aiokafka compresses lz4 at level 9 (LZ4-HC) and has no setting for it; 64 KB
    # of the worker's records took 550 µs against 61 µs with snappy (compressed to 21 and
    # 27 KB), ~7% of the worker's CPU draining (docs/benchmarks.md, twelfth round).
    producer_compression: Literal["lz4", "gzip", "snappy", "zstd", "none"] = Field(
        "snappy", description="worker producer: batch compression"
    )
    producer_batch_bytes: int = Field(
        262_144, ge=16_384, description="worker producer: largest batch per partition (bytes)"
    )
    producer_buffer_messages: int = Field(
        2_000,
        ge=100,
        description="changelog records a stream may leave unsent "
        "before it waits for the producer (faust's default: 100)",
    )
    stream_buffer_maxsize: int = Field(
        4_096, ge=16, description="records an agent may prefetch per stream (back pressure)"
    )
    commit_interval_s: float = Field(
        1.0, gt=0, description="how often processed offsets are committed (faust's default 2.8 s)"
    )
    store: Literal["memory", "rocksdb"] = Field(
        "memory", description="table store; rocksdb needs faust-streaming-rocksdb installed"
    )
    data_dir: Path = Field(
        Path(".fenliu/streams"), description="Faust data dir (RocksDB tables live here)"
    )
    web_port: int = Field(6066, ge=0, description="port of the worker's /health and web views")
    instance_id: str | None = Field(
        None,
        description="static group membership id (group.instance.id), one per replica: a restarted "
        "worker takes its old partitions at once; unset = host-web port; empty = dynamic membership",
    )
    session_timeout_s: float = Field(
        10.0,
        gt=0,
        description="broker session timeout: how long a silent member keeps its "
        "partitions (heartbeats every second from the consumer thread)",
    )
    max_poll_interval_s: float = Field(
        300.0, gt=0, description="longest gap between polls before the broker evicts the member"
    )
    health_stall_s: float = Field(
        60.0,
        gt=0,
        description="/health turns red when input waits and no commit advanced this long",
    )
    event_loop: Literal["uvloop", "asyncio"] = Field(
        "uvloop",
        description="the worker's event loop: uvloop (libuv; cheaper task switches and socket"
        " I/O per event) or the standard library's asyncio",
    )
    loop_lag_probe_s: float = Field(
        0.05,
        ge=0,
        description="how often the worker checks that its event loop comes back on time"
        " (fenliu_streams_event_loop_lag_seconds); 0 = no probe",
    )
    shutdown_wait_s: float = Field(
        10.0,
        gt=0,
        description="at shutdown, how long to wait for events being processed to be "
        "acknowledged; then it stops anyway (their offsets stay uncommitted)",
    )


class CaseSettings(_Group):
    """The worker's case merging, hotspot warning and caller history (docs/cases.md)."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_CASE_")

    same_caller_window_s: int = Field(
        86400, ge=0, description="same caller + same class within this window = one case (0 = off)"
    )
    same_place_window_s: int = Field(
        3600, ge=0, description="different callers + same class + same place within it = one case"
    )
    flowback_days: int = Field(
        7, ge=0, description="a call about a diverted case open or closed within N days = 回流"
    )
    geo_cell_m: float = Field(
        100.0,
        gt=0,
        description="calls this close (metres) are at one place; also the hotspot geo cell",
    )
    hotspot_window_s: int = Field(
        86400,
        gt=0,
        description="sliding window of the one-kind-of-matter warning (一类事预警)",
        validation_alias="FENLIU_HOTSPOT_WINDOW_S",
    )
    hotspot_threshold: int = Field(
        3,
        ge=2,
        description="cases of one class at one place in the window that raise a warning",
        validation_alias="FENLIU_HOTSPOT_THRESHOLD",
    )
    open_max_days: int = Field(
        90, ge=1, description="an open case with no call for this long is forgotten (a lost close)"
    )
    max_calls: int = Field(
        20, ge=1, description="calls a case remembers (the most recent) for matching and re-runs"
    )
    max_per_key: int = Field(
        500, ge=1, description="cases kept per town and class; those that would expire first go"
    )
    caller_history_days: int = Field(
        730,
        ge=1,
        description="a caller's history is forgotten after this long without a call",
        validation_alias="FENLIU_CALLER_HISTORY_DAYS",
    )
    caller_repeat_threshold: int = Field(
        3,
        ge=2,
        description="calls from which a caller counts as a repeat caller (metric, view)",
        validation_alias="FENLIU_CALLER_REPEAT_THRESHOLD",
    )
    suggest_timeout_s: int = Field(
        120,
        ge=1,
        description="a SUGGEST call's order waits this long for the call-taker's"
        " confirmation (fenliu.verdicts); unconfirmed, it stays with the police",
    )


class SlaSettings(_Group):
    """The worker's SLA clock, windows and escalation (docs/sla.md). A level fires at created + share x window."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_SLA_")

    clock: Literal["wall", "control", "event"] = Field(
        "wall",
        description="SLA clock: wall = the worker ticks with real time (production); control ="
        " only tick records on the tick topic move time (tests, drills); event = also the"
        " latest order/lifecycle time seen (replays)",
        validation_alias="FENLIU_CLOCK",
    )
    warning_share: float = Field(
        0.8, gt=0, lt=1, description="share of a stage's window at which the WARNING fires"
    )
    supervision_share: float = Field(
        1.5, ge=1, description="share of the window at which SUPERVISION (督办单) fires"
    )
    escalation_share: float = Field(
        2.0, ge=1, description="share of the window at which ESCALATION (提级盯办) fires"
    )
    supervision_max_late_s: int | None = Field(
        86400, ge=0, description="SUPERVISION no later than this after the deadline (None = no cap)"
    )
    escalation_max_late_s: int | None = Field(
        3 * 86400,
        ge=0,
        description="ESCALATION no later than this after the deadline (None = no cap)",
    )
    tick_interval_s: float = Field(
        1.0, gt=0, description="wall clock: how often the worker ticks; also the index bucket width"
    )
    orphan_ttl_s: int = Field(
        3600, gt=0, description="lifecycle events for an unknown order wait this long for it"
    )
    done_retention_s: int = Field(
        86400, ge=0, description="a finished order is kept this long so late steps find it"
    )


class RatesSettings(_Group):
    """The rates agent (docs/rates.md): bounds of its dedupe tables, in event time."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_RATES_")

    arrival_target_s: int = Field(
        600, gt=0, description="an arrival this soon after the order counts as on time (十分钟到场)"
    )
    order_state_s: int = Field(
        40 * 86400,
        gt=0,
        description="keep an order's counted steps this long after its latest event (dedupe bound)",
    )
    decision_dedupe_s: int = Field(
        86400,
        gt=0,
        description="a decision id seen again within this much event time is a duplicate",
    )
    event_ids_kept: int = Field(
        64, ge=0, description="lifecycle event ids remembered per order to name duplicates"
    )
    expire_batch: int = Field(
        100, ge=1, description="expired table entries deleted at most per processed record"
    )


class GridSettings(_Group):
    """The grid platform client and grid-sink (fenliu run grid-sink; docs/grid-platform.md)."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_GRID_")

    platform_url: str = Field(
        "http://127.0.0.1:8090", description="base URL of the grid platform's order API"
    )
    platform_token: SecretStr = Field(
        SecretStr(DEV_GRID_PLATFORM_TOKEN),
        description="bearer token for the grid platform (grid-sim accepts the same one; also *_FILE)",
    )
    platform_ca_file: Path | None = Field(
        None, description="CA bundle that signs the platform's TLS certificate (unset = system CAs)"
    )
    sink_group: str = Field("fenliu-grid-sink", description="consumer group of grid-sink")
    sink_timeout_s: float = Field(10.0, gt=0, description="one HTTP request's time limit")
    sink_max_attempts: int = Field(
        8,
        ge=1,
        description="requests per order before it becomes a dead letter; keep it above "
        "sink_breaker_failures so that an outage alone never dead-letters an order",
    )
    sink_backoff_initial_s: float = Field(0.5, gt=0, description="first retry's backoff")
    sink_backoff_max_s: float = Field(30.0, gt=0, description="longest backoff (full jitter)")
    sink_breaker_failures: int = Field(
        5, ge=1, description="consecutive failed requests that open the circuit breaker"
    )
    sink_breaker_reset_s: float = Field(
        15.0, gt=0, description="how long the breaker stays open before it probes /health"
    )
    sink_concurrency: int = Field(8, ge=1, description="orders of different keys in flight")
    sink_max_in_flight: int = Field(
        1000, ge=1, description="unacknowledged orders held before consumption pauses"
    )
    sink_batch_size: int = Field(200, ge=1, description="most records taken per poll")
    sink_poll_timeout_s: float = Field(
        0.2,
        gt=0,
        description="how long a poll waits while nothing is there (never for a full batch)",
    )
    sink_commit_interval_s: float = Field(
        0.2, ge=0, description="finished orders' offsets are committed at most this often"
    )
    sink_health_stall_s: float = Field(
        300.0,
        gt=0,
        description="grid-sink's /health turns red when its loop has not come back this long,"
        " or orders wait and no commit advanced this long (longer than the router's: an"
        " outage of the platform holds orders behind the breaker, and that is not a stall)",
    )


class IngressSettings(_Group):
    """The webhook ingress (fenliu run ingress) and the webhook's shared secrets."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_INGRESS_")

    host: str = Field(
        "127.0.0.1", description="address the webhook ingress listens on (0.0.0.0: every interface)"
    )
    port: int = Field(8091, ge=0, description="port of POST /webhook/lifecycle")
    webhook_hmac_secret: SecretStr = Field(
        SecretStr(DEV_WEBHOOK_HMAC_SECRET),
        description="shared secret of X-Fenliu-Signature (grid-sim signs with it, ingress checks; also *_FILE)",
        validation_alias="FENLIU_WEBHOOK_HMAC_SECRET",
    )
    webhook_bearer_token: SecretStr | None = Field(
        None,
        description="if set, the ingress also accepts this bearer token instead of a signature",
        validation_alias="FENLIU_WEBHOOK_BEARER_TOKEN",
    )
    webhook_max_skew_s: int = Field(
        300,
        ge=1,
        description="X-Fenliu-Timestamp further than this from now is refused (replay)",
        validation_alias="FENLIU_WEBHOOK_MAX_SKEW_S",
    )
    max_body_bytes: int = Field(65536, ge=1024, description="largest webhook body")
    produce_timeout_s: float = Field(
        10.0,
        gt=0,
        description="broker acknowledgement budget before the ingress answers 503 (a record"
        " produced again on a recreated producer, librdkafka #5301, gets a new one)",
    )


class GridSimSettings(_Group):
    """The reference grid platform (fenliu run grid-sim)."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_GRID_SIM_")

    host: str = Field(
        "127.0.0.1", description="address grid-sim listens on (0.0.0.0: every interface)"
    )
    port: int = Field(8090, ge=0, description="port of grid-sim's order API")
    webhook_url: str = Field(
        "http://127.0.0.1:8091/webhook/lifecycle", description="where grid-sim reports lifecycles"
    )
    tls_cert: Path | None = Field(None, description="serve HTTPS with this certificate")
    tls_key: Path | None = Field(None, description="key of tls_cert")
    store_file: Path | None = Field(
        None, description="JSON file keeping orders and lifecycle progress across restarts"
    )
    seed: int = Field(7, description="seed of every random choice (same seed, same lives)")
    time_scale: float = Field(
        60.0, gt=0, description="simulated seconds per real second (60: a minute plays in a second)"
    )
    event_clock: Literal["order", "wall"] = Field(
        "order",
        description="lifecycle 'at' times: 'order' = the order's created_at + simulated delay "
        "(replays stay coherent), 'wall' = the real time the event is sent",
    )
    sign_late_rate: float = Field(0.1, ge=0, le=1, description="orders signed late")
    no_arrival_rate: float = Field(0.05, ge=0, le=1, description="teams never arriving")
    return_rate: float = Field(0.05, ge=0, le=1, description="orders returned to police")
    complaint_rate: float = Field(0.05, ge=0, le=1, description="complaints after close")
    on_site_rate: float = Field(
        0.756, ge=0, le=1, description="closed orders resolved on site (Taizhou 75.6%)"
    )
    follow_up_after_s: float = Field(
        86_400.0,
        gt=0,
        description="simulated seconds from an order's close to its follow-up call, the centre "
        "of a window of ±1/6 (86400: the next day, 20-28 h); shorter makes satisfaction "
        "figures come sooner (tests, demos)",
    )
    satisfaction: dict[str, float] = Field(
        {"SATISFIED": 0.9, "BASICALLY_SATISFIED": 0.07, "DISSATISFIED": 0.02, "UNREACHABLE": 0.01},
        description="weights of the follow-up answers (JSON object in the environment)",
    )
    error_rate: float = Field(
        0.0, ge=0, le=1, description="share of API requests answered 500 (seeded chaos)"
    )
    webhook_attempts: int = Field(
        6, ge=1, description="webhook calls per lifecycle event before grid-sim gives up on it"
    )


class ReplaySettings(_Group):
    """Replay and audit (fenliu replay, fenliu audit; docs/replay.md)."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_REPLAY_")

    batch_size: int = Field(
        2000, ge=1, description="records fetched per consume call by replay and audit"
    )
    chunk_records: int = Field(
        200_000,
        ge=1,
        description="raw records replay decides per chunk; bounds its memory (about 2 KB a record)",
    )
    timestamp_skew_ms: int = Field(
        60_000,
        ge=0,
        description="how far out of time order raw records may be within a partition; replay reads this much "
        "around [since, until) and keeps exactly the records whose timestamp is inside",
    )
    decision_lag_ms: int = Field(
        86_400_000,
        ge=0,
        description="how long after `until` the router may have recorded a decision; replay looks this far",
    )
    retention_ms: int = Field(
        30 * 86_400_000,
        ge=-1,
        description="retention of a replay's own output topic fenliu.replay.<run>.decisions",
    )
    report_max_rows: int = Field(
        5000,
        ge=1,
        description="rows kept per section of the replay report (the counts stay complete)",
    )
    kafka_timeout_s: float = Field(
        30.0, gt=0, description="replay/audit wait for broker metadata and offsets"
    )
    audit_index_file: Path | None = Field(
        None,
        description="SQLite file of the audit index (`fenliu audit index` keeps it); set = "
        "`fenliu audit case` looks ids up there instead of scanning the topics",
        validation_alias="FENLIU_AUDIT_INDEX_FILE",
    )


class TrafficSettings(_Group):
    """Generated traffic (fenliu generate; docs/demo.md)."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_TRAFFIC_")

    dir: Path = Field(
        default_factory=lambda: shipped("traffic"),
        description="phrase material and proportions of generated traffic (mix, phrases, places .yaml)",
    )


class DemoSettings(_Group):
    """The demo (fenliu demo; docs/demo.md)."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_DEMO_")

    rate: float = Field(
        20.0, gt=0, description="fenliu demo: generated events per second (day average)"
    )
    speed: float = Field(
        60.0,
        ge=1,
        description="fenliu demo: clock acceleration (traffic event time, grid-sim lives, SLA ticks)",
    )
    seed: int = Field(110, description="fenliu demo: seed of the generated traffic")
    flat: bool = Field(
        False,
        description="fenliu demo: the same rate at every hour (without it the traffic follows"
        " the day's rhythm from the local time, so at 4 a.m. a --rate 10 demo sends ~1.5/s)",
    )
    confirm_share: float = Field(
        0.7,
        ge=0,
        le=1,
        description="fenliu demo: share of SUGGEST calls the simulated call-takers"
        " confirm (the rest are rejected or left to time out, half each)",
    )
    health_interval_s: float = Field(
        5.0, gt=0, description="fenliu demo: seconds between liveness probes of each service"
    )
    health_timeout_s: float = Field(
        3.0,
        gt=0,
        description="fenliu demo: a probe not answered in this long fails (a blocked loop)",
    )
    health_failures: int = Field(
        3,
        ge=1,
        description="fenliu demo: consecutive failed probes (503 or no answer) before the"
        " service is restarted, as a Kubernetes liveness probe's failureThreshold",
    )
    health_start_grace_s: float = Field(
        120.0,
        ge=0,
        description="fenliu demo: probes do not count this long after a (re)start (the"
        " worker recovers its tables before it answers)",
    )


class StackSettings(_Group):
    """The local stack (fenliu stack; ./dev up): where it keeps state, its ports."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_")

    state_dir: Path = Field(Path(".fenliu"), description="data and logs of the local stack")
    kafka_version: str = Field(
        "3.9.1", description="Kafka jars the local stack resolves from Maven Central"
    )
    secure: bool = Field(
        False,
        description="local stack: SASL/SCRAM, one user per service, ACLs (stack up --secure)",
        validation_alias="FENLIU_STACK_SECURE",
    )
    kafka_port: int = Field(9092, description="local stack: broker port")
    kafka_controller_port: int = Field(9094, description="local stack: KRaft controller port")
    redis_port: int = Field(6379, description="local stack: Redis port")
    prometheus_port: int = Field(9090, description="local stack: Prometheus port")
    alertmanager_port: int = Field(9093, description="local stack: Alertmanager port")


class Settings(BaseModel):
    """Runtime configuration, read once from ``FENLIU_*`` environment variables, by service."""

    model_config = ConfigDict(extra="forbid")

    security: SecuritySettings = Field(
        default_factory=SecuritySettings, description="Secure by default: environment, secret files"
    )
    kafka: KafkaSettings = Field(
        default_factory=KafkaSettings, description="Broker connection and security; both clients"
    )
    topics: TopicSettings = Field(
        default_factory=TopicSettings,
        description="Topic names and shapes, and how records are encoded on them",
    )
    refdata: RefdataSettings = Field(
        default_factory=RefdataSettings, description="Reference data files and the local time zone"
    )
    intake: IntakeSettings = Field(
        default_factory=IntakeSettings,
        description="What the router accepts and how it keys callers",
    )
    teams: TeamSettings = Field(
        default_factory=TeamSettings,
        description="The Redis team directory the router looks teams up in",
    )
    metrics: MetricsSettings = Field(
        default_factory=MetricsSettings, description="Prometheus exposition of every service"
    )
    router: RouterSettings = Field(default_factory=RouterSettings, description="The router")
    streams: StreamsSettings = Field(
        default_factory=StreamsSettings, description="The Faust worker"
    )
    cases: CaseSettings = Field(
        default_factory=CaseSettings,
        description="The worker's case merging, hotspot warning and caller history",
    )
    sla: SlaSettings = Field(
        default_factory=SlaSettings, description="The worker's SLA clock, windows and escalation"
    )
    rates: RatesSettings = Field(default_factory=RatesSettings, description="The rates agent")
    grid: GridSettings = Field(
        default_factory=GridSettings, description="The grid platform client and grid-sink"
    )
    ingress: IngressSettings = Field(
        default_factory=IngressSettings, description="The webhook ingress"
    )
    grid_sim: GridSimSettings = Field(
        default_factory=GridSimSettings, description="The reference grid platform"
    )
    replay: ReplaySettings = Field(default_factory=ReplaySettings, description="Replay and audit")
    traffic: TrafficSettings = Field(
        default_factory=TrafficSettings, description="Generated traffic"
    )
    demo: DemoSettings = Field(default_factory=DemoSettings, description="The demo")
    stack: StackSettings = Field(default_factory=StackSettings, description="The local stack")

    def topic(self, name: str) -> str:
        """The physical topic name for a catalogue name."""
        return f"{self.topics.prefix}{name}"

    def replace(self, **groups: Mapping[str, Any]) -> Settings:
        """A copy with some fields changed, e.g. ``replace(grid={"platform_url": url})``.

        Like ``model_copy(update=...)`` one level down; an unknown group or field is an error,
        so a flat name of the old ``Settings`` cannot be dropped silently.
        """
        update: dict[str, BaseSettings] = {}
        for group, changes in groups.items():
            current = getattr(self, group)
            unknown = set(changes) - set(type(current).model_fields)
            if group not in type(self).model_fields or unknown:
                raise KeyError(f"no setting {group}.{sorted(unknown)}")
            update[group] = current.model_copy(update=dict(changes))
        return self.model_copy(update=update)


def env_name(group: type[BaseSettings], name: str) -> str:
    """The environment variable that feeds ``group``'s field ``name``."""
    alias = group.model_fields[name].validation_alias
    if isinstance(alias, str):
        return alias
    return f"{group.model_config.get('env_prefix', '')}{name}".upper()


def fields() -> Iterator[tuple[str, str, str, FieldInfo]]:
    """(group, field, environment variable, field info) of every setting, in declaration order."""
    for group, info in Settings.model_fields.items():
        model = info.annotation
        assert isinstance(model, type) and issubclass(model, BaseSettings)
        for name, field in model.model_fields.items():
            yield group, name, env_name(model, name), field


class DefaultSecretError(RuntimeError):
    """A service would run outside development with a secret everyone can read."""


def default_secrets_in_use(settings: Settings, names: Iterable[str] = DEV_SECRETS) -> list[str]:
    """The secrets among ``names`` (keys of ``DEV_SECRETS``) still at their published value."""
    found = []
    for name in names:
        group, field, published = DEV_SECRETS[name]
        if getattr(getattr(settings, group), field).get_secret_value() == published:
            found.append(name)
    return found


def refuse_default_secrets(settings: Settings, names: Iterable[str] = DEV_SECRETS) -> None:
    """Raise ``DefaultSecretError`` naming the variables to set, unless this is development.

    The defaults are printed in the README: with the HMAC key anyone can turn caller keys
    back into numbers, with the webhook secret anyone can forge lifecycle events.
    """
    if settings.security.environment == "development":
        return
    found = default_secrets_in_use(settings, names)
    if found:
        variables = [f"FENLIU_{name.upper()}" for name in found]
        raise DefaultSecretError(
            f"refusing to start: {', '.join(variables)} hold(s) the published development "
            f"default. Set {' and '.join(variables)} (or {' and '.join(v + '_FILE' for v in variables)}"
            f", naming a file that holds the value) to this deployment's secret; on a development "
            f"stack set FENLIU_ENVIRONMENT=development instead."
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once (CLI entry points only)."""
    return Settings()
