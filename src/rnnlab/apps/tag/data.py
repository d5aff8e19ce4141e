"""The tagging runs' data: CoNLL-U or CoNLL-2003 files (``rnnlab.data.tagged``) or the generated sentences,
split: ``validation_data`` and ``test_data`` replace a split, otherwise it is carved from the training data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rnnlab.apps.tag.generated import generate_tagged
from rnnlab.data import BadRows, DataError, split_items
from rnnlab.data.tagged import Tagged, read_columns, read_conllu

FORMATS = ("auto", "generated", "conllu", "conll")


@dataclass
class TagData:
    train: list[Tagged]
    validation: list[Tagged]
    test: list[Tagged]
    source: str
    skipped: dict[str, int] = field(default_factory=dict)


def read_tagged(path: str | Path, format: str, column: str, bad: BadRows) -> list[Tagged]:
    """One file's sentences; ``auto``: CoNLL-U for ``*.conllu``, CoNLL-2003 columns otherwise."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such file" if not path.exists() else "is not a file")
    if format == "auto":
        format = "conllu" if path.suffix.lower() == ".conllu" else "conll"
    return read_conllu(path, bad, column) if format == "conllu" else read_columns(path, bad)


def load_tagged(config) -> TagData:
    """The sentences ``config`` (a ``TagConfig``) names, split."""
    if config.data is None:
        if config.format not in ("auto", "generated"):
            raise ValueError(f"format {config.format!r} needs --data")
        splits = [[Tagged(w, t) for w, t in split] for split in generate_tagged(
            config.generated_train, config.generated_validation, config.generated_test, config.split_seed)]
        bad = BadRows(config.skip_bad_rows)
        if config.test_data:  # a file to score a model trained on the generated sentences
            splits[2] = read_tagged(config.test_data, "auto", config.tag_column, bad)
        return TagData(*splits, source="generated sentences", skipped=bad.skipped)
    bad = BadRows(config.skip_bad_rows)
    read = {split: read_tagged(path, config.format, config.tag_column, bad) for split, path in
            (("train", config.data), ("validation", config.validation_data), ("test", config.test_data)) if path}
    train = read["train"]
    if "test" not in read:
        train, _, read["test"] = split_items(train, 0, config.test, config.split_seed, what="sentences",
                                             source=config.data)
    if "validation" not in read:
        train, read["validation"], _ = split_items(train, config.validation, 0, config.split_seed + 1,
                                                   what="sentences", source=config.data)
    if not read["validation"] or not read["test"]:
        raise DataError(config.data, "leaves an empty validation or test split; give --validation and --test "
                                     "sizes, or --validation-data and --test-data")
    return TagData(train, read["validation"], read["test"], str(config.data), bad.skipped)
