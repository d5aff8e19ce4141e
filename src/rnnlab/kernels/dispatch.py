"""Which engine runs a layer, and running it.

- ``reference``: ``Recurrent``'s readable loop over ``cell.step`` (autograd does BPTT).
- ``bptt``: this package's kernels: a no-grad forward that keeps the gates,
  and the backward derived by hand (see ``lstm``, ``gru``, ``elman``).
- ``torch``: torch's fused kernels, where they compute the same function.
- ``auto``: the fastest of these for the cell, the device and whether a
  gradient is wanted, from the measurements in docs/performance.md.
"""

from __future__ import annotations

import torch
from torch import Tensor

from rnnlab.core import ElmanCell, GRUCell, LSTMCell, LSTMState
from rnnlab.kernels.elman import ElmanFunction
from rnnlab.kernels.fused import supports, torch_sequence
from rnnlab.kernels.gru import GRUFunction
from rnnlab.kernels.lstm import LSTMFunction
from rnnlab.kernels.masks import length_mask
from rnnlab.kernels.step import infer_step

ENGINES = ("auto", "reference", "bptt", "torch")


def check_engine(engine: str, where: str = "engine") -> None:
    if engine not in ENGINES:
        raise ValueError(f"{where} must be one of {', '.join(ENGINES)}; received {engine!r}")


def _wants_grad(cell, x: Tensor, state=None) -> bool:
    """Whether autograd would record this call (training), or not (inference)."""
    if not torch.is_grad_enabled():
        return False
    leaves = [x, *cell.parameters()] + ([] if state is None else list(state) if isinstance(state, tuple) else [state])
    return any(t.requires_grad for t in leaves)


def check_engine_for(engine: str, cell, where: str = "engine") -> None:
    """Raise ValueError unless ``engine`` is a known engine that can run ``cell``."""
    check_engine(engine, where)
    if engine in ("bptt", "torch") and not isinstance(cell, (ElmanCell, LSTMCell, GRUCell)):
        raise ValueError(f"{where} {engine!r} has kernels for ElmanCell, LSTMCell and GRUCell only; "
                         f"{type(cell).__name__} runs with engine 'reference' (or 'auto')")
    if engine == "torch" and not supports(cell):
        raise ValueError(f"{where} 'torch' has no kernel for the chapter's GRU (reset='before'); "
                         f"use engine 'bptt' or 'auto'")


def choose_engine(engine: str, cell, x: Tensor) -> str:
    """Resolve ``auto`` to the fastest engine for the cell, device and gradient; check any other."""
    check_engine_for(engine, cell)
    if engine != "auto":
        return engine
    if not isinstance(cell, (ElmanCell, LSTMCell, GRUCell)):
        return "reference"  # a cell of the user's own: only the loop knows it
    if not supports(cell):
        return "bptt"  # the chapter's GRU: no fused kernel anywhere
    if x.is_cuda:
        return "torch"  # cuDNN; the hand kernels' time loop is launch-bound on a GPU
    if x.dim() == 3 and x.shape[1] == 1 and not _wants_grad(cell, x):
        return "bptt"  # one step without a gradient: a few operations beat a fused call's set-up
    if isinstance(cell, LSTMCell):
        return "torch" if x.dtype == torch.float32 else "bptt"  # oneDNN is the fastest float32 LSTM
    return "bptt" if _wants_grad(cell, x) else "torch"  # Elman, torch's GRU: hand BPTT trains faster, torch infers faster


def run_sequence(engine: str, cell, x: Tensor, state, lengths: Tensor | None):
    """``(y: (B, T, H), final_state)`` for ``x: (B, T, F)``, an initial state and optional lengths."""
    if engine == "torch":
        return torch_sequence(cell, x, state, lengths)
    if x.shape[1] == 1 and not _wants_grad(cell, x, state):  # one token at a time, as samplers go
        h, state = infer_step(cell, x[:, 0], state)  # lengths are all 1 here: every row takes the step
        return h.unsqueeze(1), state  # (B, 1, H)
    mask = None if lengths is None else length_mask(lengths, x.shape[1])  # (B, T)
    W_x, W_h, b = cell.stacked_weights()
    if isinstance(cell, LSTMCell):
        y, h, c = LSTMFunction.apply(x, state.h, state.c, W_x, W_h, b, mask)
        return y, LSTMState(h, c)
    if isinstance(cell, GRUCell):
        return GRUFunction.apply(x, state, W_x, W_h, b, cell.b_hc, mask, cell.reset == "before")
    return ElmanFunction.apply(x, state, W_x, W_h, b, mask, cell.nonlinearity == "relu")
