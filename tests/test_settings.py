"""Settings nested by service keep the flat ``FENLIU_*`` names every deployment already sets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from fenliu.settings import Settings, fields

# The environment names of the flat Settings before it was nested (issue 10). Names may be
# added; none of these may disappear or change meaning.
FLAT_NAMES = [
    "FENLIU_KAFKA_BOOTSTRAP",
    "FENLIU_KAFKA_SECURITY_PROTOCOL",
    "FENLIU_KAFKA_SASL_MECHANISM",
    "FENLIU_KAFKA_SASL_USERNAME",
    "FENLIU_KAFKA_SASL_PASSWORD",
    "FENLIU_KAFKA_SSL_CAFILE",
    "FENLIU_KAFKA_SSL_CERTFILE",
    "FENLIU_KAFKA_SSL_KEYFILE",
    "FENLIU_DEAD_LETTER_MAX_VALUE_BYTES",
    "FENLIU_TOPIC_PREFIX",
    "FENLIU_TOPIC_PARTITIONS",
    "FENLIU_TOPIC_REPLICATION",
    "FENLIU_SCHEMA_REGISTRY_URL",
    "FENLIU_TAXONOMY_FILE",
    "FENLIU_JURISDICTION_FILE",
    "FENLIU_SLA_POLICY_FILE",
    "FENLIU_LOCAL_TIMEZONE",
    "FENLIU_PHONE_HMAC_KEY",
    "FENLIU_PHONE_DEFAULT_AREA_CODE",
    "FENLIU_MAX_FUTURE_SKEW_S",
    "FENLIU_MAX_TEXT_CHARS",
    "FENLIU_REDIS_URL",
    "FENLIU_REDIS_TIMEOUT_MS",
    "FENLIU_TEAM_SEARCH_RADIUS_KM",
    "FENLIU_TEAM_KEY_PREFIX",
    "FENLIU_METRICS_PORT",
    "FENLIU_ROUTER_GROUP",
    "FENLIU_ROUTER_BATCH_SIZE",
    "FENLIU_ROUTER_POLL_TIMEOUT_S",
    "FENLIU_STREAMS_APP_ID",
    "FENLIU_STREAMS_STORE",
    "FENLIU_STREAMS_DATA_DIR",
    "FENLIU_STREAMS_WEB_PORT",
    "FENLIU_STREAMS_INSTANCE_ID",
    "FENLIU_STREAMS_SESSION_TIMEOUT_S",
    "FENLIU_STREAMS_MAX_POLL_INTERVAL_S",
    "FENLIU_STREAMS_HEALTH_STALL_S",
    "FENLIU_STREAMS_SHUTDOWN_WAIT_S",
    "FENLIU_CASE_SAME_CALLER_WINDOW_S",
    "FENLIU_CASE_SAME_PLACE_WINDOW_S",
    "FENLIU_CASE_FLOWBACK_DAYS",
    "FENLIU_CASE_GEO_CELL_M",
    "FENLIU_HOTSPOT_WINDOW_S",
    "FENLIU_HOTSPOT_THRESHOLD",
    "FENLIU_CASE_OPEN_MAX_DAYS",
    "FENLIU_CASE_MAX_CALLS",
    "FENLIU_CASE_MAX_PER_KEY",
    "FENLIU_CALLER_HISTORY_DAYS",
    "FENLIU_CALLER_REPEAT_THRESHOLD",
    "FENLIU_CLOCK",
    "FENLIU_SLA_WARNING_SHARE",
    "FENLIU_SLA_SUPERVISION_SHARE",
    "FENLIU_SLA_ESCALATION_SHARE",
    "FENLIU_SLA_SUPERVISION_MAX_LATE_S",
    "FENLIU_SLA_ESCALATION_MAX_LATE_S",
    "FENLIU_SLA_TICK_INTERVAL_S",
    "FENLIU_SLA_ORPHAN_TTL_S",
    "FENLIU_SLA_DONE_RETENTION_S",
    "FENLIU_RATES_ARRIVAL_TARGET_S",
    "FENLIU_RATES_ORDER_STATE_S",
    "FENLIU_RATES_DECISION_DEDUPE_S",
    "FENLIU_RATES_EVENT_IDS_KEPT",
    "FENLIU_RATES_EXPIRE_BATCH",
    "FENLIU_GRID_PLATFORM_URL",
    "FENLIU_GRID_PLATFORM_TOKEN",
    "FENLIU_GRID_PLATFORM_CA_FILE",
    "FENLIU_GRID_SINK_GROUP",
    "FENLIU_GRID_SINK_TIMEOUT_S",
    "FENLIU_GRID_SINK_MAX_ATTEMPTS",
    "FENLIU_GRID_SINK_BACKOFF_INITIAL_S",
    "FENLIU_GRID_SINK_BACKOFF_MAX_S",
    "FENLIU_GRID_SINK_BREAKER_FAILURES",
    "FENLIU_GRID_SINK_BREAKER_RESET_S",
    "FENLIU_GRID_SINK_CONCURRENCY",
    "FENLIU_GRID_SINK_MAX_IN_FLIGHT",
    "FENLIU_GRID_SINK_BATCH_SIZE",
    "FENLIU_GRID_SINK_POLL_TIMEOUT_S",
    "FENLIU_INGRESS_HOST",
    "FENLIU_INGRESS_PORT",
    "FENLIU_WEBHOOK_HMAC_SECRET",
    "FENLIU_WEBHOOK_BEARER_TOKEN",
    "FENLIU_WEBHOOK_MAX_SKEW_S",
    "FENLIU_INGRESS_MAX_BODY_BYTES",
    "FENLIU_INGRESS_PRODUCE_TIMEOUT_S",
    "FENLIU_GRID_SIM_HOST",
    "FENLIU_GRID_SIM_PORT",
    "FENLIU_GRID_SIM_WEBHOOK_URL",
    "FENLIU_GRID_SIM_TLS_CERT",
    "FENLIU_GRID_SIM_TLS_KEY",
    "FENLIU_GRID_SIM_STORE_FILE",
    "FENLIU_GRID_SIM_SEED",
    "FENLIU_GRID_SIM_TIME_SCALE",
    "FENLIU_GRID_SIM_EVENT_CLOCK",
    "FENLIU_GRID_SIM_SIGN_LATE_RATE",
    "FENLIU_GRID_SIM_NO_ARRIVAL_RATE",
    "FENLIU_GRID_SIM_RETURN_RATE",
    "FENLIU_GRID_SIM_COMPLAINT_RATE",
    "FENLIU_GRID_SIM_ON_SITE_RATE",
    "FENLIU_GRID_SIM_FOLLOW_UP_AFTER_S",
    "FENLIU_GRID_SIM_SATISFACTION",
    "FENLIU_GRID_SIM_ERROR_RATE",
    "FENLIU_GRID_SIM_WEBHOOK_ATTEMPTS",
    "FENLIU_REPLAY_BATCH_SIZE",
    "FENLIU_REPLAY_CHUNK_RECORDS",
    "FENLIU_REPLAY_TIMESTAMP_SKEW_MS",
    "FENLIU_REPLAY_DECISION_LAG_MS",
    "FENLIU_REPLAY_RETENTION_MS",
    "FENLIU_REPLAY_REPORT_MAX_ROWS",
    "FENLIU_REPLAY_KAFKA_TIMEOUT_S",
    "FENLIU_TRAFFIC_DIR",
    "FENLIU_DEMO_RATE",
    "FENLIU_DEMO_SPEED",
    "FENLIU_DEMO_SEED",
    "FENLIU_STATE_DIR",
    "FENLIU_KAFKA_VERSION",
    "FENLIU_KAFKA_PORT",
    "FENLIU_KAFKA_CONTROLLER_PORT",
    "FENLIU_REDIS_PORT",
    "FENLIU_PROMETHEUS_PORT",
    "FENLIU_ALERTMANAGER_PORT",
]


def test_every_flat_name_still_names_one_setting():
    names = [env for _, _, env, _ in fields()]
    assert len(names) == len(set(names))
    assert set(FLAT_NAMES) <= set(names)
    assert all(name.startswith("FENLIU_") for name in names)


@pytest.mark.parametrize(
    "env,path,value,expected",
    [
        ("FENLIU_KAFKA_BOOTSTRAP", "kafka.bootstrap", "broker:1", "broker:1"),
        ("FENLIU_TOPIC_PREFIX", "topics.prefix", "t-", "t-"),
        ("FENLIU_DEAD_LETTER_MAX_VALUE_BYTES", "kafka.dead_letter_max_value_bytes", "2048", 2048),
        ("FENLIU_REDIS_URL", "teams.redis_url", "redis://r:1/2", "redis://r:1/2"),
        ("FENLIU_TEAM_KEY_PREFIX", "teams.key_prefix", "k", "k"),
        ("FENLIU_CLOCK", "sla.clock", "event", "event"),
        ("FENLIU_HOTSPOT_THRESHOLD", "cases.hotspot_threshold", "9", 9),
        ("FENLIU_CASE_MAX_CALLS", "cases.max_calls", "7", 7),
        ("FENLIU_GRID_SINK_GROUP", "grid.sink_group", "g", "g"),
        ("FENLIU_GRID_SIM_PORT", "grid_sim.port", "18090", 18090),
        ("FENLIU_WEBHOOK_MAX_SKEW_S", "ingress.webhook_max_skew_s", "30", 30),
        ("FENLIU_KAFKA_PORT", "stack.kafka_port", "19092", 19092),
        ("FENLIU_STATE_DIR", "stack.state_dir", "/tmp/x", Path("/tmp/x")),
        ("FENLIU_TAXONOMY_FILE", "refdata.taxonomy_file", "/tmp/t.yaml", Path("/tmp/t.yaml")),
        (
            "FENLIU_GRID_SIM_SATISFACTION",
            "grid_sim.satisfaction",
            '{"SATISFIED": 1}',
            {"SATISFIED": 1.0},
        ),
    ],
)
def test_a_flat_variable_reaches_its_nested_field(monkeypatch, env, path, value, expected):
    monkeypatch.setenv(env, value)
    group, name = path.split(".")
    assert getattr(getattr(Settings(), group), name) == expected


def test_the_stack_port_is_not_the_bootstrap(monkeypatch):
    """FENLIU_KAFKA_PORT (local stack) shares the kafka prefix but not the kafka group."""
    monkeypatch.setenv("FENLIU_KAFKA_PORT", "19092")
    monkeypatch.delenv("FENLIU_KAFKA_BOOTSTRAP", raising=False)  # a shell may point elsewhere
    s = Settings()
    assert s.stack.kafka_port == 19092 and s.kafka.bootstrap == "127.0.0.1:9092"


def test_bad_values_are_refused_at_start(monkeypatch):
    monkeypatch.setenv("FENLIU_ROUTER_BATCH_SIZE", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_flat_keywords_of_the_old_settings_are_errors_not_ignored():
    with pytest.raises(ValidationError):
        Settings(kafka_bootstrap="x:1")  # type: ignore[call-arg]
    with pytest.raises(KeyError):
        Settings().replace(grid={"grid_platform_url": "http://x"})


def test_replace_changes_one_field_and_keeps_the_rest():
    base = Settings()
    changed = base.replace(topics={"prefix": "p-"}, router={"group": "r"})
    assert changed.topic("x") == "p-x" and changed.router.group == "r"
    assert changed.router.batch_size == base.router.batch_size
    assert base.topics.prefix == "" and base.router.group == "fenliu-router"


def test_nested_construction_reads_the_rest_from_the_environment(monkeypatch):
    monkeypatch.setenv("FENLIU_GRID_SINK_GROUP", "from-env")
    s = Settings(grid={"platform_url": "http://given"})
    assert (s.grid.platform_url, s.grid.sink_group) == ("http://given", "from-env")
