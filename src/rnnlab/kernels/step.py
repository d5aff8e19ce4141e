"""One time step without a gradient: what a sampler calls once per generated token.

The same functions as the kernels' forward loops, with nothing kept for a
backward pass, so a single step costs a handful of operations.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnlab.core import GRUCell, LSTMCell, LSTMState


@torch.no_grad()
def infer_step(cell, x: Tensor, state):
    """``(h_t, state_t)`` for ``x: (B, F)`` and the previous state; no mask (every row takes the step)."""
    W_x, W_h, b = cell.stacked_weights()
    H = cell.hidden_size
    if isinstance(cell, LSTMCell):
        z = torch.addmm(F.linear(x, W_x, b), state.h, W_h.t())  # (B, 4H): i, f, g, o
        i, f, g, o = z.split(H, dim=1)
        c = torch.sigmoid(f).mul_(state.c).addcmul_(torch.sigmoid(i), torch.tanh(g))
        h = torch.sigmoid(o).mul_(torch.tanh(c))
        return h, LSTMState(h, c)
    if isinstance(cell, GRUCell):
        h = state
        a = F.linear(x, W_x, b)  # (B, 3H): r, u, c
        ru = torch.addmm(a[:, : 2 * H], h, W_h[: 2 * H].t()).sigmoid_()
        r, u = ru[:, :H], ru[:, H:]
        if cell.reset == "before":
            n = torch.addmm(a[:, 2 * H:], r * h, W_h[2 * H:].t()).tanh_()
        else:
            n = torch.addcmul(a[:, 2 * H:], r, F.linear(h, W_h[2 * H:], cell.b_hc)).tanh_()
        h = torch.lerp(n, h, u)  # u h + (1 - u) n
        return h, h
    z = torch.addmm(F.linear(x, W_x, b), state, W_h.t())
    h = z.relu_() if cell.nonlinearity == "relu" else z.tanh_()
    return h, h

