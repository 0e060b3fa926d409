"""processors/port_ranges.py: a port is reported exactly when the kernel may hand it out.

Hypothesis draws named ports, an ephemeral range and reserved ranges; the reference asks,
port by port, the kernel's rule (inside the range, both ends included, and not reserved).
The stack's warning (fenliu/stack/ports.py) is read from files laid out like /proc."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from fenliu.processors.port_ranges import parse_port_range, parse_reserved_ports, ports_in_range
from fenliu.settings import Settings
from fenliu.stack.ports import ephemeral_port_warning, listening_ports

PORT = st.integers(0, 65535)
RANGE = st.tuples(PORT, PORT).map(sorted).map(tuple)
NAMES = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)


def handed_out(port: int, low: int, high: int, reserved: list[tuple[int, int]]) -> bool:
    """The kernel's rule for one port, spelled out the long way."""
    if port == 0:
        return False
    return port in range(low, high + 1) and all(port not in range(a, b + 1) for a, b in reserved)


@given(st.dictionaries(NAMES, PORT, max_size=12), RANGE, st.lists(RANGE, max_size=4))
def test_a_port_is_reported_exactly_when_the_kernel_may_hand_it_out(ports, port_range, reserved):
    low, high = port_range
    found = ports_in_range(ports, (low, high), reserved)
    assert found == {n: p for n, p in ports.items() if handed_out(p, low, high, reserved)}
    assert list(found) == [n for n in ports if n in found]  # the order given


@given(RANGE)
def test_both_ends_of_the_range_are_inside_and_their_neighbours_outside(port_range):
    low, high = port_range
    assume(low > 0)
    ports = {"low": low, "high": high, "below": low - 1, "above": high + 1}
    assert set(ports_in_range(ports, (low, high))) == {"low", "high"}


@given(RANGE, st.sampled_from([" ", "\t", "\t\t", "  "]))
def test_the_range_file_is_read_back(port_range, sep):
    assert parse_port_range(f"{port_range[0]}{sep}{port_range[1]}\n") == port_range


def test_unreadable_files_say_nothing():
    assert parse_port_range("") is None
    assert parse_port_range("60999 32768") is None
    assert parse_port_range("a b") is None
    assert parse_reserved_ports("\n") == []
    assert parse_reserved_ports("8080,9148-9150,x,9-1\n") == [(8080, 8080), (9148, 9150)]


def _proc(tmp_path: Path, port_range: str, reserved: str = "\n") -> Path:
    (tmp_path / "ip_local_port_range").write_text(port_range)
    (tmp_path / "ip_local_reserved_ports").write_text(reserved)
    return tmp_path


def test_the_defaults_are_outside_this_kind_of_range(tmp_path, monkeypatch):
    """The project's defaults (9092, 6379, 9090, ...) stay quiet on Linux's usual range."""
    for name in [n for n in os.environ if n.startswith("FENLIU_")]:
        monkeypatch.delenv(name)
    assert ephemeral_port_warning(Settings(), _proc(tmp_path, "32768\t60999\n")) is None


def test_the_warning_names_each_port_inside_and_says_why(tmp_path):
    settings = Settings().replace(
        stack={"kafka_port": 39092, "redis_port": 13379, "prometheus_port": 40090},
        ingress={"port": 60999},
        metrics={"port": 0},
    )
    warning = ephemeral_port_warning(settings, _proc(tmp_path, "32768\t60999\n"))
    assert warning is not None
    assert "FENLIU_KAFKA_PORT=39092" in warning
    assert "FENLIU_PROMETHEUS_PORT=40090" in warning
    assert "FENLIU_INGRESS_PORT=60999" in warning
    assert "13379" not in warning and "FENLIU_METRICS_PORT" not in warning
    assert "32768-60999" in warning and "Address already in use" in warning


def test_a_reserved_port_is_not_warned_about(tmp_path):
    settings = Settings().replace(stack={"kafka_port": 39092})
    proc = _proc(tmp_path, "32768 60999\n", "39090-39099\n")
    assert ephemeral_port_warning(settings, proc) is None


def test_no_proc_no_warning(tmp_path):
    settings = Settings().replace(stack={"kafka_port": 39092})
    assert ephemeral_port_warning(settings, tmp_path / "absent") is None


def test_every_listening_port_of_the_settings_is_looked_at():
    names = set(listening_ports(Settings()))
    assert names == {
        "FENLIU_KAFKA_PORT",
        "FENLIU_KAFKA_CONTROLLER_PORT",
        "FENLIU_REDIS_PORT",
        "FENLIU_PROMETHEUS_PORT",
        "FENLIU_ALERTMANAGER_PORT",
        "FENLIU_METRICS_PORT",
        "FENLIU_STREAMS_WEB_PORT",
        "FENLIU_INGRESS_PORT",
        "FENLIU_GRID_SIM_PORT",
    }


def test_ports_the_tests_hand_their_children_lie_below_the_ephemeral_range_and_never_repeat(
    monkeypatch,
) -> None:
    from tests import ports

    low = ports._ephemeral_low()
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    given_here = [ports.unused_port() for _ in range(5)]
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    given_beside = [ports.unused_port() for _ in range(5)]
    assert len(set(given_here + given_beside)) == 10
    assert all(ports.LOWEST <= p < low for p in given_here + given_beside)
    # Each xdist worker has a band of its own: two workers never pick the same port.
    assert {p // ports.BAND for p in given_here}.isdisjoint({p // ports.BAND for p in given_beside})
