"""The learned opinion: the pure scorer equals scikit-learn, training is deterministic,
the shipped artifact loads as package data, and the 12345 categories match words."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fenliu.evalsets import (
    SEEN_TEST_SUFFIX,
    WHOLE_TEST_SETS,
    load_split,
    seen_test_split_of,
    split_of,
)
from fenliu.processors.categories import CategoryError, CategoryPolicy, compile_categories
from fenliu.processors.text_model import ModelError, char_ngrams, load_opinion, ngram_set
from fenliu.refdata.opinion import OpinionMissing, load_categories, read_artifact
from fenliu.refdata.taxonomy import load_taxonomy
from tests.labelled_sample import hash_sample

ROOT = Path(__file__).resolve().parent.parent
# Fixed samples (tests/labelled_sample.py), not strides of the growing sets: these tests
# train models, and at strides of 200,000 rows they took 60 s each idle, 120-170 s in CI.
SCORER_ROWS = 12_000
TRAIN_ROWS, DEV_ROWS = 12_000, 4_000
TEXTS = ["楼上漏水天花板泡坏了", "有人拿刀在门口砍人", "老板拖欠工资三个月", "孩子被几个大孩子打了还要钱",
         "小区门口违章建筑", "ＡＢＣ  全角  数字１２３", "他扬言要烧我家房子", "停水了什么时候来水"]  # fmt: skip


@given(st.text(max_size=40))
def test_the_fast_ngram_set_is_the_analyzers_set(text: str) -> None:
    assert ngram_set(text) == set(char_ngrams(text))
    assert ngram_set(text, 2, 4) == set(char_ngrams(text, 2, 4))


def test_the_pure_scorer_equals_scikit_learn() -> None:
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from fenliu.training import pure_model

    rows = [r for r in hash_sample(("train",), SCORER_ROWS) if r.get("expected_class")]
    texts = [r["text"] for r in rows]
    for labels in ([r["expected_list"] for r in rows], [r["expected_class"] for r in rows]):
        vec = TfidfVectorizer(analyzer=partial(char_ngrams, lo=1, hi=3), binary=True, min_df=2)
        clf = LogisticRegression(C=10, max_iter=3000).fit(vec.fit_transform(texts), labels)
        model = pure_model(vec, clf, (1, 3))
        want = clf.decision_function(vec.transform(TEXTS))
        probs = clf.predict_proba(vec.transform(TEXTS))
        for i, text in enumerate(TEXTS):
            got = model.decision(text)
            expected = [want[i]] if want.ndim == 1 else list(want[i])
            assert got == pytest.approx(expected, abs=1e-4)
            assert list(model.probabilities(text).values()) == pytest.approx(
                list(probs[i]), abs=1e-4
            )


def test_training_twice_gives_the_same_bytes() -> None:
    pytest.importorskip("sklearn")
    from fenliu.training import TrainConfig, artifact_bytes, train

    tax = load_taxonomy(ROOT / "data" / "taxonomy.yaml")
    cats = load_categories(ROOT / "data" / "categories_12345.yaml")
    tr, dev = hash_sample(("train",), TRAIN_ROWS), hash_sample(("dev",), DEV_ROWS)
    cfg = TrainConfig(police_features=800, level1_features=400)
    one, two = (artifact_bytes(train(tr, dev, tax, cats, cfg)) for _ in range(2))
    assert one == two
    art = json.loads(gzip.decompress(one))
    assert art["seed"] == cfg.seed and len(art["trained_on"]["sha256"]) == 64
    assert art["version"].startswith("tm-") and set(art["thresholds"]) >= {
        "divert_below",
        "route_below",
    }
    assert art["figures"]["dev"]["rows"] == len(dev)
    other = artifact_bytes(
        train(tr, dev, tax, cats, TrainConfig(police_features=800, level1_features=400, seed=7))
    )
    assert json.loads(gzip.decompress(other))["version"] != art["version"]


def test_real_level1_rows_train_the_level1_model_and_only_their_hash_is_stored() -> None:
    """Real messages (here: rows written for this test) teach the level-1 model; the
    artifact names their count and hash and holds n-grams of at most three characters,
    never a text; real rows make a new version and leave the police model alone."""
    pytest.importorskip("sklearn")
    from fenliu.training import TrainConfig, artifact_bytes, level1_cross_validation, train

    tax = load_taxonomy(ROOT / "data" / "taxonomy.yaml")
    cats = load_categories(ROOT / "data" / "categories_12345.yaml")
    tr, dev = hash_sample(("train",), TRAIN_ROWS), hash_sample(("dev",), DEV_ROWS)
    cfg = TrainConfig(police_features=800, level1_features=400)
    real = [
        {"id": f"t{i}", "text": text, "level1": l1}
        for i, (text, l1) in enumerate(
            [("麻将馆每天吵到半夜两点，请派出所管一管奇异词甲", "政法"),
             ("修地铁的工地晚上十二点还在打桩奇异词乙", "环境保护"),
             ("这条路上的公交车太少了，等一个小时奇异词丙", "交通运输")] * 4
        )
    ]  # fmt: skip
    plain = json.loads(gzip.decompress(artifact_bytes(train(tr, dev, tax, cats, cfg))))
    with_real = artifact_bytes(train(tr, dev, tax, cats, cfg, real_level1=real))
    art = json.loads(gzip.decompress(with_real))
    assert art["trained_on"]["real_level1_rows"] == len(real)
    assert len(art["trained_on"]["real_level1_sha256"]) == 64
    stored = json.dumps(art, ensure_ascii=False)
    assert not any(r["text"][:6] in stored for r in real)  # n-grams of at most 3, no text
    assert art["version"] != plain["version"]
    assert art["models"]["police"] == plain["models"]["police"]  # the police model never sees them
    cv = level1_cross_validation(tr, real, cats, cfg, folds=3)
    assert cv["rows"] == len(real) and 0.0 <= cv["agreement"] <= 1.0


def test_the_split_rule() -> None:
    """Every row sits in its hash's split, except test splits read once (hash-split ones,
    and the sets written whole as held-out tests): re-split, dev buckets in dev, the rest
    in train."""
    for split in ("train", "dev"):
        rows = load_split(split)
        # one pass: `r not in moved` compared dicts pairwise, minutes at a hundred thousand rows
        moved: list[dict[str, Any]] = []
        kept: list[dict[str, Any]] = []
        for r in rows:
            (moved if str(r["set"]).endswith(SEEN_TEST_SUFFIX) else kept).append(r)
        assert kept and all(split_of(str(r["id"])) == split for r in kept)
        whole = {f"{name}{SEEN_TEST_SUFFIX}" for name in WHOLE_TEST_SETS}
        # read test rows are re-split: the dev buckets in dev, every other row in train
        assert moved and all(seen_test_split_of(str(r["id"])) == split for r in moved)
        assert all(r["set"] in whole or split_of(str(r["id"])) == "test" for r in moved)


def test_the_shipped_artifact_loads_as_package_data() -> None:
    opinion = load_opinion(read_artifact())
    assert opinion.version.startswith("tm-") and opinion.level1 is not None
    assert 0.0 <= opinion.police_probability("有人拿刀砍人") <= 1.0
    assert opinion.police_probability("有人拿刀砍人") > opinion.police_probability(
        "停水了什么时候来水"
    )
    assert opinion.thresholds["divert_below"] <= 0.5
    size = len((ROOT / "data" / "models" / read_current()).read_bytes())
    assert size < 3_000_000


def read_current() -> str:
    import yaml

    return yaml.safe_load((ROOT / "data" / "models" / "current.yaml").read_text())["artifact"]


def test_a_missing_or_bad_artifact_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OpinionMissing, match="fenliu train"):
        read_artifact(tmp_path / "none.json.gz")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "other"}))
    with pytest.raises(ModelError, match="not a fenliu-text-model"):
        load_opinion(read_artifact(bad))


SMALL = {
    "version": "cat-test",
    "fallback": {"department": "12345热线"},
    "categories": [
        {"id": "C01", "name": "城乡建设", "department": "住建局", "children": [
            {"id": "C01-01", "name": "规划", "children": [
                {"id": "C01-01-01", "name": "违章建筑", "department": "执法局", "words": ["违建", "违章搭建"]},
                {"id": "C01-01-02", "name": "规划许可", "department": "规划局", "words": ["规划", "规划许可证"]},
            ]},
        ]},
        {"id": "C08", "name": "政法", "department": "司法局", "children": [
            {"id": "C08-03", "name": "治安", "department": "公安局", "children": [
                {"id": "C08-03-01", "name": "黄赌毒", "police": True, "words": ["赌博", "麻将"],
                 "not_words": ["麻将声"]},
            ]},
        ]},
    ],
}  # fmt: skip


def test_categories_match_words_not_substrings() -> None:
    cats = compile_categories(SMALL)
    m = cats.match("我想问一下规划许可证怎么办")
    assert m is not None and m.id == "C01-01-02" and m.words == ("规划许可证",)
    assert m.path == ("城乡建设", "规划", "规划许可") and m.department == "规划局"
    assert m.level1_id == "C01"
    # 麻将 inside the not_word 麻将声: a noise complaint, not gambling.
    assert cats.match("楼上每天麻将声吵到半夜") is None
    gambling = cats.match("楼下有人聚众赌博")
    assert gambling is not None and gambling.police and gambling.department == "公安局"


def test_categories_subject_words_and_the_model() -> None:
    cats = compile_categories(SMALL)
    both = cats.match("违建问题\n规划的事情，还有规划")  # the subject's word outweighs the body's
    assert both is not None and both.id == "C01-01-01"
    assert cats.match("完全无关的话", {"C08": 0.9, "C01": 0.1}).method == "model"  # type: ignore[union-attr]
    assert cats.match("完全无关的话", {"C08": 0.06, "C01": 0.05}) is None
    calls: list[int] = []

    def model() -> dict[str, float]:
        calls.append(1)
        return {"C08": 0.9}

    # words 5+ points ahead of the rest leave nothing for a model weighing 5 to decide
    sure = cats.match("违建违章搭建\n违建", model, CategoryPolicy(model_weight=5.0))
    assert sure is not None and sure.id == "C01-01-01" and not calls  # words decided: no model run


def test_a_bad_category_file_names_the_problem() -> None:
    with pytest.raises(CategoryError, match="needs children"):
        compile_categories(
            {"version": "x", "categories": [{"id": "C01", "name": "a", "department": "d"}]}
        )


def test_the_keep_threshold_is_the_cheapest_within_its_cost() -> None:
    from types import SimpleNamespace

    from fenliu.training import TrainConfig, _keep_threshold

    rows = [{"source": "110", "expected_list": "NON_POLICE"} for _ in range(100)]
    rules = [SimpleNamespace(is_police_matter=False) for _ in rows]
    probs = [0.9, 0.75, 0.72, 0.66, 0.61] + [0.1] * 95
    # 3% of 100 non-police calls: three may be kept, so 0.7 (0.9, 0.75, 0.72), not 0.6
    assert _keep_threshold(rows, probs, rules, TrainConfig(keep_cost=0.03)) == 0.7
    assert _keep_threshold(rows, probs, rules, TrainConfig(keep_cost=0.04)) == 0.65
    assert _keep_threshold(rows, [0.99] * 100, rules, TrainConfig(keep_cost=0.03)) is None
    assert _keep_threshold([], [], [], TrainConfig()) is None


def test_the_110_thresholds_are_priced_in_dev_non_police_calls() -> None:
    """divert_below: the lowest value that DIVERTs the target share of dev non-police
    calls, never above the cap; keep_above: the lowest that leaves the target share
    DIVERTed or SUGGESTed (or costs at most keep_cost when the rules keep more)."""
    from types import SimpleNamespace

    from fenliu.training import TrainConfig, _policy_thresholds

    rows = [{"source": "110", "expected_list": "NON_POLICE"} for _ in range(100)]
    rules = [SimpleNamespace(is_police_matter=False, doubts=()) for _ in rows]
    probs = [0.9, 0.8, 0.62, 0.55] + [0.4] * 6 + [0.2] * 20 + [0.05] * 70
    cfg = TrainConfig(divert_target=0.7, keep_target=0.97, divert_cap=0.35)
    # 70 calls under 0.06; 97% must stay DIVERT or SUGGEST: three kept at most (0.6)
    assert _policy_thresholds(rows, probs, rules, cfg) == (0.06, 0.6)
    # 90% DIVERTed would need 0.21, over the cap: the cap, never more
    assert _policy_thresholds(rows, probs, rules, replace(cfg, divert_target=0.9))[0] == 0.21
    assert _policy_thresholds(rows, probs, rules, replace(cfg, divert_target=0.95))[0] == 0.35
    # the rules already keep 5 of 100: the model alone may keep 2% more (0.9, 0.8: 0.65)
    kept = [SimpleNamespace(is_police_matter=i >= 95, doubts=()) for i in range(100)]
    assert _policy_thresholds(rows, probs, kept, replace(cfg, keep_cost=0.02))[1] == 0.65


def test_generic_category_words_count_only_when_nothing_specific_is_found() -> None:
    cats = load_categories(
        Path(__file__).resolve().parent.parent / "data" / "categories_12345.yaml"
    )
    specific = cats.match("建议在我们小区门口增设公交站台，感谢12345热线")
    assert specific is not None and specific.path[0] != "党务政务", specific
    alone = cats.match("我有一个建议，希望政府采纳")
    assert alone is not None and alone.path[0] == "党务政务"
    passing = cats.match("我家户口在村里，村里的土地承包责任田被别人占了")
    assert passing is not None and passing.path[0] != "政法", passing


def test_the_writer_of_a_set_is_its_wn_with_or_without_seen_test() -> None:
    from fenliu.writer_holdout import measured_writers, writer_of

    assert writer_of("110-police-w11-seen-test") == "w11"
    assert writer_of("110-police-w1") == "w1"  # not w11's
    assert writer_of("labelled_calls") is None
    rows = load_split("train") + load_split("dev")
    writers = measured_writers()
    # the 110 writers of every round, in writer order; 12345 writers (w25: 12345-w25) are not
    assert {"w1", "w2", "w11", "w399"} <= set(writers) and "w25" not in writers
    assert list(writers) == sorted(writers, key=lambda w: int(w[1:]))
    for w in writers:  # every writer measured has rows, and w1 never takes w11's
        assert any(writer_of(str(r["set"])) == w for r in rows)
    assert all(writer_of(str(r["set"])) != "w1" for r in rows if "w11" in str(r["set"]))


def test_the_writers_a_shipped_model_never_saw_fall_into_two_folds_by_round() -> None:
    """A round's four writers (three 110, one 12345) stay together; rounds alternate."""
    from fenliu.writer_holdout import round_fold

    assert [round_fold(f"w{n}", 124) for n in (124, 125, 126, 127)] == [0, 0, 0, 0]
    assert [round_fold(f"w{n}", 124) for n in (128, 131, 132)] == [1, 1, 0]
    assert round_fold("w123", 124) is None  # the shipped model trained on it
    assert round_fold(None, 124) is None  # a set with no writer (labelled_calls)
