"""Parallel text: the public formats, tokens, length filters, and a split that keeps a source's translations together.

Formats (``FORMATS``):

- ``tsv``: a sentence pair a line, ``source<TAB>target[<TAB>anything]``, as in
  the Tatoeba/manythings files (``fra.txt``: English, French, attribution);
  ``reverse`` swaps the direction;
- ``parallel``: two plain-text files aligned line by line (Multi30k's
  ``train.en`` / ``train.de``): ``data`` holds the sources, ``target_data``
  their translations;
- ``generated``: the embedded default (``generated.py``).

Sentences are lower-cased word and punctuation tokens (``rnnlab.data.text.tokenize``).
Pairs longer than ``max_words`` (whitespace words, either side) are left out
and counted. Held-out splits are drawn by source sentence: all the
translations of one source land on the same side, and each held-out source
is scored against all of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from rnnlab.apps.translate.generated import generate_pairs
from rnnlab.data import DataError, read_text
from rnnlab.data.text import tokenize

FORMATS = ("auto", "generated", "tsv", "parallel")


@dataclass(frozen=True)
class Group:
    """One source sentence and all its translations in the data."""

    source: tuple[str, ...]
    targets: tuple[tuple[str, ...], ...]


@dataclass
class ParallelCorpus:
    train: list[Group]
    validation: list[Group]
    test: list[Group]
    source: str
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> pairs left out


class _Pairs:
    def __init__(self, skip_bad: bool) -> None:
        self.pairs: list[tuple[str, str]] = []
        self.skip_bad = skip_bad
        self.skipped: dict[str, int] = {}

    def bad(self, path: Path, reason: str, line: int) -> None:
        if not self.skip_bad:
            raise DataError(path, reason + " (--skip-bad-rows skips such pairs)", line)
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def read_tsv(path: str | Path, reverse: bool = False, skip_bad: bool = False) -> _Pairs:
    path, out = Path(path), _Pairs(skip_bad)
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            out.bad(path, "expected 'source<TAB>target', both non-empty", number)
            continue
        source, target = fields[0].strip(), fields[1].strip()
        out.pairs.append((target, source) if reverse else (source, target))
    return out


def read_parallel(source_path: str | Path, target_path: str | Path, skip_bad: bool = False) -> _Pairs:
    source_path, target_path, out = Path(source_path), Path(target_path), _Pairs(skip_bad)
    sources, targets = read_text(source_path).splitlines(), read_text(target_path).splitlines()
    while sources and targets and not sources[-1].strip() and not targets[-1].strip():
        sources.pop(), targets.pop()
    if len(sources) != len(targets):
        raise DataError(source_path, f"has {len(sources)} lines but {target_path} has {len(targets)}; "
                                     f"aligned files need one translation a line")
    for number, (s, t) in enumerate(zip(sources, targets), start=1):
        if not s.strip() or not t.strip():
            out.bad(source_path if not s.strip() else target_path, "the line is empty", number)
            continue
        out.pairs.append((s.strip(), t.strip()))
    return out


def group_pairs(pairs: list[tuple[str, str]]) -> list[Group]:
    """Tokenised pairs grouped by source sentence, in first-seen order."""
    grouped: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for source, target in pairs:
        targets = grouped.setdefault(tuple(tokenize(source)), [])
        tokens = tuple(tokenize(target))
        if tokens not in targets:
            targets.append(tokens)
    return [Group(s, tuple(t)) for s, t in grouped.items()]


def split_groups(groups: list[Group], validation: float | int, test: float | int,
                 seed: int) -> tuple[list[Group], list[Group], list[Group]]:
    n = len(groups)
    counts = [int(round(size * n)) if isinstance(size, float) else int(size) for size in (test, validation)]
    if counts[0] < 1 or counts[1] < 1 or sum(counts) >= n:
        raise ValueError(f"a split of {n} source sentences into {counts[0]} test and {counts[1]} validation "
                         f"needs at least one of each and something left to train on")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    parts = (order[sum(counts):], order[counts[0]:sum(counts)], order[: counts[0]])
    train, val, test = ([groups[k] for k in part] for part in parts)
    return train, val, test


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
    if format == "parallel":
        if not config.target_data:
            raise ValueError("format 'parallel' needs --target-data, the file of translations")
        read = read_parallel(path, config.target_data, config.skip_bad_rows)
    else:
        read = read_tsv(path, config.reverse, config.skip_bad_rows)
    skipped = dict(read.skipped)
    kept = [(s, t) for s, t in read.pairs if len(s.split()) <= config.max_words and len(t.split()) <= config.max_words]
    if len(kept) < len(read.pairs):
        skipped[f"longer than {config.max_words} words"] = len(read.pairs) - len(kept)
    if not kept:
        raise DataError(path, f"holds no sentence pairs of at most {config.max_words} words")
    train, validation, test = split_groups(group_pairs(kept), config.validation, config.test, config.split_seed)
    return ParallelCorpus(train, validation, test, str(path), skipped)
