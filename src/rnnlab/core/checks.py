"""How errors name shapes: ``(32, 100)``, ``(5,)``; and what was received when it is not a tensor."""

from __future__ import annotations

from torch import Tensor


def shape_str(value) -> str:
    """``(32, 100)`` for a tensor, its type name for anything else."""
    if not isinstance(value, Tensor):
        return type(value).__name__
    return str(tuple(value.shape))
