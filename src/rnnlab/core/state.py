"""Named recurrent states and one helper to apply a function across them.

A state is a tensor ``h: (B, H)`` (Elman, GRU), an ``LSTMState(h, c)``, or a
tuple of states: one per layer for a stacked layer, ``(forward, backward)`` for
a bidirectional one. Never torch's ``(layers * directions, B, H)`` block.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from torch import Tensor


class LSTMState(NamedTuple):
    """The LSTM's two memories: hidden state ``h: (B, H)`` and cell state ``c: (B, H)``."""

    h: Tensor
    c: Tensor


def map_state(fn: Callable[..., Tensor], *states: Any) -> Any:
    """Apply ``fn`` leaf by leaf to states of the same structure.

    ``map_state(torch.Tensor.detach, s)`` detaches every tensor of ``s``;
    ``map_state(lambda new, old: torch.where(m, new, old), s1, s0)`` selects
    leaf by leaf. Tuples and NamedTuples keep their type.
    """
    first = states[0]
    if isinstance(first, Tensor):
        return fn(*states)
    if isinstance(first, tuple):
        parts = [map_state(fn, *leaves) for leaves in zip(*states)]
        return type(first)(*parts) if hasattr(first, "_fields") else tuple(parts)
    raise TypeError(f"a state is a Tensor or a tuple of states; received {type(first).__name__}")
