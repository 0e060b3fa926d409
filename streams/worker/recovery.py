"""Faust's recovery hands stream partitions back in a safe order (faust-streaming 0.15.3).

Why this exists (the root cause of a skipped record after a restart and of a worker whose
commits stop for good after ``kill -9``; docs/streams.md, "Restarts: what was wrong"):

``faust.tables.recovery.Recovery.on_recovery_completed`` (faust/tables/recovery.py, 0.15.3
lines 624-667) does, once the tables are restored::

    consumer.resume_partitions(stream partitions)   # fetcher may deliver them from here on
    await consumer.perform_seek()                    # yields to the loop for a broker round trip
    app.flow_control.resume()                        # mode FlowControlEvent.resume() CLEARS every
                                                     # agent's queue (channels are clear_on_resume)
    consumer.resume_flow()

The consumer's flow is already running at that point (recovery resumed it to read the
changelogs), so while ``perform_seek`` waits, ``Consumer._drain_messages``
(faust/transport/consumer.py, lines 1170-1240) delivers records of the just-resumed stream
partitions into the agents' queues and advances ``Consumer._read_offset``. The next line
empties those queues. What happens to the thrown-away records:

* a partition with **no committed offset** is not moved by the seek at all (aiokafka
  ``AIOKafkaConsumer.seek_to_committed``, aiokafka/consumer/consumer.py line 901, seeks only
  when the offset is > 0): its records are gone. This is the lifecycle step skipped after a
  graceful restart (the lifecycle topic had never been committed).
* records fetched **after** the seek returned but before the queues were cleared are gone
  too (the fetch position has moved past them, and ``_drain_messages`` drops re-fetched
  offsets below ``_read_offset``).
* when two or more records right after the committed offset are lost this way,
  ``Consumer._new_offset`` (consumer.py lines 1138-1141) sees a hole of more than one
  offset after the committed offset and returns ``None`` forever: the partition is
  processed but **never committed again**. From outside (lag, ``/health``, the fault test's
  drain check) the worker has gone silent.

A second window loses records of never-committed partitions before recovery even starts.
faust hands aiokafka its *live* set of active partitions; aiokafka keeps reading that set
while a fetch waits for data and reads an empty set as "every partition" (aiokafka
fetcher.py line 1221). ``App._on_partitions_assigned`` pauses every assigned partition
(faust/app/base.py line 1886) while such a fetch waits: for a moment the set is empty,
aiokafka returns records of the paused stream partitions and moves its position past them,
and ``Consumer.getmany`` (consumer.py lines 759-766) drops them as "not active". The seek at
the end of recovery rewinds a partition with a committed offset; one without stays past
them. Seen in a failing run: ``orders[0]@2`` and ``lifecycle[1]@0`` fetched while not
active; ``orders[0]`` (committed 2) was read again after the seek, ``lifecycle[1]`` never.

``Consumer.on_buffer_drop`` (consumer.py line 554) can also put a *paused* partition back
among the active ones (a queue under back-pressure before a rebalance drains during it),
which reopens the same window during recovery.

Upstream: the same class of race was fixed for ``_resume_streams`` in faust-streaming
PR #217 (issue #216: "flow_control.resume() is called before perform_seek ... a gap appears
in the processing") and partly in PR #253; ``on_recovery_completed`` still resumes the
partitions before the seek and before the clear.

The fix (installed by ``streams/worker/app.py``: ``OrderedApp`` in ``create_app``,
``TableManager=OrderedTableManager`` in ``app_config``):

0. ``SnapshotFetchConsumer``: a fetch reads only the partitions active when it began, an
   empty set fetches nothing, and the partitions of fetches under way are known;
1. at every revocation and assignment, forget the back-pressure bookkeeping
   (``Consumer._buffered_partitions``), so no late pressure-drop callback resumes a paused
   partition (the active set is rebuilt from the assignment anyway);
2. ``on_recovery_completed`` / ``_resume_streams``: keep the stream partitions paused, stop
   the flow and let fetches under way come back, seek
   them to the committed offsets, and those without a commit to their beginning
   (``consumer_auto_offset_reset="earliest"``), clear the agents' queues
   (``flow_control.resume()``), and only then resume the partitions and the flow. Nothing
   of a stream partition can be in a queue or in flight when the queues are cleared,
   whatever was fetched and dropped before is read again, and every read offset is the
   committed one;
3. the continuity check, between the seek and the resume: a partition committed past the
   last record its agent applied + 1 is sought back to that record + 1
   (``streams/worker/continuity.py``);
4. the changelog seeks of the recovery itself (``_seek_offsets``) wait, like the stream
   seek, for fetches under way that include those partitions: a fetch of the standby
   replicas begun before a rebalance otherwise takes the promoted partitions' records
   after their seek to 0, faust drops them, and recovery never ends (issue 12,
   docs/streams.md "Standby replicas").
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Set
from typing import Any, cast

import faust
from faust.tables import TableManager
from faust.tables.recovery import Recovery
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP
from faust.types.transports import ConsumerT, TransportT

from fenliu.streams.worker import continuity
from fenliu.streams.worker.draining import EagerWaitFirst
from fenliu.streams.worker.fetching import FetchSizedThread

log = logging.getLogger(__name__)

#: How long the hand-over waits for a fetch that was already running to come back (a fetch
#: waits at most 1 s for data; ``Consumer._drain_messages`` asks with ``timeout=1.0``).
FETCH_SETTLE_TIMEOUT_S = 5.0


class SnapshotFetchConsumer(EagerWaitFirst, aiokafka_driver.Consumer):
    """aiokafka consumer of faust that fetches only what was active when the fetch began.

    Upstream passes its live ``_active_partitions`` set to aiokafka's
    ``Fetcher.fetched_records`` (faust/transport/drivers/aiokafka.py lines 1070-1108),
    which keeps reading it while it waits for data, and treats an *empty* set as "every
    partition" (aiokafka/consumer/fetcher.py line 1221, ``if partitions and tp not in
    partitions``). ``pause_partitions(assigned)`` at a rebalance empties that set in place
    during a fetch, so aiokafka returns (and moves its position past) records of paused
    partitions, which ``Consumer.getmany`` then drops. Here the fetch gets a copy, an
    empty copy fetches nothing, and the number of fetches under way is known, so the
    recovery can wait for them before it seeks (``OrderedRecovery``)."""

    _fetching: list[set[TP]] | None = None  # the partition sets of fetches under way
    #: Set while ``OrderedRecovery`` seeks the stream partitions itself (its hand-over).
    positions_owned = False

    async def perform_seek(self) -> None:
        """Upstream's seek to the committed offsets, except the one ``Consumer.getmany``
        asks for while the hand-over owns the positions.

        ``getmany`` (faust/transport/consumer.py lines 767-772) seeks every partition back
        to its committed offset whenever a fetch comes back while the flow is stopped. The
        hand-over stops the flow, then seeks: to the committed offsets, then the continuity
        check's partitions to their first record not applied. The Fetcher's loop was still
        in its round when the flow stopped (with no active partition it sleeps one second
        instead of fetching, invisible to ``fetching_any``); coming back inside the
        hand-over's window, its seek to the committed offsets ran after the continuity
        seek and undid it: the restarted worker skipped the records committed past (the
        continuity test failed in CI, stop 24, and in 1 of 9 local runs). Skipped here, it
        loses nothing: the hand-over seeks every stream partition itself before the flow
        resumes, and changelog partitions have no committed offset to go back to."""
        if self.positions_owned:
            log.info("a seek to the committed offsets during the hand-over: skipped")
            return
        await super().perform_seek()

    async def seek_to_committed_offsets(self) -> None:
        """The hand-over's own seek to the committed offsets (never skipped)."""
        await super().perform_seek()

    def _new_consumer_thread(self) -> aiokafka_driver.AIOKafkaConsumerThread:
        return FetchSizedThread(self, loop=self.loop, beacon=self.beacon)  # fetching.py

    async def _getmany(self, active_partitions: set[TP] | None, timeout: float) -> Any:
        if active_partitions is None:  # client-only apps read every partition
            return await super()._getmany(active_partitions, timeout)
        snapshot = set(active_partitions)
        if not snapshot:
            return {}
        if self._fetching is None:
            self._fetching = []
        self._fetching.append(snapshot)
        try:
            return await super()._getmany(snapshot, timeout)
        finally:
            self._fetching.remove(snapshot)

    def fetching_any(self, tps: Set[TP]) -> bool:
        """Whether a fetch under way may still hand over records of ``tps``."""
        return any(not snapshot.isdisjoint(tps) for snapshot in self._fetching or ())

    async def wait_empty(self) -> None:
        """faust's wait for every event under way to be acknowledged, bounded when the app
        stops (``FENLIU_STREAMS_SHUTDOWN_WAIT_S``, ``app.fenliu_shutdown_wait_s``).

        Upstream waits without end, and a record faust never acknowledges (a copy dropped
        from a queue while another agent's stream still held it) kept a stopping worker
        alive until SIGKILL. Given up, the events' offsets stay uncommitted: the next owner
        reads them again (at least once, as after a crash). A rebalance waits unbounded."""
        limit = getattr(self.app, "fenliu_shutdown_wait_s", None)
        if limit is None or not self.app.should_stop:
            return await super().wait_empty()
        # Not a cancellation: faust's wait swallows CancelledError (``_wait_for_ack``). The
        # events given up on leave the set it waits on; they were never acknowledged, so
        # no commit covers them. Its loop then ends and commits what was acknowledged.
        waiting = asyncio.ensure_future(super().wait_empty())
        done, _ = await asyncio.wait({waiting}, timeout=limit)
        if not done:
            left = list(self._unacked_messages)
            log.error(
                "stopping with %d unacknowledged event(s) after %.0f s, left uncommitted: %s",
                len(left),
                limit,
                ", ".join(sorted(f"{m.tp.topic}[{m.tp.partition}]@{m.offset}" for m in left)[:20]),
            )
            for message in left:
                self._unacked_messages.discard(message)
        await waiting


