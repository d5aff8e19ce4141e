"""Text as corpora are published, read whole: what a language model or word vectors learn from.

- a plain-text file: one line a sentence or paragraph;
- a folder with ``train.txt``, ``valid.txt`` and ``test.txt`` (the Penn
  Treebank and WikiText layout; WikiText's ``wiki.train.tokens`` names too);
- a folder of documents, one ``.txt`` file each, found at any depth
  (``aclImdb/train/unsup``), HTML line breaks (``<br />``) read as spaces.
"""

from __future__ import annotations

import re
from pathlib import Path

from rnnlab.data.errors import DataError
from rnnlab.data.files import read_lines, read_text

SPLIT_FILES = {"train": ("train.txt", "wiki.train.tokens"), "validation": ("valid.txt", "wiki.valid.tokens"),
               "test": ("test.txt", "wiki.test.tokens")}
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _split_files(folder: Path) -> dict[str, Path] | None:
    """The published split files in ``folder``, or None when it has none; a half set is an error."""
    found = {split: next((folder / n for n in names if (folder / n).is_file()), None)
             for split, names in SPLIT_FILES.items()}
    if all(p is None for p in found.values()):
        return None
    missing = [SPLIT_FILES[s][0] for s, p in found.items() if p is None]
    if missing:
        raise DataError(folder, f"holds {', '.join(p.name for p in found.values() if p)} but not "
                                f"{', '.join(missing)}; a split folder needs train.txt, valid.txt and test.txt")
    return found


def _lines(path: Path) -> list[str]:
    return [line for _, line in read_lines(path)]


def _documents(folder: Path) -> list[str]:
    """Every ``.txt`` file under ``folder`` (sorted by path) as one document, ``<br />`` read as a space."""
    files = sorted(p for p in folder.rglob("*.txt") if p.is_file())
    if not files:
        raise DataError(folder, "holds no text files (*.txt); expected train.txt/valid.txt/test.txt or one "
                                "document a .txt file")
    return [_BREAK.sub(" ", read_text(p)) for p in files]


def read_parts(path: str | Path) -> tuple[str, list[str] | dict[str, list[str]]]:
    """``(layout, parts)``: ``("splits", {split: lines})``, ``("documents", documents)`` or ``("lines", lines)``."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, "no such file or folder")
    if path.is_dir():
        files = _split_files(path)
        if files is not None:
            return "splits", {split: _lines(p) for split, p in files.items()}
        return "documents", _documents(path)
    return "lines", _lines(path)
