"""Whether an input partition would skip records: last applied offset against the commit.

Every input agent of the streams worker records, in its own table, the offset of the last
record it applied on each partition (``streams/worker/continuity.py``). Before the agent
processes again (after a restart or a rebalance), its group's committed offset says where
reading resumes. At-least-once allows the commit to lag the applied offset (records are
re-read), never to run ahead of it: a commit past ``last applied + 1`` means the records in
between were never applied and would be skipped. Pure: the worker passes both maps in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: (topic, partition)
Partition = tuple[str, int]


@dataclass(frozen=True)
class Gap:
    """Records ``first_skipped`` .. ``committed - 1`` of a partition were never applied."""

    topic: str
    partition: int
    last_applied: int
    committed: int

    @property
    def first_skipped(self) -> int:
        """Where reading must resume so that nothing is skipped."""
        return self.last_applied + 1

    @property
    def skipped(self) -> int:
        """How many offsets lie between the last applied record and the commit."""
        return self.committed - self.first_skipped


def find_gaps(
    applied: Mapping[Partition, int], committed: Mapping[Partition, int | None]
) -> list[Gap]:
    """The partitions of ``committed`` whose commit is past their last applied record + 1.

    A partition without a commit (``None``) is read from its beginning, and one with no
    applied record has no baseline to compare with (a new deployment, a new input): neither
    is a gap. Sorted by topic and partition, so the log and the seeks are deterministic."""
    gaps = []
    for (topic, partition), offset in sorted(committed.items()):
        last = applied.get((topic, partition))
        if offset is None or last is None:
            continue
        if offset > last + 1:
            gaps.append(Gap(topic, partition, last, offset))
    return gaps
