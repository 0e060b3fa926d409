"""Serving an aiohttp app: in the foreground for ``fenliu run``, or in a thread for tests.

Both grid-sim and the webhook ingress are real HTTP servers. Tests start them on
127.0.0.1 with port 0 and read the port the OS picked; nothing is mocked.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from pathlib import Path

from aiohttp import web


def server_tls(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    """A server TLS context from a certificate chain and key, or None for plain HTTP."""
    if cert is None:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key) if key else None)
    return ctx


class ThreadedServer:
    """An aiohttp app on its own event loop in a daemon thread."""

    def __init__(
        self,
        app: web.Application,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="http-server", daemon=True)

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self, timeout_s: float = 15.0) -> ThreadedServer:
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise RuntimeError(f"server on {self.host}:{self.port} did not start")
        if self._error is not None:
            raise RuntimeError(f"server on {self.host}:{self.port} failed") from self._error
        return self

    def stop(self, timeout_s: float = 15.0) -> None:
        if self._runner is not None and self.loop.is_running():
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(timeout_s)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout_s)

    def call(self, coro, timeout_s: float = 15.0):
        """Run a coroutine on the server's loop and return its result (test helpers)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._start())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.close()

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self.ssl_context)
        await site.start()
        self.port = self._runner.addresses[0][1]
