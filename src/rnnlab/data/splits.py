"""Deterministic train / validation / test splits."""

from __future__ import annotations

import random
from typing import Sequence, TypeVar

T = TypeVar("T")


def _count(size: float | int, n: int, name: str) -> int:
    if isinstance(size, float):
        if not 0.0 <= size < 1.0:
            raise ValueError(f"{name} as a fraction must be in [0, 1); received {size}")
        return int(round(size * n))
    if size < 0:
        raise ValueError(f"{name} must not be negative; received {size}")
    return size


def split_items(items: Sequence[T], validation: float | int, test: float | int,
                seed: int = 0) -> tuple[list[T], list[T], list[T]]:
    """Shuffle ``items`` with ``seed`` and cut off a test and a validation part.

    Sizes are counts (int) or fractions (float). The same seed gives the same
    split on every machine (Python's own ``random``, not torch's).
    """
    n = len(items)
    n_test, n_val = _count(test, n, "test size"), _count(validation, n, "validation size")
    if n_test + n_val >= n:
        raise ValueError(f"a split of {n} items into {n_test} test and {n_val} validation leaves nothing to train on")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    test_part = [items[k] for k in order[:n_test]]
    val_part = [items[k] for k in order[n_test:n_test + n_val]]
    train_part = [items[k] for k in order[n_test + n_val:]]
    return train_part, val_part, test_part
