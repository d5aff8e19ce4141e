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

from functools import cached_property

import torch
from torch import Tensor

from rnnlab.core import LSTMState


class Packing:
    """Where each real token of a batch sits, rows sorted by length (longest first), steps time-major.

    ``order (B,)``: the caller's row at each sorted place, ``back (B,)`` its inverse; ``batch_sizes``: rows
    running at each step; ``final (B,)``: the packed place of each caller row's last step. Computed when first
    asked for (a one-way call without a gradient needs none of them): ``index (N,)``: each packed token's place
    ``b * T + t`` in the caller's padded ``(B, T)`` batch; ``mirror (N,)``: the packed place of the same row's
    step ``length - 1 - t`` (a permutation that is its own inverse: the backward direction's packed data);
    ``previous (N,)``: where each packed token's previous step sits in ``[h_0 (B rows), packed (N rows)]`` (its
    row of h_0 at step 0).
    """

    def __init__(self, order: Tensor, back: Tensor, sorted_lengths: Tensor, batch_sizes: list[int], steps: int):
        self.order, self.back, self.batch_sizes, self.steps = order, back, batch_sizes, steps
        self._lengths = sorted_lengths  # (B,) longest first
        sizes = torch.tensor(batch_sizes, device=order.device)
        self._offsets = torch.cumsum(sizes, 0) - sizes  # (T',) the packed place of each step's first row
        B = order.shape[0]
        self.final = (self._offsets.index_select(0, sorted_lengths - 1)
                      + torch.arange(B, device=order.device)).index_select(0, back)

    @cached_property
    def _tokens(self) -> tuple[Tensor, Tensor]:
        """``(t, b)`` of every packed token: its step and sorted row, in packed order (by step, then row)."""
        valid = torch.arange(len(self.batch_sizes), device=self.order.device).unsqueeze(1) < self._lengths
        return valid.nonzero(as_tuple=True)

    @cached_property
    def index(self) -> Tensor:
        t, b = self._tokens
        return self.order.index_select(0, b) * self.steps + t

    @cached_property
    def mirror(self) -> Tensor:
        t, b = self._tokens
        return self._offsets.index_select(0, self._lengths.index_select(0, b) - 1 - t) + b

    @cached_property
    def previous(self) -> Tensor:
        t, b = self._tokens
        B = self.order.shape[0]
        return torch.where(t == 0, b, B + self._offsets.index_select(0, (t - 1).clamp(min=0)) + b)


def _inverse(order: Tensor) -> Tensor:
    back = torch.empty_like(order)
    back[order] = torch.arange(order.shape[0], device=order.device)
    return back


def packing(lengths: Tensor, steps: int) -> Packing:
    """The ``Packing`` of a ``(B, steps)`` batch with ``lengths (B,)`` in the caller's row order: longest first,
    ties in row order."""
    order = torch.argsort(lengths, descending=True, stable=True)
    L = lengths.index_select(0, order)
    sizes = (torch.arange(steps, device=L.device).unsqueeze(1) < L).sum(1)
    return Packing(order, _inverse(order), L, [n for n in sizes.tolist() if n], steps)


def of_packed_sequence(packed) -> Packing:
    """The ``Packing`` of a PackedSequence's data: its rows in its own sorted order."""
    sizes = packed.batch_sizes  # a CPU tensor
    B, device = int(sizes[0]), packed.data.device
    L = (sizes.unsqueeze(0) > torch.arange(B).unsqueeze(1)).sum(1).to(device)  # (B,) sorted
    if packed.sorted_indices is None:
        order = torch.arange(B, device=device)
        return Packing(order, order, L, sizes.tolist(), len(sizes))
    return Packing(packed.sorted_indices, packed.unsorted_indices, L, sizes.tolist(), len(sizes))


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
    leading block, ``[s, r, u]``; a GRU's c block apart, in ``Cs``), overwritten step by step with the
    activated gates (what the backward pass reads), so that each step's recurrent product adds into whole
    rows; ``W_ht (D, H, G)``; ``h0``, ``c0``: ``(D, B, H)`` in sorted row order; ``Cs (D, N, H)``: the LSTM's
    c at each step is kept there (for the backward pass; or None), the GRU's c block (the input's share) is
    overwritten there with h~ (contiguous, where tanh is fast).
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
        steps = zip(cut(A), cut(A[..., :H]), cut(A[..., H:2 * H]), cut(A[..., 2 * H:3 * H]),
                    cut(A[..., 3 * H:]), ys, cut(Cs) if Cs is not None else [None] * len(batch_sizes), batch_sizes)
        for z, i, f, o, g, y, kept, n in steps:
            z.baddbmm_(h[:, :n], W_ht)  # W_x x_t + b + W_h h_{t-1}
            g.mul_(2)  # g = tanh(.) = 2 sigmoid(2 .) - 1: on a block of columns (its rows apart in memory)
            z.sigmoid_()  # torch's tanh is ~5x slower than on contiguous data, its sigmoid is not
            g.mul_(2).sub_(1)  # i, f, o = sigmoid(.)
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
    steps = zip(cut(A), cut(A[..., R:R + 2 * H]), cut(A[..., R:R + H]), cut(A[..., R + H:R + 2 * H]),
                cut(A[..., :H]), cut(Cs), ys, batch_sizes)
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


