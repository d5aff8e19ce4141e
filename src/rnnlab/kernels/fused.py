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
    kind = cell.engines().fused
    lstm = kind == "lstm"
    hx = (state.h.unsqueeze(0), state.c.unsqueeze(0)) if lstm else state.unsqueeze(0)  # (1, B, H)
    params = _params(cell)
    fn, bias, train = getattr(_VF, kind), cell.bias, torch.is_grad_enabled()
    if lengths is None:
        out = fn(x, hx, params, bias, 1, 0.0, train, False, True)
        y, finals = out[0], out[1:]
    else:
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        order, back = packed.sorted_indices, packed.unsorted_indices
        hx = tuple(h.index_select(1, order) for h in hx) if lstm else hx.index_select(1, order)
        out = fn(packed.data, packed.batch_sizes, hx, params, bias, 1, 0.0, train, False)
        y, _ = pad_packed_sequence(packed._replace(data=out[0]), batch_first=True, total_length=x.shape[1])
        finals = [h.index_select(1, back) for h in out[1:]]
    if lstm:
        return y, LSTMState(finals[0][0], finals[1][0])
    return y, finals[0][0]
