"""Fixed-size samples of the labelled sets, the same rows every run.

The labelled sets grow by about 7,000 rows a session. Tests that train a model or run a
pure-Python reference over a stride of them (``rows[::4]``) grew with the data until
they crossed the suite's 300 s timeout under the CI's load (fresh-clone CI on c2e3726,
at 246,000 rows). A fixed number of rows spread over every set by the hash of their id
keeps those tests wide and their cost flat.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from fenliu.evalsets import load_split


def _id_hash(row: dict[str, Any]) -> bytes:
    return hashlib.sha256(str(row["id"]).encode("utf-8")).digest()


@cache
def _by_hash(split: str) -> tuple[dict[str, Any], ...]:
    return tuple(sorted(load_split(split), key=_id_hash))


def hash_sample(splits: tuple[str, ...], rows: int) -> list[dict[str, Any]]:
    """The first ``rows`` rows of ``splits`` in id-hash order (a fresh list each call)."""
    pooled = [row for split in splits for row in _by_hash(split)]
    if len(splits) > 1:
        pooled.sort(key=_id_hash)
    return pooled[:rows]
