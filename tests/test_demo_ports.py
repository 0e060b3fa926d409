"""The demo's port offset skips a range in which any port it will bind is taken."""

from __future__ import annotations

import socket

import pytest

from fenliu.demo.run import METRICS_PORTS, base_ports, free_port_offset
from fenliu.settings import Settings

# Binds the demo's ports on the settings' offsets: with the stack's tests, never beside
# a pipeline that is choosing its own offset (xdist, tests/conftest.py).
pytestmark = pytest.mark.xdist_group("stack")


def test_the_offset_skips_a_range_whose_grid_sim_port_is_taken() -> None:
    """The HTTP ports come from the settings (a stack on other ports moves them), not from
    the defaults: a grid-sim still stopping on the settings' port + offset is seen."""
    settings = Settings().replace(grid_sim={"port": 18090})
    first = free_port_offset(settings, start=700, step=37)
    assert 18090 in base_ports(settings) and METRICS_PORTS["router"] in base_ports(settings)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 18090 + first))
        assert free_port_offset(settings, start=first, step=37) != first
