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


def _lstm_forward(X: Tensor, h0: Tensor, c0: Tensor, W_x: Tensor, W_h: Tensor, b: Tensor | None,
                  mask: Tensor | None):
    B, T, F = X.shape
    H = h0.shape[1]
    Z = torch.nn.functional.linear(X, W_x, b)  # (B, T, 4H): W_x x_t + b for every t at once
    Hs = X.new_empty(B, T + 1, H)  # h_0 .. h_T
    Cs = X.new_empty(B, T + 1, H)  # c_0 .. c_T
    Y = X.new_empty(B, T, H)
    Hs[:, 0] = h0
    Cs[:, 0] = c0
    W_hT = W_h.t()
    for t in range(T):
        z = Z[:, t]  # (B, 4H), becomes the activated gates in place
        z.addmm_(Hs[:, t], W_hT)
        z[:, :2 * H].sigmoid_()  # i, f
        z[:, 2 * H:3 * H].tanh_()  # g
        z[:, 3 * H:].sigmoid_()  # o
        i, f, g, o = z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:]
        c = torch.addcmul(f * Cs[:, t], i, g)  # c~_t = i g + f c_{t-1}
        h = torch.mul(o, torch.tanh(c), out=Y[:, t])  # h~_t
        if mask is None:
            Cs[:, t + 1] = c
            Hs[:, t + 1] = h
        else:
            m = mask[:, t].unsqueeze(1)  # (B, 1)
            torch.where(m, c, Cs[:, t], out=Cs[:, t + 1])
            torch.where(m, h, Hs[:, t], out=Hs[:, t + 1])
            Y[:, t].masked_fill_(~m, 0.0)
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
        Dz_ifg = Dz[..., :3 * H].view(B, T, 3, H)
        gY = torch.zeros_like(Hs[:, 1:]) if gY is None else gY
        dh = torch.zeros_like(Hs[:, 0]) if ghT is None else ghT.clone()
        dc = torch.zeros_like(Cs[:, 0]) if gcT is None else gcT.clone()
        for t in range(T - 1, -1, -1):
            gh = gY[:, t] + dh  # dh~ before the mask
            dc_new = torch.addcmul(dc, gh, dtc[:, t])  # dc~ = dc + dh~ o (1 - tanh^2)
            if mask is not None:
                m = mask[:, t].unsqueeze(1)
                gh = gh.masked_fill(~m, 0.0)
                dc_new = torch.where(m, dc_new, 0.0)
            torch.mul(dc_new.unsqueeze(1), Aifg[:, t], out=Dz_ifg[:, t])  # dz_i, dz_f, dz_g
            torch.mul(gh, Ao[:, t], out=Dz[:, t, 3 * H:])  # dz_o
            dh_prev = Dz[:, t] @ W_h  # dz_t W_h
            dc_prev = dc_new * f[:, t]
            if mask is not None:
                dh_prev = torch.where(m, dh_prev, dh)  # past the length, the gradient passes the frozen state
                dc_prev = torch.where(m, dc_prev, dc)
            dh, dc = dh_prev, dc_prev
        need = ctx.needs_input_grad
        Dz2 = Dz.view(B * T, 4 * H)
        dX = (Dz2 @ W_x).view(B, T, F) if need[0] else None
        dW_x = Dz2.t() @ X.reshape(B * T, F) if need[3] else None
        dW_h = Dz2.t() @ Hs[:, :-1].reshape(B * T, H) if need[4] else None
        db = Dz2.sum(0) if ctx.has_bias and need[5] else None
        return dX, dh, dc, dW_x, dW_h, db, None
