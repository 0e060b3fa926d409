"""grid-sim: seeded lives, the order API over real HTTP, faults, metrics, persistence, signed webhooks."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from fenliu_grid_sim import LifeKnobs, plan_life
from hypothesis import given, settings
from hypothesis import strategies as st

from fenliu.sinks.grid.contract import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    LifecycleEventIn,
    OrderRequest,
    verify_signature,
)
from fenliu.sinks.grid.webserver import ThreadedServer
from tests.grid_support import (
    SECRET,
    TOKEN,
    admin,
    dispatch_order,
    running_sim,
    sim_config,
    wait_for,
)

AUTH = {"Authorization": f"Bearer {TOKEN}"}
KINDS_IN_ORDER = [
    "SIGNED",
    "ACCEPTED",
    "RETURNED",
    "PHONED",
    "DEPARTED",
    "ARRIVED",
    "FEEDBACK",
    "CLOSED",
    "FOLLOWED_UP",
    "COMPLAINED",
]


def order(order_id: str, **changes: Any) -> OrderRequest:
    return OrderRequest.from_record(dispatch_order(order_id, **changes))


# --- lives ----------------------------------------------------------------------------------
@settings(max_examples=60)
@given(
    st.text(min_size=1, max_size=20),
    st.integers(0, 10**6),
    st.booleans(),
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0, 1),
)
def test_a_life_is_deterministic_and_in_a_possible_order(
    order_id: str, seed: int, police: bool, late: float, gone: float, back: float, complain: float
) -> None:
    knobs = LifeKnobs(
        sign_late_rate=late, no_arrival_rate=gone, return_rate=back, complaint_rate=complain
    )
    o = order(order_id, is_police_matter=police)
    steps = plan_life(o, knobs, seed)
    assert steps == plan_life(o, knobs, seed)
    kinds = [s.kind for s in steps]
    assert kinds[0] == "SIGNED"
    assert [s.offset_s for s in steps] == sorted(s.offset_s for s in steps)
    assert kinds == sorted(kinds, key=KINDS_IN_ORDER.index)
    assert len({s.event_id(o.order_id) for s in steps}) == len(steps)
    if "RETURNED" in kinds:
        assert kinds[-1] == "RETURNED" and not police
    if police:
        assert "ACCEPTED" in kinds
    if "CLOSED" in kinds:
        assert kinds[kinds.index("CLOSED") + 1] == "FOLLOWED_UP"
        follow_up = steps[kinds.index("FOLLOWED_UP")]
        assert follow_up.satisfaction in LifeKnobs().satisfaction
        assert 20 * 3600 <= follow_up.offset_s - steps[kinds.index("CLOSED")].offset_s <= 28 * 3600


@settings(max_examples=60)
@given(st.text(min_size=1, max_size=20), st.floats(60, 7 * 86_400))
def test_the_follow_up_comes_as_long_after_the_close_as_the_knob_says(
    order_id: str, after_s: float
) -> None:
    knobs = LifeKnobs(no_arrival_rate=0, return_rate=0, follow_up_after_s=after_s)
    steps = plan_life(order(order_id), knobs, 3)
    kinds = [s.kind for s in steps]
    waited = steps[kinds.index("FOLLOWED_UP")].offset_s - steps[kinds.index("CLOSED")].offset_s
    assert after_s * 5 / 6 - 0.01 <= waited <= after_s * 7 / 6 + 0.01  # offsets keep 3 decimals
    # the other steps do not move: the same life as the domain's, up to the follow-up
    domain = plan_life(order(order_id), LifeKnobs(no_arrival_rate=0, return_rate=0), 3)
    assert steps[: kinds.index("FOLLOWED_UP")] == domain[: kinds.index("FOLLOWED_UP")]


def test_knobs_steer_the_lives() -> None:
    always = LifeKnobs(sign_late_rate=1, no_arrival_rate=0, return_rate=0, complaint_rate=1)
    for i in range(30):
        steps = plan_life(order(f"o{i}"), always, 1)
        assert steps[0].offset_s > 60  # signed after the 1-minute limit
        assert steps[-1].kind == "COMPLAINED"
    returned = LifeKnobs(return_rate=1)
    assert {plan_life(order(f"o{i}"), returned, 1)[-1].kind for i in range(30)} == {"RETURNED"}
    lost = LifeKnobs(return_rate=0, no_arrival_rate=1)
    assert all(
        "ARRIVED" not in [s.kind for s in plan_life(order(f"o{i}"), lost, 1)] for i in range(30)
    )


def test_on_site_resolution_and_satisfaction_follow_their_weights() -> None:
    knobs = LifeKnobs(
        no_arrival_rate=0,
        return_rate=0,
        on_site_rate=0.75,
        satisfaction={"SATISFIED": 3, "DISSATISFIED": 1},
    )
    closes = [
        next(s for s in plan_life(order(f"o{i}"), knobs, 5) if s.kind == "CLOSED")
        for i in range(2000)
    ]
    on_site = sum(1 for s in closes if s.resolved_on_site) / len(closes)
    answers = Counter(
        next(s.satisfaction for s in plan_life(order(f"o{i}"), knobs, 5) if s.kind == "FOLLOWED_UP")
        for i in range(2000)
    )
    assert 0.70 < on_site < 0.80
    assert 0.70 < answers["SATISFIED"] / 2000 < 0.80 and set(answers) == {
        "SATISFIED",
        "DISSATISFIED",
    }


# --- the API over HTTP ----------------------------------------------------------------------
def post(url: str, body: Any, key: str | None, headers: dict[str, str] = AUTH) -> httpx.Response:
    h = dict(headers)
    if key is not None:
        h["Idempotency-Key"] = key
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(
        f"{url}/orders", content=content, headers={**h, "Content-Type": "application/json"}
    )


def test_orders_are_stored_once_per_idempotency_key() -> None:
    body = order("o-1").model_dump(mode="json")
    with running_sim(sim_config()) as (_sim, server):
        assert post(server.url, body, "o-1", headers={}).status_code == 401
        assert (
            post(server.url, body, "o-1", headers={"Authorization": "Bearer nope"}).status_code
            == 401
        )
        assert post(server.url, body, None).json()["error"] == "missing_idempotency_key"
        assert post(server.url, body, "o-2").json()["error"] == "idempotency_key_mismatch"
        invalid = post(server.url, {**body, "priority": 0}, "o-1")
        assert invalid.status_code == 422 and invalid.json()["detail"][0]["loc"] == ["priority"]
        assert post(server.url, b"{not json", "o-1").status_code == 422
        created = post(server.url, body, "o-1")
        assert created.status_code == 201 and created.headers["Location"] == "/orders/o-1"
        assert created.json()["service_request_id"] == "o-1" and created.json()["status"] == "open"
        again = post(server.url, body, "o-1")
        assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
        conflict = post(server.url, {**body, "repeat_count": 3}, "o-1")
        assert conflict.status_code == 409 and conflict.json()["error"] == "order_exists"
        assert (
            httpx.get(f"{server.url}/orders/o-1", headers=AUTH).json()["service_code"]
            == body["situation_code"]
        )
        assert httpx.get(f"{server.url}/orders/nope", headers=AUTH).status_code == 404
        assert post(server.url, order("o-2").model_dump(mode="json"), "o-2").status_code == 201
        metrics = httpx.get(f"{server.url}/metrics").text
    assert "fenliu_grid_sim_open_orders 2.0" in metrics  # no lives played: both still open
    assert 'fenliu_grid_sim_orders_received_total{unit_kind="department"} 2.0' in metrics
    assert 'fenliu_grid_sim_order_duplicates_total{kind="replayed"} 1.0' in metrics
    assert 'fenliu_grid_sim_order_duplicates_total{kind="conflict"} 1.0' in metrics


def test_faults_fail_requests_then_clear() -> None:
    with running_sim(sim_config()) as (_sim, server):
        admin(server, "POST", "/admin/faults", {"status": 503, "requests": 2})
        health = [httpx.get(f"{server.url}/health", headers=AUTH).status_code for _ in range(3)]
        assert health == [503, 503, 200]
        # a fault for one order only, sparing /health and other orders
        admin(
            server,
            "POST",
            "/admin/faults",
            {"status": 500, "order_ids": ["bad"], "scope": "orders"},
        )
        assert post(server.url, order("bad").model_dump(mode="json"), "bad").status_code == 500
        assert post(server.url, order("good").model_dump(mode="json"), "good").status_code == 201
        assert httpx.get(f"{server.url}/health", headers=AUTH).status_code == 200
        assert len(admin(server, "GET", "/admin/faults")) == 1
        admin(server, "DELETE", "/admin/faults")
        assert post(server.url, order("bad").model_dump(mode="json"), "bad").status_code == 201
        bad_fault = httpx.post(f"{server.url}/admin/faults", json={"status": 200}, headers=AUTH)
        assert bad_fault.status_code == 422
        metrics = httpx.get(f"{server.url}/metrics").text
    assert 'fenliu_grid_sim_faults_injected_total{status="503"} 2.0' in metrics


class WebhookReceiver:
    """A real HTTP server standing in for the ingress: verifies signatures and keeps bodies;
    ``delay_s`` makes it a slow one (and it counts how many calls it had at once)."""

    def __init__(self, refuse_first: int = 0, delay_s: float = 0.0) -> None:
        self.events: list[dict[str, Any]] = []
        self.refuse_first = refuse_first
        self.delay_s = delay_s
        self.calls = 0
        self.in_flight = self.most_in_flight = 0
        self.lock = threading.Lock()
        app = web.Application()
        app.router.add_post("/webhook/lifecycle", self.handle)
        self.server = ThreadedServer(app)

    async def handle(self, request: web.Request) -> web.Response:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
            return await self._handle(request)
        finally:
            with self.lock:
                self.in_flight -= 1

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        verify_signature(
            SECRET,
            request.headers.get(SIGNATURE_HEADER),
            request.headers.get(TIMESTAMP_HEADER),
            body,
            now_s=int(__import__("time").time()),
            max_skew_s=300,
        )
        with self.lock:
            self.calls += 1
            if self.calls <= self.refuse_first:
                return web.json_response({"error": "later"}, status=503)
            self.events.append(LifecycleEventIn.model_validate_json(body).model_dump(mode="json"))
        return web.json_response({"status": "accepted"}, status=202)


def test_a_life_is_reported_signed_in_order_and_resumes_after_a_restart(tmp_path: Path) -> None:
    receiver = WebhookReceiver(refuse_first=2)  # the first two calls are retried
    receiver.server.start()
    store = tmp_path / "grid-sim.json"
    url = f"{receiver.server.url}/webhook/lifecycle"
    try:
        config = sim_config(webhook_url=url, store_file=store, time_scale=1_000_000.0)
        expected = [s.kind for s in plan_life(order("life-1"), config.knobs, config.seed)]
        with running_sim(config) as (_sim, server):
            assert (
                post(server.url, order("life-1").model_dump(mode="json"), "life-1").status_code
                == 201
            )
            wait_for(lambda: len(receiver.events) == len(expected), what="the whole life")
            resource = httpx.get(f"{server.url}/orders/life-1", headers=AUTH).json()
            closed = httpx.get(f"{server.url}/metrics").text
        assert "fenliu_grid_sim_open_orders 0.0" in closed  # its life ended: no order open
        assert [e["kind"] for e in receiver.events] == expected
        assert all(e["order_id"] == "life-1" for e in receiver.events)
        assert resource["status"] == "closed" and [n["type"] for n in resource["notes"]] == expected
        # a restarted grid-sim knows the order and does not report its life again
        with running_sim(config) as (_sim, server):
            assert (
                post(server.url, order("life-1").model_dump(mode="json"), "life-1").status_code
                == 200
            )
            assert (
                post(server.url, order("life-2").model_dump(mode="json"), "life-2").status_code
                == 201
            )
            wait_for(
                lambda: any(
                    e["order_id"] == "life-2" and e["kind"] == "FOLLOWED_UP"
                    for e in receiver.events
                ),
                what="life-2",
            )
        assert [e["kind"] for e in receiver.events if e["order_id"] == "life-1"] == expected
        assert json.loads(store.read_text())["orders"].keys() == {"life-1", "life-2"}
    finally:
        receiver.server.stop()


def test_a_slow_webhook_delays_lives_but_loses_no_event_to_the_client_pool() -> None:
    """More events due at once than the client has connections, each answered slowly: the
    posts wait for a connection in grid-sim, not in the HTTP client's pool, whose short
    timeout would fail them (and, racing an assignment, lose a pool slot for good:
    encode/httpcore#1093, grid-sim's PoolTimeout on every post under load)."""
    receiver = WebhookReceiver(delay_s=0.2)
    receiver.server.start()
    lives = [f"slow-{i}" for i in range(4)]
    try:
        config = sim_config(
            webhook_url=f"{receiver.server.url}/webhook/lifecycle",
            webhook_attempts=1,  # a post that fails is lost: nothing hides a PoolTimeout
            webhook_connections=2,
            # 4 lives' steps due at once, 2 at a time, 200 ms each: a post waiting in the
            # pool would mostly see no connection come free within its 30 ms
            webhook_timeout=httpx.Timeout(30.0, pool=0.03),
        )
        expected = sum(len(plan_life(order(o), config.knobs, config.seed)) for o in lives)
        with running_sim(config) as (_sim, server):
            for o in lives:
                assert post(server.url, order(o).model_dump(mode="json"), o).status_code == 201
            wait_for(lambda: len(receiver.events) == expected, what="every life, every step")
            metrics = httpx.get(f"{server.url}/metrics").text
        assert 'result="failed"' not in metrics
        assert receiver.most_in_flight == 2
    finally:
        receiver.server.stop()


@pytest.mark.parametrize("clock", ["order", "wall"])
def test_event_times_follow_the_chosen_clock(clock: str) -> None:
    receiver = WebhookReceiver()
    receiver.server.start()
    try:
        config = sim_config(
            webhook_url=f"{receiver.server.url}/webhook/lifecycle", event_clock=clock
        )
        with running_sim(config) as (_sim, server):
            post(server.url, order("t-1").model_dump(mode="json"), "t-1")
            wait_for(lambda: len(receiver.events) >= 3, what="three events")
        first = LifecycleEventIn.model_validate(receiver.events[0])
        step = plan_life(order("t-1"), config.knobs, config.seed)[0]
        created = order("t-1").created_at
        if clock == "order":
            assert (first.at - created).total_seconds() == pytest.approx(step.offset_s, abs=0.01)
        else:
            assert (first.at - created).days >= 1  # now, not the order's (past) event time
    finally:
        receiver.server.stop()


def test_an_acknowledged_order_survives_a_kill_before_the_next_save(tmp_path: Path) -> None:
    """A 201 is durable: the journal holds it even when the snapshot was never written."""
    from datetime import UTC, datetime

    from fenliu_grid_sim.store import OrderStore, body_hash

    path = tmp_path / "store.json"
    first = OrderStore(path)
    first.add(order("o-1"), body_hash(order("o-1")), datetime.now(UTC))
    first.save()
    first.add(order("o-2"), body_hash(order("o-2")), datetime.now(UTC))  # killed before save()
    after_kill = OrderStore(path)
    assert sorted(s.order.order_id for s in after_kill) == ["o-1", "o-2"]
    after_kill.save()
    assert not path.with_name("store.json.journal").exists()
    assert sorted(s.order.order_id for s in OrderStore(path)) == ["o-1", "o-2"]
