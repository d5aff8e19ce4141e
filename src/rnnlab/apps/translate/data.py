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

from dataclasses import dataclass, field
from pathlib import Path

from rnnlab.apps.translate.generated import generate_pairs
from rnnlab.data import BadRows, DataError, read_text, split_items
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


def read_tsv(path: str | Path, rows: BadRows, reverse: bool = False) -> list[tuple[str, str]]:
    path, pairs = Path(path), []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            rows.bad(path, "expected 'source<TAB>target', both non-empty", number, kind="not a pair")
            continue
        source, target = fields[0].strip(), fields[1].strip()
        pairs.append((target, source) if reverse else (source, target))
    return pairs


def read_parallel(source_path: str | Path, target_path: str | Path, rows: BadRows) -> list[tuple[str, str]]:
    source_path, target_path, pairs = Path(source_path), Path(target_path), []
    sources, targets = read_text(source_path).splitlines(), read_text(target_path).splitlines()
    while sources and targets and not sources[-1].strip() and not targets[-1].strip():
        sources.pop(), targets.pop()
    if len(sources) != len(targets):
        raise DataError(source_path, f"has {len(sources)} lines but {target_path} has {len(targets)}; "
                                     f"aligned files need one translation a line")
    for number, (s, t) in enumerate(zip(sources, targets), start=1):
        if not s.strip() or not t.strip():
            rows.bad(source_path if not s.strip() else target_path, "the line is empty", number,
                     kind="the line is empty")
            continue
        pairs.append((s.strip(), t.strip()))
    return pairs


def group_pairs(pairs: list[tuple[str, str]]) -> list[Group]:
    """Tokenised pairs grouped by source sentence, in first-seen order."""
    grouped: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for source, target in pairs:
        targets = grouped.setdefault(tuple(tokenize(source)), [])
        tokens = tuple(tokenize(target))
        if tokens not in targets:
            targets.append(tokens)
    return [Group(s, tuple(t)) for s, t in grouped.items()]


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
