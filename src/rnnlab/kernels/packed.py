r"""Inference over lengths: the rows sorted by length, each step run on the rows still going.

With its rows sorted longest first, a batch's rows still running at step t
are its first ``n_t`` (``batch_sizes``, as in a PackedSequence), so a step
works on that prefix and nothing is masked: the rows that have ended are
neither computed nor touched. The input's share of every gate, ``W_x x_t + b``,
is one product over the real tokens only (the packed data, ``(N, F)``, no
padding). A bidirectional layer runs both directions in the same loop: each
reads its own sequence from its first step (the backward one each sequence
reversed within its length), so both have ``n_t`` rows at step t and one
batched product ``(D, n_t, H) x (D, H, G)`` serves the two; the elementwise
work is one operation for both directions too. That halves the operations a
step costs, which is what time goes to at these sizes (a few microseconds an
operation against about 10 for the product at B=64, H=128), and is where
rnnlab's loop gains on torch.nn's packed kernels (docs/performance.md).

No gradient is kept: this is the inference engine (``auto`` picks it under
``torch.no_grad`` on the CPU). Each step is the chapter's equations, in the
same order as ``rnnlab.kernels.step``; the LSTM's gates are taken in the order
i, f, o, g for the call so that one sigmoid covers three of them.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnlab.core import LSTMState


class Packing(NamedTuple):
    """Where each real token of a batch sits, rows sorted by length (longest first), steps time-major.

    ``order (B,)``: the caller's row at each sorted place; ``batch_sizes``: rows running at each step;
    ``index (N,)``: each packed token's place ``b * T + t`` in the caller's padded ``(B, T)`` batch;
    ``mirror (N,)``: the packed place of the same row's step ``length - 1 - t`` (a permutation that is its own
    inverse: the backward direction's packed data); ``last (B,)``: the packed place of each sorted row's last step.
    """

    order: Tensor
    batch_sizes: list[int]
    index: Tensor
    mirror: Tensor
    last: Tensor


def packing(lengths: Tensor, steps: int, order: Tensor | None = None) -> Packing:
    """The ``Packing`` of a ``(B, steps)`` batch with ``lengths (B,)`` in the caller's row order; ``order``:
    the sorted order to use (a PackedSequence's ``sorted_indices``), else longest first, ties in row order."""
    if order is None:
        order = torch.argsort(lengths, descending=True, stable=True)
    L = lengths.index_select(0, order)  # (B,) longest first
    valid = torch.arange(steps, device=L.device).unsqueeze(1) < L.unsqueeze(0)  # (T, B): time-major
    t, b = valid.nonzero(as_tuple=True)  # packed order: by step, then by sorted row
    sizes = valid.sum(1)
    offsets = torch.cumsum(sizes, 0) - sizes  # (T,) the packed place of each step's first row
    return Packing(order, [n for n in sizes.tolist() if n], order.index_select(0, b) * steps + t,
                   offsets.index_select(0, L.index_select(0, b) - 1 - t) + b,
                   offsets.index_select(0, L - 1) + torch.arange(L.shape[0], device=L.device))


def of_packed_sequence(packed) -> Packing:
    """The ``Packing`` of a PackedSequence's data: its rows in its own sorted order."""
    sizes = packed.batch_sizes
    B = int(sizes[0])
    L = (sizes.unsqueeze(0) > torch.arange(B).unsqueeze(1)).sum(1).to(packed.data.device)  # (B,) sorted
    if packed.sorted_indices is None:
        return packing(L, len(sizes))
    return packing(L.index_select(0, packed.unsorted_indices), len(sizes), packed.sorted_indices)


def same_function(a, b) -> bool:
    """Whether two cells can share ``run_packed``'s loop: one kernel, size, bias and form."""
    return a.engines() == b.engines() and a.hidden_size == b.hidden_size and a.bias == b.bias and \
        getattr(a, "reset", None) == getattr(b, "reset", None)


def _lstm_order(t: Tensor, H: int) -> Tensor:
    """Rows (or entries) i, f, g, o -> i, f, o, g."""
    return torch.cat([t[: 2 * H], t[3 * H:], t[2 * H: 3 * H]])


def _weights(cell):
    """One direction's ``(W_x, b)`` for the input product and ``W_h^T (H, G)`` for the recurrent one, arranged
    so that each step adds its recurrent product into the input's in place (see ``_loop``)."""
    kind, H = cell.engines().kernel, cell.hidden_size
    W_x, W_h, b = cell.stacked_weights()
    if kind == "lstm":
        W_x, W_h, b = _lstm_order(W_x, H), _lstm_order(W_h, H), None if b is None else _lstm_order(b, H)
    elif kind == "gru" and cell.reset == "after":  # blocks r, u, [b_hc], c: the product's third block is b_hc
        W_x = torch.cat([W_x[: 2 * H], W_x.new_zeros(H, W_x.shape[1]), W_x[2 * H:]])
        b_hc = W_x.new_zeros(H) if cell.b_hc is None else cell.b_hc
        b = torch.cat([W_x.new_zeros(2 * H) if b is None else b[: 2 * H], b_hc,
                       W_x.new_zeros(H) if b is None else b[2 * H:]])
    return W_x, b, W_h.t()


def _loop(cell, A: Tensor, W_ht: Tensor, batch_sizes: list[int], h0: Tensor, c0: Tensor | None):
    """``Y (D, N, H)`` and the final ``c (D, B, H)`` (LSTM), every direction forwards.

    ``A (D, N, G)``: each direction's input product (``_weights``' arrangement), overwritten step by step with
    the gates; ``W_ht (D, H, G)``; ``h0``, ``c0``: ``(D, B, H)`` in sorted row order.
    """
    kind, H = cell.engines().kernel, cell.hidden_size
    Y = A.new_empty(A.shape[0], A.shape[1], H)
    cut = lambda t: t.split(batch_sizes, dim=1)  # noqa: E731  one view a step, made in one call
    ys, h = cut(Y), h0
    if kind == "elman":
        relu = cell.nonlinearity == "relu"
        for a, y, n in zip(cut(A), ys, batch_sizes):
            z = a.baddbmm_(h[:, :n], W_ht)  # W_x x_t + b + W_h h_{t-1}
            torch.clamp(z, min=0, out=y) if relu else torch.tanh(z, out=y)  # h_t = f(z)
            h = y
        return Y, None
    if kind == "lstm":  # gates i, f, o, g
        C = c0.clone()
        steps = zip(cut(A), cut(A[..., : 3 * H]), cut(A[..., :H]), cut(A[..., H:2 * H]), cut(A[..., 2 * H:3 * H]),
                    cut(A[..., 3 * H:]), ys, batch_sizes)
        for z, ifo, i, f, o, g, y, n in steps:
            z.baddbmm_(h[:, :n], W_ht)  # W_x x_t + b + W_h h_{t-1}
            ifo.sigmoid_()
            g.tanh_()
            c = C[:, :n]
            c.mul_(f).addcmul_(i, g)  # c_t = f c_{t-1} + i g
            torch.tanh(c, out=y).mul_(o)  # h_t = o tanh(c_t)
            h = y
        return Y, C
    before = cell.reset == "before"
    W_ru = W_ht[..., : 2 * H] if before else W_ht
    steps = zip(cut(A[..., : 2 * H] if before else A[..., : 3 * H]), cut(A[..., : 2 * H]), cut(A[..., :H]),
                cut(A[..., H:2 * H]), cut(A[..., 2 * H:3 * H]), cut(A[..., -H:]), ys, batch_sizes)
    for z, ru, r, u, s, c, y, n in steps:
        h = h[:, :n]
        z.baddbmm_(h, W_ru)  # r, u (and after: W_hc h + b_hc in the third block)
        ru.sigmoid_()
        if before:  # the chapter's GRU: h~ = tanh(W_x x_t + b + W_hc (r h))
            c.baddbmm_(r * h, W_ht[..., 2 * H:]).tanh_()
        else:  # torch's GRU: h~ = tanh(W_x x_t + b + r (W_hc h + b_hc))
            c.addcmul_(r, s).tanh_()
        torch.lerp(c, h, u, out=y)  # h_t = u h_{t-1} + (1 - u) h~
        h = y
    return Y, None


@torch.no_grad()
def run_packed(cells: list, backward: list[bool], data: Tensor, pack: Packing, states: list):
    """``Y (N, D*H)`` over packed ``data (N, F)`` and each direction's final state, in the caller's row order.

    ``cells``: one cell a direction (one kind and size); ``backward[d]``: whether direction d reads each
    sequence from its end; ``states``: each direction's initial state, in the caller's row order.
    """
    lstm = cells[0].engines().kernel == "lstm"
    weights = [_weights(cell) for cell in cells]
    mirrored = data.index_select(0, pack.mirror) if any(backward) else None
    A = data.new_empty(len(cells), data.shape[0], weights[0][0].shape[0])  # (D, N, G)
    for d, (W_x, b, _) in enumerate(weights):
        source = mirrored if backward[d] else data
        torch.mm(source, W_x.t(), out=A[d]) if b is None else torch.addmm(b, source, W_x.t(), out=A[d])
    order = pack.order
    h0 = torch.stack([s.h if lstm else s for s in states]).index_select(1, order)  # (D, B, H), sorted
    c0 = torch.stack([s.c for s in states]).index_select(1, order) if lstm else None
    Y, C = _loop(cells[0], A, torch.stack([w[2] for w in weights]), pack.batch_sizes, h0, c0)
    back = torch.empty_like(order)
    back[order] = torch.arange(order.shape[0], device=order.device)
    H_final = Y.index_select(1, pack.last).index_select(1, back)  # (D, B, H): each row at its own last step
    finals = [LSTMState(H_final[d], C[d].index_select(0, back)) if lstm else H_final[d] for d in range(len(cells))]
    outs = [Y[d].index_select(0, pack.mirror) if back_ else Y[d] for d, back_ in enumerate(backward)]
    return (outs[0] if len(outs) == 1 else torch.cat(outs, dim=1)), finals


def infer_sequence(cells: list, backward: list[bool], x: Tensor, states: list, lengths: Tensor | None):
    """``(y: (B, T, D*H), finals)`` for a padded ``x: (B, T, F)``: what ``Recurrent`` (or a ``Bidirectional``
    pair) computes, zeros past each length, through ``run_packed``."""
    B, T, F_ = x.shape
    pack = packing(torch.full((B,), T, device=x.device) if lengths is None else lengths, T)
    with torch.no_grad():
        Y, finals = run_packed(cells, backward, x.reshape(B * T, F_).index_select(0, pack.index), pack, states)
        y = x.new_zeros(B * T, Y.shape[1]).index_copy_(0, pack.index, Y)
    return y.view(B, T, -1), finals
