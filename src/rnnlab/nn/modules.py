"""Drop-in twins of ``torch.nn.RNN``, ``torch.nn.LSTM`` and ``torch.nn.GRU``.

Same constructor (plus ``engine``, see ``Recurrent``), same call, same layouts (time-major unless ``batch_first``,
PackedSequence, unbatched input, states as ``(num_layers * num_directions, B, H)``),
so torch code switches by changing an import. Inside they are rnnlab layers
(``Stacked`` of ``Recurrent`` or ``Bidirectional``), and ``.stack`` is that layer
with its named states. This file is the only place that speaks torch's layout.
"""

from __future__ import annotations

import re
from collections import OrderedDict

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence

from rnnlab.core import Cell, ElmanCell, GRUCell, LSTMCell, LSTMState
from rnnlab.core.checks import shape_str
from rnnlab.kernels.dispatch import infers_with_torch, runs_packed
from rnnlab.kernels.fused import torch_packed
from rnnlab.kernels.packed import of_packed_sequence, run_packed
from rnnlab.layers import Bidirectional, Recurrent, Stacked


TORCH_KEY = re.compile(r"(weight|bias)_(ih|hh)_l(\d+)(_reverse)?")  # torch's parameter names


def torch_weight_names(num_layers: int, bidirectional: bool) -> list[tuple[str, str, str, str]]:
    """torch's parameter names ``(weight_ih, weight_hh, bias_ih, bias_hh)`` of each cell, in torch's order."""
    return [tuple(f"{kind}_l{k}{suffix}" for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
            for k in range(num_layers) for suffix in ("", "_reverse")[: 2 if bidirectional else 1]]


class RNNBase(nn.Module):
    """The torch-layout shell shared by ``RNN``, ``LSTM`` and ``GRU``.

    torch's parameter names work too, so torch checkpoints and torch code that
    reads weights run unchanged:

    - ``load_state_dict`` takes torch's keys (``weight_ih_l0``, ``bias_hh_l1_reverse``,
      ...), also inside a larger model, folding torch's two biases into the
      chapter's one (``b = b_ih + b_hh``; the GRU's ``b_hn`` stays apart);
    - ``state_dict(torch_layout=True)`` writes torch's keys, which
      ``torch.nn.LSTM(...).load_state_dict`` accepts (``bias_ih = b``,
      ``bias_hh = 0``; the GRU's ``[0, 0, b_hc]``); not for the chapter's GRU;
    - ``weight_ih_l0``, ``weight_hh_l0`` and ``bias_ih_l0`` are the chapter's
      parameters themselves (``W_x``, ``W_h``, ``b``; an in-place init such as
      ``nn.init.orthogonal_(lstm.weight_hh_l0)`` changes the model), and
      ``bias_hh_l0`` is computed (zeros; the GRU's ``[0, 0, b_hc]``): write
      biases into ``bias_ih``. None of these names can be assigned.
    """

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
        self.register_load_state_dict_pre_hook(RNNBase._torch_keys_hook)

    def _cell(self, input_size: int, hidden_size: int, **options) -> Cell:
        raise NotImplementedError

    def cells(self) -> list[Cell]:
        """The cells in torch's order: layer by layer, forward before backward."""
        return [direction.cell for direction in self._directions()]

    def flatten_parameters(self) -> None:
        """Nothing to do: kept so that torch code calling it runs unchanged."""

    # --- torch's parameter names ------------------------------------------------------
    def _torch_cells(self) -> list[tuple[Cell, tuple[str, str, str, str]]]:
        return list(zip(self.cells(), torch_weight_names(self.num_layers, self.bidirectional)))

    def _torch_keys_hook(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                         error_msgs) -> None:
        """Before loading: torch's keys under ``prefix`` become this module's own (see the class docstring)."""
        if not any(k.startswith(prefix) and TORCH_KEY.fullmatch(k[len(prefix):]) for k in state_dict):
            return
        where = {id(m): name for name, m in self.named_modules()}
        known = set()
        for cell, names in self._torch_cells():
            known.update(names)
            values = [state_dict.get(prefix + n) for n in names]
            needed = values if self.bias else values[:2]
            if any(v is None for v in needed):
                if any(v is not None for v in values):  # some of the cell's torch keys, not all
                    lacking = [prefix + n for n, v in zip(names, needed) if v is None]
                    error_msgs.append(f"missing {', '.join(lacking)} beside the other torch keys of that layer")
                continue
            for name, value in cell.torch_as_own(*values).items():
                state_dict[f"{prefix}{where[id(cell)]}.{name}"] = value
            for n in names if self.bias else names[:2]:  # torch biases for a bias-free module: refused below
                state_dict.pop(prefix + n)
        for k in [k for k in state_dict if k.startswith(prefix) and TORCH_KEY.fullmatch(k[len(prefix):])]:
            if k[len(prefix):] in known and not self.bias:
                error_msgs.append(f"{k}: {type(self).__name__} was built with bias=False")
            if k[len(prefix):] not in known:
                unexpected_keys.append(k)
            state_dict.pop(k)

    def state_dict(self, *args, torch_layout: bool = False, **kwargs):
        """The parameters by rnnlab's names, or with ``torch_layout=True`` by torch's (``weight_ih_l0``, ...),
        detached, for ``torch.nn.RNN/LSTM/GRU.load_state_dict``. The chapter's GRU has no torch layout."""
        if not torch_layout:
            return super().state_dict(*args, **kwargs)
        prefix = kwargs.get("prefix", "")
        out = OrderedDict()
        for cell, names in self._torch_cells():
            for name, value in zip(names, cell.to_torch_weights()):
                if value is not None:
                    out[prefix + name] = value.detach().clone()
        return out

    def __getattr__(self, name: str):
        match = TORCH_KEY.fullmatch(name)
        if match is None:
            return super().__getattr__(name)
        kind, side, layer, reverse = match.groups()
        index = int(layer) * self.num_directions + (1 if reverse else 0)
        if int(layer) >= self.num_layers or (reverse and not self.bidirectional) or (kind == "bias" and not self.bias):
            raise AttributeError(f"{type(self).__name__} has no {name}")
        cell = self.cells()[index]
        w_ih, w_hh, b_ih, b_hh = cell.to_torch_weights()
        if (kind, side) == ("bias", "hh"):  # computed: zeros a write into would not change the model
            return b_hh.detach()
        return {("weight", "ih"): w_ih, ("weight", "hh"): w_hh, ("bias", "ih"): b_ih}[kind, side]

    def __setattr__(self, name: str, value) -> None:
        if TORCH_KEY.fullmatch(name):
            raise AttributeError(f"{type(self).__name__}.{name} is a view of the chapter's parameters and cannot "
                                 f"be assigned; copy into it (weight_*, bias_ih) or load a state_dict")
        super().__setattr__(name, value)

    @property
    def all_weights(self) -> list[list[Tensor]]:
        """torch's ``all_weights``: ``[weight_ih, weight_hh, bias_ih, bias_hh]`` of each layer and direction."""
        return [[getattr(self, n) for n in (names if self.bias else names[:2])] for _, names in self._torch_cells()]

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
        engine = self._packed_engine(input) if packed else None
        if engine is not None:
            return self._forward_packed(input, hx, engine)
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

    def _packed_engine(self, input: PackedSequence) -> str | None:
        """How the layers run a PackedSequence on its own data, all alike: ``torch`` (the inference
        ``dispatch.infers_with_torch`` gives it), ``packed`` (``dispatch.runs_packed``), or None: the padded
        path."""
        steps, layers = len(input.batch_sizes), self._directions()
        if any(layer.engine != "auto" for layer in layers):
            return None
        if all(infers_with_torch(layer.cell, input.data) for layer in layers):
            return "torch"
        return "packed" if all(runs_packed(layer.cell, input.data, steps) for layer in layers) else None

    def _directions(self) -> list[Recurrent]:
        """The ``Recurrent`` layers in torch's order: layer by layer, forward before backward."""
        return [d for layer in self.stack.layers
                for d in ((layer.forward_layer, layer.backward_layer) if self.bidirectional else (layer,))]

    def _forward_packed(self, input: PackedSequence, hx, engine: str):
        """A PackedSequence run on its own data, with or without a gradient: no padding, no unpacking; the same
        values and gradients as the padded path. ``engine``: ``torch``, its fused kernel over every layer in one
        call, as torch.nn calls it, or ``packed`` (``rnnlab.kernels.packed``), layer by layer."""
        data, B = input.data, int(input.batch_sizes[0])
        parts = None if hx is None else self._check_hx(hx, B, False)
        if engine == "torch":
            if parts is None:
                shape = (self.num_layers * self.num_directions, B, self.hidden_size)
                parts = [data.new_zeros(shape) for _ in self._state_labels]
            data, h_n = torch_packed([d.cell for d in self._directions()], input, self._torch_hx(parts),
                                     self.num_layers, self.dropout, self.training)
            return input._replace(data=data), h_n
        pack = of_packed_sequence(input)
        state = (None,) * self.num_layers if parts is None else self._from_torch_state(parts)
        finals = []
        for k, (layer, layer_state) in enumerate(zip(self.stack.layers, state)):
            pair = (layer.forward_layer, layer.backward_layer) if self.bidirectional else (layer,)
            given = layer_state if self.bidirectional else (layer_state,)
            starts = [d.cell.initial_state(B, device=data.device, dtype=data.dtype) if s is None else s
                      for d, s in zip(pair, given if layer_state is not None else (None,) * len(pair))]
            data, ends = run_packed([d.cell for d in pair], [False, True][: len(pair)],
                                    self.stack.dropout(data) if k > 0 else data, pack, starts)
            finals.append(tuple(ends) if self.bidirectional else ends[0])
        return input._replace(data=data), self._torch_hx(self._to_torch_state(tuple(finals)))

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
