r"""The GRU over a whole sequence, both reset forms, with BPTT derived by hand.

Blocks are stacked r, u, c as in ``GRUCell`` (c: the candidate h~). With
``a_t = W_x x_t + b`` computed for all t in one product:

The chapter's GRU (reset BEFORE the product)::

    r = sigmoid(a_r + W_hr h_{t-1}),  u = sigmoid(a_u + W_hu h_{t-1})
    n = tanh(a_c + W_hc (r * h_{t-1}))
    h~_t = u * h_{t-1} + (1 - u) * n

torch's GRU (reset AFTER the product, ``b_hc`` inside)::

    n = tanh(a_c + r * (W_hc h_{t-1} + b_hc))

and in both ``h_t = m_t h~_t + (1 - m_t) h_{t-1}``, ``y_t = m_t h~_t``.

BPTT, t = T..1, dh the gradient flowing into h_t from the future::

    dh~ = m (gy_t + dh)
    dz_u = dh~ * (h_{t-1} - n) * u (1 - u)
    dz_c = dh~ * (1 - u) * (1 - n^2)
  before:  d(rh) = dz_c W_hc;   dz_r = d(rh) * h_{t-1} * r (1 - r)
           dh <- dh~ u + d(rh) r + [dz_r, dz_u] W_h[r,u] + (1 - m) dh
  after:   dz_r = dz_c * (W_hc h_{t-1} + b_hc) * r (1 - r)
           dh <- dh~ u + [dz_r, dz_u, dz_c r] W_h + (1 - m) dh

After the loop: dW_x = sum dz^T x, db = sum dz, dx = dz W_x; dW_h from the
recurrent-side gradients and the vectors they multiplied (h_{t-1}, or r h_{t-1}
for the chapter's candidate block).
"""

from __future__ import annotations

import torch

from rnnlab.kernels.products import Product
from rnnlab.kernels.views import steps


def _gru_forward(X, h0, W_x, W_h, b, b_hc, mask, reset_before: bool):
    B, T, F = X.shape
    H = h0.shape[1]
    A = torch.nn.functional.linear(X, W_x, b)  # (B, T, 3H): W_x x_t + b, then [r, u, n] in place
    Hs = X.new_empty(B, T + 1, H)
    Hs[:, 0] = h0
    W_ru, W_hc = Product(W_h[: 2 * H], B, T), Product(W_h[2 * H:], B, T)
    a_ru, a_n = steps(A[..., : 2 * H]), steps(A[..., 2 * H:])
    r, u = steps(A[..., :H]), steps(A[..., H:2 * H])
    hs = steps(Hs)
    ms = None if mask is None else steps(mask.unsqueeze(2))
    for t in range(T):
        h = hs[t]
        W_ru.plus(a_ru[t], h, out=a_ru[t]).sigmoid_()  # r, u
        if reset_before:
            n = W_hc.plus(a_n[t], r[t] * h, out=a_n[t]).tanh_()  # tanh(a_c + W_hc (r h))
        else:
            s = W_hc(h) if b_hc is None else W_hc.plus(b_hc, h)  # W_hc h_{t-1} + b_hc
            n = a_n[t].addcmul_(r[t], s).tanh_()
        if ms:
            torch.where(ms[t], torch.lerp(n, h, u[t]), h, out=hs[t + 1])
        else:
            torch.lerp(n, h, u[t], out=hs[t + 1])  # u h + (1 - u) n
    Y = Hs[:, 1:].clone() if mask is None else Hs[:, 1:].masked_fill(~mask.unsqueeze(2), 0.0)
    return Y, Hs, A


