"""One time step without a gradient: what a sampler calls once per generated token.

The same functions as the kernels' forward loops, with nothing kept for a
backward pass, so a single step costs a handful of operations.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnlab.core import LSTMState


def _lstm(cell, x: Tensor, state: LSTMState, W_x: Tensor, W_h: Tensor, b: Tensor | None):
    z = torch.addmm(F.linear(x, W_x, b), state.h, W_h.t())  # (B, 4H): i, f, g, o
    i, f, g, o = z.split(cell.hidden_size, dim=1)
    c = torch.sigmoid(f).mul_(state.c).addcmul_(torch.sigmoid(i), torch.tanh(g))
    h = torch.sigmoid(o).mul_(torch.tanh(c))
    return h, LSTMState(h, c)


def _gru(cell, x: Tensor, h: Tensor, W_x: Tensor, W_h: Tensor, b: Tensor | None):
    H = cell.hidden_size
    a = F.linear(x, W_x, b)  # (B, 3H): r, u, c
    ru = torch.addmm(a[:, : 2 * H], h, W_h[: 2 * H].t()).sigmoid_()
    r, u = ru[:, :H], ru[:, H:]
    if cell.reset == "before":
        n = torch.addmm(a[:, 2 * H:], r * h, W_h[2 * H:].t()).tanh_()
    else:
        n = torch.addcmul(a[:, 2 * H:], r, F.linear(h, W_h[2 * H:], cell.b_hc)).tanh_()
    h = torch.lerp(n, h, u)  # u h + (1 - u) n
    return h, h


def _elman(cell, x: Tensor, h: Tensor, W_x: Tensor, W_h: Tensor, b: Tensor | None):
    z = torch.addmm(F.linear(x, W_x, b), h, W_h.t())
    h = z.relu_() if cell.nonlinearity == "relu" else z.tanh_()
    return h, h


STEPS = {"lstm": _lstm, "gru": _gru, "elman": _elman}  # by the cell's ``engines().kernel``


@torch.no_grad()
def infer_step(cell, x: Tensor, state):
    """``(h_t, state_t)`` for ``x: (B, F)`` and the previous state; no mask (every row takes the step)."""
    return STEPS[cell.engines().kernel](cell, x, state, *cell.stacked_weights())
