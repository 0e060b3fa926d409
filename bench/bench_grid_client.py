"""The grid platform client's CPU a request: urllib3 (shipped) against httpx (before).

    .venv/bin/python -m bench.bench_grid_client [--requests N] [--repeats R]

One order is one HTTP request on grid-sink's hot path, so the client's own CPU a request is
part of every call's cost end to end (bench_e2e's "CPU ms a call"). A small aiohttp server in
a child process answers ``POST /orders`` with 201 (the server's CPU is not counted); the same
order body goes over one keep-alive connection with each client, and the client process's CPU
time is measured (``time.process_time``), the best of ``--repeats``. The rate column is
requests per CPU second of the client; the ratio is to the httpx row of the same run.
No local stack needed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

import httpx
import typer
import urllib3

from bench.common import Result, print_table
from fenliu.sinks.grid.client import GridPlatform
from fenliu.sinks.grid.contract import IDEMPOTENCY_HEADER, OrderRequest

TOKEN = "bench-token"
ORDER: dict[str, object] = {
    "order_id": "o-bench-0001",
    "case_id": "case-o-bench-0001",
    "decision_id": "dec-o-bench-0001",
    "created_at": "2026-12-05T10:00:00+08:00",
    "source": "S110",
    "is_police_matter": False,
    "class_code": "NP01",
    "situation_code": "NP01-01",
    "situation_name": "建筑工地拖欠工资",
    "priority": 2,
    "unit_id": "u-331099001-hrss",
    "unit_name": "东城街道人力社保所",
    "unit_kind": "department",
    "town_code": "331099001",
    "grid_code": "331099001-01",
    "location": {"text": "东城街道金城路8号", "lon": 121.056, "lat": 28.86},
    "summary": "工地老板拖欠我们三个月工资，一直拖着不给",
    "deadlines": [{"stage": "SIGN", "due_at": "2026-12-05T10:01:00+08:00"}],
    "taxonomy_version": "zj-bench",
    "routing_version": "zj-bench",
}

# The server binds port 0 itself, listens, then prints its port: no pick-then-bind race (a port
# picked in the parent and bound in the child can be taken in between, tests/ports.py).
SERVER = """
import socket
from aiohttp import web
async def orders(request):
    await request.read()
    return web.json_response({"status": "created"}, status=201)
app = web.Application()
app.router.add_post("/orders", orders)
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen(128)
print(sock.getsockname()[1], flush=True)
web.run_app(app, sock=sock, print=None)
"""


def start_server() -> tuple[subprocess.Popen[str], int]:
    """The child server and the port it listens on (told on its first line)."""
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline().strip()
    if not line.isdigit():
        server.kill()
        raise RuntimeError(f"the bench server did not start (exit {server.wait()})")
    return server, int(line)


def cpu_of(requests: int, repeats: int, send: Callable[[], int], name: str, note: str) -> Result:
    """Best of ``repeats`` runs of ``requests`` sends, in the client's CPU seconds."""
    for _ in range(200):  # connection open, pools warm
        send()
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for _ in range(requests):
            if send() != 201:
                raise RuntimeError(f"{name}: the server did not answer 201")
        best = min(best, time.process_time() - started)
    return Result(name, requests, best, note, group="POST /orders, keep-alive")


def main(
    requests: int = typer.Option(3000, help="requests per run"),
    repeats: int = typer.Option(3, help="runs of each client; the least CPU is kept"),
) -> None:
    server, port = start_server()
    try:
        base = f"http://127.0.0.1:{port}"
        order = OrderRequest.model_validate(ORDER)
        headers = {
            "Authorization": f"Bearer {TOKEN}",
            IDEMPOTENCY_HEADER: order.order_id,
            "Content-Type": "application/json",
        }
        with httpx.Client(base_url=base, timeout=10.0) as client:

            def by_httpx() -> int:
                body = order.model_dump_json().encode()
                return client.post("/orders", content=body, headers=headers).status_code

            before = cpu_of(requests, repeats, by_httpx, "httpx.Client (before)", "the same body")
        pool = urllib3.PoolManager(maxsize=4, block=True, retries=False)

        def by_urllib3() -> int:
            body = order.model_dump_json().encode()
            return pool.request("POST", f"{base}/orders", body=body, headers=headers).status

        bare = cpu_of(requests, repeats, by_urllib3, "urllib3.PoolManager", "the same body")
        platform = GridPlatform(base, TOKEN, max_connections=4)
        shipped = cpu_of(
            requests,
            repeats,
            lambda: platform.send(order).status,
            "GridPlatform.send (shipped)",
            "urllib3, answer sorted into an Ack",
        )
        platform.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print_table(
        "The grid platform client: requests per CPU second of the client process",
        [before, bare, shipped],
        baseline="httpx",
        unit="requests/CPU s",
    )


if __name__ == "__main__":
    typer.run(main)
