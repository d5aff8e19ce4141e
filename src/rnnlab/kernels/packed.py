r"""Batches with lengths: the rows sorted by length, each step run on the rows still going.

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
operation against about 10-35 for the product at B=64, H=128;
docs/performance-lengths.md).

``PackedFunction`` keeps what its backward pass needs and derives BPTT by hand
on the same rows; ``auto`` runs it on the CPU (``dispatch.runs_packed``). Each
step is the chapter's equations, in the same order as ``rnnlab.kernels.step``;
the LSTM's gates are taken in the order i, f, o, g for the call so that one
sigmoid covers three of them.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from rnnlab.core import LSTMState


class Packing(NamedTuple):
    """Where each real token of a batch sits, rows sorted by length (longest first), steps time-major.

    ``order (B,)``: the caller's row at each sorted place; ``batch_sizes``: rows running at each step;
    ``index (N,)``: each packed token's place ``b * T + t`` in the caller's padded ``(B, T)`` batch;
    ``mirror (N,)``: the packed place of the same row's step ``length - 1 - t`` (a permutation that is its own
    inverse: the backward direction's packed data); ``last (B,)``: the packed place of each sorted row's last step;
    ``previous (N,)``: where each packed token's previous step sits in ``[h_0 (B rows), packed (N rows)]``
    (its row of h_0 at step 0).
    """

    order: Tensor
    batch_sizes: list[int]
    index: Tensor
    mirror: Tensor
    last: Tensor
    previous: Tensor


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
    B = L.shape[0]
    return Packing(order, [n for n in sizes.tolist() if n], order.index_select(0, b) * steps + t,
                   offsets.index_select(0, L.index_select(0, b) - 1 - t) + b,
                   offsets.index_select(0, L - 1) + torch.arange(B, device=L.device),
                   torch.where(t == 0, b, B + offsets.index_select(0, (t - 1).clamp(min=0)) + b))


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
    """One direction's ``(W_x, b)`` for the input product, ``W_h^T (H, G)`` for the recurrent one and the bias
    of a leading block the input product leaves out (torch's GRU: ``b_hc``; None for the other cells), arranged
    so that each step adds its recurrent product into the gates in place (see ``_loop``)."""
    kind, H = cell.engines().kernel, cell.hidden_size
    W_x, W_h, b = cell.stacked_weights()
    if kind == "lstm":
        return _lstm_order(W_x, H), None if b is None else _lstm_order(b, H), _lstm_order(W_h, H).t(), None
    if kind == "gru" and cell.reset == "after":  # blocks [s = W_hc h + b_hc], r, u, c
        lead = W_h.new_zeros(H) if cell.b_hc is None else cell.b_hc
        return W_x, b, torch.cat([W_h[2 * H:], W_h[: 2 * H]]).t(), lead
    return W_x, b, W_h.t(), None


def _loop(cell, A: Tensor, W_ht: Tensor, batch_sizes: list[int], h0: Tensor, c0: Tensor | None,
          Cs: Tensor | None = None):
    """``Y (D, N, H)`` and the final ``c (D, B, H)`` (LSTM), every direction forwards.

    ``A (D, N, G)``: each direction's input product (``_weights``' arrangement; torch's GRU with ``b_hc`` in a
    leading block, ``[s, r, u, c]``), overwritten step by step with the activated gates (what the backward
    pass reads); ``W_ht (D, H, G)``; ``h0``, ``c0``: ``(D, B, H)`` in
    sorted row order; ``Cs (D, N, H)``: where to keep each step's c (LSTM, for the backward pass), or None.
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
                    cut(A[..., 3 * H:]), ys, cut(Cs) if Cs is not None else [None] * len(batch_sizes), batch_sizes)
        for z, ifo, i, f, o, g, y, kept, n in steps:
            z.baddbmm_(h[:, :n], W_ht)  # W_x x_t + b + W_h h_{t-1}
            ifo.sigmoid_()
            g.tanh_()
            c = C[:, :n]
            c.mul_(f).addcmul_(i, g)  # c_t = f c_{t-1} + i g
            torch.tanh(c, out=y).mul_(o)  # h_t = o tanh(c_t)
            if kept is not None:
                kept.copy_(c)
            h = y
        return Y, C
    before = cell.reset == "before"
    R = 0 if before else H  # where r starts: after, the first block is s = W_hc h_{t-1} + b_hc
    W_ru = W_ht[..., : 2 * H] if before else W_ht
    steps = zip(cut(A[..., : 2 * H] if before else A[..., : 3 * H]), cut(A[..., R:R + 2 * H]), cut(A[..., R:R + H]),
                cut(A[..., R + H:R + 2 * H]), cut(A[..., :H]), cut(A[..., -H:]), ys, batch_sizes)
    for z, ru, r, u, s, c, y, n in steps:
        h = h[:, :n]
        z.baddbmm_(h, W_ru)  # r, u (and after: s = W_hc h + b_hc, the first block)
        ru.sigmoid_()
        if before:  # the chapter's GRU: h~ = tanh(W_x x_t + b + W_hc (r h))
            c.baddbmm_(r * h, W_ht[..., 2 * H:]).tanh_()
        else:  # torch's GRU: h~ = tanh(W_x x_t + b + r (W_hc h + b_hc))
            c.addcmul_(r, s).tanh_()
        torch.lerp(c, h, u, out=y)  # h_t = u h_{t-1} + (1 - u) h~
        h = y
    return Y, None


