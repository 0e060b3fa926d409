"""Client configurations built from the settings: librdkafka dicts, TLS, Faust credentials.

``Settings`` stays pure data; the adapters that turn it into what each client library
wants live here, beside the code that opens the clients.
"""

from __future__ import annotations

import ssl
from typing import Any

from fenliu.settings import Settings


def confluent_config(settings: Settings, **extra: Any) -> dict[str, Any]:
    """librdkafka configuration for confluent-kafka clients, security included."""
    s = settings
    conf: dict[str, Any] = {
        "bootstrap.servers": s.kafka_bootstrap,
        "security.protocol": s.kafka_security_protocol,
    }
    if s.kafka_sasl_mechanism:
        conf["sasl.mechanism"] = s.kafka_sasl_mechanism
        conf["sasl.username"] = s.kafka_sasl_username or ""
        conf["sasl.password"] = (
            s.kafka_sasl_password.get_secret_value() if s.kafka_sasl_password else ""
        )
    if s.kafka_ssl_cafile:
        conf["ssl.ca.location"] = str(s.kafka_ssl_cafile)
    if s.kafka_ssl_certfile:
        conf["ssl.certificate.location"] = str(s.kafka_ssl_certfile)
    if s.kafka_ssl_keyfile:
        conf["ssl.key.location"] = str(s.kafka_ssl_keyfile)
    conf.update(extra)
    return conf


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """TLS context for aiokafka/faust, or None when the broker speaks plaintext."""
    s = settings
    if "SSL" not in s.kafka_security_protocol:
        return None
    ctx = ssl.create_default_context(cafile=str(s.kafka_ssl_cafile) if s.kafka_ssl_cafile else None)
    if s.kafka_ssl_certfile:
        ctx.load_cert_chain(
            str(s.kafka_ssl_certfile), str(s.kafka_ssl_keyfile) if s.kafka_ssl_keyfile else None
        )
    return ctx


def faust_credentials(settings: Settings) -> Any:
    """faust ``broker_credentials`` matching ``confluent_config``'s security settings."""
    import faust  # imported here: only the Faust worker pays for it

    s = settings
    ctx = ssl_context(s)
    if s.kafka_sasl_mechanism:
        password = s.kafka_sasl_password.get_secret_value() if s.kafka_sasl_password else ""
        username = s.kafka_sasl_username or ""
        if s.kafka_sasl_mechanism == "PLAIN":
            return faust.SASLCredentials(username=username, password=password, ssl_context=ctx)
        return faust.SASLCredentials(
            username=username, password=password, ssl_context=ctx, mechanism=s.kafka_sasl_mechanism
        )
    if ctx is not None:
        return faust.SSLCredentials(ctx)
    return None
