r"""The Elman RNN over a whole sequence, with BPTT derived by hand.

Forward, with ``a_t = W_xh x_t + b_h`` for all t in one product::

    h~_t = f(a_t + W_hh h_{t-1}),   f = tanh or ReLU
    h_t = m_t h~_t + (1 - m_t) h_{t-1},   y_t = m_t h~_t

BPTT, t = T..1::

    dz_t = m (gy_t + dh) * f'(z_t),   f' = 1 - h~^2 (tanh) or [h~ > 0] (ReLU)
    dh  <- dz_t W_hh + (1 - m) dh

then dW_xh = sum dz^T x, dW_hh = sum dz^T h_{t-1}, db_h = sum dz, dx = dz W_xh.
"""

from __future__ import annotations

import torch

from rnnlab.kernels.products import Product
from rnnlab.kernels.views import steps


def _elman_forward(X, h0, W_x, W_h, b, mask, relu: bool):
    B, T, F = X.shape
    H = h0.shape[1]
    A = torch.nn.functional.linear(X, W_x, b)  # (B, T, H): W_xh x_t + b_h for every t
    Hs = X.new_empty(B, T + 1, H)
    Hs[:, 0] = h0
    W_h = Product(W_h, B, T)
    a, hs = steps(A), steps(Hs)
    ms = None if mask is None else steps(mask.unsqueeze(2))
    for t in range(T):
        z = W_h.plus(a[t], hs[t], out=None if ms else hs[t + 1])
        z.relu_() if relu else z.tanh_()
        if ms:
            torch.where(ms[t], z, hs[t], out=hs[t + 1])
    Y = Hs[:, 1:].clone() if mask is None else Hs[:, 1:].masked_fill(~mask.unsqueeze(2), 0.0)  # y_t = m_t h~_t
    return Y, Hs


class ElmanFunction(torch.autograd.Function):
    """``Y, h_T = ElmanFunction.apply(X, h0, W_xh, W_hh, b_h, mask, relu)``; X: (B, T, F)."""

    @staticmethod
    def forward(ctx, X, h0, W_x, W_h, b, mask, relu):
        with torch.no_grad():
            Y, Hs = _elman_forward(X, h0, W_x, W_h, b, mask, relu)
        ctx.save_for_backward(X, W_x, W_h, Hs, mask)
        ctx.relu, ctx.has_bias = relu, b is not None
        return Y, Hs[:, -1].clone()

    @staticmethod
    def backward(ctx, gY, ghT):
        X, W_x, W_h, Hs, mask = ctx.saved_tensors
        B, T, F = X.shape
        H = Hs.shape[2]
        Hn = Hs[:, 1:]  # h_t = h~_t wherever m_t = 1
        D = (Hn > 0).to(Hn.dtype) if ctx.relu else 1 - Hn * Hn  # f'(z_t)
        if mask is not None:
            D = D.masked_fill(~mask.unsqueeze(2), 0.0)  # no gradient into h~ past the length
        Dz = X.new_empty(B, T, H)
        gY = torch.zeros_like(Hn) if gY is None else gY
        dh = torch.zeros_like(Hs[:, 0]) if ghT is None else ghT.clone()
        dzs, gys, ds = steps(Dz), steps(gY), steps(D)
        times_W_h = Product(W_h.t(), B, T)  # dz W_hh
        ms = None if mask is None else steps(mask.unsqueeze(2))
        for t in range(T - 1, -1, -1):
            dz = torch.mul(gys[t] + dh, ds[t], out=dzs[t])
            dh_prev = times_W_h(dz)
            if ms:
                dh_prev = torch.where(ms[t], dh_prev, dh)
            dh = dh_prev
        need = ctx.needs_input_grad
        Dz2 = Dz.view(B * T, H)
        dX = (Dz2 @ W_x).view(B, T, F) if need[0] else None
        dW_x = Dz2.t() @ X.reshape(B * T, F) if need[2] else None
        dW_h = Dz2.t() @ Hs[:, :-1].reshape(B * T, H) if need[3] else None
        db = Dz2.sum(0) if ctx.has_bias and need[4] else None
        return dX, dh, dW_x, dW_h, db, None, None
