"""Length masks: which steps of a padded batch are real."""

from __future__ import annotations

import torch
from torch import Tensor


def length_mask(lengths: Tensor, steps: int) -> Tensor:
    """``(B, T)`` bool mask, True where ``t < lengths[b]``."""
    return torch.arange(steps, device=lengths.device) < lengths.unsqueeze(1)  # (B, T)
