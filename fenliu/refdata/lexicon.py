"""The general Chinese lexicon the classifier checks word boundaries against.

jieba's ``dict.txt`` (349,045 words with corpus frequencies, shipped inside the jieba
wheel) is read once per process. The classifier never segments a whole text with it:
the taxonomy compiler keeps only the longer words that contain a police or safety
term (包工头 around 包, 一刀切 around 刀), and a match inside one of them is not that
term (processors/segment.py).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path


@lru_cache(maxsize=1)
def general_lexicon() -> dict[str, int]:
    """word -> corpus frequency from jieba's dictionary; empty if jieba is not installed."""
    spec = find_spec("jieba")  # located, not imported: jieba's own start-up is slow
    locations = list(spec.submodule_search_locations or []) if spec else []
    path = Path(locations[0]) / "dict.txt" if locations else None
    if path is None or not path.is_file():  # the rules still work, on substrings
        return {}
    text = path.read_text(encoding="utf-8")
    words: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) >= 2 and parts[1].isdigit():
            words[parts[0]] = int(parts[1])
    return words