class PackedFunction(torch.autograd.Function):
    r"""``Y, C = PackedFunction.apply(cell, batch_sizes, previous, X, W_x, b, W_ht, lead, h0, c0)``: ``_loop``
    with BPTT derived by hand, on the rows still running at each step (nothing masked).

    ``X (D, N, F)``: each direction's packed input; ``W_x (D, G, F)``, ``b (D, G)`` or None, ``W_ht (D, H, G)``,
    ``lead (D, H)`` or None: ``_weights``' arrangement; ``h0``, ``c0 (D, B, H)`` sorted (``c0`` None but for the LSTM). ``Y (D, N, H)``;
    ``C (D, B, H)``: the LSTM's final c (empty for the other cells). Backward, t = T..1 on the first ``n_t`` rows,
    with ``dh`` the gradient reaching ``h_t`` from later steps (the formulas of ``rnnlab.kernels.lstm``, ``gru``
    and ``elman`` without the mask)::

        Elman: dz = (gy + dh) f'(z);  dh <- dz W_h
        LSTM:  dc~ = dc + (gy + dh) o (1 - tanh^2 c);  dz_i, dz_f, dz_o, dz_g as in ``lstm``;  dc <- dc~ f
        GRU:   dz_u = gh (h_{t-1} - h~) u (1 - u),  dz_c = gh (1 - u)(1 - h~^2), dz_r and dh as in ``gru``

    then ``dW_x = dz^T x``, ``db = sum dz``, ``dx = dz W_x`` and ``dW_h = h_{t-1}^T dz`` as one product each.
    """

    @staticmethod
    def forward(ctx, cell, batch_sizes, previous, X, W_x, b, W_ht, lead, h0, c0):
        lstm = c0 is not None
        with torch.no_grad():
            skip = 0 if lead is None else lead.shape[1]
            A = X.new_empty(X.shape[0], X.shape[1], skip + W_x.shape[1])
            if b is None:
                torch.bmm(X, W_x.transpose(1, 2), out=A[..., skip:])
            else:
                torch.baddbmm(b.unsqueeze(1), X, W_x.transpose(1, 2), out=A[..., skip:])
            if skip:
                A[..., :skip] = lead.unsqueeze(1)
            Cs = A.new_empty(A.shape[0], A.shape[1], cell.hidden_size) if lstm and any(ctx.needs_input_grad) else None
            Y, C = _loop(cell, A, W_ht, batch_sizes, h0, c0, Cs)
        ctx.save_for_backward(X, W_x, W_ht, h0, c0, A, Y, Cs, previous)
        ctx.cell, ctx.batch_sizes, ctx.has_bias, ctx.skip = cell, batch_sizes, b is not None, skip
        return Y, (C if lstm else Y.new_empty(0))

    @staticmethod
    def backward(ctx, gY, gC):
        X, W_x, W_ht, h0, c0, A, Y, Cs, previous = ctx.saved_tensors
        cell, sizes = ctx.cell, ctx.batch_sizes
        kind, H = cell.engines().kernel, cell.hidden_size
        D, N, _ = A.shape
        cut = lambda t: t.split(sizes, dim=1)  # noqa: E731
        Hp = torch.cat([h0, Y], dim=1).index_select(1, previous)  # (D, N, H): h_{t-1}
        gys = cut(torch.zeros_like(Y) if gY is None else gY)
        dh = torch.zeros_like(h0)  # (D, B, H); the final states' gradients arrive through gY
        W_hT = W_ht.transpose(1, 2)  # (D, G, H)
        Dz = A.new_empty(D, N, A.shape[2])  # the gradient of each block's pre-activation (A's arrangement)
        steps = range(len(sizes) - 1, -1, -1)
        if kind == "elman":
            act = (Y > 0).to(Y.dtype) if cell.nonlinearity == "relu" else 1 - Y * Y  # f'(z)
            acts, dzs = cut(act), cut(Dz)
            for t in steps:
                n = sizes[t]
                dz = torch.mul(gys[t] + dh[:, :n], acts[t], out=dzs[t])
                dh[:, :n] = torch.bmm(dz, W_hT)  # dz W_h
            rec = Dz
        elif kind == "lstm":  # blocks i, f, o, g (activated in A)
            i, f, o, g = (A[..., k * H:(k + 1) * H] for k in range(4))
            TC = torch.tanh(Cs)
            dtc, Ao = o * (1 - TC * TC), TC * o * (1 - o)  # gh -> dc~ through tanh(c); gh -> dz_o
            Cp = torch.cat([c0, Cs], dim=1).index_select(1, previous)  # c_{t-1}
            Ai, Af, Ag = g * i * (1 - i), Cp * f * (1 - f), i * (1 - g * g)  # dc~ -> dz_i, dz_f, dz_g
            del TC, Cp
            dc = torch.zeros_like(h0) if gC is None or gC.numel() == 0 else gC.clone()
            dtcs, aos, ais, afs, ags, fs = map(cut, (dtc, Ao, Ai, Af, Ag, f))
            dz_i, dz_f, dz_o, dz_g = (cut(Dz[..., k * H:(k + 1) * H]) for k in range(4))
            dzs = cut(Dz)
            for t in steps:
                n = sizes[t]
                gh = gys[t] + dh[:, :n]
                dcn = torch.addcmul(dc[:, :n], gh, dtcs[t])  # dc~
                torch.mul(dcn, ais[t], out=dz_i[t])
                torch.mul(dcn, afs[t], out=dz_f[t])
                torch.mul(gh, aos[t], out=dz_o[t])
                torch.mul(dcn, ags[t], out=dz_g[t])
                torch.mul(dcn, fs[t], out=dc[:, :n])  # dc <- dc~ f
                dh[:, :n] = torch.bmm(dzs[t], W_hT)
            rec = Dz
            ctx.dc0 = dc
        else:
            before = cell.reset == "before"
            R = 0 if before else H
            r, u, c = A[..., R:R + H], A[..., R + H:R + 2 * H], A[..., -H:]
            Pu, Pc = (Hp - c) * u * (1 - u), (1 - u) * (1 - c * c)  # gh -> dz_u, dz_c
            Pr = (Hp if before else A[..., :H]) * r * (1 - r)  # d(r's product) -> dz_r
            pus, pcs, prs, rs, us = map(cut, (Pu, Pc, Pr, r, u))
            dz_r, dz_u, dz_c = cut(Dz[..., R:R + H]), cut(Dz[..., R + H:R + 2 * H]), cut(Dz[..., -H:])
            dz_ru = cut(Dz[..., : 2 * H])
            if before:
                W_ruT, W_cT = W_hT[:, : 2 * H], W_hT[:, 2 * H:]
            else:  # the first block, s = W_hc h + b_hc: its gradient is dz_c r
                dz_s, dz_rus = cut(Dz[..., :H]), cut(Dz[..., : 3 * H])
            for t in steps:
                n = sizes[t]
                gh = gys[t] + dh[:, :n]
                torch.mul(gh, pus[t], out=dz_u[t])
                torch.mul(gh, pcs[t], out=dz_c[t])
                if before:
                    drh = torch.bmm(dz_c[t], W_cT)  # d(r h_{t-1})
                    torch.mul(drh, prs[t], out=dz_r[t])
                    dh[:, :n] = torch.bmm(dz_ru[t], W_ruT).addcmul_(gh, us[t]).addcmul_(drh, rs[t])
                else:
                    torch.mul(dz_c[t], prs[t], out=dz_r[t])
                    torch.mul(dz_c[t], rs[t], out=dz_s[t])
                    dh[:, :n] = torch.bmm(dz_rus[t], W_hT).addcmul_(gh, us[t])
            rec = Dz[..., : 2 * H] if before else Dz[..., : 3 * H]
        need, skip = ctx.needs_input_grad, ctx.skip
        Din = Dz[..., skip:]  # the input product's share
        dX = torch.bmm(Din, W_x) if need[3] else None
        dW_x = torch.bmm(Din.transpose(1, 2), X) if need[4] else None
        db = Din.sum(1) if ctx.has_bias and need[5] else None
        dlead = Dz[..., :skip].sum(1) if skip and need[7] else None
        dW_ht = None
        if need[6]:
            dW_ht = torch.bmm(Hp.transpose(1, 2), rec)
            if kind == "gru" and cell.reset == "before":  # W_hc acts on r h_{t-1}
                dW_ht = torch.cat([dW_ht, torch.bmm((r * Hp).transpose(1, 2), Dz[..., 2 * H:])], dim=2)
        dc0 = getattr(ctx, "dc0", None)
        return None, None, None, dX, dW_x, db, dW_ht, dlead, dh, dc0


