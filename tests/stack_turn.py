"""Turns on the one local stack for the test processes that share it.

CI runs the stack's tests in two xdist groups at once (docs/testing.md): ``stack`` (tests
that start services on the settings' ports, kill them, measure what the stack did) and
``stack-parallel`` (tests that talk to the broker and Redis from their own process or start
their own services on free ports).
They share the broker, and one test stops and starts it (the broker-restart fault test):
while it runs, no other test may use the stack, and it must not begin in the middle of
another process's test. A readers-writer lock over files does that across processes:
every stack test holds the lock shared, a test that stops the stack holds it exclusively.
A turnstile taken before either keeps a waiting writer from being starved by readers.
``flock`` locks go away with their process, so a killed test run leaves none behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def lock_dir(bootstrap_servers: str) -> Path:
    """One pair of lock files per broker address: runs on different stacks do not wait."""
    digest = hashlib.sha256(bootstrap_servers.encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"fenliu-stack-turn-{digest}"
    path.mkdir(exist_ok=True)
    return path


@contextmanager
def _flocked(path: Path, operation: int) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, operation)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def stack_turn(directory: Path, *, exclusive: bool) -> Iterator[None]:
    """Hold the stack shared (a test that uses it) or alone (a test that stops it)."""
    turnstile, stack = directory / "turnstile", directory / "stack"
    if exclusive:
        with _flocked(turnstile, fcntl.LOCK_EX), _flocked(stack, fcntl.LOCK_EX):
            yield
        return
    handle = stack.open("a")
    try:
        with _flocked(turnstile, fcntl.LOCK_EX):  # waits while a writer holds or waits for it
            fcntl.flock(handle, fcntl.LOCK_SH)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
