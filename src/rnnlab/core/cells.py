"""The chapter's recurrent cells, one time step each.

Every cell follows one contract::

    y_t, state_t = cell(x_t, state_{t-1})      # x_t: (B, F), y_t = h_t: (B, H)
    state_0 = cell.initial_state(B)

A cell never loops over time; ``rnnlab.layers.Recurrent`` does, reusing the
same cell (the same parameters) at every step: the chapter's parameter sharing.

Parameters carry the chapter's names. The gated cells keep the weights of all
their gates stacked in one tensor per role (``W_x``, ``W_h``, ``b``) so that a
whole-sequence kernel can use them without a copy; ``cell.weights("f")`` gives
one gate's ``(W_xf, W_hf, b_f)`` as views, and the step below reads exactly like
the chapter's equations.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.core.checks import shape_str
from rnnlab.core.state import LSTMState

Activation = Callable[[Tensor], Tensor]


def gate(x: Tensor, h: Tensor, W_x: Tensor, W_h: Tensor, b: Tensor | None,
         activation: Activation = torch.sigmoid) -> Tensor:
    """The chapter's generic gate: ``g_t = sigma(W_xg x_t + W_hg h_{t-1} + b_g)``.

    Args:
        x: ``(B, F)`` input at step t.
        h: ``(B, H)`` previous hidden state (or, for the GRU candidate, ``r_t * h_{t-1}``).
        W_x: ``(H, F)``; W_h: ``(H, H)``; b: ``(H,)`` or None.
        activation: sigmoid for a gate, tanh for the LSTM input node and the GRU candidate.

    Returns:
        ``(B, H)`` gate values.
    """
    return activation(F.linear(x, W_x, b) + F.linear(h, W_h))


class GateWeights(NamedTuple):
    """One block of a cell's stacked weights: ``W_x (H, F)``, ``W_h (H, H)``, ``b (H,)``."""

    W_x: Tensor
    W_h: Tensor
    b: Tensor | None


class Engines(NamedTuple):
    """What a cell runs on besides the reference loop (``Recurrent`` calling ``step`` at every t), by name.

    ``kernel``: the hand-derived BPTT kernel in ``rnnlab.kernels`` that computes
    this cell's function (``"lstm"``, ``"gru"``, ``"elman"``), with its
    one-step inference step; ``fused``: torch's fused kernel that computes
    exactly this function (``"lstm"``, ``"gru"``, ``"rnn_tanh"``,
    ``"rnn_relu"``). None: there is none, and the engines that need it refuse
    the cell.
    """

    kernel: str | None = None
    fused: str | None = None


