"""The translation runs' data: parallel text (``rnnlab.data.parallel``) or the generated pairs, length-filtered
and split so that a source's translations stay together.

Formats (``FORMATS``): ``tsv`` (``reverse`` swaps the direction), ``parallel``
(``data`` holds the sources, ``target_data`` their translations) and
``generated``, the embedded default (``generated.py``). Pairs longer than
``max_words`` (whitespace words, either side) are left out and counted.
Held-out splits are drawn by source sentence: all the translations of one
source land on the same side, and each held-out source is scored against all
of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rnnlab.apps.translate.generated import generate_pairs
from rnnlab.data import BadRows, DataError, split_items
from rnnlab.data.parallel import Group, group_pairs, read_parallel, read_tsv

FORMATS = ("auto", "generated", "tsv", "parallel")
__all__ = ["FORMATS", "Group", "ParallelCorpus", "load_parallel", "read_parallel", "read_tsv"]


@dataclass
class ParallelCorpus:
    train: list[Group]
    validation: list[Group]
    test: list[Group]
    source: str
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> pairs left out


def load_parallel(config) -> ParallelCorpus:
    """The corpus ``config`` (a ``TranslateConfig``) names, filtered and split."""
    if config.data is None:
        if config.format not in ("auto", "generated"):
            raise ValueError(f"format {config.format!r} needs --data")
        splits = generate_pairs(config.generated, config.generated_train, config.generated_validation,
                                config.generated_test, config.split_seed)
        return ParallelCorpus(*(group_pairs(s) for s in splits), source=f"generated {config.generated}")
    path = Path(config.data)
    if not path.is_file():
        raise DataError(path, "no such file" if not path.exists() else "is not a file")
    format = config.format
    if format == "auto":
        format = "parallel" if config.target_data else "tsv"
    rows = BadRows(config.skip_bad_rows)
    if format == "parallel":
        if not config.target_data:
            raise ValueError("format 'parallel' needs --target-data, the file of translations")
        pairs = read_parallel(path, config.target_data, rows)
    else:
        pairs = read_tsv(path, rows, config.reverse)
    kept = [(s, t) for s, t in pairs if len(s.split()) <= config.max_words and len(t.split()) <= config.max_words]
    rows.count(f"longer than {config.max_words} words", len(pairs) - len(kept))
    if not kept:
        raise DataError(path, f"holds no sentence pairs of at most {config.max_words} words")
    train, validation, test = split_items(group_pairs(kept), config.validation, config.test, config.split_seed,
                                          at_least=1, what="source sentences")
    return ParallelCorpus(train, validation, test, str(path), rows.skipped)
