"""``fenliu demo``: the whole pipeline on the local stack, fed by the generator, on one screen.

Order of things: apply the topic catalogue, seed the demo teams into Redis, start every
service that exists (``fenliu run --help`` lists them) with the metrics port of the
convention, start the generator, show the view until ``--duration`` or Ctrl-C, then
stop the generator first and the sinks last. The numbers on screen come from the
services' ``/metrics`` and from the output topics, as an on-call room would read them.

With ``--speed S`` (default ``FENLIU_DEMO_SPEED``) the demo runs on an accelerated
clock: the generator's event times, the reference grid platform's lives
(``FENLIU_GRID_SIM_TIME_SCALE``) and the streams worker's SLA time (``FENLIU_CLOCK=event``
plus a tick every ``FENLIU_SLA_TICK_INTERVAL_S`` from the demo) all run S times faster
than the wall clock, so an 8-minute arrival deadline passes in 8 s at S = 60.
"""

from __future__ import annotations

import importlib.util
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fenliu.commands.run import SERVICES
from fenliu.demo.scrape import Scrape, scrape
from fenliu.demo.supervisor import Child, Liveness, Supervisor, fenliu_argv
from fenliu.demo.tail import TopicTail
from fenliu.settings import Settings

if TYPE_CHECKING:
    from fenliu.demo.view import Frame

log = logging.getLogger("fenliu.demo")

#: Start order (sinks first, so they are listening when orders come; the router last);
#: stopped in reverse. The ingress comes before grid-sim, which reports to it, so it is
#: stopped after grid-sim has stopped posting: an ingress stopped under grid-sim's posts
#: held its shutdown ~10 s on a post whose body never came, until the client timed out.
SERVICE_ORDER = ("ingress", "grid-sim", "grid-sink", "streams", "router")
#: Metrics ports by convention (deploy/prometheus/prometheus.yml scrapes these).
METRICS_PORTS = {
    "router": 9108,
    "streams": 9109,
    "grid-sink": 9110,
    "ingress": 9111,
    "grid-sim": 9112,
}


def base_ports(settings: Settings) -> list[int]:
    """Every port a demo binds at offset 0: metrics by convention, the HTTP ports by settings."""
    s = settings
    return [*METRICS_PORTS.values(), s.grid_sim.port, s.ingress.port, s.streams.web_port]


def free_port_offset(settings: Settings, start: int = 300, step: int = 37) -> int:
    """An offset at which every port the demo will bind is free (a stack of tests or another
    demo may hold the ones at offset 0; a service that is still stopping, those of the last)."""
    for offset in range(start, 5000, step):
        if all(port_free(p + offset) for p in base_ports(settings)):
            return offset
    raise RuntimeError("no free port range for the demo's services")


