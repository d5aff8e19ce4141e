"""Pretrained word vectors from the files word2vec and GloVe write.

- ``word2vec``: text; a header line ``count dim``, then ``word v_1 .. v_dim`` a line.
- ``word2vec-binary``: the same header, then for each word its bytes, a space
  and ``dim`` little-endian float32 numbers (word2vec's ``-binary 1``).
- ``glove``: text; ``word v_1 .. v_dim`` a line, no header.

Only the words asked for are kept, so a large file costs one pass and little memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Collection

import numpy as np
import torch
from torch import Tensor

from rnnlab.data.errors import DataError

VECTOR_FORMATS = ("auto", "word2vec", "word2vec-binary", "glove")


@dataclass
class WordVectors:
    words: list[str]
    vectors: Tensor  # (N, D) float32
    total: int  # vectors in the file, kept or not

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]


def _header(line: bytes) -> tuple[int, int] | None:
    bits = line.split()
    if len(bits) == 2 and all(b.isascii() and b.isdigit() for b in bits):
        return int(bits[0]), int(bits[1])
    return None


def _detect(path: Path) -> str:
    with path.open("rb") as f:
        first = f.readline()
        rest = f.read(4096)
    if _header(first) is None:
        return "glove"
    try:
        rest.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(rest) - 4:  # not just a character cut at the end of the sample
            return "word2vec-binary"
    return "word2vec"


def _read_text(path: Path, header: bool, keep: Collection[str] | None) -> WordVectors:
    words, rows, dim, count, seen = [], [], None, None, 0
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if number == 1 and header:
                count, dim = _header(raw) or (None, None)
                if dim is None:
                    raise DataError(path, "expected a word2vec header 'count dim'", number)
                continue
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                raise DataError(path, "is not UTF-8 text (a binary word2vec file? use --vectors-format "
                                      "word2vec-binary)", number) from None
            word, _, numbers = line.rstrip(" ").partition(" ")
            values = numbers.split()
            if dim is None:
                dim = len(values)
                if dim == 0:
                    raise DataError(path, f"expected a word and its numbers; received {line[:60]!r}", number)
            if len(values) != dim:
                expected = f"the header says {dim}" if header else f"the first vector has {dim}"
                raise DataError(path, f"the vector of {word!r} has {len(values)} numbers; {expected}", number)
            seen += 1
            if keep is None or word in keep:
                try:
                    rows.append(np.asarray(values, dtype=np.float32))
                except ValueError:
                    raise DataError(path, f"the vector of {word!r} holds something that is not a number",
                                    number) from None
                words.append(word)
    if dim is None:
        raise DataError(path, "holds no vectors")
    if header and count != seen:
        raise DataError(path, f"the header promises {count} vectors; the file holds {seen}")
    matrix = torch.from_numpy(np.stack(rows)) if rows else torch.empty(0, dim)
    return WordVectors(words, matrix, seen)


def _read_binary(path: Path, keep: Collection[str] | None) -> WordVectors:
    words, rows = [], []
    with path.open("rb") as f:
        head = _header(f.readline())
        if head is None:
            raise DataError(path, "expected a word2vec header 'count dim'", 1)
        count, dim = head
        size = 4 * dim
        for k in range(count):
            chars = bytearray()
            while True:
                c = f.read(1)
                if not c:
                    raise DataError(path, f"ends after {k} of the {count} vectors its header promises")
                if c == b" ":
                    break
                if c != b"\n" or chars:
                    chars += c
            data = f.read(size)
            if len(data) != size:
                raise DataError(path, f"vector {k + 1} is cut short: {len(data)} of {size} bytes (the header "
                                      f"says {dim} numbers a vector)")
            try:
                word = chars.decode("utf-8")
            except UnicodeDecodeError:
                raise DataError(path, f"the word of vector {k + 1} is not UTF-8") from None
            if keep is None or word in keep:
                words.append(word)
                rows.append(np.frombuffer(data, dtype="<f4"))
        if f.read(1).strip():
            raise DataError(path, f"holds more than the {count} vectors its header promises, or vectors of "
                                  f"more than {dim} numbers")
    matrix = torch.from_numpy(np.stack(rows).astype(np.float32)) if rows else torch.empty(0, dim)
    return WordVectors(words, matrix, count)


def read_vectors(path: str | Path, format: str = "auto", keep: Collection[str] | None = None) -> WordVectors:
    """The vectors of ``path`` (of the words in ``keep``, if given), with the file checked as it is read."""
    path = Path(path)
    if format not in VECTOR_FORMATS:
        raise ValueError(f"vectors format must be one of {', '.join(VECTOR_FORMATS)}; received {format!r}")
    if not path.is_file():
        raise DataError(path, "no such file" if not path.exists() else "is not a file")
    if path.stat().st_size == 0:
        raise DataError(path, "the file is empty")
    if format == "auto":
        format = _detect(path)
    if format == "word2vec-binary":
        return _read_binary(path, keep)
    return _read_text(path, header=format == "word2vec", keep=keep)