class GRUFunction(torch.autograd.Function):
    """``Y, h_T = GRUFunction.apply(X, h0, W_x, W_h, b, b_hc, mask, reset_before)``; X: (B, T, F)."""

    @staticmethod
    def forward(ctx, X, h0, W_x, W_h, b, b_hc, mask, reset_before):
        with torch.no_grad():
            Y, Hs, gates = _gru_forward(X, h0, W_x, W_h, b, b_hc, mask, reset_before)
        ctx.save_for_backward(X, W_x, W_h, b_hc, Hs, gates, mask)
        ctx.reset_before, ctx.has_bias, ctx.has_b_hc = reset_before, b is not None, b_hc is not None
        return Y, Hs[:, -1].clone()

    @staticmethod
    def backward(ctx, gY, ghT):
        X, W_x, W_h, b_hc, Hs, gates, mask = ctx.saved_tensors
        B, T, F = X.shape
        H = Hs.shape[2]
        before = ctx.reset_before
        r, u, n = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:]
        Hp = Hs[:, :-1]  # h_{t-1}
        # what the forward multiplied by r, recomputed for all t at once rather than kept:
        # before, r * h_{t-1} (its product with W_hc); after, W_hc h_{t-1} + b_hc
        S = r * Hp if before else torch.nn.functional.linear(Hp, W_h[2 * H:], b_hc)
        # outside the recursion, for all t at once
        Pu = (Hp - n) * u * (1 - u)  # dh~ -> dz_u
        Pc = (1 - u) * (1 - n * n)  # dh~ -> dz_c
        Pr = (Hp if before else S) * r * (1 - r)  # d(r-product) -> dz_r
        Dz = X.new_empty(B, T, 3 * H)  # input-side gradients [dz_r, dz_u, dz_c]
        Dh = Dz if before else X.new_empty(B, T, 3 * H)  # recurrent-side gradients (after: dz_c r)
        if before:  # the recurrent products of the backward pass
            times_W_ru, times_W_hc = Product(W_h[: 2 * H].t(), B, T), Product(W_h[2 * H:].t(), B, T)
        else:
            times_W_h = Product(W_h.t(), B, T)
        dz_r, dz_u, dz_c = (steps(Dz[..., k * H:(k + 1) * H]) for k in (0, 1, 2))
        dz_ru = steps(Dz[..., :2 * H])
        dh_ru, dh_c, dhs = steps(Dh[..., :2 * H]), steps(Dh[..., 2 * H:]), steps(Dh)
        gys = steps(torch.zeros_like(Hp) if gY is None else gY)
        pus, pcs, prs, rs, us = steps(Pu), steps(Pc), steps(Pr), steps(r), steps(u)
        ms = None if mask is None else steps(mask.unsqueeze(2))
        dh = torch.zeros_like(Hs[:, 0]) if ghT is None else ghT.clone()
        for t in range(T - 1, -1, -1):
            gh = gys[t] + dh
            if ms:
                gh = gh.masked_fill_(~ms[t], 0.0)
            torch.mul(gh, pus[t], out=dz_u[t])
            torch.mul(gh, pcs[t], out=dz_c[t])
            if before:
                drh = times_W_hc(dz_c[t])  # d(r h_{t-1})
                torch.mul(drh, prs[t], out=dz_r[t])
                dh_prev = times_W_ru.plus(gh * us[t], dz_ru[t]).addcmul_(drh, rs[t])
            else:
                torch.mul(dz_c[t], prs[t], out=dz_r[t])
                dh_ru[t].copy_(dz_ru[t])
                torch.mul(dz_c[t], rs[t], out=dh_c[t])
                dh_prev = times_W_h.plus(gh * us[t], dhs[t])
            if ms:
                dh_prev = torch.where(ms[t], dh_prev, dh)
            dh = dh_prev
        need = ctx.needs_input_grad
        Dz2 = Dz.view(B * T, 3 * H)
        dX = (Dz2 @ W_x).view(B, T, F) if need[0] else None
        dW_x = Dz2.t() @ X.reshape(B * T, F) if need[2] else None
        db = Dz2.sum(0) if ctx.has_bias and need[4] else None
        db_hc = None
        dW_h = None
        if need[3]:
            Hp2 = Hp.reshape(B * T, H)
            if before:  # W_hr, W_hu act on h_{t-1}; W_hc on r * h_{t-1}
                dW_h = torch.cat([Dz2[:, : 2 * H].t() @ Hp2, Dz2[:, 2 * H:].t() @ S.reshape(B * T, H)])
            else:
                dW_h = Dh.view(B * T, 3 * H).t() @ Hp2
        if ctx.has_b_hc and need[5]:
            db_hc = Dh[..., 2 * H:].sum((0, 1))
        return dX, dh, dW_x, dW_h, db, db_hc, None, None
