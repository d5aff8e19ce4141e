"""``Recurrent(cell)``: one cell, reused at every time step."""

from __future__ import annotations

import torch
from torch import Tensor

from rnnlab.core import Cell, map_state
from rnnlab.kernels import choose_engine, run_sequence
from rnnlab.kernels.dispatch import check_engine_for
from rnnlab.kernels.masks import length_mask
from rnnlab.kernels.packed import packed_sequence
from rnnlab.layers.base import Layer
from rnnlab.layers.lengths import reverse_padded


class Recurrent(Layer):
    """Unroll ``cell`` over time: the same parameters at every step.

    ``h_t = cell(x_t, h_{t-1})`` for ``t = 1..T``, batch-first. With
    ``lengths``, the state of sequence b is frozen after step ``lengths[b]`` (so
    ``final_state`` is its state at its own last step) and its outputs past
    that step are zero. With ``reverse=True`` each sequence is read from its
    last valid step to its first; outputs are written back at their original
    positions, so ``y[:, t]`` is always the output for ``x[:, t]``.

    Args:
        cell: a ``rnnlab.core`` cell.
        reverse: run backwards in time (the second direction of a bidirectional layer).
        engine: ``"reference"`` runs the readable loop below, one ``cell.step``
            a time step, and autograd does BPTT; ``"bptt"`` runs the whole
            sequence in a hand-derived BPTT kernel; ``"torch"`` in torch's fused
            kernel (not for the chapter's GRU, which torch lacks); ``"auto"``
            (default) picks the fastest for the cell and device. All compute the
            same function.
    """

    def __init__(self, cell: Cell, reverse: bool = False, engine: str = "auto") -> None:
        super().__init__()
        if not isinstance(cell, Cell):
            raise ValueError(f"Recurrent: cell must be an rnnlab.core cell; received {type(cell).__name__}")
        check_engine_for(engine, cell, "Recurrent: engine")
        self.cell = cell
        self.reverse = reverse
        self.engine = engine
        self.input_size = cell.input_size
        self.output_size = cell.hidden_size
        # called as observer(x_t, state_before, state_after) at every step of the reference loop; the gradient
        # diagnostics (rnnlab.training.diagnostics) set it to keep each h_t and look at the gates
        self.observer = None

    def initial_state(self, batch: int, *, device=None, dtype=None):
        return self.cell.initial_state(batch, device=device, dtype=dtype)

    def start(self, x: Tensor, state):
        """The state to start ``x (B, T, F)`` from: ``state`` checked, or zeros when it is None."""
        if state is None:
            return self.cell.initial_state(x.shape[0], device=x.device, dtype=x.dtype)
        self.cell.check_state(state, x.shape[0])
        return state

    def _run(self, x: Tensor, state, lengths: Tensor | None):
        T = x.shape[1]
        state = self.start(x, state)
        engine = choose_engine(self.engine, self.cell, x, lengths)
        if engine == "packed":  # reads each sequence backwards itself
            y, (state,) = packed_sequence([self.cell], [self.reverse], x, [state], lengths)
            return y, state
        if self.reverse:
            x = reverse_padded(x, lengths)
        if engine != "reference":
            y, state = run_sequence(engine, self.cell, x, state, lengths)
            return (reverse_padded(y, lengths) if self.reverse else y), state
        masks = [None] * T if lengths is None else length_mask(lengths, T).unsqueeze(2).unbind(1)  # T x (B, 1)
        ys = []
        # iterate x.unbind(1), never x[:, t]: indexing inside an autograd loop makes backward O(T^2)
        for x_t, m in zip(x.unbind(1), masks):
            y_t, new_state = self.cell.step(x_t, state)
            if self.observer is not None:
                self.observer(x_t, state, new_state)
            if m is None:
                state = new_state
            else:  # past its length a sequence keeps its state and outputs zeros
                state = map_state(lambda new, old: torch.where(m, new, old), new_state, state)
                y_t = y_t.masked_fill(~m, 0.0)
            ys.append(y_t)
        y = torch.stack(ys, dim=1)  # (B, T, H)
        if self.reverse:
            y = reverse_padded(y, lengths)
        return y, state

    def extra_repr(self) -> str:
        parts = (["reverse=True"] if self.reverse else []) + ([f"engine={self.engine!r}"] if self.engine != "auto" else [])
        return ", ".join(parts)
