r"""The LSTM over a whole sequence, with backpropagation through time derived by hand.

Forward, for t = 1..T (blocks stacked i, f, g, o as in ``LSTMCell``)::

    z_t = W_x x_t + b + W_h h_{t-1}                 (the W_x x_t + b part for all t in one product)
    i, f, o = sigmoid(z_i, z_f, z_o);  g = tanh(z_g)
    c~_t = i * g + f * c_{t-1};        h~_t = o * tanh(c~_t)
    c_t = m_t c~_t + (1 - m_t) c_{t-1}; h_t = m_t h~_t + (1 - m_t) h_{t-1};  y_t = m_t h~_t

where m_t is 1 while t is within the sequence's length and 0 after (the state
freezes). It keeps only what the backward pass needs: the activated gates
and the states h_t, c_t.

Backward (BPTT), for t = T..1, with dh, dc the gradients flowing into h_t, c_t
from the future, and gy_t = dL/dy_t::

    dh~ = m (gy_t + dh)
    dc~ = m dc + dh~ * o * (1 - tanh(c~)^2)
    dz_o = dh~ * tanh(c~) * o (1 - o)
    dz_i = dc~ * g * i (1 - i)
    dz_g = dc~ * i * (1 - g^2)
    dz_f = dc~ * c_{t-1} * f (1 - f)
    dc  <- dc~ * f + (1 - m) dc
    dh  <- dz_t W_h + (1 - m) dh

and, once the loop is done, every gradient that does not feed the recursion
is one large product over all steps::

    dW_x = sum_t dz_t^T x_t,  dW_h = sum_t dz_t^T h_{t-1},  db = sum_t dz_t,  dx_t = dz_t W_x
"""

from __future__ import annotations

import torch
from torch import Tensor

from rnnlab.kernels.products import Product
from rnnlab.kernels.views import steps


def _lstm_forward(X: Tensor, h0: Tensor, c0: Tensor, W_x: Tensor, W_h: Tensor, b: Tensor | None,
                  mask: Tensor | None):
    B, T, F = X.shape
    H = h0.shape[1]
    Z = torch.nn.functional.linear(X, W_x, b)  # (B, T, 4H): W_x x_t + b for every t, then the gates in place
    Hs = X.new_empty(B, T + 1, H)  # h_0 .. h_T
    Cs = X.new_empty(B, T + 1, H)  # c_0 .. c_T
    Hs[:, 0] = h0
    Cs[:, 0] = c0
    W_h = Product(W_h, B, T)
    z, zif, zg, zo = steps(Z), *(steps(part) for part in Z.split([2 * H, H, H], dim=2))
    i, f = steps(Z[..., :H]), steps(Z[..., H:2 * H])
    hs, cs = steps(Hs), steps(Cs)
    ms = None if mask is None else steps(mask.unsqueeze(2))  # T x (B, 1)
    for t in range(T):
        W_h.plus(z[t], hs[t], out=z[t])
        zif[t].sigmoid_()  # i, f
        zg[t].tanh_()  # g
        zo[t].sigmoid_()  # o
        c = torch.mul(f[t], cs[t], out=None if ms else cs[t + 1]).addcmul_(i[t], zg[t])  # c~_t = i g + f c_{t-1}
        h = torch.mul(zo[t], c.tanh(), out=None if ms else hs[t + 1])  # h~_t = o tanh(c~_t)
        if ms:  # past its length a sequence keeps its state
            torch.where(ms[t], c, cs[t], out=cs[t + 1])
            torch.where(ms[t], h, hs[t], out=hs[t + 1])
    Y = Hs[:, 1:].clone() if mask is None else Hs[:, 1:].masked_fill(~mask.unsqueeze(2), 0.0)  # y_t = m_t h~_t
    return Y, Hs, Cs, Z


class LSTMFunction(torch.autograd.Function):
    """``Y, h_T, c_T = LSTMFunction.apply(X, h0, c0, W_x, W_h, b, mask)``; X: (B, T, F), mask: (B, T) bool or None."""

    @staticmethod
    def forward(ctx, X, h0, c0, W_x, W_h, b, mask):
        with torch.no_grad():
            Y, Hs, Cs, gates = _lstm_forward(X, h0, c0, W_x, W_h, b, mask)
        ctx.save_for_backward(X, W_x, W_h, Hs, Cs, gates, mask)
        ctx.has_bias = b is not None
        return Y, Hs[:, -1].clone(), Cs[:, -1].clone()

    @staticmethod
    def backward(ctx, gY, ghT, gcT):
        X, W_x, W_h, Hs, Cs, gates, mask = ctx.saved_tensors
        B, T, F = X.shape
        H = Hs.shape[2]
        i, f, g, o = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:3 * H], gates[..., 3 * H:]
        # everything outside the recursion, for all t at once (tanh(c~_t) is tanh(c_t) wherever m_t = 1)
        TC = torch.tanh(Cs[:, 1:])
        dtc = o * (1 - TC * TC)  # dh~ -> dc~ through tanh(c~)
        Ao = TC * o * (1 - o)  # dh~ -> dz_o
        Aifg = torch.stack([g * i * (1 - i), Cs[:, :-1] * f * (1 - f), i * (1 - g * g)], dim=2)  # (B, T, 3, H): dc~ -> dz_i, dz_f, dz_g
        del TC
        Dz = X.new_empty(B, T, 4 * H)
        dz, dz_ifg, dz_o = steps(Dz), steps(Dz[..., :3 * H].view(B, T, 3, H)), steps(Dz[..., 3 * H:])
        gys = steps(torch.zeros_like(Hs[:, 1:]) if gY is None else gY)
        dtcs, aos, aifgs, fs = steps(dtc), steps(Ao), steps(Aifg), steps(f)
        ms = None if mask is None else steps(mask.unsqueeze(2))
        times_W_h = Product(W_h.t(), B, T)  # dz W_h
        dh = torch.zeros_like(Hs[:, 0]) if ghT is None else ghT.clone()
        dc = torch.zeros_like(Cs[:, 0]) if gcT is None else gcT.clone()
        for t in range(T - 1, -1, -1):
            gh = gys[t] + dh  # dh~ (before the mask)
            dc_new = torch.addcmul(dc, gh, dtcs[t])  # dc~ = dc + dh~ o (1 - tanh^2)
            if ms:
                gh = gh.masked_fill_(~ms[t], 0.0)
                dc_new = dc_new.masked_fill_(~ms[t], 0.0)
            torch.mul(dc_new.unsqueeze(1), aifgs[t], out=dz_ifg[t])  # dz_i, dz_f, dz_g
            torch.mul(gh, aos[t], out=dz_o[t])  # dz_o
            dh_prev = times_W_h(dz[t])  # dz_t W_h
            dc_prev = dc_new.mul_(fs[t])  # dc~ f
            if ms:  # past the length, the gradient passes through the frozen state
                dh_prev = torch.where(ms[t], dh_prev, dh)
                dc_prev = torch.where(ms[t], dc_prev, dc)
            dh, dc = dh_prev, dc_prev
        need = ctx.needs_input_grad
        Dz2 = Dz.view(B * T, 4 * H)
        dX = (Dz2 @ W_x).view(B, T, F) if need[0] else None
        dW_x = Dz2.t() @ X.reshape(B * T, F) if need[3] else None
        dW_h = Dz2.t() @ Hs[:, :-1].reshape(B * T, H) if need[4] else None
        db = Dz2.sum(0) if ctx.has_bias and need[5] else None
        return dX, dh, dc, dW_x, dW_h, db, None
