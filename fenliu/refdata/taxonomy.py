"""Load a taxonomy file (``data/taxonomy.yaml`` or a city's own) into a compiled Taxonomy.

The processors never read files; this loader does, once at start-up. Traditional
characters are folded to simplified ones with OpenCC when it is installed (it is a
declared dependency); without it the taxonomy still works on simplified text.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from fenliu.processors.taxonomy import Taxonomy, TaxonomyError, compile_taxonomy
from fenliu.refdata.lexicon import general_lexicon


def traditional_to_simplified() -> Callable[[str], str] | None:
    """OpenCC's ``t2s`` converter, or None when OpenCC is not installed."""
    try:
        import opencc
    except ImportError:  # optional at run time: simplified text needs no conversion
        return None
    converter = opencc.OpenCC("t2s")
    return converter.convert


def load_taxonomy(path: Path | str, *, fold_traditional: bool = True) -> Taxonomy:
    """Read, validate and compile one taxonomy file.

    Raises :class:`TaxonomyError` (a ``ValueError``) naming the file and every bad path.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as fh:
            mapping = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise TaxonomyError([f"{path}: not valid YAML: {exc}"]) from None
    if not isinstance(mapping, dict):
        raise TaxonomyError([f"{path}: the top level must be a mapping"])
    simplify = traditional_to_simplified() if fold_traditional else None
    try:
        return compile_taxonomy(mapping, to_simplified=simplify, lexicon=general_lexicon())
    except TaxonomyError as exc:
        raise TaxonomyError([f"{path}: {p}" for p in exc.problems]) from None
