"""The Avro contracts of ``schemas/*.avsc``, parsed once with cross-file references resolved.

A schema may name a type another file defines (``cn.fenliu.Location`` lives inside
CaseEvent); the catalogue finds the defining file and parses it first, so each file
stays readable on its own and no type is written twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import expand_schema, fingerprint, to_parsing_canonical_form

NAMESPACE = "cn.fenliu"
# The .avsc files shipped in this package (importlib.resources: an installed wheel finds them).
SCHEMA_DIR = Path(str(files("fenliu.schemas")))
_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


@dataclass(frozen=True)
class Contract:
    """One top-level schema: its name, parsed form, canonical form and fingerprint."""

    name: str  # short name, e.g. "Decision"
    fullname: str
    raw: dict[str, Any]
    parsed: Any  # fastavro's parsed schema
    expanded: dict[str, Any]  # self-contained (references inlined), for registries and avro
    canonical: str  # Avro parsing canonical form
    fingerprint: bytes  # CRC-64-AVRO, little-endian, as single-object encoding writes it


def _defined_names(node: Any, namespace: str, out: set[str]) -> None:
    """Collect the full names of every named type defined inside a schema node."""
    if isinstance(node, list):
        for item in node:
            _defined_names(item, namespace, out)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind in ("record", "enum", "fixed"):
            ns = node.get("namespace", namespace)
            name = node["name"]
            out.add(name if "." in name else f"{ns}.{name}")
            namespace = ns
        for key in ("fields", "items", "values"):
            if key in node:
                _defined_names(node[key], namespace, out)
        if isinstance(kind, (dict, list)):
            _defined_names(kind, namespace, out)
        if "fields" in node:
            for f in node["fields"]:
                _defined_names(f.get("type"), namespace, out)


def _referenced_names(node: Any, namespace: str, out: set[str]) -> None:
    """Collect full names a schema node refers to by name."""
    if isinstance(node, str):
        if node not in _PRIMITIVES:
            out.add(node if "." in node else f"{namespace}.{node}")
    elif isinstance(node, list):
        for item in node:
            _referenced_names(item, namespace, out)
    elif isinstance(node, dict):
        ns = node.get("namespace", namespace)
        kind = node.get("type")
        if isinstance(kind, (str, dict, list)) and kind not in (
            "record",
            "enum",
            "fixed",
            "array",
            "map",
        ):
            _referenced_names(kind, ns, out)
        for key in ("items", "values"):
            if key in node:
                _referenced_names(node[key], ns, out)
        for f in node.get("fields", []):
            _referenced_names(f.get("type"), ns, out)


class SchemaCatalog:
    """Every contract of a folder, by name and by fingerprint."""

    def __init__(self, directory: Path = SCHEMA_DIR) -> None:
        raws = {
            p.stem: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(directory.glob("*.avsc"))
        }
        definer: dict[str, str] = {}
        for stem, raw in raws.items():
            names: set[str] = set()
            _defined_names(raw, raw.get("namespace", NAMESPACE), names)
            for n in names:
                definer[n] = stem
        self._contracts: dict[str, Contract] = {}
        for stem in raws:
            self._contracts[stem] = self._build(stem, raws, definer)
        self._by_fp = {c.fingerprint: c for c in self._contracts.values()}

    @staticmethod
    def _build(stem: str, raws: dict[str, dict], definer: dict[str, str]) -> Contract:
        named: dict[str, Any] = {}
        for dep in _dependency_order(stem, raws, definer):
            fastavro.parse_schema(raws[dep], named_schemas=named)
        raw = raws[stem]
        parsed = fastavro.parse_schema(raw, named_schemas=named)
        expanded = expand_schema(parsed)
        if not isinstance(expanded, dict):  # every .avsc here is a record schema
            raise ValueError(f"{stem}.avsc: not a record schema")
        canonical = to_parsing_canonical_form(expanded)
        fp = bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))
        fullname = f"{raw.get('namespace', NAMESPACE)}.{raw['name']}"
        return Contract(stem, fullname, raw, parsed, expanded, canonical, fp)

    def __getitem__(self, name: str) -> Contract:
        return self._contracts[name]

    def __iter__(self):
        return iter(self._contracts.values())

    def names(self) -> list[str]:
        return sorted(self._contracts)

    def by_fingerprint(self, fp: bytes) -> Contract | None:
        return self._by_fp.get(fp)


def _dependency_order(stem: str, raws: dict[str, dict], definer: dict[str, str]) -> list[str]:
    """Files ``stem`` needs parsed before it, dependencies first, without ``stem`` itself."""
    order: list[str] = []
    seen = {stem}

    def visit(current: str) -> None:
        refs: set[str] = set()
        raw = raws[current]
        _referenced_names(raw, raw.get("namespace", NAMESPACE), refs)
        own: set[str] = set()
        _defined_names(raw, raw.get("namespace", NAMESPACE), own)
        for ref in sorted(refs - own):
            dep = definer.get(ref)
            if dep is None:
                raise ValueError(f"{current}.avsc refers to unknown type {ref}")
            if dep not in seen:
                seen.add(dep)
                visit(dep)
                order.append(dep)

    visit(stem)
    return order


@lru_cache(maxsize=1)
def default_catalog() -> SchemaCatalog:
    """The catalogue of the contracts shipped in this folder (immutable, loaded once)."""
    return SchemaCatalog()
