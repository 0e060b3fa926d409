"""The demo's call-takers: they answer SUGGEST decisions on ``fenliu.verdicts``.

A thread reads ``fenliu.decisions`` from now on; for each SUGGEST it confirms
``FENLIU_DEMO_CONFIRM_SHARE`` of them (``processors.suggestions.simulated_answer``),
rejects half the rest and leaves the others to time out, so the demo shows the whole
loop: held orders, confirmed diversions in 分流率, and calls the police keep.
"""

from __future__ import annotations

import logging
import threading
import uuid
import zlib

from confluent_kafka import Consumer, Producer

from fenliu.processors.suggestions import simulated_answer, verdict_id
from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics.catalogue import DECISIONS, VERDICTS

log = logging.getLogger(__name__)


class CallTakers(threading.Thread):
    def __init__(self, settings: Settings, codec: Codec, stop: threading.Event) -> None:
        super().__init__(name="demo-call-takers", daemon=True)
        self.settings, self.codec, self.stop = settings, codec, stop
        self.answered = 0

    def run(self) -> None:
        s = self.settings
        consumer = Consumer(
            confluent_config(
                s,
                **{
                    "group.id": f"{s.topics.prefix}demo-call-takers-{uuid.uuid4().hex[:6]}",
                    "auto.offset.reset": "latest",
                    "enable.auto.commit": False,
                },
            )
        )
        producer = Producer(confluent_config(s))
        consumer.subscribe([s.topic(DECISIONS)])
        try:
            while not self.stop.is_set():
                msg = consumer.poll(0.5)
                if msg is None or msg.error():
                    continue
                try:
                    d = self.codec.decode(msg.value() or b"", expect="Decision")
                except Exception:  # noqa: BLE001 - not ours to dead-letter
                    continue
                if d.get("outcome") != "SUGGEST":
                    continue
                answer = simulated_answer(d["decision_id"], s.demo.seed, s.demo.confirm_share)
                if answer is None:
                    continue  # nobody presses the key: the police keep it after the time limit
                at = d["event"]["received_at"]
                at_ms = at if isinstance(at, int) else int(at.timestamp() * 1000)
                record = {
                    "verdict_id": verdict_id(d["decision_id"], answer),
                    "decision_id": d["decision_id"],
                    "case_key": d["case_key"],
                    "source": d["event"]["source"],
                    "source_id": d["event"]["source_id"],
                    "verdict": answer,
                    "by": f"demo-ct-{zlib.crc32(d['case_key'].encode()) % 8}",
                    "at": at_ms + 20_000,  # a call-taker takes 20 s
                    "text": d["event"]["text"],
                }
                producer.produce(
                    s.topic(VERDICTS),
                    key=d["decision_id"].encode(),
                    value=self.codec.encode("CallTakerVerdict", record),
                )
                producer.poll(0)
                self.answered += 1
        finally:
            producer.flush(5)
            consumer.close()