class SnapshotFetchTransport(aiokafka_driver.Transport):
    """faust's aiokafka transport with ``SnapshotFetchConsumer``."""

    Consumer = SnapshotFetchConsumer


class OrderedApp(faust.App):
    """``faust.App`` whose consumer is a ``SnapshotFetchConsumer`` (the producer is faust's)."""

    def _new_transport(self) -> TransportT:
        return SnapshotFetchTransport(self.conf.broker_consumer, self)


class OrderedRecovery(Recovery):
    """``Recovery`` that resumes stream partitions only after the seek and the queue clear."""

    def _forget_back_pressure(self) -> None:
        consumer = self.app.consumer
        buffered = getattr(consumer, "_buffered_partitions", None)
        if buffered is not None:
            buffered.clear()

    def on_partitions_revoked(self, revoked: set[TP]) -> None:
        """First thing faust does on a rebalance (before it stops the flow)."""
        self._forget_back_pressure()
        super().on_partitions_revoked(revoked)

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        """After ``pause_partitions(assigned)``: no pressure-drop may resume one of them."""
        self._forget_back_pressure()
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)

    async def _seek_offsets(
        self, consumer: ConsumerT, tps: set[TP], offsets: Counter[TP], title: str
    ) -> None:
        """faust's seek of changelog partitions (actives, then standbys), made only after
        every fetch that may still take records of them has come back (issue 12).

        A fetch started in the previous generation, while those partitions were read as
        standby replicas, outlives the rebalance (aiokafka waits for the new assignment
        inside it) and takes their records at whatever position they have. If faust's
        seek to 0 came first, those records reach ``Consumer.getmany`` while the flow is
        still stopped and are dropped, with aiokafka's position already at the end: the
        promoted partitions are never read and recovery waits for them forever ("No event
        received for active tp ... since recovery start"). No later fetch can take them
        before their resume: the flow stays stopped from the revocation until recovery
        resumes it after the active seek, and standbys stay paused until after theirs."""
        await self._let_fetches_return(tps, f"{title} changelog")
        # Named, not super(): the tests call this on a stand-in (tests/test_faust_recovery.py).
        await Recovery._seek_offsets(self, consumer, tps, offsets, title)

    def _stream_partitions(self) -> set[TP]:
        return {tp for tp in self.app.consumer.assignment() if not self._is_changelog_tp(tp)}

    async def _seek_uncommitted(self, streams: set[TP]) -> None:
        """Partitions without a committed offset start at their beginning, explicitly.

        ``perform_seek`` leaves them where the fetcher is, and the fetcher may already have
        handed records of them to faust, which dropped them: between
        ``Consumer.on_partitions_assigned`` (all partitions active) and
        ``App._on_partitions_assigned`` pausing them, a fetch can return records that
        ``Consumer.getmany`` then filters out as paused (consumer.py lines 746-766), with
        aiokafka's position already past them."""
        app = self.app
        if app.conf.consumer_auto_offset_reset != "earliest":
            return
        consumer = app.consumer
        read_offsets = cast(Any, consumer)._read_offset  # just set by perform_seek
        fresh = sorted(tp for tp in streams if not read_offsets.get(tp))
        if fresh:
            earliest = await consumer.earliest_offsets(*fresh)
            await consumer.seek_wait({tp: earliest[tp] for tp in fresh})
            self.log.info(
                "Partitions without a commit start at their beginning: %s",
                ", ".join(f"{tp.topic}[{tp.partition}]@{earliest[tp]}" for tp in fresh),
            )

    async def _seek_to_continuity(self, committed: dict[TP, int | None]) -> None:
        """The continuity check (``streams/worker/continuity.py``): a partition whose commit
        is past the last record its agent applied + 1 is read again from that record + 1,
        before anything of it is handed to the agents."""
        seeks = continuity.resume_points(self.app, committed)
        if seeks:
            await self.app.consumer.seek_wait(seeks)

    async def _settle(self, streams: set[TP]) -> None:
        """Stop handing records to the agents and let fetches that may hold records of
        ``streams`` return (one started before the partitions were paused).

        ``stop_flow`` cancels a delivery waiting in ``_drain_messages`` (and makes the
        fetcher idle); a fetch under way may still take records from aiokafka, so the seek
        must come after it. Fetches of other partitions only (changelogs) need no wait."""
        self.app.consumer.stop_flow()
        await asyncio.sleep(0)  # let a cancelled delivery finish its bookkeeping
        await self._let_fetches_return(streams, "stream")

    async def _let_fetches_return(self, tps: Set[TP], what: str) -> None:
        """Wait until no fetch under way may still take records of ``tps`` from aiokafka.

        Such a fetch moves aiokafka's position past the records it takes, and faust drops
        them if the flow is stopped or the partition paused when it returns
        (``Consumer.getmany``); a seek made before it returns is undone that way."""
        fetching_any = getattr(self.app.consumer, "fetching_any", None)
        deadline = asyncio.get_running_loop().time() + FETCH_SETTLE_TIMEOUT_S
        while fetching_any is not None and fetching_any(tps):
            if asyncio.get_running_loop().time() > deadline:
                self.log.warning(
                    "a fetch of %s partitions still under way after %.0f s; seeking anyway",
                    what,
                    FETCH_SETTLE_TIMEOUT_S,
                )
                break
            await asyncio.sleep(0.01)

    async def _hand_over_streams(self) -> None:
        """Settle, seek, clear the queues, then resume: the one safe order.

        From the flow's stop to its resume the positions are the hand-over's: a seek the
        consumer would make of itself meanwhile is skipped (``SnapshotFetchConsumer.
        perform_seek``). Set before ``stop_flow`` and cleared after ``resume_flow``, with
        no await between, so whoever sees the flow stopped sees the flag."""
        consumer = self.app.consumer
        owner = consumer if isinstance(consumer, SnapshotFetchConsumer) else None
        if owner is not None:
            owner.positions_owned = True
        try:
            await self._seek_and_resume()
        finally:
            if owner is not None:
                owner.positions_owned = False
        await cast(Any, self.app)._fetcher.maybe_start()

    async def _seek_and_resume(self) -> None:
        app = self.app
        consumer = app.consumer
        streams = self._stream_partitions()
        consumer.pause_partitions(streams)  # they are; make sure (see on_buffer_drop)
        await self._settle(streams)
        if consumer.assignment():
            self.log.info("Seek stream partitions to committed offsets.")
            seek = getattr(consumer, "seek_to_committed_offsets", consumer.perform_seek)
            await self._wait(seek(), timeout=app.conf.broker_request_timeout)
            read_offsets = cast(Any, consumer)._read_offset  # just set by perform_seek
            committed = {tp: read_offsets.get(tp) for tp in streams}
            await self._wait(
                self._seek_uncommitted(streams), timeout=app.conf.broker_request_timeout
            )
            await self._wait(
                self._seek_to_continuity(committed), timeout=app.conf.broker_request_timeout
            )
        else:
            self.log.info("Resuming streams with empty assignment")
        self.completed.set()
        # Clears every agent's queue: nothing of a stream partition is in there to lose.
        app.flow_control.resume()
        self.log.info("Resume stream partitions after the seek (%d).", len(streams))
        consumer.resume_partitions(streams)
        consumer.resume_flow()

    async def _resume_streams(self, generation_id: int = 0) -> None:
        """Upstream ``_resume_streams`` (apps without tables), in the safe order."""
        app = self.app
        await app.on_rebalance_complete.send()
        if app.consumer_generation_id != generation_id:
            self.log.warning("Recovery rebalancing again")
            return
        await self._hand_over_streams()
        self.tables.on_actives_ready()
        self.tables.on_standbys_ready()
        app.on_rebalance_end()
        self.log.info("Worker ready")

    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        """Upstream ``on_recovery_completed``, in the safe order."""
        app = self.app
        self.log.info("Restore complete!")
        await app.on_rebalance_complete.send()
        self._set_recovery_ended()
        callbacks = [
            asyncio.ensure_future(
                table.on_recovery_completed(
                    self.actives_for_table[table], self.standbys_for_table[table]
                )
            )
            for table in self.tables.values()
        ]
        if callbacks:
            await asyncio.wait(callbacks)
        if app.consumer_generation_id != generation_id:
            self.log.warning(
                "Recovery rebalancing again app id %s param %s",
                app.consumer_generation_id,
                generation_id,
            )
            return
        await self._hand_over_streams()
        self.tables.on_actives_ready()
        if not app.assignor.assigned_standbys():
            self.tables.on_standbys_ready()
        app.on_rebalance_end()
        self.log.info("Worker ready")


class OrderedTableManager(TableManager):
    """faust's ``TableManager`` with ``OrderedRecovery`` (``App(TableManager=...)``)."""

    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = OrderedRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery
