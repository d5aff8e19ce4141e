"""Drop-in twins of ``torch.nn.RNN``, ``torch.nn.LSTM`` and ``torch.nn.GRU``.

Same constructor (plus ``engine``, see ``Recurrent``), same call, same layouts (time-major unless ``batch_first``,
PackedSequence, unbatched input, states as ``(num_layers * num_directions, B, H)``),
so torch code switches by changing an import. Inside they are rnnlab layers
(``Stacked`` of ``Recurrent`` or ``Bidirectional``), and ``.stack`` is that layer
with its named states. This file is the only place that speaks torch's layout.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence

from rnnlab.core import Cell, ElmanCell, GRUCell, LSTMCell, LSTMState
from rnnlab.core.checks import shape_str
from rnnlab.layers import Bidirectional, Recurrent, Stacked


class RNNBase(nn.Module):
    """The torch-layout shell shared by ``RNN``, ``LSTM`` and ``GRU``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None, engine: str = "auto", **cell_options) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be a positive int; received {num_layers!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        factory = dict(bias=bias, device=device, dtype=dtype, **cell_options)
        layers = []
        for k in range(num_layers):
            size = input_size if k == 0 else hidden_size * self.num_directions
            if bidirectional:
                layers.append(Bidirectional(Recurrent(self._cell(size, hidden_size, **factory), engine=engine),
                                            Recurrent(self._cell(size, hidden_size, **factory), reverse=True,
                                                      engine=engine)))
            else:
                layers.append(Recurrent(self._cell(size, hidden_size, **factory), engine=engine))
        self.stack = Stacked(layers, dropout=dropout)

    def _cell(self, input_size: int, hidden_size: int, **options) -> Cell:
        raise NotImplementedError

    def cells(self) -> list[Cell]:
        """The cells in torch's order: layer by layer, forward before backward."""
        cells = []
        for layer in self.stack.layers:
            pair = (layer.forward_layer, layer.backward_layer) if self.bidirectional else (layer,)
            cells.extend(direction.cell for direction in pair)
        return cells

    def flatten_parameters(self) -> None:
        """Nothing to do: kept so that torch code calling it runs unchanged."""

    # --- torch's state layout <-> rnnlab's named states ------------------------------
    def _state_parts(self, hx) -> list[Tensor]:
        return [hx]

    def _cell_state(self, parts: list[Tensor]):
        return parts[0]

    def _torch_parts(self, state) -> list[Tensor]:
        return [state]

    def _check_hx(self, hx, batch: int, unbatched: bool) -> list[Tensor]:
        name = type(self).__name__
        parts = self._state_parts(hx)
        expected = (self.num_layers * self.num_directions,) + (() if unbatched else (batch,)) + (self.hidden_size,)
        for label, t in zip(self._state_labels, parts):
            if not isinstance(t, Tensor) or tuple(t.shape) != expected:
                raise ValueError(f"{name}: {label} must be (num_layers * num_directions, B, H) = "
                                 f"{expected}; received {shape_str(t)}")
        return [t.unsqueeze(1) if unbatched else t for t in parts]

    def _from_torch_state(self, parts: list[Tensor]):
        """``(L*D, B, H)`` tensors -> a tuple per layer of states (pairs if bidirectional)."""
        layers = []
        for k in range(self.num_layers):
            directions = tuple(self._cell_state([p[k * self.num_directions + d] for p in parts])
                               for d in range(self.num_directions))
            layers.append(directions if self.bidirectional else directions[0])
        return tuple(layers)

    def _to_torch_state(self, state) -> list[Tensor]:
        leaves = []
        for layer_state in state:
            leaves.extend(layer_state if self.bidirectional else (layer_state,))
        columns = zip(*(self._torch_parts(s) for s in leaves))
        return [torch.stack(column) for column in columns]  # each (L*D, B, H)

    # --- the call -------------------------------------------------------------------
    def forward(self, input, hx=None):
        """As torch's: ``output, h_n`` (``output, (h_n, c_n)`` for the LSTM).

        Args:
            input: ``(T, B, F)``, ``(B, T, F)`` with ``batch_first``, ``(T, F)``
                unbatched, or a PackedSequence.
            hx: torch's initial state layout, or None for zeros.
        """
        name = type(self).__name__
        packed = isinstance(input, PackedSequence)
        if packed:
            x, lengths, unbatched = input, None, False
            batch = int(input.batch_sizes[0])
        else:
            if not isinstance(input, Tensor) or input.dim() not in (2, 3) or input.shape[-1] != self.input_size:
                raise ValueError(f"{name}: input must be (T, B, {self.input_size}), (B, T, {self.input_size}) "
                                 f"with batch_first, or (T, {self.input_size}) unbatched; received {shape_str(input)}")
            unbatched = input.dim() == 2
            if unbatched:
                x = input.unsqueeze(0)  # (1, T, F)
            else:
                x = input if self.batch_first else input.transpose(0, 1)  # (B, T, F)
            lengths, batch = None, x.shape[0]
        state = None if hx is None else self._from_torch_state(self._check_hx(hx, batch, unbatched))
        y, state = self.stack(x, state, lengths)
        parts = self._to_torch_state(state)
        if unbatched:
            y, parts = y.squeeze(0), [p.squeeze(1) for p in parts]
        elif not packed and not self.batch_first:
            y = y.transpose(0, 1)  # (T, B, D*H)
        return y, self._torch_hx(parts)

    def _torch_hx(self, parts: list[Tensor]):
        return parts[0]

    _state_labels = ("h_0",)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """``torch.nn.RNN`` twin over ``ElmanCell``: ``h_t = tanh|relu(W_hh h_{t-1} + W_xh x_t + b_h)``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None, *, engine: str = "auto") -> None:
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype, engine, nonlinearity=nonlinearity)

    def _cell(self, input_size, hidden_size, **options):
        return ElmanCell(input_size, hidden_size, **options)


class GRU(RNNBase):
    """``torch.nn.GRU`` twin over ``GRUCell``.

    ``reset="after"`` (the default here, unlike ``GRUCell``) is torch's function,
    so that swapping the import changes nothing; ``reset="before"`` is the
    chapter's GRU.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None, *, reset: str = "after", engine: str = "auto") -> None:
        self.reset = reset
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype, engine, reset=reset)

    def _cell(self, input_size, hidden_size, **options):
        return GRUCell(input_size, hidden_size, **options)

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.reset == "after" else f", reset={self.reset!r}")


class LSTM(RNNBase):
    """``torch.nn.LSTM`` twin over ``LSTMCell``; states ``(h_0, c_0)`` in, ``(h_n, c_n)`` out.

    ``proj_size`` is not supported (it must stay 0).
    """

    _state_labels = ("h_0", "c_0")

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None, *, forget_bias: float | None = None,
                 engine: str = "auto") -> None:
        if proj_size:
            raise ValueError(f"LSTM: proj_size is not supported; it must be 0, received {proj_size}")
        self.proj_size = 0
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype, engine, forget_bias=forget_bias)

    def _cell(self, input_size, hidden_size, **options):
        return LSTMCell(input_size, hidden_size, **options)

    def _state_parts(self, hx) -> list[Tensor]:
        if not isinstance(hx, tuple) or len(hx) != 2:
            raise ValueError(f"LSTM: hx must be a pair (h_0, c_0); received {type(hx).__name__}")
        return list(hx)

    def _cell_state(self, parts):
        return LSTMState(*parts)

    def _torch_parts(self, state):
        return list(state)

    def _torch_hx(self, parts):
        return tuple(parts)
