"""What most tasks share: whole examples in shuffled batches of similar length, nothing carried between batches."""

from __future__ import annotations

import torch
from torch import nn

from rnnlab.data import bucket_batches


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

    def start_epoch(self, epoch: int) -> None:
        pass

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass
