"""Which engine runs a layer, and running it.

- ``reference``: ``Recurrent``'s readable loop over ``cell.step`` (autograd does BPTT).
- ``bptt``: this package's kernels: a no-grad forward that keeps the gates,
  and the backward derived by hand (see ``lstm``, ``gru``, ``elman``).
- ``torch``: torch's fused kernels, where they compute the same function.
- ``auto``: the fastest of these for the cell, the device and whether a
  gradient is wanted, from the measurements in docs/performance.md. With
  lengths on the CPU it never trains through torch's packed kernels (1.1-9x
  slower there): ``segments`` runs the batch in pieces of time, each on the
  fastest engine for it (see ``segments``); inference takes torch's packed
  kernels where they are the fastest (its GRU, the Elman RNN).
- ``packed``: batches with lengths (``rnnlab.kernels.packed``): the rows
  sorted by length, each step on the rows still running, both directions of a
  bidirectional layer in one loop, BPTT by hand; only from ``auto``.

Nothing here tests a cell's class: the cell says which kernels compute its
function (``cell.engines()``), and a cell of a user's own, which names none,
runs on the reference loop.
"""

from __future__ import annotations

import torch
from torch import Tensor

from rnnlab.core import LSTMState, map_state
from rnnlab.kernels.elman import ElmanFunction
from rnnlab.kernels.fused import held_sequence, holds, torch_sequence
from rnnlab.kernels.gru import GRUFunction
from rnnlab.kernels.lstm import LSTMFunction
from rnnlab.kernels.masks import length_mask
from rnnlab.kernels.packed import packed_sequence
from rnnlab.kernels.segments import run_pieces
from rnnlab.kernels.step import infer_step


def _lstm(cell, x: Tensor, state: LSTMState, mask: Tensor | None):
    y, h, c = LSTMFunction.apply(x, state.h, state.c, *cell.stacked_weights(), mask)
    return y, LSTMState(h, c)


def _gru(cell, x: Tensor, h: Tensor, mask: Tensor | None):
    return GRUFunction.apply(x, h, *cell.stacked_weights(), cell.b_hc, mask, cell.reset == "before")


def _elman(cell, x: Tensor, h: Tensor, mask: Tensor | None):
    return ElmanFunction.apply(x, h, *cell.stacked_weights(), mask, cell.nonlinearity == "relu")


# the hand-BPTT kernels by the name a cell gives in ``cell.engines().kernel``
KERNELS = {"lstm": _lstm, "gru": _gru, "elman": _elman}
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
    runs, name = cell.engines(), type(cell).__name__
    if engine == "bptt" and runs.kernel not in KERNELS:
        raise ValueError(f"{where} 'bptt' has no kernel for {name} (kernels: {', '.join(KERNELS)}); "
                         f"it runs with engine 'reference' (or 'auto')")
    if engine == "torch" and runs.fused is None:
        what = "the chapter's GRU (reset='before')" if runs.kernel == "gru" else name
        raise ValueError(f"{where} 'torch' has no kernel for {what}; use engine 'bptt', 'reference' or 'auto'")


# The LSTM over lengths up to this many steps runs on ``packed``; over longer ones in pieces on oneDNN
# (``segments``), which gains as a step's work grows (docs/performance.md, "Variable-length batches").
PACKED_LSTM_STEPS = 64


def runs_packed(cell, x: Tensor, steps: int) -> bool:
    """Whether ``auto`` runs ``cell`` over ``steps`` steps of ``x`` (with lengths) on ``packed``: on the CPU, not
    under autocast, a cell with a kernel (the LSTM up to ``PACKED_LSTM_STEPS`` steps)."""
    kind = cell.engines().kernel
    return kind in KERNELS and (kind != "lstm" or steps <= PACKED_LSTM_STEPS) and steps > 1 and not x.is_cuda \
        and not torch.is_autocast_enabled(x.device.type)


def infers_with_torch(cell, data: Tensor) -> bool:
    """Whether ``auto`` runs a PackedSequence's own data through torch's fused kernel: inference (no gradient
    wanted) of torch's GRU and the LSTM. With the data already packed there is nothing to pad or pack, and
    torch's C++ step costs less than ``packed``'s Python one: on that data ``packed`` infers at 0.85-1.0x
    torch's speed for the GRU and 0.9-1.1x for the LSTM, and at 1.0-1.2x for the Elman RNN, which stays on it
    (docs/performance-lengths.md)."""
    return cell.engines().fused in ("gru", "lstm") and not _wants_grad(cell, data)


def cpu_bf16() -> bool:
    """Whether oneDNN runs bfloat16 on this CPU (without AVX-512 its LSTM refuses it)."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def choose_engine(engine: str, cell, x: Tensor, lengths: Tensor | None = None) -> str:
    """Resolve ``auto`` to the fastest engine for the cell, device, gradient and lengths; check any other.

    With lengths on the CPU (docs/performance.md, "Variable-length batches", B=64, E=H=128): ``packed``
    (``rnnlab.kernels.packed``; ``runs_packed``) for the Elman RNN and both GRUs, training and inference,
    and for the LSTM up to ``PACKED_LSTM_STEPS`` steps: it beat ``segments`` on every such row, for the
    Multi30k-like spread (training 1.7-2.1x torch's packed kernels, against 1.2-1.7x) and the IMDB-like one
    (the Elman RNN and the GRUs 7-9.5x, against 6.3-8.2x). The LSTM's long batches run in pieces of time
    (``segments``) on oneDNN with held state (9-13x there, against 7-10x packed). On CUDA, cuDNN's packed
    kernels.
    """
    check_engine_for(engine, cell)
    if engine != "auto":
        return engine
    runs = cell.engines()
    if runs.kernel not in KERNELS:
        return "torch" if runs.fused else "reference"  # a cell of the user's own: only the loop knows it
    if lengths is not None and not x.is_cuda and x.shape[1] > 1:
        return "packed" if runs_packed(cell, x, x.shape[1]) else "segments"  # the LSTM's long batches: oneDNN
    if runs.fused is None:
        return "bptt"  # the chapter's GRU: no fused kernel anywhere
    if x.is_cuda:
        return "torch"  # cuDNN; the hand kernels' time loop is launch-bound on a GPU
    if x.dim() == 3 and x.shape[1] == 1 and not _wants_grad(cell, x):
        return "bptt"  # one step without a gradient: a few operations beat a fused call's set-up
    if runs.fused == "lstm":  # oneDNN is the fastest float32 LSTM, and runs autocast's bfloat16 where the CPU can
        fused_runs = cpu_bf16() if torch.is_autocast_enabled(x.device.type) else x.dtype == torch.float32
        return "torch" if fused_runs else "bptt"
    return "bptt" if _wants_grad(cell, x) else "torch"  # Elman, torch's GRU: hand BPTT trains faster, torch infers faster


def run_sequence(engine: str, cell, x: Tensor, state, lengths: Tensor | None):
    """``(y: (B, T, H), final_state)`` for ``x: (B, T, F)``, an initial state and optional lengths.

    Under autocast, torch's fused kernels take its lower precision themselves; the hand kernels run in the
    weights' own dtype (the input and state cast to it, autocast off inside), so that nothing mixes dtypes."""
    if torch.is_autocast_enabled(x.device.type) and engine != "torch":
        dtype = cell.stacked_weights().W_x.dtype
        with torch.autocast(x.device.type, enabled=False):
            return run_sequence(engine, cell, x.to(dtype), map_state(lambda t: t.to(dtype), state), lengths)
    if engine == "torch":
        return torch_sequence(cell, x, state, lengths)
    if engine == "packed":
        y, (final,) = packed_sequence([cell], [False], x, [state], lengths)
        return y, final
    if engine == "segments":
        fixed = choose_engine("auto", cell, x)
        held = fixed == "torch" and holds(cell)  # the pieces where sequences end on the same fused kernel
        return run_pieces(lambda part, s: run_sequence(fixed, cell, part, s, None),
                          lambda part, s, steps: held_sequence(cell, part, s, steps) if held
                          else run_sequence("bptt", cell, part, s, steps), x, state, lengths)
    if x.shape[1] == 1 and not _wants_grad(cell, x, state):  # one token at a time, as samplers go
        h, state = infer_step(cell, x[:, 0], state)  # lengths are all 1 here: every row takes the step
        return h.unsqueeze(1), state  # (B, 1, H)
    mask = None if lengths is None else length_mask(lengths, x.shape[1])  # (B, T)
    return KERNELS[cell.engines().kernel](cell, x, state, mask)
