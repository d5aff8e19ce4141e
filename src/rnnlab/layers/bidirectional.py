"""``Bidirectional(forward, backward)``: one layer reads left to right, one right to left."""

from __future__ import annotations

import torch
from torch import Tensor

from rnnlab.kernels import choose_engine
from rnnlab.kernels.fused import both_ways, torch_both_ways
from rnnlab.kernels.packed import packed_sequence, same_function
from rnnlab.layers.base import Layer
from rnnlab.layers.recurrent import Recurrent


def _merge_concat(a: Tensor, b: Tensor) -> Tensor:
    return torch.cat([a, b], dim=2)  # (B, T, H_f + H_b)


_MERGES = {
    "concat": _merge_concat,
    "sum": torch.add,
    "mean": lambda a, b: (a + b) / 2,
    "mul": torch.mul,
}


class Bidirectional(Layer):
    """The bidirectional RNN: ``y_t = merge(h_t^forward, h_t^backward)``.

    ``forward`` reads ``x_1..x_T``; ``backward`` (built with ``reverse=True``)
    reads ``x_T..x_1`` of each valid prefix, so both directions see the whole
    sequence at every step.

    Args:
        forward: a layer with ``reverse=False``.
        backward: a layer with ``reverse=True`` and the same input size.
        merge: ``"concat"`` (output ``H_f + H_b``, torch's and Keras' default),
            ``"sum"``, ``"mean"`` or ``"mul"`` (output ``H``; both sizes equal).

    State: ``(forward_state, backward_state)``. When both directions are
    ``Recurrent`` layers of one cell function whose engines resolve to
    ``packed`` (lengths on the CPU), they run in one loop of it; when both
    resolve to ``torch`` (float32 LSTMs at a fixed length, CUDA), in one
    bidirectional call of torch's fused kernel, as torch.nn does.
    """

    def __init__(self, forward: Layer, backward: Layer, merge: str = "concat") -> None:
        super().__init__()
        if merge not in _MERGES:
            raise ValueError(f"Bidirectional: merge must be one of {sorted(_MERGES)}; received {merge!r}")
        if getattr(forward, "reverse", False) or not getattr(backward, "reverse", False):
            raise ValueError("Bidirectional: forward must read forwards and backward backwards; "
                             "build them as Recurrent(cell) and Recurrent(cell, reverse=True)")
        if forward.input_size != backward.input_size:
            raise ValueError(f"Bidirectional: both directions must take the same input size; "
                             f"received {forward.input_size} and {backward.input_size}")
        if merge != "concat" and forward.output_size != backward.output_size:
            raise ValueError(f"Bidirectional: merge={merge!r} needs equal output sizes; "
                             f"received {forward.output_size} and {backward.output_size}")
        self.forward_layer = forward
        self.backward_layer = backward
        self.merge = merge
        self.input_size = forward.input_size
        self.output_size = forward.output_size + (backward.output_size if merge == "concat" else 0)

    def initial_state(self, batch: int, *, device=None, dtype=None):
        return (self.forward_layer.initial_state(batch, device=device, dtype=dtype),
                self.backward_layer.initial_state(batch, device=device, dtype=dtype))

    def _run(self, x: Tensor, state, lengths: Tensor | None):
        if state is None:
            state = (None, None)
        elif not isinstance(state, tuple) or len(state) != 2:
            raise ValueError(f"Bidirectional: state must be a (forward, backward) pair; "
                             f"received {type(state).__name__}"
                             + (f" of length {len(state)}" if isinstance(state, tuple) else ""))
        if self._one_loop(x, lengths):  # lengths on the CPU: both directions in one loop
            f, b = self.forward_layer, self.backward_layer
            y, finals = packed_sequence([f.cell, b.cell], [False, True], x, [f.start(x, state[0]), b.start(x, state[1])],
                                       lengths)
            return self._merged(y), tuple(finals)
        if self._one_call(x, lengths):
            f, b = self.forward_layer.cell, self.backward_layer.cell
            start = (self.forward_layer.start(x, state[0]), self.backward_layer.start(x, state[1]))
            y, finals = torch_both_ways(f, b, x, start, lengths)
            return self._merged(y), finals
        y_f, s_f = self.forward_layer._run(x, state[0], lengths)
        y_b, s_b = self.backward_layer._run(x, state[1], lengths)
        return _MERGES[self.merge](y_f, y_b), (s_f, s_b)

    def _merged(self, y: Tensor) -> Tensor:
        """``merge`` applied to both directions' outputs side by side in ``y: (B, T, H_f + H_b)``."""
        if self.merge == "concat":
            return y
        return _MERGES[self.merge](*y.split([self.forward_layer.output_size, self.backward_layer.output_size], dim=2))

    def _one_loop(self, x: Tensor, lengths: Tensor | None) -> bool:
        """Whether both directions run on the ``packed`` engine with cells of one function and size, and so can
        share its loop (``rnnlab.kernels.packed``)."""
        f, b = self.forward_layer, self.backward_layer
        return type(f) is Recurrent and type(b) is Recurrent and same_function(f.cell, b.cell) \
            and choose_engine(f.engine, f.cell, x, lengths) == "packed" \
            and choose_engine(b.engine, b.cell, x, lengths) == "packed"

    def _one_call(self, x: Tensor, lengths: Tensor | None) -> bool:
        """Whether both directions run on torch's fused kernel, and so can share one bidirectional call (as
        torch.nn's bidirectional layers do): two ``Recurrent`` layers whose engines both resolve to ``torch``."""
        f, b = self.forward_layer, self.backward_layer
        return type(f) is Recurrent and type(b) is Recurrent and both_ways(f.cell, b.cell) \
            and choose_engine(f.engine, f.cell, x, lengths) == "torch" \
            and choose_engine(b.engine, b.cell, x, lengths) == "torch"

    def extra_repr(self) -> str:
        return f"merge={self.merge!r}"
