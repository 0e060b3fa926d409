"""Ports for the servers the tests start as child processes (a worker's web and metrics
ports, a router's, a Redis of their own).

Not the kernel's pick for port 0: that comes out of the ephemeral range, which the kernel
also gives to every outgoing connection (a Kafka client's, the other xdist worker's), so the
port may be taken between the pick and the child's bind, or between a worker's kill and its
restart. The fresh-clone CI on e951d96 lost a streams worker to exactly that ("address
already in use" on 59781). These come from below the ephemeral range, which the kernel
gives only to whoever binds such a port by number, from a band of its own for each xdist
worker, and never twice in one process (docs/testing.md, "Private stacks", says the same of
the stack's ports).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from fenliu.demo.run import port_free
from fenliu.processors.port_ranges import parse_port_range

BAND = 1000
LOWEST = 20000  # above the demo's offset ranges (every base port + < 5000: below 15000)


def _ephemeral_low(proc_file: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> int:
    try:
        port_range = parse_port_range(proc_file.read_text())
    except OSError:
        port_range = None
    return 32768 if port_range is None else port_range[0]


def _band_start() -> int:
    """This xdist worker's band (``gw3`` → the fourth); the whole run's without xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker.removeprefix("gw")) if worker.removeprefix("gw").isdigit() else 0
    start = LOWEST + index * BAND
    if start + BAND > _ephemeral_low():
        raise RuntimeError(
            f"xdist worker {worker}: no port band below the ephemeral range "
            f"(it starts at {_ephemeral_low()}); run fewer workers"
        )
    return start


_next = itertools.count()


def unused_port() -> int:
    """A port no other test of this run was given and nothing listens on now."""
    start = _band_start()
    for _ in range(BAND):
        port = start + next(_next) % BAND
        if port_free(port):
            return port
    raise RuntimeError(f"no free port in {start}-{start + BAND - 1}")
