"""Sentences with a tag on every word, in their public formats: CoNLL-U and CoNLL-2003 columns.

- CoNLL-U (Universal Dependencies), read with the ``conllu`` package: ten
  tab-separated columns a word, ``# key = value`` comments, a blank line
  after each sentence. As UD prescribes, the syntactic words are tagged: a
  multi-word token's range line (``3-4 don't``) is kept for writing the file
  back but not tagged, its words ``3`` and ``4`` are; empty nodes
  (``8.1``) are left out. ``write_conllu`` writes the sentences back with a
  column filled by predictions: the comments, sentence ids and every other
  column as they were.
- CoNLL-2003 style columns: ``word ... tag`` a line (the tag is the last
  column), a blank line between sentences, ``-DOCSTART-`` lines skipped;
  BIO or BIOES named-entity tags.

A bad sentence or line goes to a ``BadRows``: an error naming the file and
line, or a counted skip.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import conllu

from rnnlab.data.errors import DataError
from rnnlab.data.files import read_text
from rnnlab.data.rows import BadRows

COLUMNS = ("upos", "xpos")  # the CoNLL-U columns a tagger learns


@dataclass
class Tagged:
    """One sentence: its words and their tags; ``tokens`` keeps a CoNLL-U sentence whole for writing it back."""

    words: list[str]
    tags: list[str]
    tokens: Any = None


def _blocks(text: str) -> list[tuple[int, str]]:
    """The sentences of a file: (first line number, text), split at blank lines."""
    blocks, start, lines = [], None, []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            start = number if start is None else start
            lines.append(line)
        elif lines:
            blocks.append((start, "\n".join(lines) + "\n"))
            start, lines = None, []
    if lines:
        blocks.append((start, "\n".join(lines) + "\n"))
    return blocks


def read_conllu(path: str | Path, bad: BadRows, column: str = "upos") -> list[Tagged]:
    """The sentences of a CoNLL-U file, tagged with ``column`` (``upos`` or ``xpos``)."""
    if column not in COLUMNS:
        raise ValueError(f"tag column must be one of {', '.join(COLUMNS)}; received {column!r}")
    sentences = []
    for line, block in _blocks(read_text(path)):
        short = [(line + k, text) for k, text in enumerate(block.splitlines())
                 if not text.startswith("#") and len(text.split("\t")) != 10]
        if short:
            number, text = short[0]
            columns = len(text.split("\t"))
            bad.bad(path, f"not a CoNLL-U sentence: expected 10 tab-separated columns; received {columns} in "
                          f"{text[:60]!r}", number, kind="bad CoNLL-U sentences")
            continue
        try:
            [tokens] = conllu.parse(block)
        except (conllu.exceptions.ParseException, ValueError) as error:
            bad.bad(path, f"not a CoNLL-U sentence ({str(error).splitlines()[0][:120]})", line,
                    kind="bad CoNLL-U sentences")
            continue
        words = [t for t in tokens if isinstance(t["id"], int)]  # syntactic words: no ranges, no empty nodes
        missing = [t["id"] for t in words if t[column] in (None, "_")]
        if not words or missing:
            bad.bad(path, f"the sentence has no words or no {column} for word {missing[:1]}", line,
                    kind="bad CoNLL-U sentences")
            continue
        sentences.append(Tagged([t["form"] for t in words], [t[column] for t in words], tokens))
    if not sentences:
        raise DataError(path, "holds no CoNLL-U sentences")
    return sentences


def write_conllu(sentences: list[Tagged], predicted: list[list[str]], column: str, path: str | Path) -> Path:
    """``sentences`` (read by ``read_conllu``) back as CoNLL-U, ``column`` holding the predicted tags."""
    out = []
    for sentence, tags in zip(sentences, predicted, strict=True):
        tokens = copy.deepcopy(sentence.tokens)  # the sentences read stay as they were
        words = iter(tags)
        for token in tokens:
            if isinstance(token["id"], int):
                token[column] = next(words)
        out.append(tokens.serialize())
    path = Path(path)
    path.write_text("".join(out), encoding="utf-8")
    return path


def read_columns(path: str | Path, bad: BadRows) -> list[Tagged]:
    """CoNLL-2003 style ``word ... tag`` lines, a blank line between sentences; ``-DOCSTART-`` skipped."""
    sentences = []
    for line, block in _blocks(read_text(path)):
        words, tags = [], []
        for number, text in enumerate(block.splitlines(), start=line):
            fields = text.split()
            if fields[0] == "-DOCSTART-":
                continue
            if len(fields) < 2:
                bad.bad(path, f"expected 'word ... tag'; received {text[:60]!r}", number, kind="bad lines")
                continue
            words.append(fields[0])
            tags.append(fields[-1])
        if words:
            sentences.append(Tagged(words, tags))
    if not sentences:
        raise DataError(path, "holds no tagged sentences")
    return sentences
