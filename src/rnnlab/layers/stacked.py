"""``Stacked([...])``: the deep RNN, each layer reading the one below."""

from __future__ import annotations

from typing import Sequence

from torch import Tensor, nn

from rnnlab.layers.base import Layer


class Stacked(Layer):
    """The deep (stacked) RNN: ``x^{(l+1)} = layer_l(x^{(l)})``.

    Args:
        layers: the layers, bottom first; each one's input size is the output
            size of the one below.
        dropout: dropout on the input of every layer but the first (torch's
            ``nn.LSTM(dropout=...)``: between layers, not after the last): a
            rate, or a module such as ``LockedDropout(p)`` (one mask a sequence).
        residual: add each layer's input to its output from the second layer
            on, ``x^{(l+1)} = layer_l(x^{(l)}) + x^{(l)}``: a remedy for vanishing
            gradients in deep RNNs. Needs equal sizes above the first layer.

    State: a tuple with one state per layer.
    """

    def __init__(self, layers: Sequence[Layer], dropout: float | nn.Module = 0.0, residual: bool = False) -> None:
        super().__init__()
        layers = list(layers)
        if not layers or not all(isinstance(layer, Layer) for layer in layers):
            raise ValueError("Stacked: layers must be a non-empty list of rnnlab layers")
        if not isinstance(dropout, nn.Module) and not 0.0 <= dropout < 1.0:
            raise ValueError(f"Stacked: dropout must be in [0, 1); received {dropout}")
        for k in range(1, len(layers)):
            below, layer = layers[k - 1], layers[k]
            if layer.input_size != below.output_size:
                raise ValueError(f"Stacked: layer {k} takes inputs of size {layer.input_size}, "
                                 f"but layer {k - 1} gives outputs of size {below.output_size}")
            if residual and layer.output_size != layer.input_size:
                raise ValueError(f"Stacked: residual=True needs layer {k} to keep its size; "
                                 f"it maps {layer.input_size} to {layer.output_size}")
        self.layers = nn.ModuleList(layers)
        self.dropout = dropout if isinstance(dropout, nn.Module) else nn.Dropout(dropout)
        self.residual = residual
        self.input_size = layers[0].input_size
        self.output_size = layers[-1].output_size

    def initial_state(self, batch: int, *, device=None, dtype=None):
        return tuple(layer.initial_state(batch, device=device, dtype=dtype) for layer in self.layers)

    def _run(self, x: Tensor, state, lengths: Tensor | None):
        if state is None:
            state = (None,) * len(self.layers)
        elif not isinstance(state, tuple) or len(state) != len(self.layers):
            got = f"{type(state).__name__}" + (f" of length {len(state)}" if isinstance(state, tuple) else "")
            raise ValueError(f"Stacked: state must be a tuple of {len(self.layers)} layer states; received {got}")
        finals = []
        for k, (layer, s) in enumerate(zip(self.layers, state)):
            y, s = layer._run(self.dropout(x) if k > 0 else x, s, lengths)  # (B, T, H_k)
            x = y + x if self.residual and k > 0 else y
            finals.append(s)
        return x, tuple(finals)

    def extra_repr(self) -> str:
        parts = []
        if getattr(self.dropout, "p", 0):
            parts.append(f"dropout={self.dropout.p}")
        if self.residual:
            parts.append("residual=True")
        return ", ".join(parts)
