"""Log every garbage collection that stalls a process, for the benchmarks (not shipped).

Put this directory first on ``PYTHONPATH`` and set ``FENLIU_BENCH_GC_LOG_DIR``: every
Python process started with that environment (the benchmark and the services it starts)
appends ``<epoch s> <generation> <ms> <collected>`` for each collection of at least
``FENLIU_BENCH_GC_MIN_MS`` (default 3) to ``<dir>/<pid>-<command>.log``.
``python -m bench.gc_pauses <dir>`` prints the table. Without the variable it does nothing.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from typing import Any, TextIO

_DIR = os.environ.get("FENLIU_BENCH_GC_LOG_DIR")
_MIN_MS = float(os.environ.get("FENLIU_BENCH_GC_MIN_MS", "3"))
_started = [0.0]
_out: list[TextIO] = []


def _name() -> str:
    words = [os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"]
    words += [a for a in sys.argv[1:3] if not a.startswith("-")]
    return "-".join(w.replace("/", "_") for w in words)[:60]


def _watch(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    ms = (time.perf_counter() - _started[0]) * 1000
    if ms < _MIN_MS:
        return
    if not _out:
        _out.append(open(f"{_DIR}/{os.getpid()}-{_name()}.log", "a", buffering=1))  # noqa: SIM115
    _out[0].write(f"{time.time():.3f} {info['generation']} {ms:.1f} {info['collected']}\n")


if _DIR:
    gc.callbacks.append(_watch)