class Cell(nn.Module):
    """Base class of the cells: validation, initial state and the stacked weights.

    Subclasses define ``blocks`` (the names of the weight blocks, in storage
    order), ``step(x, state)`` (the equations, unchecked), ``engines()`` (what
    else can run them; a cell of a user's own runs on the reference loop) and,
    if the state is not a single tensor, ``initial_state``, ``state_with`` and
    ``_state_tensors``.
    """

    blocks: tuple[str, ...] = ()
    # weight drop (``rnnlab.layers.weight_drop``) sets this to the masked ``W_h`` for one call of a layer; every
    # engine reads the recurrent matrix through ``stacked_weights``, so each one runs with the masked weight
    dropped_W_h: Tensor | None = None

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{type(self).__name__}: {name} must be a positive int; received {value!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self._factory = {"device": device, "dtype": dtype}

    def _new(self, *shape: int) -> nn.Parameter:
        return nn.Parameter(torch.empty(*shape, **self._factory))

    def _stacked_parameters(self) -> None:
        """Create ``W_x (G*H, F)``, ``W_h (G*H, H)``, ``b (G*H,)`` for the G blocks."""
        G, H = len(self.blocks), self.hidden_size
        self.W_x = self._new(G * H, self.input_size)
        self.W_h = self._new(G * H, H)
        self.b = self._new(G * H) if self.bias else None

    def stacked_weights(self) -> GateWeights:
        """All blocks at once: ``W_x (G*H, F)``, ``W_h (G*H, H)``, ``b (G*H,)``, blocks in ``self.blocks`` order."""
        return GateWeights(self.W_x, self.W_h if self.dropped_W_h is None else self.dropped_W_h, self.b)

    def weights(self, block: str) -> GateWeights:
        """One block's ``(W_x, W_h, b)`` as views of the stacked parameters."""
        if block not in self.blocks:
            raise ValueError(f"{type(self).__name__} has weight blocks {self.blocks}; received {block!r}")
        k, H = self.blocks.index(block), self.hidden_size
        rows = slice(k * H, (k + 1) * H)
        W_x, W_h, b = self.stacked_weights()
        return GateWeights(W_x[rows], W_h[rows], None if b is None else b[rows])

    def reset_parameters(self) -> None:
        """torch's default: every weight and bias uniform in ``(-1/sqrt(H), 1/sqrt(H))``."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def engines(self) -> Engines:
        """The kernels that compute this cell's function (see ``Engines``); none for a cell of a user's own."""
        return Engines()

    # --- the step -----------------------------------------------------------------
    def step(self, x: Tensor, state):
        """One time step without input checks: ``(y_t, state_t)``. Layers call this."""
        raise NotImplementedError

    def forward(self, x: Tensor, state=None):
        """One checked time step.

        Args:
            x: ``(B, F)`` input at step t.
            state: the previous state, or None for zeros.

        Returns:
            ``(y_t, state_t)`` with ``y_t = h_t: (B, H)``.
        """
        name = type(self).__name__
        if not isinstance(x, Tensor) or x.dim() != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"{name}: x_t must be (B, {self.input_size}); received {shape_str(x)}")
        if state is None:
            state = self.initial_state(x.shape[0], device=x.device, dtype=x.dtype)
        else:
            self.check_state(state, x.shape[0])
        return self.step(x, state)

    # --- states -------------------------------------------------------------------
    def initial_state(self, batch: int, *, device=None, dtype=None):
        """Zeros: ``h_0 = 0`` of shape ``(batch, H)``."""
        return self._zeros(batch, device, dtype)

    def state_with(self, h: Tensor):
        """The state whose hidden vector is ``h: (B, H)``, anything else at its start (a decoder's ``s_0``)."""
        return h

    def _zeros(self, batch: int, device, dtype) -> Tensor:
        ref = self.stacked_weights().W_h
        return torch.zeros(batch, self.hidden_size, device=device or ref.device, dtype=dtype or ref.dtype)

    def _state_tensors(self, state) -> dict[str, Tensor]:
        """The named tensors of a state, for validation."""
        return {"h": state}

    def check_state(self, state, batch: int, where: str = "state") -> None:
        """Raise ValueError unless ``state`` holds ``(batch, H)`` tensors of this cell's structure."""
        name = type(self).__name__
        expected = (batch, self.hidden_size)
        try:
            parts = self._state_tensors(state)
        except (TypeError, AttributeError, ValueError):
            parts = None
        if parts is None or not all(isinstance(t, Tensor) for t in parts.values()):
            raise ValueError(f"{name}: {where} must be {self._state_doc()}; received {type(state).__name__}")
        for key, t in parts.items():
            if tuple(t.shape) != expected:
                raise ValueError(f"{name}: {where}.{key} must be (B, H) = {expected}; received {shape_str(t)}"
                                 if len(parts) > 1 else
                                 f"{name}: {where} must be (B, H) = {expected}; received {shape_str(t)}")

    def _state_doc(self) -> str:
        return "a Tensor h of shape (B, H)"

    # --- torch weights ------------------------------------------------------------
    def to_torch_weights(self) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` computing the same function in torch."""
        raise NotImplementedError

    def torch_as_own(self, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
                     b_hh: Tensor | None) -> dict[str, Tensor]:
        """This cell's parameters, by name, from torch's ``(weight_ih, weight_hh, bias_ih, bias_hh)``.

        torch keeps two biases; the chapter has one, so ``b = b_ih + b_hh`` wherever
        both are added before the nonlinearity (all of them but the GRU's ``b_hn``).
        """
        names = {id(p): n for n, p in self.named_parameters(recurse=False)}
        W_x, W_h, b = self.stacked_weights()
        own = {names[id(W_x)]: w_ih, names[id(W_h)]: w_hh}
        if b is not None:
            own[names[id(b)]] = b_ih + b_hh
        return own

    @torch.no_grad()
    def load_torch_weights(self, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None) -> None:
        """Copy torch's ``(weight_ih, weight_hh, bias_ih, bias_hh)`` into this cell (see ``torch_as_own``)."""
        for name, value in self.torch_as_own(w_ih, w_hh, b_ih, b_hh).items():
            getattr(self, name).copy_(value)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class ElmanCell(Cell):
    r"""The vanilla (Elman) RNN cell.

    .. math::
        h_t = f(W_{hh} h_{t-1} + W_{xh} x_t + b_h),\quad f = \tanh \text{ or ReLU}

    The output ``y_t = W_hy h_t + b_y`` and its softmax are the model's output
    head (``rnnlab.models``); the cell returns ``y_t = h_t``.

    Parameters: ``W_xh (H, F)``, ``W_hh (H, H)``, ``b_h (H,)``.
    """

    blocks = ("h",)
    _activations = {"tanh": torch.tanh, "relu": torch.relu}

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh",
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype)
        if nonlinearity not in self._activations:
            raise ValueError(f"ElmanCell: nonlinearity must be 'tanh' or 'relu'; received {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        self.f = self._activations[nonlinearity]
        self.W_xh = self._new(hidden_size, input_size)
        self.W_hh = self._new(hidden_size, hidden_size)
        self.b_h = self._new(hidden_size) if bias else None
        self.reset_parameters()

    def stacked_weights(self) -> GateWeights:
        return GateWeights(self.W_xh, self.W_hh if self.dropped_W_h is None else self.dropped_W_h, self.b_h)

    def step(self, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        W_xh, W_hh, b_h = self.stacked_weights()
        h = self.f(F.linear(h, W_hh) + F.linear(x, W_xh, b_h))
        return h, h

    def engines(self) -> Engines:
        return Engines("elman", f"rnn_{self.nonlinearity}")

    def to_torch_weights(self):
        zero = None if self.b_h is None else torch.zeros_like(self.b_h)
        return self.W_xh, self.W_hh, self.b_h, zero

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity!r}")


class GatedCell(Cell):
    """A cell built from gates; its weights are stacked in ``blocks`` order; ``sigmoid_gates`` are the blocks
    that are gates ``sigma(W_xg x_t + W_hg h_{t-1} + b_g)`` (what saturates near 0 or 1)."""

    sigmoid_gates: tuple[str, ...] = ()

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self._stacked_parameters()


class LSTMCell(GatedCell):
    r"""The LSTM cell: an input node, three gates and a cell state.

    .. math::
        g_t &= \tanh(W_{xg} x_t + W_{hg} h_{t-1} + b_g) \quad\text{(input node)} \\
        i_t &= \sigma(W_{xi} x_t + W_{hi} h_{t-1} + b_i) \quad\text{(input gate)} \\
        f_t &= \sigma(W_{xf} x_t + W_{hf} h_{t-1} + b_f) \quad\text{(forget gate)} \\
        o_t &= \sigma(W_{xo} x_t + W_{ho} h_{t-1} + b_o) \quad\text{(output gate)} \\
        c_t &= i_t \odot g_t + f_t \odot c_{t-1} \\
        h_t &= o_t \odot \tanh(c_t)

    Parameters ``W_x (4H, F)``, ``W_h (4H, H)``, ``b (4H,)`` stack the blocks in
    the order ``i, f, g, o`` (torch's order, so its fused kernel can use them as
    they are); ``cell.weights("g")`` is ``(W_xg, W_hg, b_g)``.

    Args:
        forget_bias: if given, ``b_f`` starts at this value (1.0 is the usual
            choice: the cell remembers by default). None keeps torch's initialisation.
    """

    blocks = ("i", "f", "g", "o")
    sigmoid_gates = ("i", "f", "o")

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 forget_bias: float | None = None, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype)
        if forget_bias is not None and not bias:
            raise ValueError("LSTMCell: forget_bias needs bias=True")
        self.forget_bias = forget_bias
        self.reset_parameters()

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.forget_bias is not None:
            with torch.no_grad():
                self.weights("f").b.fill_(self.forget_bias)

    def step(self, x: Tensor, state: LSTMState) -> tuple[Tensor, LSTMState]:
        h, c = state
        g = gate(x, h, *self.weights("g"), activation=torch.tanh)
        i = gate(x, h, *self.weights("i"))
        f = gate(x, h, *self.weights("f"))
        o = gate(x, h, *self.weights("o"))
        c = i * g + f * c
        h = o * torch.tanh(c)
        return h, LSTMState(h, c)

    def engines(self) -> Engines:
        return Engines("lstm", "lstm")

    def initial_state(self, batch: int, *, device=None, dtype=None) -> LSTMState:
        """Zeros: ``LSTMState(h_0 = 0, c_0 = 0)``, each ``(batch, H)``."""
        return LSTMState(self._zeros(batch, device, dtype), self._zeros(batch, device, dtype))

    def state_with(self, h: Tensor) -> LSTMState:
        """``LSTMState(h, c = 0)``."""
        return LSTMState(h, torch.zeros_like(h))

    def _state_tensors(self, state) -> dict[str, Tensor]:
        if not isinstance(state, tuple) or len(state) != 2:
            raise TypeError("not an (h, c) pair")
        h, c = state
        return {"h": h, "c": c}

    def _state_doc(self) -> str:
        return "an LSTMState(h, c) of two (B, H) tensors"

    def to_torch_weights(self):
        zero = None if self.b is None else torch.zeros_like(self.b)
        return self.W_x, self.W_h, self.b, zero

    def extra_repr(self) -> str:
        extra = "" if self.forget_bias is None else f", forget_bias={self.forget_bias}"
        return super().extra_repr() + extra


class GRUCell(GatedCell):
    r"""The gated recurrent unit, as the chapter writes it (Cho et al. 2014).

    .. math::
        u_t &= \sigma(W_u [h_{t-1}, x_t] + b_u) \quad\text{(update gate)} \\
        r_t &= \sigma(W_r [h_{t-1}, x_t] + b_r) \quad\text{(reset gate)} \\
        \tilde h_t &= \tanh(W_h [r_t \odot h_{t-1}, x_t] + b_h) \\
        h_t &= u_t \odot h_{t-1} + (1 - u_t) \odot \tilde h_t

    ``W_u [h, x]`` is ``W_hu h + W_xu x``: the weights acting on ``h`` and on
    ``x`` are kept apart. Parameters ``W_x (3H, F)``, ``W_h (3H, H)``, ``b (3H,)``
    stack the blocks ``r, u, c`` (``c`` is the candidate ``h~``), torch's order.

    Args:
        reset: ``"before"`` (default, the chapter's form) applies ``r_t`` to
            ``h_{t-1}`` before the product with ``W_hc``. ``"after"`` is the
            cuDNN/PyTorch form, ``h~_t = tanh(W_xc x_t + b_c + r_t * (W_hc h_{t-1} + b_hc))``,
            with the extra bias ``b_hc (H,)``; only this form converts to and
            from ``torch.nn.GRU``. The two are different functions.
    """

    blocks = ("r", "u", "c")
    sigmoid_gates = ("r", "u")

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 reset: str = "before", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype)
        if reset not in ("before", "after"):
            raise ValueError(f"GRUCell: reset must be 'before' or 'after'; received {reset!r}")
        self.reset = reset
        self.b_hc = self._new(hidden_size) if bias and reset == "after" else None
        self.reset_parameters()

    def step(self, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        u = gate(x, h, *self.weights("u"))
        r = gate(x, h, *self.weights("r"))
        W_xc, W_hc, b_c = self.weights("c")
        if self.reset == "before":
            h_tilde = gate(x, r * h, W_xc, W_hc, b_c, activation=torch.tanh)
        else:
            h_tilde = torch.tanh(F.linear(x, W_xc, b_c) + r * F.linear(h, W_hc, self.b_hc))
        h = u * h + (1 - u) * h_tilde
        return h, h

    def engines(self) -> Engines:
        return Engines("gru", "gru" if self.reset == "after" else None)  # torch has no reset-before GRU

    def _torch_form(self) -> None:
        if self.reset != "after":
            raise ValueError("GRUCell(reset='before') is the chapter's GRU, which torch.nn.GRU cannot "
                             "represent (torch applies the reset gate after the product); "
                             "use reset='after' to move weights to or from torch")

    def to_torch_weights(self):
        self._torch_form()
        if self.b is None:
            return self.W_x, self.W_h, None, None
        H = self.hidden_size
        b_hh = torch.cat([torch.zeros_like(self.b[: 2 * H]), self.b_hc])
        return self.W_x, self.W_h, self.b, b_hh

    def torch_as_own(self, w_ih, w_hh, b_ih, b_hh) -> dict[str, Tensor]:
        """As ``Cell.torch_as_own``, but ``b_hn`` stays apart as ``b_hc``: it sits inside ``r * (...)``."""
        self._torch_form()
        own = {"W_x": w_ih, "W_h": w_hh}
        if self.b is not None:
            H = self.hidden_size
            own["b"] = b_ih + torch.cat([b_hh[: 2 * H], torch.zeros_like(b_hh[2 * H:])])
            own["b_hc"] = b_hh[2 * H:]
        return own

    def extra_repr(self) -> str:
        return super().extra_repr() + f", reset={self.reset!r}"
