"""The labelled sets and the real messages, as the trainer and ``fenliu evaluate`` read them.

Split rule (issue 11, applied once by the writers of the sets): ``int(sha256(id), 16) % 10``
0-5 train, 6-7 dev, 8-9 test. ``tests/eval/sets/<split>/*.jsonl`` are already split; the two
older files (``labelled_calls.jsonl``, ``heldout_calls.jsonl``) are split here by the same
rule. The test split is read only when asked for by name. Each earlier test split
(``*-seen-test.jsonl``) was read once for reported figures and then moved out of test; the test
split is what was written after the last such reading. Sets written only as held-out tests
sit whole in test (``WHOLE_TEST_SETS``) until read. Once read, a seen-test file is re-split
(issue 11, 2026-12-02, so the model learns from about twice the police calls): its rows
whose hash bucket is 6-7 (``split_of == "dev"``) stay in ``dev/<name>-seen-test.jsonl``,
every other row (the hash rule's train and test buckets: a read test row is no longer a
test) goes to ``train/<name>-seen-test.jsonl``; ``seen_test_split_of`` is the rule.
The real messages stay in ``../shared/realdata``; their hand labels (ids only) are in
``tests/eval/real/labels.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO / "tests" / "eval"
LEGACY_SETS = ("labelled_calls.jsonl", "heldout_calls.jsonl")
SPLITS = ("train", "dev", "test")
SEEN_TEST_SUFFIX = "-seen-test"
#: Sets written only as held-out tests, whole in test (not split by hash) until read.
WHOLE_TEST_SETS = (
    "110-police-w8",
    "110-nonpolice-w9",
    "12345-w10",
    "110-police-w11",
    "110-nonpolice-w12",
    "12345-w13",
    "110-police-w14",
    "110-nonpolice-w15",
    "12345-w16",
    "110-police-w17",
    "110-nonpolice-w18",
    "12345-w19",
    "110-police-w23",
    "110-nonpolice-w24",
    "12345-w25",
    "110-police-w26",
    "110-nonpolice-w27",
    "12345-w28",
    "110-police-w29",
    "110-nonpolice-w30",
    "12345-w31",
    "110-police-w32",
    "110-nonpolice-w32",
    "110-police-w33",
    "110-nonpolice-w33",
    "110-police-w34",
    "110-nonpolice-w34",
    "12345-w35",
    "110-police-w36",
    "110-nonpolice-w36",
    "110-police-w37",
    "110-nonpolice-w37",
    "110-police-w38",
    "110-nonpolice-w38",
    "12345-w39",
    "110-police-w40",
    "110-nonpolice-w40",
    "110-police-w41",
    "110-nonpolice-w41",
    "110-police-w42",
    "110-nonpolice-w42",
    "12345-w43",
    "110-police-w44",
    "110-nonpolice-w44",
    "110-police-w45",
    "110-nonpolice-w45",
    "110-police-w46",
    "110-nonpolice-w46",
    "12345-w47",
    "110-police-w48",
    "110-nonpolice-w48",
    "110-police-w49",
    "110-nonpolice-w49",
    "110-police-w50",
    "110-nonpolice-w50",
    "12345-w51",
    "110-police-w52",
    "110-nonpolice-w52",
    "110-police-w53",
    "110-nonpolice-w53",
    "110-police-w54",
    "110-nonpolice-w54",
    "12345-w55",
    "110-police-w56",
    "110-nonpolice-w56",
    "110-police-w57",
    "110-nonpolice-w57",
    "110-police-w58",
    "110-nonpolice-w58",
    "12345-w59",
    "110-police-w60",
    "110-nonpolice-w60",
    "110-police-w61",
    "110-nonpolice-w61",
    "110-police-w62",
    "110-nonpolice-w62",
    "12345-w63",
    "110-police-w64",
    "110-nonpolice-w64",
    "110-police-w65",
    "110-nonpolice-w65",
    "110-police-w66",
    "110-nonpolice-w66",
    "12345-w67",
    "110-police-w68",
    "110-nonpolice-w68",
    "110-police-w69",
    "110-nonpolice-w69",
    "110-police-w70",
    "110-nonpolice-w70",
    "12345-w71",
    "110-police-w72",
    "110-nonpolice-w72",
    "110-police-w73",
    "110-nonpolice-w73",
    "110-police-w74",
    "110-nonpolice-w74",
    "12345-w75",
    "110-police-w76",
    "110-nonpolice-w76",
    "110-police-w77",
    "110-nonpolice-w77",
    "110-police-w78",
    "110-nonpolice-w78",
    "12345-w79",
    "110-police-w80",
    "110-nonpolice-w80",
    "110-police-w81",
    "110-nonpolice-w81",
    "110-police-w82",
    "110-nonpolice-w82",
    "12345-w83",
    "110-police-w84",
    "110-nonpolice-w84",
    "110-police-w85",
    "110-nonpolice-w85",
    "110-police-w86",
    "110-nonpolice-w86",
    "12345-w87",
    "110-police-w88",
    "110-nonpolice-w88",
    "110-police-w89",
    "110-nonpolice-w89",
    "110-police-w90",
    "110-nonpolice-w90",
    "12345-w91",
    "110-police-w92",
    "110-nonpolice-w92",
    "110-police-w93",
    "110-nonpolice-w93",
    "110-police-w94",
    "110-nonpolice-w94",
    "12345-w95",
    "110-police-w96",
    "110-nonpolice-w96",
    "110-police-w97",
    "110-nonpolice-w97",
    "110-police-w98",
    "110-nonpolice-w98",
    "12345-w99",
    "110-police-w100",
    "110-nonpolice-w100",
    "110-police-w101",
    "110-nonpolice-w101",
    "110-police-w102",
    "110-nonpolice-w102",
    "12345-w103",
    "110-police-w104",
    "110-nonpolice-w104",
    "110-police-w105",
    "110-nonpolice-w105",
    "110-police-w106",
    "110-nonpolice-w106",
    "12345-w107",
    "110-police-w109",
    "110-nonpolice-w109",
    "110-police-w110",
    "110-nonpolice-w110",
    "12345-w111",
    "110-police-w108",
    "110-nonpolice-w108",
    "110-police-w112",
    "110-nonpolice-w112",
    "110-police-w113",
    "110-nonpolice-w113",
    "110-police-w114",
    "110-nonpolice-w114",
    "12345-w115",
    "110-police-w116",
    "110-nonpolice-w116",
    "110-police-w117",
    "110-nonpolice-w117",
    "110-police-w118",
    "110-nonpolice-w118",
    "12345-w119",
    "110-police-w120",
    "110-nonpolice-w120",
    "110-police-w121",
    "110-nonpolice-w121",
    "110-police-w122",
    "110-nonpolice-w122",
    "12345-w123",
    "110-police-w124",
    "110-nonpolice-w124",
    "110-police-w125",
    "110-nonpolice-w125",
    "110-police-w126",
    "110-nonpolice-w126",
    "12345-w127",
    "110-police-w128",
    "110-nonpolice-w128",
    "110-police-w129",
    "110-nonpolice-w129",
    "110-police-w130",
    "110-nonpolice-w130",
    "12345-w131",
    "110-police-w132",
    "110-nonpolice-w132",
    "110-police-w133",
    "110-nonpolice-w133",
    "110-police-w134",
    "110-nonpolice-w134",
    "12345-w135",
    "110-police-w136",
    "110-nonpolice-w136",
    "110-police-w137",
    "110-nonpolice-w137",
    "110-police-w138",
    "110-nonpolice-w138",
    "12345-w139",
    "110-police-w140",
    "110-nonpolice-w140",
    "110-police-w141",
    "110-nonpolice-w141",
    "110-police-w142",
    "110-nonpolice-w142",
    "12345-w143",
    "110-police-w144",
    "110-nonpolice-w144",
    "110-police-w145",
    "110-nonpolice-w145",
    "110-police-w146",
    "110-nonpolice-w146",
    "12345-w147",
    "110-police-w148",
    "110-nonpolice-w148",
    "110-police-w149",
    "110-nonpolice-w149",
    "110-police-w150",
    "110-nonpolice-w150",
    "12345-w151",
    "110-police-w152",
    "110-nonpolice-w152",
    "110-police-w153",
    "110-nonpolice-w153",
    "110-police-w154",
    "110-nonpolice-w154",
    "12345-w155",
    "110-police-w156",
    "110-nonpolice-w156",
    "110-police-w157",
    "110-nonpolice-w157",
    "110-police-w158",
    "110-nonpolice-w158",
    "12345-w159",
    "110-police-w160",
    "110-nonpolice-w160",
    "110-police-w161",
    "110-nonpolice-w161",
    "110-police-w162",
    "110-nonpolice-w162",
    "12345-w163",
    "110-police-w164",
    "110-nonpolice-w164",
    "110-police-w165",
    "110-nonpolice-w165",
    "110-police-w166",
    "110-nonpolice-w166",
    "12345-w167",
    "110-police-w168",
    "110-nonpolice-w168",
    "110-police-w169",
    "110-nonpolice-w169",
    "110-police-w170",
    "110-nonpolice-w170",
    "12345-w171",
    "110-police-w172",
    "110-nonpolice-w172",
    "110-police-w173",
    "110-nonpolice-w173",
    "110-police-w174",
    "110-nonpolice-w174",
    "12345-w175",
    "110-police-w176",
    "110-nonpolice-w176",
    "110-police-w177",
    "110-nonpolice-w177",
    "110-police-w178",
    "110-nonpolice-w178",
    "12345-w179",
    "110-police-w180",
    "110-nonpolice-w180",
    "110-police-w181",
    "110-nonpolice-w181",
    "110-police-w182",
    "110-nonpolice-w182",
    "12345-w183",
    "110-police-w184",
    "110-nonpolice-w184",
    "110-police-w185",
    "110-nonpolice-w185",
    "110-police-w186",
    "110-nonpolice-w186",
    "12345-w187",
    "110-police-w188",
    "110-nonpolice-w188",
    "110-police-w189",
    "110-nonpolice-w189",
    "110-police-w190",
    "110-nonpolice-w190",
    "12345-w191",
    "110-police-w192",
    "110-nonpolice-w192",
    "110-police-w193",
    "110-nonpolice-w193",
    "110-police-w194",
    "110-nonpolice-w194",
    "12345-w195",
    "110-police-w196",
    "110-nonpolice-w196",
    "110-police-w197",
    "110-nonpolice-w197",
    "110-police-w198",
    "110-nonpolice-w198",
    "12345-w199",
    "110-police-w200",
    "110-nonpolice-w200",
    "110-police-w201",
    "110-nonpolice-w201",
    "110-police-w202",
    "110-nonpolice-w202",
    "12345-w203",
    "110-police-w204",
    "110-nonpolice-w204",
    "110-police-w205",
    "110-nonpolice-w205",
    "110-police-w206",
    "110-nonpolice-w206",
    "12345-w207",
    "110-police-w208",
    "110-nonpolice-w208",
    "110-police-w209",
    "110-nonpolice-w209",
    "110-police-w210",
    "110-nonpolice-w210",
    "12345-w211",
    "110-police-w212",
    "110-nonpolice-w212",
    "110-police-w213",
    "110-nonpolice-w213",
    "110-police-w214",
    "110-nonpolice-w214",
    "12345-w215",
    "110-police-w216",
    "110-nonpolice-w216",
    "110-police-w217",
    "110-nonpolice-w217",
    "110-police-w218",
    "110-nonpolice-w218",
    "12345-w219",
    "110-police-w220",
    "110-nonpolice-w220",
    "110-police-w221",
    "110-nonpolice-w221",
    "110-police-w222",
    "110-nonpolice-w222",
    "12345-w223",
    "110-police-w224",
    "110-nonpolice-w224",
    "110-police-w225",
    "110-nonpolice-w225",
    "110-police-w226",
    "110-nonpolice-w226",
    "12345-w227",
    "110-police-w228",
    "110-nonpolice-w228",
    "110-police-w229",
    "110-nonpolice-w229",
    "110-police-w230",
    "110-nonpolice-w230",
    "12345-w231",
    "110-police-w232",
    "110-nonpolice-w232",
    "110-police-w233",
    "110-nonpolice-w233",
    "110-police-w234",
    "110-nonpolice-w234",
    "12345-w235",
    "110-police-w236",
    "110-nonpolice-w236",
    "110-police-w237",
    "110-nonpolice-w237",
    "110-police-w238",
    "110-nonpolice-w238",
    "12345-w239",
    "110-police-w240",
    "110-nonpolice-w240",
    "110-police-w241",
    "110-nonpolice-w241",
    "110-police-w242",
    "110-nonpolice-w242",
    "12345-w243",
    "110-police-w244",
    "110-nonpolice-w244",
    "110-police-w245",
    "110-nonpolice-w245",
    "110-police-w246",
    "110-nonpolice-w246",
    "12345-w247",
    "110-police-w248",
    "110-nonpolice-w248",
    "110-police-w249",
    "110-nonpolice-w249",
    "110-police-w250",
    "110-nonpolice-w250",
    "12345-w251",
    "110-police-w252",
    "110-nonpolice-w252",
    "110-police-w253",
    "110-nonpolice-w253",
    "110-police-w254",
    "110-nonpolice-w254",
    "12345-w255",
    "110-police-w256",
    "110-nonpolice-w256",
    "110-police-w257",
    "110-nonpolice-w257",
    "110-police-w258",
    "110-nonpolice-w258",
    "12345-w259",
    "110-police-w260",
    "110-nonpolice-w260",
    "110-police-w261",
    "110-nonpolice-w261",
    "110-police-w262",
    "110-nonpolice-w262",
    "12345-w263",
    "110-police-w264",
    "110-nonpolice-w264",
    "110-police-w265",
    "110-nonpolice-w265",
    "110-police-w266",
    "110-nonpolice-w266",
    "12345-w267",
    "110-police-w268",
    "110-nonpolice-w268",
    "110-police-w269",
    "110-nonpolice-w269",
    "110-police-w270",
    "110-nonpolice-w270",
    "12345-w271",
    "110-police-w272",
    "110-nonpolice-w272",
    "110-police-w273",
    "110-nonpolice-w273",
    "110-police-w274",
    "110-nonpolice-w274",
    "12345-w275",
)
REAL_DIR = REPO.parent / "shared" / "realdata"
REAL_MESSAGES = "gov-messages.jsonl"
REAL_LABELS = EVAL_DIR / "real" / "labels.jsonl"


def split_of(row_id: str) -> str:
    """train / dev / test by the hash of the id."""
    bucket = int(hashlib.sha256(row_id.encode("utf-8")).hexdigest(), 16) % 10
    return "train" if bucket < 6 else ("dev" if bucket < 8 else "test")


def seen_test_split_of(row_id: str) -> str:
    """Where a row of a read test split (``*-seen-test``) sits: dev for the dev buckets, else train."""
    return "dev" if split_of(row_id) == "dev" else "train"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_split(split: str, eval_dir: Path = EVAL_DIR) -> list[dict[str, Any]]:
    """Every labelled row of one split; each row gains ``set`` (its file's name)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    rows: list[dict[str, Any]] = []
    for path in sorted((eval_dir / "sets" / split).glob("*.jsonl")):
        rows += [{**r, "set": path.stem} for r in read_jsonl(path)]
    for name in LEGACY_SETS:
        path = eval_dir / name
        if path.exists():
            rows += [
                {**r, "set": path.stem} for r in read_jsonl(path) if split_of(str(r["id"])) == split
            ]
    return rows


def data_sha256(rows: list[dict[str, Any]]) -> str:
    """The hash of the rows a model was trained on (order-independent, canonical JSON)."""
    lines = sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def real_messages(real_dir: Path = REAL_DIR) -> list[dict[str, Any]] | None:
    """The real messages, or None when ``../shared/realdata`` is absent."""
    path = real_dir / REAL_MESSAGES
    return read_jsonl(path) if path.exists() else None


def real_text(msg: dict[str, Any]) -> str:
    """A message as a 12345 ticket's text: subject, a new line, the detail."""
    parts = [str(msg.get("subject") or "").strip(), str(msg.get("detail") or "").strip()]
    return "\n".join(p for p in parts if p)


def level1_label(row: dict[str, Any]) -> str | None:
    """The 12345 level-1 name or id a labelled row carries, if any."""
    for key in ("expected_category_l1", "expected_level1", "level1"):
        if row.get(key):
            return str(row[key])
    for key in ("expected_category", "expected_category_id", "category_id"):
        if row.get(key):
            return str(row[key]).split("-", 1)[0]
    return None


def real_level1_rows(real_dir: Path = REAL_DIR, labels: Path = REAL_LABELS,
                     split: str = "dev") -> list[dict[str, Any]] | None:  # fmt: skip
    """The hand-labelled real messages of one split as level-1 training rows
    (``id``, ``text``, ``level1``); None when ``../shared/realdata`` is absent.

    The texts are read at run time from ``../shared/realdata`` and never stored here.
    """
    messages = real_messages(real_dir)
    if messages is None or not labels.exists():
        return None
    text = {str(m["id"]): real_text(m) for m in messages}
    return [
        {"id": str(lab["id"]), "text": text[str(lab["id"])], "level1": str(lab["level1"])}
        for lab in read_jsonl(labels)
        if lab.get("split") == split and str(lab["id"]) in text and lab.get("level1")
    ]