def port_free(port: int) -> bool:
    """Whether a service could listen on ``port`` now. SO_REUSEADDR, as the services bind
    (aiohttp, prometheus_client): without it, the TIME_WAIT connections a server that just
    stopped leaves behind make its port look taken for a minute."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def available_services() -> list[str]:
    """The ``fenliu run`` services that can start here, in start order (grid-sim only when
    its distribution, ``fenliu-grid-sim``, is installed)."""
    names = {m.__name__.rsplit(".", 1)[1].replace("_", "-") for m in SERVICES}
    if importlib.util.find_spec("fenliu_grid_sim") is None:
        names.discard("grid-sim")
    return [name for name in SERVICE_ORDER if name in names]


@dataclass
class DemoOptions:
    rate: float
    speed: float
    seed: int
    flat: bool = False
    duration_s: float | None = None
    port_offset: int = 0
    refresh_s: float = 1.0
    log_dir: Path = Path(".fenliu/demo")
    services: list[str] = field(default_factory=available_services)
    ready_timeout_s: float = 120.0


class Demo:
    """Prepares the stack, supervises the children, and produces frames for the view."""

    def __init__(self, settings: Settings, options: DemoOptions) -> None:
        self.settings = settings
        self.options = options
        d = settings.demo
        self.supervisor = Supervisor(
            options.log_dir,
            liveness=Liveness(
                d.health_interval_s, d.health_timeout_s, d.health_failures, d.health_start_grace_s
            ),
        )
        self.start_ms = time.time_ns() // 1_000_000
        self._wall0 = time.time()
        self.tail: TopicTail | None = None
        self._before: Scrape | None = None
        self._before_at = time.monotonic()
        self._started = time.monotonic()
        self._ready: set[str] = set()
        self._ticker: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- ports and environments ----------------------------------------------------------
    def metrics_port(self, service: str) -> int:
        return METRICS_PORTS[service] + self.options.port_offset

    def health_url(self, service: str) -> str | None:
        """Where the supervisor probes a service's liveness; None: not probed. grid-sim
        stands in for the grid platform, which is not ours to restart."""
        s, o = self.settings, self.options.port_offset
        return {
            "router": f"http://127.0.0.1:{self.metrics_port('router')}/health",
            "grid-sink": f"http://127.0.0.1:{self.metrics_port('grid-sink')}/health",
            "streams": f"http://127.0.0.1:{s.streams.web_port + o}/health/",
            "ingress": f"http://127.0.0.1:{s.ingress.port + o}/healthz",
        }.get(service)

    @property
    def accelerated(self) -> bool:
        return self.options.speed != 1.0 and "streams" in self.options.services

    def env_for(self, service: str) -> dict[str, str]:
        """What the demo sets for a child; everything else comes from the environment."""
        s, o = self.settings, self.options.port_offset
        prefix = s.topics.prefix
        env = {
            # The demo is a development stack: its services may use the published secrets.
            "FENLIU_ENVIRONMENT": "development",
            "FENLIU_METRICS_PORT": str(self.metrics_port(service)),
            "FENLIU_ROUTER_GROUP": f"{prefix}{s.router.group}"
            if prefix and not s.router.group.startswith(prefix)
            else s.router.group,
        }
        group = s.grid.sink_group
        env["FENLIU_GRID_SINK_GROUP"] = (
            group if not prefix or group.startswith(prefix) else f"{prefix}{group}"
        )
        if "grid-sim" in self.options.services:
            env["FENLIU_GRID_SIM_PORT"] = str(s.grid_sim.port + o)
            env["FENLIU_GRID_PLATFORM_URL"] = f"http://127.0.0.1:{s.grid_sim.port + o}"
            env["FENLIU_GRID_SIM_TIME_SCALE"] = str(self.options.speed)
        if "ingress" in self.options.services:
            env["FENLIU_INGRESS_PORT"] = str(s.ingress.port + o)
            env["FENLIU_GRID_SIM_WEBHOOK_URL"] = (
                f"http://127.0.0.1:{s.ingress.port + o}/webhook/lifecycle"
            )
        env["FENLIU_STREAMS_WEB_PORT"] = str(s.streams.web_port + o)
        if self.accelerated:
            env["FENLIU_CLOCK"] = "event"
        return env

    # --- lifecycle -----------------------------------------------------------------------
    def prepare(self, report: Callable[[str], None]) -> None:
        """Topics exist, demo teams are on duty in Redis."""
        from fenliu.refdata.routing import load_routing
        from fenliu.refdata.team_directory import TeamDirectory, seed_demo_teams
        from fenliu.topics.admin import apply_topics

        reports = apply_topics(self.settings)
        report(
            f"topics: {sum(r.action == 'created' for r in reports)} created, {len(reports)} in the catalogue"
        )
        directory = TeamDirectory.from_settings(self.settings)
        try:
            teams = seed_demo_teams(directory, load_routing(self.settings).jurisdiction, per_grid=2)
        finally:
            directory.close()
        report(f"teams: {len(teams)} on duty in Redis under {self.settings.teams.key_prefix}")
        # the worker's table data dir (Faust does not create it)
        (
            self.settings.streams.data_dir
            / f"{self.settings.topics.prefix}{self.settings.streams.app_id}"
        ).mkdir(parents=True, exist_ok=True)

    def start(self, report: Callable[[str], None]) -> None:
        for name in self.options.services:
            child = self.supervisor.start(
                name,
                fenliu_argv("run", name),
                self.env_for(name),
                self.metrics_port(name),
                self.health_url(name),
            )
            report(
                f"started {name} (pid {child.proc.pid if child.proc else '?'}, metrics :{child.metrics_port})"
            )
        self.supervisor.watch()  # liveness: a service red for long is restarted
        self._wait_ready(("router",), report)
        argv = fenliu_argv(
            "generate",
            "--rate",
            str(self.options.rate),
            "--speed",
            str(self.options.speed),
            "--seed",
            str(self.options.seed),
            "--start-ms",
            str(self.start_ms),
            *(["--flat"] if self.options.flat else []),
        )
        self._wall0 = time.time()
        self.supervisor.start("generator", argv, {"FENLIU_METRICS_PORT": "0"})
        report(
            f"started generator: {self.options.rate:g}/s"
            f"{' at every hour' if self.options.flat else ' (day average)'},"
            f" clock ×{self.options.speed:g}, seed {self.options.seed}"
        )
        from fenliu.schemas.serde import codec_for

        self.tail = TopicTail(self.settings, codec_for(self.settings.topics.schema_registry_url))
        self.tail.start()
        from fenliu.demo.calltaker import CallTakers

        self.call_takers = CallTakers(
            self.settings, codec_for(self.settings.topics.schema_registry_url), self._stopping
        )
        self.call_takers.start()
        report(
            f"started call-takers: they confirm {self.settings.demo.confirm_share:.0%} of SUGGEST calls"
        )
        if self.accelerated:
            self._ticker = threading.Thread(target=self._tick_loop, name="demo-ticker", daemon=True)
            self._ticker.start()
        self._started = time.monotonic()

    def _wait_ready(self, names: tuple[str, ...], report: Callable[[str], None]) -> None:
        deadline = time.monotonic() + self.options.ready_timeout_s
        wanted = [n for n in names if n in self.options.services]
        while wanted and time.monotonic() < deadline and not self.supervisor.crashed():
            wanted = [n for n in wanted if not scrape({n: self.metrics_port(n)}).up[n]]
            time.sleep(0.5)
        if wanted:
            report(f"not answering yet: {', '.join(wanted)} (see {self.options.log_dir})")

    def event_time_ms(self) -> int:
        """The accelerated clock: the generator's start plus speed × wall time since."""
        return self.start_ms + int((time.time() - self._wall0) * 1000 * self.options.speed)

    def _tick_loop(self) -> None:
        from fenliu.streams.worker.clock import send_ticks

        interval = self.settings.sla.tick_interval_s
        while not self._stopping.wait(interval):
            try:
                send_ticks(self.settings, self.event_time_ms())
            except Exception as exc:  # noqa: BLE001 - tick topic not created yet, broker busy: try again
                log.debug("tick not sent: %s", exc)

    def frame(self) -> Frame:
        from fenliu.demo.view import Frame

        ports = {c.name: c.metrics_port for c in self.supervisor.children if c.metrics_port}
        now = scrape(ports)
        self._ready |= {n for n, up in now.up.items() if up}
        at = time.monotonic()
        frame = Frame(
            elapsed_s=at - self._started,
            interval_s=at - self._before_at,
            now=now,
            before=self._before,
            tail=self.tail.snapshot() if self.tail else None,  # type: ignore[arg-type]
            services={c.name: self._state(c) for c in self.supervisor.children},
            target_rate=self.options.rate,
            speed=self.options.speed,
            event_time_ms=self.event_time_ms(),
            tz=self.settings.refdata.local_timezone,
        )
        self._before, self._before_at = now, at
        return frame

    def _state(self, child: Child) -> str:
        if child.proc is None:
            return "not started"
        code = child.proc.poll()
        if code is not None:
            return f"exited {code}"
        again = f" (restarted {child.restarts}×)" if child.restarts else ""
        if child.failed_probes:  # red probes in a row, of the failures that restart it
            return f"unhealthy {child.failed_probes}/{self.supervisor.liveness.failures}{again}"
        if child.metrics_port is None or child.name in self._ready:
            return f"up{again}"
        return f"starting{again}"

    def crashed(self) -> list[Child]:
        return self.supervisor.crashed()

    def stop(self) -> dict[str, int | None]:
        self._stopping.set()
        codes = self.supervisor.stop_all()
        if self.tail:
            self.tail.stop()
        return codes
