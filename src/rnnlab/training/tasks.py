"""What most tasks share: whole examples in shuffled batches of similar length, nothing carried between batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from rnnlab.data import bucket_batches


@dataclass
class Probe:
    """The largest training batch cut down to a few of its rows, for the memory check
    (``resources.check_batch_memory``): ``task.loss(model, batch)`` runs those rows; the whole batch has ``rows``
    sequences of up to ``steps`` steps; ``options``: the config fields that size it."""

    task: Any
    batch: Any
    rows: int
    steps: int
    options: tuple[str, ...] = ("batch_size",)


def device_of(model: nn.Module) -> torch.device:
    """Where the model's parameters are, and so where its inputs go."""
    return next(model.parameters()).device


class BucketTask:
    """A fit ``Task`` over whole examples (sentences, pairs, videos): full BPTT over padded batches.

    Each epoch's batches hold examples of similar length (little padding),
    shuffled with ``seed`` and the epoch, so a resumed run gets the same
    batches; nothing is carried from one batch to the next. Subclasses set
    ``lengths`` (one a training example), ``batch_size`` and ``seed``, and
    give ``loss`` and ``evaluate``.
    """

    lengths: list[int]
    batch_size: int
    seed: int

    def batches(self, epoch: int) -> list[list[int]]:
        return bucket_batches(self.lengths, self.batch_size, seed=self.seed * 100_003 + epoch)

    def probe(self, rows: int) -> Probe:
        """The ``rows`` longest examples of the largest batch (rows times its longest length)."""
        def steps(batch: list[int]) -> int:
            return max(self.lengths[k] for k in batch)
        largest = max(self.batches(0), key=lambda b: len(b) * steps(b))
        return Probe(self, sorted(largest, key=self.lengths.__getitem__)[-rows:], len(largest), steps(largest))

    def start_epoch(self, epoch: int) -> None:
        pass

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass
