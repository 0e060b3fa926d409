"""The topic catalogue (``catalogue.yaml``) as typed data.

Catalogue names are logical (``fenliu.decisions``); ``Settings.topic`` adds the
deployment's prefix. Code names topics through the constants below, never by string.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from fenliu.schemas.catalog import default_catalog

CATALOGUE_FILE = Path(str(files("fenliu.topics").joinpath("catalogue.yaml")))  # package data

RAW_110 = "fenliu.raw.110"
RAW_12345 = "fenliu.raw.12345"
DECISIONS = "fenliu.decisions"
ORDERS = "fenliu.orders"
LIFECYCLE = "fenliu.lifecycle"
SLA_ALERTS = "fenliu.alerts.sla"
HOTSPOT_ALERTS = "fenliu.alerts.hotspot"
DEAD_LETTER = "fenliu.deadletter"
CASES = "fenliu.cases"
VERDICTS = "fenliu.verdicts"


class TopicSpec(BaseModel, frozen=True):
    """One topic: its contract and how the broker keeps it."""

    name: str
    key: str
    value: str  # contract name in schemas/
    retention_ms: int = Field(ge=-1)
    cleanup_policy: str = "delete"
    purpose: str
    # Access (issue 14): the raw topics hold phone numbers; who reads and writes each topic
    # is the source of the broker's ACLs (``fenliu.topics.acls``, docs/runbook.md).
    personal_data: bool = False
    readers: tuple[str, ...] = ()  # principals that consume it
    writers: tuple[str, ...] = ()  # principals that produce to it
    partitions: int | None = Field(None, ge=1)  # None = Settings.topics.partitions
    replication: int | None = Field(None, ge=1)  # None = Settings.topics.replication

    def broker_config(self) -> dict[str, str]:
        """The topic-level configs ``topics apply`` sets and checks for drift."""
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}


class TopicCatalogue(BaseModel, frozen=True):
    version: int
    topics: tuple[TopicSpec, ...]

    def __getitem__(self, name: str) -> TopicSpec:
        for spec in self.topics:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def value_schema(self, name: str) -> str:
        return self[name].value


def parse_catalogue(text: str) -> TopicCatalogue:
    """Validate a catalogue document; every value contract must exist in ``schemas/``."""
    catalogue = TopicCatalogue.model_validate(yaml.safe_load(text))
    known = set(default_catalog().names())
    for spec in catalogue.topics:
        if spec.value not in known:
            raise ValueError(f"topic {spec.name}: unknown value schema {spec.value}")
    names = [s.name for s in catalogue.topics]
    if len(names) != len(set(names)):
        raise ValueError("topic catalogue lists a name twice")
    return catalogue


@lru_cache(maxsize=1)
def default_catalogue() -> TopicCatalogue:
    return parse_catalogue(CATALOGUE_FILE.read_text(encoding="utf-8"))
