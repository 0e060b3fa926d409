"""``fenliu verdicts``: the call-takers' answers to SUGGEST decisions (issue 11).

``send`` writes one answer to ``fenliu.verdicts`` (what a call-taker's one key does);
``export`` reads the topic back as labelled JSON lines that ``fenliu train --verdicts``
adds to its TRAIN rows: the corrections loop of a running deployment.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    verdicts = typer.Typer(
        help="Call-takers' confirmations and rejections of SUGGEST decisions.", no_args_is_help=True
    )

    @verdicts.command("send")
    def send(
        decision_id: str = typer.Argument(..., help="the SUGGEST decision answered"),
        reject: bool = typer.Option(
            False, "--reject", help="the police keep it (default: confirm)"
        ),
        by: str = typer.Option(..., "--by", help="call-taker id"),
        text: str = typer.Option(
            None, "--text", help="the call's text, to make the answer a label"
        ),
    ) -> None:
        """Confirm (or reject) one suggestion: the worker releases (or drops) its held order."""
        import time

        from confluent_kafka import Producer

        from fenliu.processors.suggestions import CONFIRMED, REJECTED, verdict_id
        from fenliu.schemas.serde import codec_for
        from fenliu.settings import get_settings
        from fenliu.streams.kafka.config import confluent_config
        from fenliu.topics.catalogue import VERDICTS

        s = get_settings()
        kind = REJECTED if reject else CONFIRMED
        record = {
            "verdict_id": verdict_id(decision_id, kind),
            "decision_id": decision_id,
            "case_key": "",
            "source": "S110",
            "source_id": "",
            "verdict": kind,
            "by": by,
            "at": time.time_ns() // 1_000_000,
            "text": text,
        }
        producer = Producer(confluent_config(s, **{"enable.idempotence": True}))
        producer.produce(
            s.topic(VERDICTS),
            key=decision_id.encode(),
            value=codec_for(s.topics.schema_registry_url).encode("CallTakerVerdict", record),
        )
        if producer.flush(30):
            typer.echo("fenliu verdicts send: not delivered", err=True)
            raise typer.Exit(1)
        typer.echo(f"{kind} {decision_id} by {by}")

    @verdicts.command("export")
    def export(
        out: Path = typer.Option(..., "--out", help="JSON lines file of labelled rows"),
    ) -> None:
        """Read fenliu.verdicts from its start: one labelled row per answered decision."""
        import uuid

        from confluent_kafka import Consumer

        from fenliu.processors.suggestions import label_rows
        from fenliu.schemas.serde import codec_for
        from fenliu.settings import get_settings
        from fenliu.streams.kafka.config import confluent_config
        from fenliu.streams.replay.read import read_spans, time_spans
        from fenliu.topics.catalogue import VERDICTS

        s = get_settings()
        codec = codec_for(s.topics.schema_registry_url)
        consumer = Consumer(
            confluent_config(
                s,
                **{
                    "group.id": f"fenliu-audit-verdicts-{uuid.uuid4().hex[:8]}",
                    "enable.auto.commit": False,
                },
            )
        )
        seen, unreadable = [], 0
        try:
            spans = time_spans(consumer, s.topic(VERDICTS), 0, None, s.replay.kafka_timeout_s)
            for msgs in read_spans(consumer, spans, s.replay.batch_size):
                for m in msgs:
                    try:
                        seen.append(codec.decode(m.value() or b"", expect="CallTakerVerdict"))
                    except Exception:  # noqa: BLE001 - counted; the worker dead-letters them
                        unreadable += 1
        finally:
            consumer.close()
        for v in seen:
            v["at"] = v["at"] if isinstance(v["at"], int) else int(v["at"].timestamp() * 1000)
        rows = label_rows(seen)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        typer.echo(
            f"{len(seen)} answers read ({unreadable} unreadable), {len(rows)} labels → {out}"
        )

    app.add_typer(verdicts, name="verdicts")
