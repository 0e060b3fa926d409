"""Order updates over real HTTP: grid-sim applies versions once and in order, and the grid
platform client sorts its answers (425 waits, 409 is "already have it")."""

from __future__ import annotations

import pytest

from fenliu.sinks.base import TransientError
from fenliu.sinks.grid.client import GridPlatform
from fenliu.sinks.grid.contract import OrderRequest, OrderUpdate
from tests.grid_support import TOKEN, admin, dispatch_order, running_sim, sim_config


def _reopening(first: str, order_id: str, version: int, **changes: object) -> OrderRequest:
    record = dispatch_order(
        order_id,
        reopens_order_id=first,
        version=version,
        flow_back=True,
        created_at=1_795_003_600_000,
        priority=1,
        **changes,
    )
    return OrderRequest.from_record(record)


def test_versions_apply_once_in_order_and_the_request_shows_them() -> None:
    with running_sim(sim_config()) as (_sim, server):
        platform = GridPlatform(server.url, TOKEN)
        v2, v3 = _reopening("u-1", "u-1-r2", 2), _reopening("u-1", "u-1-r3", 3)
        with pytest.raises(TransientError, match="425"):
            platform.send(v2)  # the order itself has not arrived yet: wait, do not die
        assert platform.send(OrderRequest.from_record(dispatch_order("u-1"))).outcome == "created"
        with pytest.raises(TransientError, match="425"):
            platform.send(v3)  # version 2 must come first
        assert platform.send(v2).outcome == "updated"
        assert platform.send(v2).outcome == "replayed"  # the same version again changes nothing
        conflicting = _reopening("u-1", "u-1-r2", 2, summary="another body")
        assert platform.send(conflicting).outcome == "duplicate"  # 409: it has version 2
        assert platform.send(v3).outcome == "updated"
        request = platform.get_order("u-1")
        listed = admin(server, "GET", "/orders")
        platform.close()
    assert (
        request is not None and request["version"] == 3 and request["current_order_id"] == "u-1-r3"
    )
    assert [n["version"] for n in request["notes"] if n["type"] == "REOPENED"] == [2, 3]
    assert request["priority"] == 1 and request["status"] == "open"
    assert [r["service_request_id"] for r in listed] == [
        "u-1"
    ]  # rounds are not orders of their own


def test_an_update_carries_the_new_rounds_id_deadlines_and_a_key_per_version() -> None:
    order = _reopening("u-9", "u-9-r2", 2)
    update = OrderUpdate.from_order(order)
    assert (update.order_id, update.version, update.dispatch_order_id) == ("u-9", 2, "u-9-r2")
    assert update.deadlines == order.deadlines and update.idempotency_key == "u-9:v2"
    assert update.at == order.created_at and update.status == "open"
