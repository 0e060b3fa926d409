"""The stack's readers-writer lock (tests/stack_turn.py): readers share, a writer is alone,
and a writer that waits is not overtaken by readers that come after it. Threads stand in
for the test processes: ``flock`` locks of separate opens conflict within a process too."""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path

from tests.stack_turn import stack_turn

WAIT_S = 10.0


def _hold(directory: Path, exclusive: bool, log: list[str], name: str, release: threading.Event):
    with stack_turn(directory, exclusive=exclusive):
        log.append(f"{name} in")
        release.wait(WAIT_S)
        log.append(f"{name} out")


def _start(*args) -> threading.Thread:
    thread = threading.Thread(target=_hold, args=args, daemon=True)
    thread.start()
    return thread


def _taken(path: Path) -> bool:
    """Whether another open holds ``path`` locked (a try that does not wait)."""
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_two_readers_hold_the_stack_together(tmp_path: Path) -> None:
    log: list[str] = []
    release = threading.Event()
    readers = [_start(tmp_path, False, log, name, release) for name in ("a", "b")]
    _until(lambda: len(log) == 2, f"both readers should be in at once: {log}")
    release.set()
    for reader in readers:
        reader.join(WAIT_S)
    assert sorted(log[:2]) == ["a in", "b in"]


def test_a_writer_waits_for_the_reader_and_a_later_reader_waits_for_the_writer(
    tmp_path: Path,
) -> None:
    log: list[str] = []
    first_done, writer_done, late_done = threading.Event(), threading.Event(), threading.Event()
    first = _start(tmp_path, False, log, "reader", first_done)
    _until(lambda: log == ["reader in"], "the first reader should get in")
    writer = _start(tmp_path, True, log, "writer", writer_done)
    _until(lambda: _taken(tmp_path / "turnstile"), "the writer should hold the turnstile")
    late = _start(tmp_path, False, log, "late", late_done)
    time.sleep(0.2)
    assert log == ["reader in"], "neither the writer nor a later reader may join a reader"
    first_done.set()
    _until(lambda: "writer in" in log, f"the writer should follow the reader: {log}")
    time.sleep(0.2)
    assert "late in" not in log, f"a later reader must wait for the writer: {log}"
    writer_done.set()
    late_done.set()
    for thread in (first, writer, late):
        thread.join(WAIT_S)
    assert log == ["reader in", "reader out", "writer in", "writer out", "late in", "late out"]
