"""Parallel text in its public formats: sentence pairs, tokenised and grouped by source sentence.

- a TSV of pairs, ``source<TAB>target[<TAB>anything]`` a line, as in the
  Tatoeba/manythings files (``fra.txt``: English, French, attribution);
- two plain-text files aligned line by line (Multi30k's ``train.en`` / ``train.de``).

Sentences are lower-cased word and punctuation tokens (``rnnlab.data.text.tokenize``).
A bad line goes to a ``BadRows``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rnnlab.data.errors import DataError
from rnnlab.data.files import read_text
from rnnlab.data.rows import BadRows
from rnnlab.data.text import tokenize


@dataclass(frozen=True)
class Group:
    """One source sentence and all its translations in the data."""

    source: tuple[str, ...]
    targets: tuple[tuple[str, ...], ...]


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
