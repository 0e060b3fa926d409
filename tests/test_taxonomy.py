"""The shipped taxonomy file has Taizhou's shape, and bad files are refused by path."""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from fenliu.processors.model import ListName
from fenliu.processors.taxonomy import Taxonomy, TaxonomyError, compile_taxonomy
from fenliu.refdata.taxonomy import load_taxonomy

TAXONOMY_FILE = Path(__file__).resolve().parent.parent / "data" / "taxonomy.yaml"


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    with TAXONOMY_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def raw() -> dict[str, Any]:
    """A fresh, mutable copy of the shipped file's mapping."""
    return copy.deepcopy(_raw())


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(TAXONOMY_FILE)


def test_two_lists_have_taizhous_counts(taxonomy: Taxonomy) -> None:
    assert taxonomy.counts(ListName.NON_POLICE) == (15, 72)
    assert taxonomy.counts(ListName.POLICE) == (8, 42)
    assert len(taxonomy.situations) == 114


def test_fallback_is_police_and_outside_the_counts(taxonomy: Taxonomy) -> None:
    fb = taxonomy.fallback
    assert fb.list_name is ListName.POLICE and fb.is_police
    assert fb.code not in {s.code for s in taxonomy.situations}
    assert taxonomy.situation(fb.code) is fb


def test_lookups_by_code(taxonomy: Taxonomy) -> None:
    wage = taxonomy.situation("NP01-03")
    assert wage.class_code == "NP01"
    assert wage.list_name is ListName.NON_POLICE
    assert wage.department == "人力社保局/劳动监察"  # inherited from the class
    leak = taxonomy.situation("NP02-02")
    assert leak.department == "住建局/物业"  # a situation's own department wins
    assert taxonomy.taxonomy_class("P04").list_name is ListName.POLICE
    with pytest.raises(KeyError):
        taxonomy.situation("NP99-01")


def test_every_situation_is_complete(taxonomy: Taxonomy) -> None:
    for sit in taxonomy.situations:
        assert 1 <= sit.priority <= 4, sit.code
        assert sit.sla_class in taxonomy.sla_classes, sit.code
        assert sit.terms or sit.all_of, sit.code
        assert sit.department, sit.code


def test_safety_groups_point_at_police_situations(taxonomy: Taxonomy) -> None:
    ids = {g.id for g in taxonomy.safety_groups}
    required = {"violence", "weapon", "injury", "threat", "self_harm", "fire", "gas", "crowd",
                "missing", "fraud", "theft"}  # fmt: skip
    assert required <= ids
    for group in taxonomy.safety_groups:
        assert taxonomy.situation(group.situation_code).is_police, group.id


def test_terms_are_normalised_when_compiled() -> None:
    mapping = raw()
    mapping["lists"]["NON_POLICE"]["classes"][0]["situations"][0]["recognisers"]["terms"] = [
        "ＫＴＶ 噪音",  # full width, a space
    ]
    compiled = compile_taxonomy(mapping)
    assert compiled.situation("NP01-01").terms == ("ktv噪音",)


def _problems(mapping: dict[str, Any]) -> str:
    with pytest.raises(TaxonomyError) as info:
        compile_taxonomy(mapping)
    return str(info.value)


def test_duplicate_situation_code_names_both_paths() -> None:
    mapping = raw()
    sits = mapping["lists"]["NON_POLICE"]["classes"][0]["situations"]
    sits[1]["code"] = sits[0]["code"]
    msg = _problems(mapping)
    assert "lists.NON_POLICE.classes[0].situations[1].code: duplicate code 'NP01-01'" in msg
    assert "first at lists.NON_POLICE.classes[0].situations[0].code" in msg


def test_unknown_sla_class_is_refused() -> None:
    mapping = raw()
    mapping["lists"]["POLICE"]["classes"][2]["situations"][0]["sla_class"] = "WHENEVER"
    msg = _problems(mapping)
    assert "lists.POLICE.classes[2].situations[0].sla_class: unknown SLA class 'WHENEVER'" in msg


def test_empty_recognisers_are_refused() -> None:
    mapping = raw()
    mapping["lists"]["NON_POLICE"]["classes"][3]["situations"][1]["recognisers"] = {"terms": []}
    msg = _problems(mapping)
    assert "lists.NON_POLICE.classes[3].situations[1].recognisers: no terms and no all_of" in msg


def test_term_of_only_punctuation_is_refused() -> None:
    mapping = raw()
    mapping["safety"]["groups"][0]["terms"].append("！！")
    msg = _problems(mapping)
    assert "safety.groups[0].terms[" in msg and "empty after normalisation" in msg


def test_safety_group_must_point_at_police() -> None:
    mapping = raw()
    mapping["safety"]["groups"][0]["situation"] = "NP02-01"
    assert "is not on the POLICE list" in _problems(mapping)


def test_situation_code_must_extend_its_class_code() -> None:
    mapping = raw()
    mapping["lists"]["NON_POLICE"]["classes"][1]["situations"][0]["code"] = "NP09-99"
    assert "'NP09-99' does not start with NP02-" in _problems(mapping)


def test_structural_errors_carry_the_pydantic_path() -> None:
    mapping = raw()
    mapping["lists"]["NON_POLICE"]["classes"][4]["situations"][2]["priority"] = 9
    del mapping["lists"]["POLICE"]["classes"][0]["name"]
    msg = _problems(mapping)
    assert "lists.NON_POLICE.classes[4].situations[2].priority" in msg
    assert "lists.POLICE.classes[0].name" in msg


def test_an_exclusion_word_cannot_be_a_sign() -> None:
    mapping = raw()
    mapping["safety"]["exclude"].append("打人")
    assert "safety.exclude: '打人' is also a safety term" in _problems(mapping)


def test_a_governed_name_that_is_nothing_is_reported() -> None:
    """A typo in modality.<role>_governs would govern nothing without a word (zj-2026.12.167)."""
    mapping = raw()
    mapping.setdefault("modality", {})["leaking_governs"] = ["cry_for_hlep"]
    msg = _problems(mapping)
    assert (
        "modality.leaking_governs: 'cry_for_hlep' is no safety sign, class, situation or police word"
        in msg
    )


def test_a_spare_that_spares_nothing_is_reported() -> None:
    """lexicon.spare names a listed word and police or safety terms inside it; anything
    else would spare nothing, silently (zj-2026.12.266)."""
    mapping = raw()
    mapping["lexicon"]["spare"] = {"撞到人家的": ["撞", "猫"], "没有这个词": ["撞"]}
    msg = _problems(mapping)
    assert "lexicon.spare.撞到人家的: '猫' is no police or safety term inside the word" in msg
    assert "lexicon.spare.没有这个词: '没有这个词' is not one of lexicon.words" in msg
    assert "'撞' is no" not in msg


def test_loader_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "city.yaml"
    mapping = raw()
    mapping["fallback"]["sla_class"] = "NOPE"
    bad.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(bad)
    assert f"{bad}: fallback.sla_class: unknown SLA class 'NOPE'" in str(info.value)


def test_loader_refuses_a_non_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "list.yaml"
    bad.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="top level must be a mapping"):
        load_taxonomy(bad)


def test_a_city_can_ship_a_smaller_file(tmp_path: Path) -> None:
    mapping = raw()
    mapping["version"] = "city-1"
    del mapping["lists"]["NON_POLICE"]["classes"][5:]
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    city = load_taxonomy(path)
    assert city.version == "city-1"
    assert city.counts(ListName.NON_POLICE)[0] == 5
