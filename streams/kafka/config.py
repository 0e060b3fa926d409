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
    k = settings.kafka
    conf: dict[str, Any] = {
        "bootstrap.servers": k.bootstrap,
        "security.protocol": k.security_protocol,
    }
    if k.sasl_mechanism:
        conf["sasl.mechanism"] = k.sasl_mechanism
        conf["sasl.username"] = k.sasl_username or ""
        conf["sasl.password"] = k.sasl_password.get_secret_value() if k.sasl_password else ""
    if k.ssl_cafile:
        conf["ssl.ca.location"] = str(k.ssl_cafile)
    if k.ssl_certfile:
        conf["ssl.certificate.location"] = str(k.ssl_certfile)
    if k.ssl_keyfile:
        conf["ssl.key.location"] = str(k.ssl_keyfile)
    if k.debug:
        conf["debug"] = k.debug
    conf.update(extra)
    return conf


def router_producer_config(settings: Settings, **extra: Any) -> dict[str, Any]:
    """The router's producer (and of what stands in for it in benchmarks and tests).

    Idempotent with ``acks=all``: librdkafka retries a batch after a broker loss without
    writing it twice, so a decision is on its topic once however the broker came back.
    A short linger and lz4 batch the decisions and orders of one poll together.
    """
    return confluent_config(
        settings,
        **{
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": settings.router.producer_linger_ms,
            "compression.type": "lz4",
            **extra,
        },
    )


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """TLS context for aiokafka/faust, or None when the broker speaks plaintext."""
    k = settings.kafka
    if "SSL" not in k.security_protocol:
        return None
    ctx = ssl.create_default_context(cafile=str(k.ssl_cafile) if k.ssl_cafile else None)
    if k.ssl_certfile:
        ctx.load_cert_chain(str(k.ssl_certfile), str(k.ssl_keyfile) if k.ssl_keyfile else None)
    return ctx


def faust_credentials(settings: Settings) -> Any:
    """faust ``broker_credentials`` matching ``confluent_config``'s security settings."""
    import faust  # imported here: only the Faust worker pays for it

    k = settings.kafka
    ctx = ssl_context(settings)
    if k.sasl_mechanism:
        password = k.sasl_password.get_secret_value() if k.sasl_password else ""
        username = k.sasl_username or ""
        if k.sasl_mechanism == "PLAIN":
            return faust.SASLCredentials(username=username, password=password, ssl_context=ctx)
        return faust.SASLCredentials(
            username=username, password=password, ssl_context=ctx, mechanism=k.sasl_mechanism
        )
    if ctx is not None:
        return faust.SSLCredentials(ctx)
    return None
