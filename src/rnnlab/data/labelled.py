"""Labelled text in its public formats: sentences with a label each, read with one clear error a bad row.

Formats:

- ``sst``: the Stanford Sentiment Treebank sentence files, ``label sentence`` a
  line (``stsa.binary.train``; labels 0/1, or 0-4 for the fine-grained set);
  a folder holding ``*.train``, ``*.dev`` and ``*.test`` gives all three splits;
- ``glue``: the GLUE SST-2 TSV, a header line, then ``sentence<TAB>label``; a
  folder holding ``train.tsv`` and ``dev.tsv`` tests on dev (GLUE's own test
  labels are not public);
- ``imdb``: the ``aclImdb`` folder, ``{train,test}/{pos,neg}/*.txt``;
- ``csv`` and ``jsonl``: any table, with ``text_column`` and ``label_column``,
  or, without them, the columns with well-known names (text, sentence,
  review, content; label, sentiment, polarity, stars), said in the log.

SST and GLUE labels 0/1 are named negative/positive (0-4: very negative ..
very positive). A bad row goes to a ``BadRows``: an error naming the file and
line, or a counted skip. ``options`` below is anything with ``skip_bad_rows``,
``text_column``, ``label_column`` and ``labels`` (a run's config).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from rnnlab.data.errors import DataError
from rnnlab.data.files import read_lines, read_text
from rnnlab.data.rows import BadRows

log = logging.getLogger(__name__)
SST_NAMES = {2: ("negative", "positive"), 5: ("very negative", "negative", "neutral", "positive", "very positive")}


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    kind: str = ""  # the generated set's sentence kind: plain, negation, contrast


class _Rows:
    """Examples read from one file; its bad rows go to ``rows`` (an error, or a counted skip)."""

    def __init__(self, path: Path, rows: BadRows) -> None:
        self.path, self.rows, self.examples, self.lines = path, rows, [], []

    def add(self, text: str | None, label: str | None, line: int | None) -> None:
        if label is None or not label.strip():
            return self.bad("the label is missing", line)
        if text is None or not text.strip():
            return self.bad("the text is empty", line)
        self.examples.append(Example(text.strip(), label.strip()))
        self.lines.append(line)

    def keep_labels(self, allowed: tuple[str, ...]) -> "_Rows":
        """Treat a label outside ``allowed`` as a bad row."""
        kept = [(e, n) for e, n in zip(self.examples, self.lines) if e.label in allowed]
        for e, n in zip(self.examples, self.lines):
            if e.label not in allowed:
                self.bad(f"unknown label {e.label!r}; expected one of {', '.join(allowed)}", n)
        self.examples, self.lines = [e for e, _ in kept], [n for _, n in kept]
        return self

    def bad(self, reason: str, line: int | None) -> None:
        self.rows.bad(self.path, reason, line)


def read_sst(path: str | Path, bad: BadRows) -> _Rows:
    rows = _Rows(Path(path), bad)
    for number, line in read_lines(path):
        label, _, text = line.partition(" ")
        if label not in ("0", "1", "2", "3", "4"):
            rows.bad(f"expected 'label sentence' with a label 0-4; received {line[:60]!r}", number)
        else:
            rows.add(text, label, number)
    return rows


TEXT_NAMES = ("text", "sentence", "review", "content")  # header names taken for the text when none is given
LABEL_NAMES = ("label", "sentiment", "polarity", "stars")


def _column(header: list[str], name: str | None, path: Path, known: tuple[str, ...], what: str) -> str:
    """The column named ``name``; without a name, the first of ``known`` in the header (any case), said in
    the log."""
    if name is None:
        lower = {h.strip().lower(): h for h in header}
        found = next((lower[k] for k in known if k in lower), None)
        if found is None:
            raise DataError(path, f"names no {what} column rnnlab knows ({', '.join(known)}); its header has: "
                                  f"{', '.join(header)}; give --{what}-column", 1)
        log.warning("%s: reading the %s from column %r (--%s-column chooses another)", path, what, found, what)
        return found
    if name not in header:
        raise DataError(path, f"has no column {name!r}; its header has: {', '.join(header)}", 1)
    return name


def _table(path: Path, reader, text_column: str | None, label_column: str | None, bad: BadRows) -> _Rows:
    rows, start = _Rows(path, bad), 1  # start: the line the record being read begins on
    try:
        header = reader.fieldnames or []
        text_key = _column(header, text_column, path, TEXT_NAMES, "text")
        label_key = _column(header, label_column, path, LABEL_NAMES, "label")
        start = reader.line_num + 1
        for record in reader:
            if None in record:  # more fields than the header names
                rows.bad(f"has {len(header) + len(record[None])} fields; the header names {len(header)}", start)
            elif None in record.values():  # fewer
                count = sum(v is not None for v in record.values())
                rows.bad(f"has {count} field{'s' * (count != 1)}; the header names {len(header)}", start)
            else:
                rows.add(record.get(text_key), record.get(label_key), start)
            start = reader.line_num + 1
    except csv.Error as error:
        if "unexpected end of data" in str(error) or "EOF" in str(error):
            raise DataError(path, 'opens a quoted field (") that is never closed: it runs to the end of the file',
                            start) from None
        raise DataError(path, f"is not a readable CSV table ({error})", reader.line_num) from None
    return rows


def _no_field_limit() -> None:
    """Fields of any size (the csv module stops at 131,072 characters otherwise)."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2


def read_glue(path: str | Path, bad: BadRows, text_column: str = "sentence", label_column: str = "label") -> _Rows:
    text = read_text(path)
    _no_field_limit()
    return _table(Path(path), csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE),
                  text_column, label_column, bad)


