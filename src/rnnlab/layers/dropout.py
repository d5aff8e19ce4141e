"""The AWD-LSTM's dropouts on sequences (Merity et al. 2018): locked dropout and weight drop.

Plain dropout draws a new mask at every time step, so the recurrent state
sees a different network at each step. The two here keep one mask for a
whole sequence:

- ``LockedDropout`` (variational dropout, Gal & Ghahramani 2016) drops the
  same units of ``x_t`` at every step ``t`` of a sequence;
- ``WeightDrop`` (DropConnect on the recurrent matrix, Wan et al. 2013) drops
  entries of ``W_h`` itself, once per batch, so every step of every sequence
  in the batch runs the same thinned recurrence. It leaves the engines alone:
  each cell hands the masked ``W_h`` to whichever engine runs it (the
  reference loop, the hand BPTT kernels, torch's fused kernels), since they
  all read the recurrent matrix through ``cell.stacked_weights()``.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.core import Cell
from rnnlab.layers.base import Layer


def _check_rate(p: float, name: str) -> None:
    if not 0.0 <= p < 1.0:
        raise ValueError(f"{name}: the drop rate must be in [0, 1); received {p}")


class LockedDropout(nn.Module):
    r"""Dropout with one mask per sequence, the same at every time step.

    .. math:: y_{b,t} = \frac{m_b \odot x_{b,t}}{1 - p}, \qquad m_b \sim \mathrm{Bernoulli}(1 - p)^F

    ``x: (B, T, F)`` -> ``(B, T, F)``; the identity in eval mode.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        _check_rate(p, "LockedDropout")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        mask = x.new_empty(x.shape[0], 1, x.shape[2]).bernoulli_(1.0 - self.p).div_(1.0 - self.p)  # (B, 1, F)
        return x * mask  # (B, T, F): the same units dropped at every step

    def extra_repr(self) -> str:
        return f"p={self.p}"


@contextmanager
def weight_drop(module: nn.Module, p: float):
    r"""Inside, every cell in ``module`` runs with DropConnect on its recurrent matrix:

    .. math:: \tilde W_h = \frac{M \odot W_h}{1 - p}, \qquad M_{ij} \sim \mathrm{Bernoulli}(1 - p)

    one mask ``M`` per cell, drawn on entering; the gradient reaches ``W_h``
    through the mask. Nothing changes when ``p`` is 0 or ``module`` is in eval mode.
    """
    _check_rate(p, "weight drop")
    cells = [m for m in module.modules() if isinstance(m, Cell)] if module.training and p > 0 else []
    try:
        for cell in cells:
            W_h = cell.stacked_weights().W_h
            cell.dropped_W_h = F.dropout(W_h, p, training=True)  # (G*H, H)
        yield module
    finally:
        for cell in cells:
            cell.dropped_W_h = None


class WeightDrop(Layer):
    """``layer`` (any rnnlab layer: ``Recurrent``, ``Bidirectional``, ``Stacked``) with weight drop ``p`` on the
    recurrent matrix of each of its cells: a fresh mask for every call (every batch), none in eval mode."""

    def __init__(self, layer: Layer, p: float) -> None:
        super().__init__()
        _check_rate(p, "WeightDrop")
        self.layer, self.p = layer, p
        self.input_size, self.output_size = layer.input_size, layer.output_size

    def initial_state(self, batch: int, *, device=None, dtype=None):
        return self.layer.initial_state(batch, device=device, dtype=dtype)

    def _run(self, x: Tensor, state, lengths: Tensor | None):
        with weight_drop(self.layer, self.p):
            return self.layer._run(x, state, lengths)

    def extra_repr(self) -> str:
        return f"p={self.p}"


__all__ = ["LockedDropout", "WeightDrop", "weight_drop"]
