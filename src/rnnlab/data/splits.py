"""Deterministic train / validation / test splits: the one place a data set is cut in three."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Sequence, TypeVar

from rnnlab.data.errors import DataError

T = TypeVar("T")


def check_size(name: str, size: float | int) -> None:
    """A held-out part's size: a count (int, at least 0) or a fraction (float, in [0, 1)); else ValueError."""
    if isinstance(size, float) and not 0.0 <= size < 1.0:
        raise ValueError(f"{name} size as a fraction must be in [0, 1); received {size}")
    if not isinstance(size, float) and size < 0:
        raise ValueError(f"{name} size must not be negative; received {size}")


def split_sizes(n: int, validation: float | int, test: float | int, at_least: int = 0,
                what: str = "items", source: str | Path | None = None) -> tuple[int, int]:
    """How many of ``n`` items go to validation and to test.

    Sizes are counts (int) or fractions (float); a positive fraction is at
    least one item. When a part would hold fewer than ``at_least`` items or
    nothing would be left to train on, raises a DataError naming ``source``
    (the file or folder the items come from), or ValueError without one.
    """
    def too_few(reason: str) -> ValueError:
        reason += "; lower --validation and --test, or give more data"
        return DataError(source, reason) if source is not None else ValueError(reason)

    counts = []
    for name, size in (("validation", validation), ("test", test)):
        check_size(name, size)
        counts.append((max(1, int(round(size * n))) if size > 0 else 0) if isinstance(size, float) else size)
    n_val, n_test = counts
    if n_test + n_val >= n:
        raise too_few(f"a split of {n} {what} into {n_test} test and {n_val} validation leaves nothing to "
                      f"train on")
    if min(counts) < at_least:
        raise too_few(f"a split of {n} {what} needs at least {at_least} for test and for validation; "
                      f"received {n_test} and {n_val}")
    return n_val, n_test


def split_items(items: Sequence[T], validation: float | int, test: float | int, seed: int = 0, at_least: int = 0,
                what: str = "items", source: str | Path | None = None) -> tuple[list[T], list[T], list[T]]:
    """Shuffle ``items`` with ``seed`` and cut off a test and a validation part (see ``split_sizes``).

    The same seed gives the same split on every machine (Python's own
    ``random``, not torch's).
    """
    n_val, n_test = split_sizes(len(items), validation, test, at_least, what, source)
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    test_part = [items[k] for k in order[:n_test]]
    val_part = [items[k] for k in order[n_test:n_test + n_val]]
    train_part = [items[k] for k in order[n_test + n_val:]]
    return train_part, val_part, test_part
