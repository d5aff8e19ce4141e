"""torch's own fused kernels (oneDNN/ATen on the CPU, cuDNN on CUDA), fed the chapter's parameters.

They compute the same functions as ``ElmanCell``, ``LSTMCell`` and
``GRUCell(reset="after")``; the cells store their weights in torch's block
order, so nothing is copied or reordered. torch adds two biases where the
chapter has one: ``b_ih = b`` and ``b_hh = 0`` (for the GRU ``[0, 0, b_hc]``).
"""

from __future__ import annotations

import torch
from torch import _VF, Tensor
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnlab.core import LSTMState
from rnnlab.kernels.masks import length_mask


def supports(cell) -> bool:
    """Whether torch has a fused kernel for exactly this cell's function (the cell says: ``engines().fused``)."""
    return cell.engines().fused is not None


def _params(cell) -> list[Tensor]:
    W_x, W_h, b = cell.stacked_weights()
    if b is None:
        return [W_x, W_h]
    if cell.engines().fused == "gru":  # torch's GRU keeps b_hn, the chapter's b_hc, inside r * (...)
        H = cell.hidden_size
        b_hh = torch.cat([torch.zeros(2 * H, dtype=b.dtype, device=b.device), cell.b_hc])
    else:
        b_hh = torch.zeros_like(b)
    return [W_x, W_h, b, b_hh]


def torch_sequence(cell, x: Tensor, state, lengths: Tensor | None):
    """``(y: (B, T, H), final_state)`` from torch's fused kernel; past each length y is 0 and the state frozen."""
    y, (final,) = _fused([cell], x, [state], lengths)
    return y, final


def both_ways(forward_cell, backward_cell) -> bool:
    """Whether ``torch_both_ways`` can run these two cells: one fused kind, size and bias."""
    kind = forward_cell.engines().fused
    return kind is not None and kind == backward_cell.engines().fused and \
        forward_cell.hidden_size == backward_cell.hidden_size and forward_cell.bias == backward_cell.bias


def torch_both_ways(forward_cell, backward_cell, x: Tensor, states: tuple, lengths: Tensor | None):
    """A bidirectional layer in one call of torch's fused kernel, as ``torch.nn.GRU(bidirectional=True)`` runs:
    ``(y: (B, T, 2H), (forward_final, backward_final))``; the backward cell reads each sequence from its last
    valid step, and its outputs stand at their own positions."""
    y, finals = _fused([forward_cell, backward_cell], x, list(states), lengths)
    return y, tuple(finals)


def _fused(cells: list, x: Tensor, states: list, lengths: Tensor | None):
    """One fused call over one direction (a cell) or both (two): ``y`` and each direction's final state."""
    kind = cells[0].engines().fused
    hx = (torch.stack([s.h for s in states]), torch.stack([s.c for s in states])) if kind == "lstm" \
        else torch.stack(states)  # (directions, B, H)
    if lengths is None:
        out = getattr(_VF, kind)(x, hx, _flat(cells), cells[0].bias, 1, 0.0, torch.is_grad_enabled(),
                                 len(cells) == 2, True)
        y, h_n = out[0], out[1:]
    else:
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        data, h_n = torch_packed(cells, packed, hx)
        y, _ = pad_packed_sequence(packed._replace(data=data), batch_first=True, total_length=x.shape[1])
        h_n = h_n if kind == "lstm" else (h_n,)
    if kind == "lstm":
        return y, [LSTMState(h, c) for h, c in zip(*h_n)]
    return y, list(h_n[0])


def _flat(cells: list) -> list[Tensor]:
    return [p for cell in cells for p in _params(cell)]


def torch_packed(cells: list, packed, hx, layers: int = 1, dropout: float = 0.0, train: bool | None = None):
    """torch's fused kernel on a PackedSequence's own data, as ``torch.nn.GRU`` calls it: ``(data (N, D*H),
    h_n)``. ``cells``: layer after layer, forward before backward; ``hx`` and ``h_n``: torch's
    ``(layers * directions, B, H)`` (a pair for the LSTM) in the caller's row order; ``train``: whether dropout
    acts between layers (default: whether a gradient is recorded)."""
    kind = cells[0].engines().fused
    order, back = packed.sorted_indices, packed.unsorted_indices
    rows = lambda h, index: h if index is None else h.index_select(1, index)  # noqa: E731
    hx = tuple(rows(h, order) for h in hx) if kind == "lstm" else rows(hx, order)
    out = getattr(_VF, kind)(packed.data, packed.batch_sizes, hx, _flat(cells), cells[0].bias, layers, dropout,
                             torch.is_grad_enabled() if train is None else train, len(cells) == 2 * layers)
    h_n = tuple(rows(h, back) for h in out[1:])
    return out[0], (h_n if kind == "lstm" else h_n[0])


# A pre-activation this far from 0 saturates a sigmoid to exactly 0 or 1 in float32 and float64, whatever the
# rest of the sum (W_h h + b) adds, for weights of any trained model (|W_h h + b| far below 1e4).
HOLD = 1e4


def holds(cell) -> bool:
    """Whether ``held_sequence`` can run ``cell``: its fused kernel has a gate that can keep the state."""
    return cell.engines().fused in ("lstm", "gru")


def held_sequence(cell, x: Tensor, state, lengths: Tensor):
    """``torch_sequence`` with lengths, on the padded batch: one fused call, no PackedSequence.

    Past its length a sequence's gates are pinned by one more input column,
    1 there and 0 at real steps, whose weights push the pre-activations to
    +-``HOLD``: the LSTM's input gate to exactly 0 and its forget gate to
    exactly 1 (c kept), torch's GRU's update gate to exactly 1 (h kept). A
    saturated sigmoid has derivative 0, so the padded steps add nothing to
    any gradient and pass the state's gradient back unchanged: value and
    gradient equal the masked loop's. The LSTM's final h is its output at its
    own last step. On the CPU this is as fast as the padded batch, and
    several times torch's packed kernels (``segments`` runs its pieces with it).
    """
    kind, H = cell.engines().fused, cell.hidden_size
    lstm = kind == "lstm"
    B, T, _ = x.shape
    pad = ~length_mask(lengths, T).unsqueeze(2)  # (B, T, 1)
    x = torch.cat([x.masked_fill(pad, 0.0), pad.to(x.dtype)], dim=2)  # padding zeroed (even NaN), then the pin
    pin = torch.zeros((4 if lstm else 3) * H, 1, dtype=x.dtype, device=x.device)
    if lstm:  # blocks i, f, g, o
        pin[:H], pin[H:2 * H] = -HOLD, HOLD
    else:  # blocks r, z, n
        pin[H:2 * H] = HOLD
    params = _params(cell)
    params[0] = torch.cat([params[0], pin], dim=1)
    hx = (state.h.unsqueeze(0), state.c.unsqueeze(0)) if lstm else state.unsqueeze(0)  # (1, B, H)
    out = getattr(_VF, kind)(x, hx, params, cell.bias, 1, 0.0, torch.is_grad_enabled(), False, True)
    y = out[0]
    if lstm:
        last = (lengths - 1).view(B, 1, 1).expand(B, 1, H)
        final = LSTMState(y.gather(1, last).squeeze(1), out[2][0])
    else:
        final = out[1][0]
    return y.masked_fill(pad, 0.0), final
