"""``fenliu demo``: what ``./dev demo`` runs once the stack is up (docs/demo.md)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        rate: float = typer.Option(
            None, "--rate", min=0.01, help="generated events per second (FENLIU_DEMO_RATE)"
        ),
        speed: float = typer.Option(
            None,
            "--speed",
            min=1.0,
            help="clock acceleration of traffic, grid platform and SLA (FENLIU_DEMO_SPEED)",
        ),
        seed: int = typer.Option(None, "--seed", help="seed of the traffic (FENLIU_DEMO_SEED)"),
        flat: bool = typer.Option(
            None,
            "--flat/--rhythm",
            help="the same rate at every hour, or the day's rhythm around --rate from the"
            " local time (FENLIU_DEMO_FLAT; default the rhythm)",
        ),
        duration: float = typer.Option(
            None, "--duration", min=1, help="stop after this many seconds"
        ),
        live: bool = typer.Option(
            None,
            "--live/--no-live",
            help="the live terminal view (default when stdout is a terminal)",
        ),
        port_offset: int = typer.Option(
            0,
            "--port-offset",
            min=0,
            help="added to every port of the convention (a second demo, tests)",
        ),
        interval: float = typer.Option(
            None, "--interval", min=0.2, help="seconds between refreshes (default 1 live, 5 plain)"
        ),
        log_dir: Path = typer.Option(
            None, "--log-dir", help="children's logs (default <state dir>/demo)"
        ),
    ) -> None:
        """Run the whole pipeline on the local stack, fed by the traffic generator, and show it.

        Applies the topics, seeds the demo teams into Redis, starts every service (router,
        streams, grid-sink, grid-sim, ingress: those that exist) and the generator, and
        shows events per second, diversions by class and unit, open orders by stage, the
        six rates, SLA warnings and breaches as they fire, and dead letters. Ctrl-C stops
        everything cleanly (exit 0); exit 1 if a service died on its own.
        """
        import signal
        import sys
        import threading
        import time

        from rich.console import Console
        from rich.live import Live

        from fenliu.demo.run import Demo, DemoOptions
        from fenliu.demo.view import plain_line, render
        from fenliu.services import configure_logging
        from fenliu.settings import get_settings

        configure_logging()
        settings = get_settings()
        use_live = sys.stdout.isatty() if live is None else live
        refresh = interval or (1.0 if use_live else 5.0)
        options = DemoOptions(
            rate=rate or settings.demo.rate,
            speed=speed or settings.demo.speed,
            seed=settings.demo.seed if seed is None else seed,
            flat=settings.demo.flat if flat is None else flat,
            duration_s=duration,
            port_offset=port_offset,
            refresh_s=refresh,
            log_dir=log_dir or settings.stack.state_dir / "demo",
        )
        console = Console()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())

        def say(text: str) -> None:
            console.print(text, highlight=False) if use_live else print(text, flush=True)

        runner = Demo(settings, options)
        crashed: list[str] = []
        try:
            runner.prepare(say)
            runner.start(say)
            say(f"services: {', '.join(options.services)}; logs in {options.log_dir}")

            def loop(show) -> None:
                started = time.monotonic()
                while not stop.wait(refresh):
                    show(runner.frame())
                    if runner.crashed():
                        crashed.extend(c.name for c in runner.crashed())
                        return
                    if duration is not None and time.monotonic() - started >= duration:
                        return

            if use_live:
                with Live(
                    render(runner.frame()), console=console, refresh_per_second=4, screen=False
                ) as view:
                    loop(lambda f: view.update(render(f)))
            else:
                loop(lambda f: print(plain_line(f), flush=True))
            final = runner.frame()
        finally:
            codes = runner.stop()
        print(plain_line(final), flush=True)
        print(
            "stopped: "
            + ", ".join(
                f"{n} {'exit ' + str(c) if c is not None else '-'}" for n, c in codes.items()
            ),
            flush=True,
        )
        for name in crashed:
            child = next(c for c in runner.supervisor.children if c.name == name)
            print(
                f"{name} died on its own; last lines of {child.log_file}:\n{child.log_tail()}",
                file=sys.stderr,
            )
        if crashed:
            raise typer.Exit(1)
