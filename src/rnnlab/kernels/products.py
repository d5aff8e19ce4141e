"""The matrix product inside the time loops: ``a @ W.t()`` for one step's rows.

The hand kernels spend most of a step in one small product, ``h_{t-1}``
``(B, H)`` times a recurrent weight ``(G*H, H)``. On the CPU, torch's
``mm`` runs it at half the machine's rate for a batch of 32 (about 180 us
for (32, 256) x (256, 1024) on the 2-core benchmark machine); oneDNN,
given the weight packed once into its own blocked layout, runs it in about
half the time. ``Product`` packs the weight once per kernel call where
that pays and oneDNN can (float32, bfloat16 on the CPU), and uses
``torch.mm`` elsewhere (small products, CUDA, float64, a build without
oneDNN). Both compute the same
product; the packed one adds in another order (float32 rounding apart).
"""

from __future__ import annotations

import torch
from torch import Tensor


def _packs() -> bool:
    try:
        w = torch.ops.mkldnn._reorder_linear_weight(torch.ones(2, 2), 1)
        return bool(torch.ops.mkldnn._linear_pointwise(torch.ones(1, 2), w, None, "none", [], "").sum() == 4)
    except (AttributeError, RuntimeError):  # no oneDNN in this build of torch, or an older torch
        return False


PACKS = torch.backends.mkldnn.is_available() and _packs()


class Product:
    """``a -> a @ W.t()`` for ``a: (rows, W.shape[1])``, the same ``W`` at each of ``steps`` steps of a time loop.

    Packing costs about 0.1-0.4 ms, and oneDNN's product gains only on
    large enough ones (measured on the benchmark machine: 1.9x for
    (32, 256) x (256, 1024), 0.3x for one row, no gain below about 2^22
    multiply-adds); so ``W`` is packed for ``MIN_STEPS`` steps or more of
    ``MIN_WORK`` multiply-adds or more, and multiplied by ``torch.mm``
    otherwise.
    """

    MIN_STEPS = 8
    MIN_WORK = 1 << 22

    def __init__(self, W: Tensor, rows: int, steps: int) -> None:
        W = W.detach()
        self.packed = None
        if (PACKS and steps >= self.MIN_STEPS and rows * W.numel() >= self.MIN_WORK and W.device.type == "cpu"
                and W.dtype in (torch.float32, torch.bfloat16)):
            self.packed = torch.ops.mkldnn._reorder_linear_weight(W.contiguous(), rows)
        self.W_t = W.t()

    def __call__(self, a: Tensor) -> Tensor:
        if self.packed is None:
            return a @ self.W_t
        return torch.ops.mkldnn._linear_pointwise(a, self.packed, None, "none", [], "")

    def plus(self, c: Tensor, a: Tensor, out: Tensor | None = None) -> Tensor:
        """``c + a @ W.t()`` (into ``out`` when given, which may be ``c``)."""
        if self.packed is None:
            return torch.addmm(c, a, self.W_t, out=out) if out is not None else torch.addmm(c, a, self.W_t)
        return torch.add(c, self(a), out=out) if out is not None else torch.add(c, self(a))
