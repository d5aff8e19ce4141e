"""The sentiment runs' data: a labelled data set in a public format (``rnnlab.data.labelled``) or the
generated reviews (``generated.py``), cut into the splits a run trains, selects and tests on."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rnnlab.apps.sentiment.generated import generate_reviews
from rnnlab.data import BadRows, DataError, split_items
from rnnlab.data.labelled import Example, detect_format, label_names, read_file, read_folder, read_labelled, rename

FORMATS = ("auto", "generated", "sst", "glue", "imdb", "csv", "jsonl")
__all__ = ["FORMATS", "Dataset", "Example", "load_dataset", "read_labelled"]


@dataclass
class Dataset:
    train: list[Example]
    validation: list[Example]
    test: list[Example]
    labels: list[str]
    source: str
    skipped: dict[str, int] = field(default_factory=dict)  # file -> bad rows skipped


def load_dataset(config) -> Dataset:
    """The train, validation and test examples ``config`` (a ``SentimentConfig``) names.

    A split the data does not provide is carved from train (``validation`` and
    ``test``: counts or fractions, ``split_seed``); ``validation_data`` and
    ``test_data`` name files that replace a split.
    """
    if config.data is None and config.format in ("auto", "generated"):
        train, validation, test = generate_reviews(config.generated_train, config.generated_validation,
                                                   config.generated_test, config.split_seed)
        return Dataset([Example(r.text, r.label, r.kind) for r in train],
                       [Example(r.text, r.label, r.kind) for r in validation],
                       [Example(r.text, r.label, r.kind) for r in test], ["negative", "positive"], "generated")
    if config.data is None:
        raise ValueError(f"format {config.format!r} needs --data")
    path = Path(config.data)
    if not path.exists():
        raise DataError(path, "no such file or folder")
    format = detect_format(path) if config.format == "auto" else config.format
    bad = BadRows(config.skip_bad_rows)
    splits = read_folder(path, format, config, bad) if path.is_dir() else {"train": read_file(path, format, config, bad)}
    for split, extra in (("validation", config.validation_data), ("test", config.test_data)):
        if extra is not None:
            extra = Path(extra)
            splits[split] = read_file(extra, detect_format(extra) if config.format == "auto" else format, config, bad)
    if config.labels:
        splits = {split: rows.keep_labels(tuple(config.labels)) for split, rows in splits.items()}
    examples = {split: rows.examples for split, rows in splits.items()}
    train = examples["train"]
    if "test" not in examples:
        train, _, examples["test"] = split_items(train, 0, config.test, config.split_seed, what="examples",
                                                 source=path)
    if "validation" not in examples:
        train, examples["validation"], _ = split_items(train, config.validation, 0, config.split_seed + 1,
                                                       what="examples", source=path)
    if not train:
        raise DataError(path, "holds no usable training rows")
    labels = sorted({e.label for e in train})
    if len(labels) < 2:
        raise DataError(splits["train"].path, f"needs at least two labels to learn; found only {labels}")
    for split in ("validation", "test"):
        unknown = sorted({e.label for e in examples[split]} - set(labels))
        if unknown:
            raise DataError(splits.get(split, splits["train"]).path,
                            f"the {split} data has labels the training data never has: {', '.join(unknown)} "
                            f"(training labels: {', '.join(labels)})")
    names = label_names(set(labels), format)
    return Dataset(rename(train, names), rename(examples["validation"], names), rename(examples["test"], names),
                   [names[label] for label in labels], str(path), bad.skipped)