def _directions(cells: list, X: Tensor, pack: Packing, states: list):
    """``Y (D, N, H)``, each direction's packed outputs in its own reading order, and the final states (in the
    caller's row order) for ``X (D, N, F)``, each direction's packed input in its reading order."""
    lstm = cells[0].engines().kernel == "lstm"
    weights = [_weights(cell) for cell in cells]
    W_x, W_ht = torch.stack([w[0] for w in weights]), torch.stack([w[2] for w in weights])
    b, lead = (None if weights[0][k] is None else torch.stack([w[k] for w in weights]) for k in (1, 3))
    order = pack.order
    h0 = torch.stack([s.h if lstm else s for s in states]).index_select(1, order)  # (D, B, H), sorted
    c0 = torch.stack([s.c for s in states]).index_select(1, order) if lstm else None
    Y, C = PackedFunction.apply(cells[0], pack.batch_sizes, pack.previous, X, W_x, b, W_ht, lead, h0, c0)
    back = torch.empty_like(order)
    back[order] = torch.arange(order.shape[0], device=order.device)
    H_final = Y.index_select(1, pack.last).index_select(1, back)  # (D, B, H): each row at its own last step
    return Y, [LSTMState(H_final[d], C[d].index_select(0, back)) if lstm else H_final[d] for d in range(len(cells))]


