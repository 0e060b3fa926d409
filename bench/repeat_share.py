"""Share of repeat calls the merge rules make of generated traffic, without Kafka.

    .venv/bin/python -m bench.repeat_share PER_DAY N

Generated traffic (the demo's model, rhythm on) decided by the router's decider and merged
by ``CaseBook`` as the worker merges it (no closings: every case stays open). Prints the
repeat-call share (REPEAT ÷ OPENED + REPEAT + FLOW_BACK, docs/rates.md) and the mix.
"""

import collections
import itertools
import sys
import time

from fenliu.processors.case_index import CaseBook
from fenliu.processors.case_records import incoming_call
from fenliu.processors.records import decision_record
from fenliu.refdata.decider import build_decider
from fenliu.settings import Settings
from fenliu.streams.worker.cases import merge_rules
from fenliu.traffic.feed import load_traffic_model
from fenliu.traffic.generator import TrafficGenerator

s = Settings()
per_day = float(sys.argv[1])
n = int(sys.argv[2])
dec = build_decider(s)
gen = TrafficGenerator(
    load_traffic_model(s),
    seed=3,
    start_ms=time.time_ns() // 1_000_000 - 86_400_000 * 3,
    calls_per_day=per_day,
)
table = {}
book = CaseBook(merge_rules(s), table.get)
k = collections.Counter()
gk = collections.Counter()
for e in itertools.islice(gen, n):
    gk[str(e.truth.kind)] += 1
    d = decision_record(dec.decide(e.record, e.source, now_ms=e.at_ms))
    r = book.apply_call(incoming_call(d))
    for w in r.writes:
        if w.entry is None:
            table.pop(w.case_id, None)
        else:
            table[w.case_id] = w.entry
    k[(r.call.kind.value, r.call.rule.value)] += 1
tot = sum(k.values())
rep = sum(v for (a, _), v in k.items() if a == "REPEAT")
print(
    f"per_day={per_day:g} n={n} repeat share={rep / tot:.1%}",
    {f"{a}/{b}": f"{v / tot:.1%}" for (a, b), v in k.most_common()},
)
print("generator kinds", {a: f"{v / n:.1%}" for a, v in gk.most_common()})
