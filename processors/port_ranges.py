"""Which listening ports lie inside the kernel's ephemeral range (``ip_local_port_range``).

The kernel picks the local port of every outgoing connection from that range. A server
whose port is inside it can find the port taken while it is down: a client's connection
(any process's) may get it as its source port, and the server's restart then fails with
"Address already in use" (seen: a private stack on 39092, the broker-restart fault test;
docs/testing.md). Ports outside the range, or listed in ``ip_local_reserved_ports``, are
never handed out that way.

Pure: the caller (``fenliu/stack/ports.py``) reads the two files under
``/proc/sys/net/ipv4/`` and reports what this says.
"""

from __future__ import annotations

from collections.abc import Mapping


def parse_port_range(text: str) -> tuple[int, int] | None:
    """``(low, high)`` from ``ip_local_port_range``'s text ("32768\\t60999"); None when it
    is not two ordered integers (then nothing can be said)."""
    parts = text.split()
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        return None
    low, high = int(parts[0]), int(parts[1])
    return (low, high) if low <= high else None


def parse_reserved_ports(text: str) -> list[tuple[int, int]]:
    """The ranges of ``ip_local_reserved_ports`` ("8080,9148-9150"; empty: none). A part
    that is not a port or a range is skipped: it reserves nothing we could rely on."""
    ranges = []
    for part in text.replace("\n", ",").split(","):
        low, _, high = part.strip().partition("-")
        high = high or low
        if low.isdigit() and high.isdigit() and int(low) <= int(high):
            ranges.append((int(low), int(high)))
    return ranges


def ports_in_range(
    ports: Mapping[str, int],
    port_range: tuple[int, int],
    reserved: list[tuple[int, int]] | None = None,
) -> dict[str, int]:
    """The named ports the kernel may hand to an outgoing connection: ``low <= port <=
    high`` (both ends are used) and not reserved, in the order given. Port 0 (do not
    listen) is never reported."""
    low, high = port_range
    kept = reserved or []
    return {
        name: port
        for name, port in ports.items()
        if port > 0 and low <= port <= high and not any(a <= port <= b for a, b in kept)
    }