def run_packed(cells: list, backward: list[bool], data: Tensor, pack: Packing, states: list):
    """``Y (N, D*H)`` over packed ``data (N, F)`` and each direction's final state, in the caller's row order.

    ``cells``: one cell a direction (one kind and size); ``backward[d]``: whether direction d reads each
    sequence from its end; ``states``: each direction's initial state, in the caller's row order.
    Differentiable (``PackedFunction``) in every input and in the cells' parameters.
    """
    X = torch.stack([data.index_select(0, pack.mirror) if back else data for back in backward])  # (D, N, F)
    Y, finals = _directions(cells, X, pack, states)
    outs = [Y[d].index_select(0, pack.mirror) if back else Y[d] for d, back in enumerate(backward)]
    return (outs[0] if len(outs) == 1 else torch.cat(outs, dim=1)), finals


def packed_sequence(cells: list, backward: list[bool], x: Tensor, states: list, lengths: Tensor | None):
    """``(y: (B, T, D*H), finals)`` for a padded ``x: (B, T, F)``: what ``Recurrent`` (or a ``Bidirectional``
    pair) computes, zeros past each length: each direction's packed input gathered from ``x`` in its own
    reading order, its outputs written back to their places."""
    B, T, F_ = x.shape
    pack = packing(torch.full((B,), T, device=x.device) if lengths is None else lengths, T)
    places = [pack.index.index_select(0, pack.mirror) if back else pack.index for back in backward]
    X = x.reshape(B * T, F_).index_select(0, torch.cat(places)).view(len(cells), -1, F_)  # (D, N, F)
    Y, finals = _directions(cells, X, pack, states)
    H = Y.shape[2]
    y = x.new_zeros(B * T, len(cells) * H)
    for d, place in enumerate(places):
        y[:, d * H:(d + 1) * H].index_copy_(0, place, Y[d])
    return y.view(B, T, -1), finals
