"""一类事预警 in the Faust worker: counts of one class at one place, warnings when many.

The cases agent hands every ``CaseUpdate`` it sends on ``fenliu.cases`` to this feature
in-process (``streams.worker.inputs``: the record is not read back and decoded again); it is
processed on the partition of its case key, so one town's cases of one class meet on one
partition. Every OPENED case is counted at its place
(``CaseUpdate.place_key``: grid, geo cell or address) in a sliding event-time window
(``processors.hotspot``). Crossing ``FENLIU_HOTSPOT_THRESHOLD`` sends one
``HotspotWarning`` on ``fenliu.alerts.hotspot``, keyed by place, with the cases behind it.
Repeats and flow-backs are not new cases and do not count.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from prometheus_client import Counter

from fenliu.processors.hotspot import HotspotRules, PlaceCounter, expires_at, observe
from fenliu.schemas.records import CaseUpdateKind, epoch_ms
from fenliu.settings import Settings
from fenliu.streams.worker.context import StreamsContext
from fenliu.streams.worker.inputs import CASE_UPDATES, hub
from fenliu.streams.worker.table_store import ExpiringTable, json_table
from fenliu.streams.worker.topics import DirectTopic
from fenliu.topics.catalogue import CASES, HOTSPOT_ALERTS, default_catalogue

RAW: dict[str, Any] = {"key_serializer": "raw", "value_serializer": "raw"}
log = logging.getLogger(__name__)

WARNINGS = Counter("fenliu_hotspot_warnings_total", "Hotspot warnings sent", ["class_code"])
COUNTED = Counter("fenliu_hotspot_cases_total", "Opened cases counted at a place", ["placed"])
FAILED = Counter(
    "fenliu_hotspot_failed_total",
    "Case updates the hotspot count failed on (logged; the case itself is kept)",
)
EXPIRED = Counter("fenliu_hotspot_expired_total", "Place counters dropped by event-time expiry")


def hotspot_rules(s: Settings) -> HotspotRules:
    return HotspotRules(
        window_ms=s.cases.hotspot_window_s * 1000,
        threshold=s.cases.hotspot_threshold,
        cell_m=s.cases.geo_cell_m,
    )


class HotspotFeature:
    def __init__(self, app: faust.App, ctx: StreamsContext) -> None:
        self.ctx = ctx
        self.rules = hotspot_rules(ctx.settings)
        partitions = default_catalogue()[CASES].partitions or ctx.settings.topics.partitions
        self.alerts = DirectTopic(app, app.topic(ctx.topic(HOTSPOT_ALERTS), **RAW))
        self.counters = ExpiringTable(
            json_table(
                app,
                "hotspots",
                partitions,
                "recent opened cases per town, class and place (PlaceCounter as a dict)",
            ),
            "hotspots",
        )

    async def on_update(self, partition: int, update: dict[str, Any]) -> None:
        """A ``CaseUpdate`` the cases agent sent, on the partition of its case key."""
        try:
            await self._count(partition, update)
        except Exception:  # noqa: BLE001 - the update is on fenliu.cases; count, go on
            FAILED.inc()
            log.exception("hotspot: could not count update %s", update.get("update_id"))

    async def _count(self, partition: int, update: dict[str, Any]) -> None:
        at = epoch_ms(update["at"])
        self.counters.advance(partition, at)
        if update["kind"] == CaseUpdateKind.OPENED:
            place = update["place_key"]
            COUNTED.labels("yes" if place else "no").inc()
            if place:
                await self._observe(partition, update, place, at)
        self._expire(partition)

    async def _observe(self, partition: int, update: dict[str, Any], place: str, at: int) -> None:
        key = f"{update['town_code']}|{update['class_code']}|{place}"
        stored = self.counters.get(key)
        counter = (
            PlaceCounter.from_dict(stored)
            if stored
            else PlaceCounter(update["town_code"], update["class_code"], place)
        )
        after, warning = observe(
            counter, update["case_id"], at, update["situation_code"], self.rules
        )
        if warning is not None:
            await self.alerts.send(
                key=place.encode(), value=self.ctx.codec.encode("HotspotWarning", warning.record())
            )
            if warning is not counter.last_warning:
                WARNINGS.labels(warning.class_code).inc()
        if after is not counter:
            self.counters.put(partition, key, after.to_dict(), expires_at(after, self.rules))

    def _expire(self, partition: int) -> None:
        now = self.counters.clock(partition)
        for key in self.counters.due(partition):
            stored = self.counters.get(key)
            if stored is None or now is None:
                continue
            counter = PlaceCounter.from_dict(stored)
            due = expires_at(counter, self.rules)
            if due < now:
                self.counters.delete(partition, key)
                EXPIRED.inc()
            else:
                self.counters.put(partition, key, counter.to_dict(), due)


def install(app: faust.App, ctx: StreamsContext) -> HotspotFeature:
    feature = HotspotFeature(app, ctx)

    hub(app).feed(CASE_UPDATES).subscribe(feature.on_update)

    async def assignment_changed(*_args: Any, **_kwargs: Any) -> None:
        feature.counters.stale()

    app.on_partitions_assigned.connect(assignment_changed)
    app.on_partitions_revoked.connect(assignment_changed)
    return feature
