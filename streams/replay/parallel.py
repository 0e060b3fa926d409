"""A replay split by raw partition over worker processes, with one result however it is split.

Deciding is CPU work in Python (~200 µs a record), so one process replays at one core's
pace. The raw partitions of the range are shared out over ``workers`` processes (largest
first, each to the least loaded worker: the same shares for the same offsets). Each worker
runs the ordinary ``Replay`` on its partitions; it reads every recorded decision but keeps
only those of its own events. The parent adds the parts up:

* the tally: counts add, and each section keeps its first rows in report order (every
  worker keeps its own first ``max_rows``, so the union holds the overall first);
* the decisions file: every worker writes one part per raw partition, in offset order, and
  the parent joins the parts in (topic, partition) order into one Avro file;
* the dead letters of the range: each worker reports those of its partitions.

So ``--workers 1`` and ``--workers N`` give byte-identical ``decisions.avro`` and the same
report apart from the run's own facts (run id, seconds, output, and the counts of recorded
duplicates, which depend on how far each cursor happened to read). Workers are started with
``spawn``: a forked librdkafka client is not safe to use.
"""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import shutil
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer

from fenliu.processors.replay_compare import Tally
from fenliu.processors.spans import Span
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.replay.read import time_spans
from fenliu.streams.replay.run import RAW, Progress, ReplayRequest, ReplayResult
from fenliu.streams.replay.sinks import assemble_avro

DETERMINISTIC_EXCEPT = ("run_id", "seconds", "output", "stats")


@dataclass(frozen=True)
class Job:
    """What one worker needs (picklable: workers are spawned)."""

    settings: Settings
    request: ReplayRequest
    partitions: frozenset[tuple[str, int]]
    taxonomy_file: Path | None
    routing_file: Path | None
    sink: str  # topic, file or none
    parts_dir: Path | None


def share(spans: list[Span], workers: int) -> list[frozenset[tuple[str, int]]]:
    """Partitions per worker: largest first, each to the least loaded (ties: lowest number)."""
    loads = [0] * workers
    shares: list[set[tuple[str, int]]] = [set() for _ in range(workers)]
    for sp in sorted(spans, key=lambda sp: (-sp.size, sp.topic, sp.partition)):
        w = min(range(workers), key=lambda i: (loads[i], i))
        loads[w] += sp.size
        shares[w].add((sp.topic, sp.partition))
    return [frozenset(s) for s in shares if s] or [frozenset()]


def raw_spans(settings: Settings, request: ReplayRequest) -> list[Span]:
    consumer = Consumer(confluent_config(settings, **{"group.id": "fenliu-replay-plan"}))
    try:
        skew = settings.replay.timestamp_skew_ms
        return [
            sp
            for src in request.sources
            for sp in time_spans(
                consumer,
                settings.topic(RAW[src][0]),
                request.since_ms - skew,
                request.until_ms + skew,
                settings.replay.kafka_timeout_s,
            )
        ]
    finally:
        consumer.close()


class _QueueProgress:
    """A worker's progress, sent to the parent's bars."""

    def __init__(self, q: Any) -> None:
        self.q = q

    def total(self, task: str, n: int) -> None:
        self.q.put(("total", task, n))

    def advance(self, task: str, n: int) -> None:
        self.q.put(("advance", task, n))


def run_job(job: Job, progress: Progress | None = None) -> ReplayResult:
    """One worker's share, in this process."""
    from fenliu.refdata.decider import build_decider
    from fenliu.schemas.catalog import default_catalog
    from fenliu.schemas.serde import SINGLE_OBJECT_MAGIC, codec_for
    from fenliu.streams.replay.run import Replay
    from fenliu.streams.replay.sinks import NullSink, PartedFileSink, TopicSink

    s = job.settings
    decider = build_decider(s, taxonomy_file=job.taxonomy_file, jurisdiction_file=job.routing_file)
    codec = codec_for(s.topics.schema_registry_url)
    if job.sink == "topic":
        sink: Any = TopicSink(s, job.request.run_id, create=False)
    elif job.sink == "file":
        assert job.parts_dir is not None
        header = SINGLE_OBJECT_MAGIC + default_catalog()["Decision"].fingerprint
        sink = PartedFileSink(job.parts_dir, header)
    else:
        sink = NullSink()
    return Replay(s, decider, codec, sink, progress).run(job.request, set(job.partitions))


def _worker(number: int, job: Job, q: Any) -> None:
    try:
        q.put(("result", number, run_job(job, _QueueProgress(q))))
    except BaseException:
        q.put(("error", number, traceback.format_exc()))


def run_parallel(
    settings: Settings,
    request: ReplayRequest,
    workers: int,
    *,
    sink: str,
    out_dir: Path | None,
    taxonomy_file: Path | None = None,
    routing_file: Path | None = None,
    progress: Progress | None = None,
) -> ReplayResult:
    """Replay ``request`` over ``workers`` processes (1 = in this process, same code path)."""
    began = time.perf_counter()
    spans = raw_spans(settings, request)
    shares = share(spans, max(1, workers))
    if sink == "topic":
        from fenliu.streams.replay.sinks import TopicSink

        TopicSink(settings, request.run_id).close()  # made once, before the workers write to it
    tmp = Path(tempfile.mkdtemp(prefix="fenliu-replay-"))
    try:
        jobs = [
            Job(
                settings,
                request,
                part,
                taxonomy_file,
                routing_file,
                sink,
                tmp / f"w{n}" if sink == "file" else None,
            )
            for n, part in enumerate(shares)
        ]
        results = [run_job(jobs[0], progress)] if len(jobs) == 1 else _spawn(jobs, progress)
        result = merge(results, request)
        if sink == "file":
            assert out_dir is not None
            import json

            from fenliu.schemas.catalog import default_catalog

            path = out_dir / "decisions.avro"
            schema = json.dumps(default_catalog()["Decision"].expanded, sort_keys=True)
            assemble_avro([j.parts_dir for j in jobs if j.parts_dir], path, schema)
            result.output = {"kind": "file", "path": str(path)}
        elif sink == "topic":
            from fenliu.streams.replay.sinks import replay_topic_name

            result.output = {"kind": "topic", "topic": replay_topic_name(settings, request.run_id)}
        else:
            result.output = {"kind": "none"}
        result.stats["workers"] = len(jobs)
        result.seconds = time.perf_counter() - began
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _spawn(jobs: list[Job], progress: Progress | None) -> list[ReplayResult]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(n, job, q), daemon=True) for n, job in enumerate(jobs)
    ]
    for p in procs:
        p.start()
    results: dict[int, ReplayResult] = {}
    totals: Counter[str] = Counter()
    try:
        while len(results) < len(jobs):
            try:
                kind, a, b = q.get(timeout=1.0)
            except queue_mod.Empty:
                dead = [n for n, p in enumerate(procs) if not p.is_alive() and n not in results]
                if dead and q.empty():
                    raise RuntimeError(f"replay worker(s) {dead} died without a result") from None
                continue
            if kind == "total":
                totals[a] += b
                if progress:
                    progress.total(a, totals[a])
            elif kind == "advance":
                if progress:
                    progress.advance(a, b)
            elif kind == "result":
                results[a] = b
            else:
                raise RuntimeError(f"replay worker {a} failed:\n{b}")
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
    return [results[n] for n in sorted(results)]


def merge(results: list[ReplayResult], request: ReplayRequest) -> ReplayResult:
    """One result from the workers' parts."""
    tally = Tally(max_rows=results[0].tally.max_rows)
    stats: Counter[str] = Counter()
    dead: list[dict[str, Any]] = []
    for r in results:
        tally.merge(r.tally)
        stats.update(r.stats)
        dead += r.dead_letters
    dead.sort(key=_position_order)
    return ReplayResult(
        request.run_id, request, tally, dict(stats), results[0].versions, {}, 0.0, dead
    )


def _position_order(row: dict[str, Any]) -> tuple[Any, ...]:
    """``topic/partition@offset`` in number order, as ``dead_letters_of`` sorts one worker's."""
    topic, _, rest = row["where"].rpartition("/")
    partition, _, offset = rest.partition("@")
    return (topic, int(partition), int(offset), row["stage"], row["reason"])
