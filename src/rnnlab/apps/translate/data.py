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
from rnnlab.data.text import tokenize

FORMATS = ("auto", "generated", "tsv", "parallel")
__all__ = ["FORMATS", "Group", "ParallelCorpus", "load_parallel", "read_parallel", "read_tsv"]


@dataclass
class ParallelCorpus:
    train: list[Group]
    validation: list[Group]
    test: list[Group]
    source: str
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> pairs left out
    kinds: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)  # generated: source -> kind, spelling


def _read(path: str, target: str | None, format: str, reverse: bool, rows: BadRows) -> list[tuple[str, str]]:
    """The sentence pairs of one file (tsv), or of two aligned files (parallel)."""
    if not Path(path).is_file():
        raise DataError(path, "no such file" if not Path(path).exists() else "is not a file")
    if format == "parallel":
        if not target:
            raise ValueError(f"{path}: aligned files need the translations beside (--target-data, "
                             f"--validation-target-data, --test-target-data)")
        return read_parallel(path, target, rows)
    if target:
        raise ValueError(f"{path}: a TSV file holds both sides; give no target file beside it (or use "
                         f"--format parallel)")
    return read_tsv(path, rows, reverse)


def load_parallel(config) -> ParallelCorpus:
    """The corpus ``config`` (a ``TranslateConfig``) names, filtered and split."""
    given = {"validation": (config.validation_data, config.validation_target_data),
             "test": (config.test_data, config.test_target_data)}
    for split, (source, target) in given.items():
        if target and not source:
            raise ValueError(f"--{split}-target-data needs --{split}-data, the source side")
    if config.data is None:
        if config.format not in ("auto", "generated"):
            raise ValueError(f"format {config.format!r} needs --data")
        if any(source for source, _ in given.values()):
            raise ValueError("--validation-data and --test-data go with --data (the generated pairs have their own "
                             "splits)")
        splits = generate_pairs(config.generated, config.generated_train, config.generated_validation,
                                config.generated_test, config.split_seed)
        kinds = {tuple(tokenize(p.source)): (p.kind, p.spelling) for split in splits for p in split}
        return ParallelCorpus(*(group_pairs([p[:2] for p in s]) for s in splits),
                              source=f"generated {config.generated}", kinds=kinds)
    path = Path(config.data)
    format = config.format
    if format == "auto":
        format = "parallel" if config.target_data else "tsv"
    rows = BadRows(config.skip_bad_rows)
    pairs = _read(config.data, config.target_data, format, config.reverse, rows)
    kept = [(s, t) for s, t in pairs if len(s.split()) <= config.max_words and len(t.split()) <= config.max_words]
    rows.count(f"longer than {config.max_words} words", len(pairs) - len(kept))
    if not kept:
        raise DataError(path, f"holds no sentence pairs of at most {config.max_words} words")
    published = {split: group_pairs(_read(source, target, format, config.reverse, rows))
                 for split, (source, target) in given.items() if source}  # as published: whole
    train, validation, test = split_items(group_pairs(kept), 0 if "validation" in published else config.validation,
                                          0 if "test" in published else config.test, config.split_seed,
                                          at_least=0 if published else 1, what="source sentences", source=path)
    validation, test = published.get("validation", validation), published.get("test", test)
    if published:
        path = f"{path}; " + "; ".join(f"{split}: {given[split][0]}" for split in published)
    return ParallelCorpus(train, validation, test, str(path), rows.skipped)
