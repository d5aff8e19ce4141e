"""Padding variable-length sequences and grouping them into batches of similar length."""

from __future__ import annotations

import random
from typing import Sequence

import torch
from torch import Tensor


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int = 0) -> tuple[Tensor, Tensor]:
    """``(B, T_max)`` int64 ids padded with ``pad_id``, and the ``(B,)`` lengths."""
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    out = torch.full((len(sequences), int(lengths.max())), pad_id, dtype=torch.long)
    for b, seq in enumerate(sequences):
        out[b, : len(seq)] = torch.as_tensor(seq, dtype=torch.long)
    return out, lengths


def bucket_batches(lengths: Sequence[int], batch_size: int, seed: int | None,
                   bucket_factor: int = 50) -> list[list[int]]:
    """Indices grouped into batches of similar lengths, so that little is padding.

    Items are shuffled (``seed``; None keeps the order), cut into pools of
    ``bucket_factor`` batches, sorted by length inside each pool and cut into
    batches; the batches are shuffled again. Deterministic for a given seed.
    """
    if batch_size < 1:
        raise ValueError(f"batch size must be positive; received {batch_size}")
    order = list(range(len(lengths)))
    rng = random.Random(seed)
    if seed is not None:
        rng.shuffle(order)
    pool = batch_size * bucket_factor
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start:start + pool], key=lambda k: lengths[k])
        batches += [chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size)]
    if seed is not None:
        rng.shuffle(batches)
    return batches