def _forward(cell, batch_sizes: list[int], X: Tensor, W_x: Tensor, b: Tensor | None, W_ht: Tensor,
             lead: Tensor | None, h0: Tensor, c0: Tensor | None, keep: bool):
    """``A, Y, C, Cs``: the input product (``W_x x_t + b`` over the packed tokens, ``lead`` in its leading block),
    then ``_loop`` over it; ``keep``: keep each step's c (the LSTM's backward pass reads it)."""
    with torch.no_grad():
        skip = 0 if lead is None else lead.shape[1]
        D, N, H = X.shape[0], X.shape[1], cell.hidden_size
        G = W_x.shape[1] - (H if cell.engines().kernel == "gru" else 0)  # a GRU's c block goes to Cs
        A = X.new_empty(D, N, skip + G)
        _product(X, W_x[:, :G], None if b is None else b[:, :G], A[..., skip:])
        if skip:
            A[..., :skip] = lead.unsqueeze(1)
        Cs = X.new_empty(D, N, H) if keep or G < W_x.shape[1] else None
        if G < W_x.shape[1]:
            _product(X, W_x[:, G:], None if b is None else b[:, G:], Cs)
        Y, C = _loop(cell, A, W_ht, batch_sizes, h0, c0, Cs)
    return A, Y, C, Cs


def _product(X: Tensor, W: Tensor, b: Tensor | None, out: Tensor) -> None:
    """``out = X W^T + b``, batched over directions."""
    if b is None:
        torch.bmm(X, W.transpose(1, 2), out=out)
    else:
        torch.baddbmm(b.unsqueeze(1), X, W.transpose(1, 2), out=out)


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
        keep = c0 is not None and any(ctx.needs_input_grad)
        A, Y, C, Cs = _forward(cell, batch_sizes, X, W_x, b, W_ht, lead, h0, c0, keep)
        ctx.save_for_backward(X, W_x, W_ht, h0, c0, A, Y, Cs, previous)
        ctx.cell, ctx.batch_sizes, ctx.has_bias = cell, batch_sizes, b is not None
        ctx.skip = 0 if lead is None else lead.shape[1]
        return Y, (C if c0 is not None else Y.new_empty(0))

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
        Dz = A.new_empty(D, N, ctx.skip + W_x.shape[1])  # each block's pre-activation's gradient: [lead] + W_x's
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
            r, u, c = A[..., R:R + H], A[..., R + H:R + 2 * H], Cs  # Cs: h~
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
    caller's row order) for ``X (D, N, F)``, each direction's packed input in its reading order. Without a
    gradient to keep, the loop is called as it is (no autograd Function around it)."""
    lstm = cells[0].engines().kernel == "lstm"
    weights = [_weights(cell) for cell in cells]
    stack = (lambda ts: ts[0].unsqueeze(0)) if len(cells) == 1 else torch.stack  # noqa: E731
    W_x, W_ht = stack([w[0] for w in weights]), stack([w[2] for w in weights])
    b, lead = (None if weights[0][k] is None else stack([w[k] for w in weights]) for k in (1, 3))
    h0 = stack([s.h if lstm else s for s in states]).index_select(1, pack.order)  # (D, B, H), sorted
    c0 = stack([s.c for s in states]).index_select(1, pack.order) if lstm else None
    inputs = (X, W_x, b, W_ht, lead, h0, c0)
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in inputs):
        Y, C = PackedFunction.apply(cells[0], pack.batch_sizes, pack.previous, *inputs)
    else:
        _, Y, C, _ = _forward(cells[0], pack.batch_sizes, *inputs, keep=False)
    H_final = Y.index_select(1, pack.final)  # (D, B, H): each row at its own last step
    if not lstm:
        return Y, list(H_final.unbind(0))
    C = C.index_select(1, pack.back)
    return Y, [LSTMState(H_final[d], C[d]) for d in range(len(cells))]


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
