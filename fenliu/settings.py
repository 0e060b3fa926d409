"""The one settings object. Every knob is an environment variable prefixed ``FENLIU_``.

Defaults suit the local stack on 127.0.0.1; the README's configuration table lists
them all. Code receives a ``Settings`` instance; nothing reads the environment itself.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class Settings(BaseSettings):
    """Runtime configuration, read once from ``FENLIU_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="FENLIU_", env_file=None, extra="ignore")

    # --- Kafka -------------------------------------------------------------------
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers")
    kafka_security_protocol: SecurityProtocol = Field(
        "PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (both clients)"
    )
    kafka_sasl_mechanism: SaslMechanism | None = Field(
        None, description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"
    )
    kafka_sasl_username: str | None = Field(None, description="SASL user")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password")
    kafka_ssl_cafile: Path | None = Field(None, description="CA bundle for TLS to the broker")
    kafka_ssl_certfile: Path | None = Field(None, description="client certificate (mTLS)")
    kafka_ssl_keyfile: Path | None = Field(None, description="client key (mTLS)")
    topic_prefix: str = Field("", description="prefix for every topic name (tests, tenants)")
    topic_partitions: int = Field(6, ge=1, description="partitions for new topics")
    topic_replication: int = Field(1, ge=1, description="replication factor for new topics")
    schema_registry_url: str | None = Field(
        None, description="Confluent schema registry; unset = Avro single-object encoding"
    )

    # --- Other services ----------------------------------------------------------
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis with the team directory")
    redis_timeout_ms: int = Field(50, ge=1, description="router's budget for a team lookup")
    team_search_radius_km: float = Field(
        5.0, gt=0, description="how far from the scene an available team may be (GEOSEARCH radius)"
    )
    team_key_prefix: str = Field(
        "fenliu:teams", description="prefix of the Redis keys of the team directory"
    )
    metrics_port: int = Field(9108, ge=0, description="port of /metrics (0 = do not serve)")
    dead_letter_max_value_bytes: int = Field(
        512 * 1024, ge=1024,
        description="original bytes a dead letter keeps at most (the rest stays in the source topic)",
    )

    # --- Privacy -----------------------------------------------------------------
    phone_hmac_key: SecretStr = Field(
        SecretStr("fenliu-dev-key-change-me"),
        description="HMAC key that turns phone numbers into caller keys",
    )

    # --- Reference data ----------------------------------------------------------
    taxonomy_file: Path = Field(_DATA_DIR / "taxonomy.yaml", description="the two lists (a city ships its own)")
    jurisdiction_file: Path = Field(
        _DATA_DIR / "jurisdictions.yaml", description="towns, grids, units, departments (属地/属事)"
    )
    sla_policy_file: Path = Field(_DATA_DIR / "sla_policy.yaml", description="time limits per SLA class")
    local_timezone: str = Field("Asia/Shanghai", description="zone of local times and next-day deadlines")
    max_future_skew_s: int = Field(300, ge=0, description="reject events this far ahead of now")
    max_text_chars: int = Field(
        4000, ge=1, description="reject calls/tickets whose text is longer (TEXT_TOO_LONG)"
    )
    phone_default_area_code: str | None = Field(
        None,
        pattern=r"^0?\d{2,3}$",
        description="area code (e.g. 0576) completing local landline numbers given without one",
    )

    # --- Router ------------------------------------------------------------------
    router_group: str = Field("fenliu-router", description="consumer group of the router replicas")
    router_batch_size: int = Field(500, ge=1, description="records the router decides per batch")
    router_poll_timeout_s: float = Field(0.5, gt=0, description="how long a poll waits for a batch")

    # --- Streams (the Faust worker, `fenliu run streams`) --------------------------
    streams_app_id: str = Field(
        "fenliu-streams",
        description="Faust app id = consumer group and changelog prefix (topic prefix in front)",
    )
    # The worker's producer and commits (docs/streams.md, "Producer and commits"): every
    # decision makes ~2 records and ~4 changelog writes; faust's defaults (no linger, no
    # compression, 16 KB batches, a 100-message buffer) made each stream wait on flushes.
    streams_producer_linger_ms: int = Field(
        10, ge=0, description="worker producer: how long a batch may wait to fill (ms)"
    )
    streams_producer_compression: Literal["lz4", "gzip", "snappy", "zstd", "none"] = Field(
        "lz4", description="worker producer: batch compression"
    )
    streams_producer_batch_bytes: int = Field(
        262_144, ge=16_384, description="worker producer: largest batch per partition (bytes)"
    )
    streams_producer_buffer_messages: int = Field(
        2_000, ge=100, description="changelog records a stream may leave unsent "
        "before it waits for the producer (faust's default: 100)"
    )
    streams_stream_buffer_maxsize: int = Field(
        4_096, ge=16, description="records an agent may prefetch per stream (back pressure)"
    )
    streams_commit_interval_s: float = Field(
        1.0, gt=0, description="how often processed offsets are committed (faust's default 2.8 s)"
    )
    streams_store: Literal["memory", "rocksdb"] = Field(
        "memory", description="table store; rocksdb needs faust-streaming-rocksdb installed"
    )
    streams_data_dir: Path = Field(
        Path(".fenliu/streams"), description="Faust data dir (RocksDB tables live here)"
    )
    streams_web_port: int = Field(6066, ge=0, description="port of the worker's /health and web views")
    streams_instance_id: str | None = Field(
        "",
        description="static group membership id (group.instance.id), one per replica; empty = "
        "dynamic membership (default: docs/sla.md, known issues); unset (None) = host-port",
    )
    streams_session_timeout_s: float = Field(
        45.0, gt=0, description="broker session timeout: how long a silent member stays in the group"
    )
    streams_max_poll_interval_s: float = Field(
        300.0, gt=0, description="longest gap between polls before the broker evicts the member"
    )
    streams_health_stall_s: float = Field(
        60.0, gt=0, description="/health turns red when input waits and no commit advanced this long"
    )
    case_same_caller_window_s: int = Field(
        86400, ge=0, description="same caller + same class within this window = one case (0 = off)"
    )
    case_same_place_window_s: int = Field(
        3600, ge=0, description="different callers + same class + same place within it = one case"
    )
    case_flowback_days: int = Field(
        7, ge=0, description="a call about a diverted case open or closed within N days = 回流"
    )
    case_geo_cell_m: float = Field(
        100.0, gt=0, description="calls this close (metres) are at one place; also the hotspot geo cell"
    )
    hotspot_window_s: int = Field(
        86400, gt=0, description="sliding window of the one-kind-of-matter warning (一类事预警)"
    )
    hotspot_threshold: int = Field(
        3, ge=2, description="cases of one class at one place in the window that raise a warning"
    )
    case_open_max_days: int = Field(
        90, ge=1, description="an open case with no call for this long is forgotten (a lost close)"
    )
    case_max_calls: int = Field(
        20, ge=1, description="calls a case remembers (the most recent) for matching and re-runs"
    )
    case_max_per_key: int = Field(
        500, ge=1, description="cases kept per town and class; those that would expire first go"
    )
    caller_history_days: int = Field(
        730, ge=1, description="a caller's history is forgotten after this long without a call"
    )
    caller_repeat_threshold: int = Field(
        3, ge=2, description="calls from which a caller counts as a repeat caller (metric, view)"
    )
    # SLA windows and escalation (docs/sla.md). A level fires at created + share × window.
    clock: Literal["wall", "control", "event"] = Field(
        "wall",
        description="SLA clock: wall = the worker ticks with real time (production); control ="
        " only tick records on the tick topic move time (tests, drills); event = also the"
        " latest order/lifecycle time seen (replays)",
    )
    sla_warning_share: float = Field(
        0.8, gt=0, lt=1, description="share of a stage's window at which the WARNING fires"
    )
    sla_supervision_share: float = Field(
        1.5, ge=1, description="share of the window at which SUPERVISION (督办单) fires"
    )
    sla_escalation_share: float = Field(
        2.0, ge=1, description="share of the window at which ESCALATION (提级盯办) fires"
    )
    sla_supervision_max_late_s: int | None = Field(
        86400, ge=0, description="SUPERVISION no later than this after the deadline (None = no cap)"
    )
    sla_escalation_max_late_s: int | None = Field(
        3 * 86400, ge=0, description="ESCALATION no later than this after the deadline (None = no cap)"
    )
    sla_tick_interval_s: float = Field(
        1.0, gt=0, description="wall clock: how often the worker ticks; also the index bucket width"
    )
    sla_orphan_ttl_s: int = Field(
        3600, gt=0, description="lifecycle events for an unknown order wait this long for it"
    )
    sla_done_retention_s: int = Field(
        86400, ge=0, description="a finished order is kept this long so late steps find it"
    )
    # The rates agent (docs/rates.md): bounds of its dedupe tables, in event time.
    rates_arrival_target_s: int = Field(
        600, gt=0, description="an arrival this soon after the order counts as on time (十分钟到场)"
    )
    rates_order_state_s: int = Field(
        40 * 86400, gt=0,
        description="keep an order's counted steps this long after its latest event (dedupe bound)",
    )
    rates_decision_dedupe_s: int = Field(
        86400, gt=0, description="a decision id seen again within this much event time is a duplicate"
    )
    rates_event_ids_kept: int = Field(
        64, ge=0, description="lifecycle event ids remembered per order to name duplicates"
    )
    rates_expire_batch: int = Field(
        100, ge=1, description="expired table entries deleted at most per processed record"
    )

    # --- Grid platform sink (fenliu run grid-sink; docs/grid-platform.md) -----------
    grid_platform_url: str = Field(
        "http://127.0.0.1:8090", description="base URL of the grid platform's order API"
    )
    grid_platform_token: SecretStr = Field(
        SecretStr("fenliu-dev-grid-token-change-me"),
        description="bearer token for the grid platform (grid-sim accepts the same one)",
    )
    grid_platform_ca_file: Path | None = Field(
        None, description="CA bundle that signs the platform's TLS certificate (unset = system CAs)"
    )
    grid_sink_group: str = Field("fenliu-grid-sink", description="consumer group of grid-sink")
    grid_sink_timeout_s: float = Field(10.0, gt=0, description="one HTTP request's time limit")
    grid_sink_max_attempts: int = Field(
        8,
        ge=1,
        description="requests per order before it becomes a dead letter; keep it above "
        "grid_sink_breaker_failures so that an outage alone never dead-letters an order",
    )
    grid_sink_backoff_initial_s: float = Field(0.5, gt=0, description="first retry's backoff")
    grid_sink_backoff_max_s: float = Field(30.0, gt=0, description="longest backoff (full jitter)")
    grid_sink_breaker_failures: int = Field(
        5, ge=1, description="consecutive failed requests that open the circuit breaker"
    )
    grid_sink_breaker_reset_s: float = Field(
        15.0, gt=0, description="how long the breaker stays open before it probes /health"
    )
    grid_sink_concurrency: int = Field(8, ge=1, description="orders of different keys in flight")
    grid_sink_max_in_flight: int = Field(
        1000, ge=1, description="unacknowledged orders held before consumption pauses"
    )
    grid_sink_batch_size: int = Field(200, ge=1, description="records taken per poll")
    grid_sink_poll_timeout_s: float = Field(0.2, gt=0, description="how long a poll waits")

    # --- Webhook ingress (fenliu run ingress) ----------------------------------------
    ingress_host: str = Field("0.0.0.0", description="address the webhook ingress listens on")
    ingress_port: int = Field(8091, ge=0, description="port of POST /webhook/lifecycle")
    webhook_hmac_secret: SecretStr = Field(
        SecretStr("fenliu-dev-webhook-secret-change-me"),
        description="shared secret of X-Fenliu-Signature (grid-sim signs with it, ingress checks)",
    )
    webhook_bearer_token: SecretStr | None = Field(
        None, description="if set, the ingress also accepts this bearer token instead of a signature"
    )
    webhook_max_skew_s: int = Field(
        300, ge=1, description="X-Fenliu-Timestamp further than this from now is refused (replay)"
    )
    ingress_max_body_bytes: int = Field(65536, ge=1024, description="largest webhook body")
    ingress_produce_timeout_s: float = Field(
        10.0, gt=0, description="broker acknowledgement budget before the ingress answers 503"
    )

    # --- Reference grid platform (fenliu run grid-sim) ---------------------------------
    grid_sim_host: str = Field("0.0.0.0", description="address grid-sim listens on")
    grid_sim_port: int = Field(8090, ge=0, description="port of grid-sim's order API")
    grid_sim_webhook_url: str = Field(
        "http://127.0.0.1:8091/webhook/lifecycle", description="where grid-sim reports lifecycles"
    )
    grid_sim_tls_cert: Path | None = Field(None, description="serve HTTPS with this certificate")
    grid_sim_tls_key: Path | None = Field(None, description="key of grid_sim_tls_cert")
    grid_sim_store_file: Path | None = Field(
        None, description="JSON file keeping orders and lifecycle progress across restarts"
    )
    grid_sim_seed: int = Field(7, description="seed of every random choice (same seed, same lives)")
    grid_sim_time_scale: float = Field(
        60.0, gt=0, description="simulated seconds per real second (60: a minute plays in a second)"
    )
    grid_sim_event_clock: Literal["order", "wall"] = Field(
        "order",
        description="lifecycle 'at' times: 'order' = the order's created_at + simulated delay "
        "(replays stay coherent), 'wall' = the real time the event is sent",
    )
    grid_sim_sign_late_rate: float = Field(0.1, ge=0, le=1, description="orders signed late")
    grid_sim_no_arrival_rate: float = Field(0.05, ge=0, le=1, description="teams never arriving")
    grid_sim_return_rate: float = Field(0.05, ge=0, le=1, description="orders returned to police")
    grid_sim_complaint_rate: float = Field(0.05, ge=0, le=1, description="complaints after close")
    grid_sim_on_site_rate: float = Field(
        0.756, ge=0, le=1, description="closed orders resolved on site (Taizhou 75.6%)"
    )
    grid_sim_satisfaction: dict[str, float] = Field(
        {"SATISFIED": 0.9, "BASICALLY_SATISFIED": 0.07, "DISSATISFIED": 0.02, "UNREACHABLE": 0.01},
        description="weights of the follow-up answers (JSON object in the environment)",
    )
    grid_sim_error_rate: float = Field(
        0.0, ge=0, le=1, description="share of API requests answered 500 (seeded chaos)"
    )
    grid_sim_webhook_attempts: int = Field(
        6, ge=1, description="webhook calls per lifecycle event before grid-sim gives up on it"
    )

    # --- Replay and audit (fenliu replay, fenliu audit; docs/replay.md) -------------
    replay_batch_size: int = Field(2000, ge=1, description="records fetched per consume call by replay and audit")
    replay_chunk_records: int = Field(
        200_000, ge=1, description="raw records replay decides per chunk; bounds its memory (about 2 KB a record)"
    )
    replay_timestamp_skew_ms: int = Field(
        60_000, ge=0,
        description="how far out of time order raw records may be within a partition; replay reads this much "
        "around [since, until) and keeps exactly the records whose timestamp is inside",
    )
    replay_decision_lag_ms: int = Field(
        86_400_000, ge=0,
        description="how long after `until` the router may have recorded a decision; replay looks this far",
    )
    replay_retention_ms: int = Field(
        30 * 86_400_000, ge=-1, description="retention of a replay's own output topic fenliu.replay.<run>.decisions"
    )
    replay_report_max_rows: int = Field(
        5000, ge=1, description="rows kept per section of the replay report (the counts stay complete)"
    )
    replay_kafka_timeout_s: float = Field(30.0, gt=0, description="replay/audit wait for broker metadata and offsets")

    # --- Generated traffic and the demo (fenliu generate, fenliu demo; docs/demo.md) ---
    traffic_dir: Path = Field(
        _DATA_DIR / "traffic",
        description="phrase material and proportions of generated traffic (mix, phrases, places .yaml)",
    )
    demo_rate: float = Field(20.0, gt=0, description="fenliu demo: generated events per second (day average)")
    demo_speed: float = Field(
        60.0, ge=1, description="fenliu demo: clock acceleration (traffic event time, grid-sim lives, SLA ticks)"
    )
    demo_seed: int = Field(110, description="fenliu demo: seed of the generated traffic")

    # --- Local stack ---------------------------------------------------------------
    state_dir: Path = Field(Path(".fenliu"), description="data and logs of the local stack")
    kafka_version: str = Field("3.9.1", description="Kafka jars the local stack resolves from Maven Central")
    kafka_port: int = Field(9092, description="local stack: broker port")
    kafka_controller_port: int = Field(9094, description="local stack: KRaft controller port")
    redis_port: int = Field(6379, description="local stack: Redis port")
    prometheus_port: int = Field(9090, description="local stack: Prometheus port")
    alertmanager_port: int = Field(9093, description="local stack: Alertmanager port")

    def topic(self, name: str) -> str:
        """The physical topic name for a catalogue name."""
        return f"{self.topic_prefix}{name}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once (CLI entry points only)."""
    return Settings()
