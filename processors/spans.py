"""A range of offsets of one partition: what replay and audit read, decided before reading."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """The offsets ``[start, end)`` of one partition that a time range may occupy."""

    topic: str
    partition: int
    start: int
    end: int

    @property
    def size(self) -> int:
        return max(self.end - self.start, 0)
