"""The shared conformance harness: every cell kind, its equation written out by
hand, and its torch twin where torch computes the same function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from rnnlab.core import ElmanCell, GRUCell, LSTMCell, LSTMState


def elman_equation(cell, nonlinearity):
    f = torch.tanh if nonlinearity == "tanh" else torch.relu

    def step(x, h):
        b = cell.b_h if cell.b_h is not None else 0
        return f(h @ cell.W_hh.T + x @ cell.W_xh.T + b)
    return step


def lstm_equation(cell):
    H = cell.hidden_size

    def block(k):  # storage order i, f, g, o
        rows = slice(k * H, (k + 1) * H)
        b = cell.b[rows] if cell.b is not None else 0
        return cell.W_x[rows], cell.W_h[rows], b

    def step(x, state):
        h, c = state
        (W_xi, W_hi, b_i), (W_xf, W_hf, b_f), (W_xg, W_hg, b_g), (W_xo, W_ho, b_o) = (block(k) for k in range(4))
        g = torch.tanh(x @ W_xg.T + h @ W_hg.T + b_g)
        i = torch.sigmoid(x @ W_xi.T + h @ W_hi.T + b_i)
        f = torch.sigmoid(x @ W_xf.T + h @ W_hf.T + b_f)
        o = torch.sigmoid(x @ W_xo.T + h @ W_ho.T + b_o)
        c = i * g + f * c
        return LSTMState(o * torch.tanh(c), c)
    return step


def gru_equation(cell):
    H = cell.hidden_size

    def step(x, h):
        # W_u [h, x]: the chapter's weights act on the concatenation [h_{t-1}, x_t]
        W_r = torch.cat([cell.W_h[:H], cell.W_x[:H]], dim=1)
        W_u = torch.cat([cell.W_h[H:2 * H], cell.W_x[H:2 * H]], dim=1)
        b_r, b_u, b_c = (cell.b[k * H:(k + 1) * H] if cell.b is not None else 0 for k in range(3))
        hx = torch.cat([h, x], dim=1)
        u = torch.sigmoid(hx @ W_u.T + b_u)
        r = torch.sigmoid(hx @ W_r.T + b_r)
        if cell.reset == "before":
            W_c = torch.cat([cell.W_h[2 * H:], cell.W_x[2 * H:]], dim=1)
            h_tilde = torch.tanh(torch.cat([r * h, x], dim=1) @ W_c.T + b_c)
        else:
            b_hc = cell.b_hc if cell.b_hc is not None else 0
            h_tilde = torch.tanh(x @ cell.W_x[2 * H:].T + b_c + r * (h @ cell.W_h[2 * H:].T + b_hc))
        return u * h + (1 - u) * h_tilde
    return step


@dataclass(frozen=True)
class Spec:
    """One cell kind: how to build it, its equation, and its torch twins (or None)."""

    name: str
    make: Callable[..., nn.Module]
    equation: Callable
    torch_cell: Callable[..., nn.Module] | None
    torch_module: Callable[..., nn.Module] | None
    rnnlab_module_options: dict

    @property
    def is_lstm(self) -> bool:
        return self.name == "lstm"


SPECS = [
    Spec("elman-tanh", lambda i, h, **kw: ElmanCell(i, h, **kw), lambda c: elman_equation(c, "tanh"),
         lambda i, h, **kw: nn.RNNCell(i, h, **kw), lambda i, h, **kw: nn.RNN(i, h, **kw), {}),
    Spec("elman-relu", lambda i, h, **kw: ElmanCell(i, h, nonlinearity="relu", **kw),
         lambda c: elman_equation(c, "relu"),
         lambda i, h, **kw: nn.RNNCell(i, h, nonlinearity="relu", **kw),
         lambda i, h, **kw: nn.RNN(i, h, nonlinearity="relu", **kw), {"nonlinearity": "relu"}),
    Spec("lstm", lambda i, h, **kw: LSTMCell(i, h, **kw), lstm_equation,
         lambda i, h, **kw: nn.LSTMCell(i, h, **kw), lambda i, h, **kw: nn.LSTM(i, h, **kw), {}),
    Spec("gru-before", lambda i, h, **kw: GRUCell(i, h, **kw), gru_equation, None, None, {"reset": "before"}),
    Spec("gru-after", lambda i, h, **kw: GRUCell(i, h, reset="after", **kw), gru_equation,
         lambda i, h, **kw: nn.GRUCell(i, h, **kw), lambda i, h, **kw: nn.GRU(i, h, **kw), {"reset": "after"}),
]
SPEC_IDS = [s.name for s in SPECS]
TORCH_SPECS = [s for s in SPECS if s.torch_module is not None]


def random_state(cell, batch, dtype=torch.float64, generator=None):
    def r():
        return torch.randn(batch, cell.hidden_size, dtype=dtype, generator=generator)
    return LSTMState(r(), r()) if isinstance(cell, LSTMCell) else r()


def flat(state) -> list[torch.Tensor]:
    """The tensors of a (nested) state, in order."""
    if isinstance(state, torch.Tensor):
        return [state]
    return [t for s in state for t in flat(s)]


def assert_close(a, b, atol=1e-10, rtol=1e-8):
    for x, y in zip(flat(a), flat(b), strict=True):
        torch.testing.assert_close(x, y, atol=atol, rtol=rtol)


def grad_pairs(cell, torch_module, names):
    """(rnnlab grad, torch grad) pairs for one cell: weights directly, biases by role.

    torch's two biases each get the gradient of the chapter's single bias, except
    the GRU's b_hn, which is rnnlab's b_hc.
    """
    w_ih, w_hh, b_ih, b_hh = (getattr(torch_module, n, None) for n in names)
    pairs = [(cell.stacked_weights().W_x.grad, w_ih.grad), (cell.stacked_weights().W_h.grad, w_hh.grad)]
    b = cell.stacked_weights().b
    if b is not None:
        pairs.append((b.grad, b_ih.grad))
        if isinstance(cell, GRUCell):
            H = cell.hidden_size
            pairs += [(b.grad[: 2 * H], b_hh.grad[: 2 * H]), (cell.b_hc.grad, b_hh.grad[2 * H:])]
        else:
            pairs.append((b.grad, b_hh.grad))
    return pairs
