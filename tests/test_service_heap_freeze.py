"""What a service built at start-up is out of the collector's reach; what it makes later is not.

Run in a child process: freezing the test runner's own heap would change every test after."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import gc, json
from fenliu.services import freeze_start_up_heap
reference_data = [[i] for i in range(1000)]  # built at start-up, lives as long as the process
before = gc.get_freeze_count()
freeze_start_up_heap()
after_start_up = [[i] for i in range(10)]  # a case made while running
gc.collect()
tracked = {id(o) for o in gc.get_objects()}
print(json.dumps({
    "frozen_grew_by": gc.get_freeze_count() - before,
    "start_up_scanned": id(reference_data) in tracked,
    "later_scanned": id(after_start_up) in tracked,
}))
"""


def test_start_up_objects_are_frozen_and_later_ones_still_collected() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["frozen_grew_by"] >= 1001  # the list and its thousand lists at least
    assert result["start_up_scanned"] is False
    assert result["later_scanned"] is True
