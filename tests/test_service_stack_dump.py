"""A confluent-kafka service that hangs can be asked where: SIGUSR1 dumps its stacks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import time
from fenliu.services import start_service
started = start_service(0, handle_signals=True)
def waiting_in_a_named_place():
    print("ready", flush=True)  # from inside, so the signal finds the child in this frame
    time.sleep(60)
waiting_in_a_named_place()
"""


def test_sigusr1_writes_every_threads_stack_and_the_service_lives_on() -> None:
    env = {**os.environ, "FENLIU_ENVIRONMENT": "development"}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGUSR1)
        time.sleep(1)
        assert proc.poll() is None, "SIGUSR1 must not stop the service"
    finally:
        proc.kill()  # SIGTERM only sets the stop event this child never looks at
        _, err = proc.communicate(timeout=30)
    assert "waiting_in_a_named_place" in err
    assert "Current thread" in err or "Thread 0x" in err
