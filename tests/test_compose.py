"""docker-compose.yml and the deploy/ configs it mounts, checked without a Docker engine.

The compose file is validated against the Compose Specification's JSON schema
(vendored in tests/fixtures/compose-spec.json), the Prometheus and Alertmanager
configs by the real promtool and amtool, and the pieces that must agree with each
other (scrape targets, metrics ports, env var names, Kafka policies) are compared.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from fenliu.settings import Settings, fields

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
SCHEMA_FILE = Path(__file__).parent / "fixtures" / "compose-spec.json"
PROMETHEUS_CONFIG = REPO_ROOT / "deploy" / "prometheus" / "prometheus.yml"
ALERTMANAGER_CONFIG = REPO_ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
KAFKA_TEMPLATE = REPO_ROOT / "deploy" / "kafka" / "server.properties.in"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _pipeline_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Services built from our Dockerfile that run for good (and so export metrics)."""
    return {
        name: service
        for name, service in compose["services"].items()
        if "build" in service and "FENLIU_METRICS_PORT" in _env(service)
    }


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which(argv[0])
    assert binary, f"{argv[0]} is missing: run `fenliu stack install`"
    return subprocess.run([binary, *argv[1:]], capture_output=True, text=True, check=False)


def test_compose_file_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: list(e.path)
    )
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_rejects_a_broken_service(compose: dict[str, Any]) -> None:
    """The vendored schema is the real one: it catches a misspelt key."""
    schema = json.loads(SCHEMA_FILE.read_text())
    broken = {**compose, "services": {**compose["services"], "redis": {"imag": "redis:7.0"}}}
    assert not jsonschema.Draft7Validator(schema).is_valid(broken)


def test_every_mounted_file_and_build_context_exists(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume["source"]
            if source.startswith((".", "/")):
                assert (REPO_ROOT / source).exists(), f"{name} mounts missing {source}"
        if "build" in service:
            context = (
                service["build"]
                if isinstance(service["build"], str)
                else service["build"]["context"]
            )
            assert (REPO_ROOT / context / "Dockerfile").is_file(), f"{name}: no Dockerfile"


def test_every_service_dependency_is_defined(compose: dict[str, Any]) -> None:
    names = set(compose["services"])
    for name, service in compose["services"].items():
        assert set(service.get("depends_on", [])) <= names, name


def test_prometheus_config_passes_promtool() -> None:
    result = _run("promtool", "check", "config", str(PROMETHEUS_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr


def test_alertmanager_config_passes_amtool() -> None:
    result = _run("amtool", "check-config", str(ALERTMANAGER_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_scrapes_every_pipeline_service_on_its_metrics_port(
    compose: dict[str, Any],
) -> None:
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    targets = {
        target
        for scrape in config["scrape_configs"]
        for group in scrape.get("static_configs", [])
        for target in group["targets"]
    }
    for target in targets:
        assert target.rpartition(":")[0] in compose["services"], f"{target} is no compose service"
    expected = {
        f"{name}:{_env(service)['FENLIU_METRICS_PORT']}"
        for name, service in _pipeline_services(compose).items()
    }
    assert expected and expected <= targets
    assert {"router", "streams", "grid-sink", "grid-sim", "ingress"} <= set(
        _pipeline_services(compose)
    )


def test_fenliu_env_vars_name_real_settings(compose: dict[str, Any]) -> None:
    names = {env for _, _, env, _ in fields()}
    for name, service in compose["services"].items():
        for key in _env(service):
            if key.startswith("FENLIU_"):
                assert key in names or (
                    key.endswith("_FILE") and key.removesuffix("_FILE") in names
                ), f"{name}: unknown {key}"
        if "build" in service:
            assert _env(service)["FENLIU_KAFKA_BOOTSTRAP"] == "kafka:9092"
            assert _env(service)["FENLIU_REDIS_URL"].startswith("redis://redis:6379/")


def test_compose_kafka_keeps_the_local_brokers_policies(compose: dict[str, Any]) -> None:
    env = _env(compose["services"]["kafka"])
    compose_props = {
        key.removeprefix("KAFKA_").lower().replace("_", "."): value
        for key, value in env.items()
        if key.startswith("KAFKA_")
    }
    local_props = dict(
        line.split("=", 1)
        for line in KAFKA_TEMPLATE.read_text().splitlines()
        if line and not line.startswith("#") and "$" not in line
    )
    for key in (
        "process.roles",
        "auto.create.topics.enable",
        "group.initial.rebalance.delay.ms",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "controller.listener.names",
    ):
        assert compose_props[key] == local_props[key], key
    assert len(base64.urlsafe_b64decode(env["CLUSTER_ID"] + "==")) == 16


def test_grafana_provisioning_points_at_compose_services(compose: dict[str, Any]) -> None:
    provisioning = REPO_ROOT / "deploy" / "grafana" / "provisioning"
    datasources = yaml.safe_load((provisioning / "datasources" / "fenliu.yml").read_text())
    for source in datasources["datasources"]:
        host = source["url"].split("//", 1)[1].split(":", 1)[0]
        assert host in compose["services"], source["name"]
    providers = yaml.safe_load((provisioning / "dashboards" / "fenliu.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    for provider in providers["providers"]:
        path = provider["options"]["path"]
        assert any(
            m.split(":")[1] == path and m.startswith("./deploy/grafana/dashboards") for m in mounts
        )


def test_compose_runs_production_with_secret_files_and_public_listeners_named(
    compose: dict[str, Any],
) -> None:
    """No secret in the environment, none defaulted; the two HTTP servers bind all
    interfaces only because compose says so (their default is 127.0.0.1)."""
    secrets = set(compose["secrets"])
    for name, service in compose["services"].items():
        if "build" not in service:
            continue
        env = _env(service)
        assert (
            env["FENLIU_ENVIRONMENT"].endswith("production}")
            or env["FENLIU_ENVIRONMENT"] == "production"
        )
        for setting in ("PHONE_HMAC_KEY", "GRID_PLATFORM_TOKEN", "WEBHOOK_HMAC_SECRET"):
            assert f"FENLIU_{setting}" not in env, name
            path = env[f"FENLIU_{setting}_FILE"]
            assert path.removeprefix("/run/secrets/") in set(service["secrets"]) <= secrets, name
    assert _env(compose["services"]["ingress"])["FENLIU_INGRESS_HOST"] == "0.0.0.0"
    assert _env(compose["services"]["grid-sim"])["FENLIU_GRID_SIM_HOST"] == "0.0.0.0"
    assert Settings().ingress.host == "127.0.0.1" and Settings().grid_sim.host == "127.0.0.1"
