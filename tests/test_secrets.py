"""Secure by default: published secrets refused outside development, secrets from files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fenliu.settings import (
    DEV_SECRETS,
    DefaultSecretError,
    Settings,
    default_secrets_in_use,
    refuse_default_secrets,
)

# Starts the services (each must refuse a published secret): with the stack's tests, never
# beside a pipeline on the same ports (xdist, tests/conftest.py).
pytestmark = pytest.mark.xdist_group("stack")

SECRET_VARS = ("FENLIU_PHONE_HMAC_KEY", "FENLIU_GRID_PLATFORM_TOKEN", "FENLIU_WEBHOOK_HMAC_SECRET")


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No FENLIU_ secret or environment from the caller's shell."""
    for name in list(os.environ):
        if name.startswith(("FENLIU_ENVIRONMENT", "FENLIU_SECRETS_DIR")) or name.startswith(
            SECRET_VARS
        ):
            monkeypatch.delenv(name)
    return monkeypatch


def test_production_is_the_default_and_refuses_every_published_secret(clean_env) -> None:
    settings = Settings()
    assert settings.security.environment == "production"
    with pytest.raises(DefaultSecretError) as refused:
        refuse_default_secrets(settings)
    for variable in SECRET_VARS:
        assert variable in str(refused.value) and f"{variable}_FILE" in str(refused.value)
    assert "FENLIU_ENVIRONMENT=development" in str(refused.value)


def test_a_service_is_asked_only_about_its_own_secrets(clean_env) -> None:
    clean_env.setenv("FENLIU_WEBHOOK_HMAC_SECRET", "a real one")
    settings = Settings()
    refuse_default_secrets(settings, ["webhook_hmac_secret"])  # the ingress starts
    with pytest.raises(DefaultSecretError, match="FENLIU_PHONE_HMAC_KEY") as refused:
        refuse_default_secrets(settings, ["phone_hmac_key", "webhook_hmac_secret"])
    assert "FENLIU_WEBHOOK_HMAC_SECRET" not in str(refused.value)


def test_development_allows_the_published_secrets(clean_env) -> None:
    clean_env.setenv("FENLIU_ENVIRONMENT", "development")
    settings = Settings()
    assert default_secrets_in_use(settings) == list(DEV_SECRETS)
    refuse_default_secrets(settings)


def test_secrets_come_from_file_variables(clean_env, tmp_path) -> None:
    (tmp_path / "key").write_text("from a file\n")
    clean_env.setenv("FENLIU_PHONE_HMAC_KEY_FILE", str(tmp_path / "key"))
    assert Settings().intake.phone_hmac_key.get_secret_value() == "from a file"
    assert default_secrets_in_use(Settings()) == ["grid_platform_token", "webhook_hmac_secret"]


def test_a_variable_and_its_file_together_or_a_missing_file_are_errors(clean_env, tmp_path) -> None:
    clean_env.setenv("FENLIU_PHONE_HMAC_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="FENLIU_PHONE_HMAC_KEY_FILE"):
        Settings()
    (tmp_path / "key").write_text("k")
    clean_env.setenv("FENLIU_PHONE_HMAC_KEY_FILE", str(tmp_path / "key"))
    clean_env.setenv("FENLIU_PHONE_HMAC_KEY", "also")
    with pytest.raises(ValueError, match="not both"):
        Settings()


def test_secrets_come_from_a_secrets_dir(clean_env, tmp_path) -> None:
    """pydantic-settings' secrets_dir: files named like the variables (Kubernetes volumes)."""
    (tmp_path / "fenliu_webhook_hmac_secret").write_text("mounted")
    clean_env.setenv("FENLIU_SECRETS_DIR", str(tmp_path))
    assert Settings().ingress.webhook_hmac_secret.get_secret_value() == "mounted"


@pytest.mark.parametrize(
    ("service", "variables"),
    [
        ("router", ["FENLIU_PHONE_HMAC_KEY"]),
        ("grid-sink", ["FENLIU_GRID_PLATFORM_TOKEN"]),
        ("ingress", ["FENLIU_WEBHOOK_HMAC_SECRET"]),
        ("grid-sim", ["FENLIU_GRID_PLATFORM_TOKEN", "FENLIU_WEBHOOK_HMAC_SECRET"]),
    ],
)
def test_a_service_with_a_published_secret_refuses_to_start(
    service: str, variables: list[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SECRET_VARS)}
    env.update(FENLIU_ENVIRONMENT="production", FENLIU_METRICS_PORT="0")
    result = subprocess.run(
        [sys.executable, "-m", "fenliu.cli", "run", service],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    for variable in variables:
        assert variable in result.stderr, result.stderr
    assert "refusing to start" in result.stderr