def read_csv(path: str | Path, bad: BadRows, text_column: str | None = None, label_column: str | None = None) -> _Rows:
    """A CSV table with a header; without column names, the well-known ones (``TEXT_NAMES``, ``LABEL_NAMES``)."""
    text = read_text(path)
    _no_field_limit()
    return _table(Path(path), csv.DictReader(io.StringIO(text, newline=""), strict=True), text_column, label_column,
                  bad)


def read_jsonl(path: str | Path, bad: BadRows, text_column: str | None = None,
               label_column: str | None = None) -> _Rows:
    """A JSON object a line; without field names, the well-known ones, from the first object's fields."""
    path = Path(path)
    rows = _Rows(path, bad)
    for number, line in read_lines(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            rows.bad(f"is not JSON ({error.msg})", number)
            continue
        if not isinstance(record, dict):
            rows.bad("expected a JSON object a line", number)
            continue
        if text_column is None or label_column is None:  # from the first object's fields
            text_column = text_column or _column(list(record), None, path, TEXT_NAMES, "text")
            label_column = label_column or _column(list(record), None, path, LABEL_NAMES, "label")
        for name in (text_column, label_column):
            if name not in record:
                raise DataError(path, f"has no field {name!r}; the line has: {', '.join(record)}", number)
        label = record[label_column]
        rows.add(record[text_column], None if label is None else str(label), number)
    return rows


_TAG = re.compile(r"<br\s*/?>", re.I)


def read_imdb(folder: str | Path, split: str, bad: BadRows) -> _Rows:
    base = Path(folder) / split
    rows = _Rows(base, bad)
    for label, name in (("pos", "positive"), ("neg", "negative")):
        if not (base / label).is_dir():
            raise DataError(base / label, "no such folder; expected aclImdb/{train,test}/{pos,neg}/*.txt")
        for path in sorted((base / label).glob("*.txt")):
            try:
                text = read_text(path)
            except DataError:
                if not bad.skip:
                    raise
                bad.count(str(base))
                continue
            review = _TAG.sub(" ", text)
            if not review.strip():
                bad.bad(path, "holds no review text", kind=str(base))
                continue
            rows.add(review, name, None)
    if not rows.examples and not bad.skipped.get(str(base)):
        raise DataError(base, "holds no reviews")
    return rows


def detect_format(path: Path) -> str:
    if path.is_dir():
        if (path / "train" / "pos").is_dir():
            return "imdb"
        if (path / "train.tsv").is_file():
            return "glue"
        if list(path.glob("*.train")):
            return "sst"
        raise DataError(path, "is a folder but not one rnnlab reads: expected aclImdb (train/pos), GLUE SST-2 "
                              "(train.tsv) or SST sentence files (*.train, *.dev, *.test)")
    return {".tsv": "glue", ".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}.get(path.suffix.lower(), "sst")


def read_file(path: Path, format: str, config, bad: BadRows) -> _Rows:
    if format == "sst":
        return read_sst(path, bad)
    if format == "glue":
        return read_glue(path, bad, config.text_column or "sentence", config.label_column or "label")
    if format in ("csv", "jsonl"):
        read = read_csv if format == "csv" else read_jsonl
        return read(path, bad, config.text_column or None, config.label_column or None)
    raise ValueError(f"{path}: format {format!r} reads a folder, not a file")


def read_folder(path: Path, format: str, config, bad: BadRows) -> dict[str, _Rows]:
    """What a data set's folder gives: train and test, and validation where the set has one."""
    if format == "imdb":
        splits = {"train": read_imdb(path, "train", bad)}
        if (path / "test").exists():  # without its test reviews, the test split is carved from train (--test)
            splits["test"] = read_imdb(path, "test", bad)
        return splits
    if format == "glue":
        return {"train": read_file(path / "train.tsv", "glue", config, bad),
                "test": read_file(path / "dev.tsv", "glue", config, bad)}
    splits = {}
    for split, suffix in (("train", "train"), ("validation", "dev"), ("test", "test")):
        found = sorted(path.glob(f"*.{suffix}"))
        if len(found) > 1:
            raise DataError(path, f"holds several *.{suffix} files ({', '.join(p.name for p in found)}); "
                                  f"pass one with --data, --validation-data, --test-data")
        if found:
            splits[split] = read_file(found[0], "sst", config, bad)
    if "train" not in splits:
        raise DataError(path, "holds no *.train file")
    return splits


def label_names(labels: set[str], format: str) -> dict[str, str]:
    """SST and GLUE number their labels 0/1 (or 0-4); the names they stand for. Other labels keep their own."""
    if format not in ("sst", "glue") or not labels <= {str(k) for k in range(5)}:
        return {label: label for label in labels}
    names = SST_NAMES[2] if labels <= {"0", "1"} else SST_NAMES[5]
    return {label: names[int(label)] for label in labels}


def rename(examples: list[Example], names: dict[str, str]) -> list[Example]:
    return [Example(e.text, names[e.label], e.kind) for e in examples]


def read_labelled(path: str | Path, config, format: str = "auto") -> list[Example]:
    """All the examples of one file, or a data set folder's test split (for scoring a trained model)."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, "no such file or folder")
    format = detect_format(path) if format == "auto" else format
    bad = BadRows(config.skip_bad_rows)
    if path.is_dir():
        rows = read_folder(path, format, config, bad).get("test")
        if rows is None:
            raise DataError(path, "holds no test split (*.test) to score")
    else:
        rows = read_file(path, format, config, bad)
    if config.labels:
        rows.keep_labels(tuple(config.labels))
    if not rows.examples:
        raise DataError(path, "holds no usable rows")
    return rename(rows.examples, label_names({e.label for e in rows.examples}, format))
