r"""Gradient diagnostics: how far back the gradient reaches, and where it vanishes or explodes.

For a loss L and the hidden states ``h_1..h_T`` of a recurrent layer, BPTT gives

    dL/dh_t = (direct part from the output at t) + (dL/dh_{t+1}) (d h_{t+1} / d h_t)

so ``||dL/dh_t||`` over t shows how far back the gradient reaches: a curve
falling by orders of magnitude towards t = 1 is a vanishing gradient, one
growing without bound an exploding one.

- ``watch(model)``: inside it, every ``Recurrent`` layer runs its readable
  reference loop and keeps each step's ``h_t``; after ``loss.backward()``,
  ``Watch.step_norms()`` gives ``||dL/dh_t||`` for every t of every layer
  (the mean over the batch) and ``Watch.saturation()`` the share of sigmoid
  gate values below 0.05 or above 0.95, where the gate passes no gradient.
- ``trace(model)``: inside it, every step's state and gate values are kept
  for looking at (``rnnlab lab`` colours text by them).
- ``layer_norms(model)``: the gradient norm of each module's own parameters.
- ``diagnose``: warnings for a vanishing or an exploding gradient.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator

import torch
from torch import Tensor, nn

from rnnlab.core import LSTMState
from rnnlab.core.cells import gate
from rnnlab.layers import Recurrent

SATURATED = 0.05  # a gate value below this or above 1 - this is saturated
VANISHED = 1e-3  # ||dL/dh_1|| below this share of the largest ||dL/dh_t||: the gradient does not reach the start
EXPLODED = 1e3  # a global gradient norm above this, or one that is not finite


def _h(state) -> Tensor:
    return state.h if isinstance(state, LSTMState) else state


class Watch:
    """What ``watch`` saw of one forward and backward pass."""

    def __init__(self) -> None:
        self.states: dict[str, list[Tensor]] = {}
        self.reverse: dict[str, bool] = {}
        self.gates: dict[str, list[float]] = {}  # per layer: [saturated values, all values]

    def observer(self, name: str, layer: Recurrent):
        states, counts = self.states.setdefault(name, []), self.gates.setdefault(name, [0.0, 0.0])
        self.reverse[name] = layer.reverse
        blocks = getattr(layer.cell, "sigmoid_gates", ())

        def observe(x_t: Tensor, before, after) -> None:
            h = _h(after)
            if h.requires_grad:
                h.retain_grad()
            states.append(h)
            with torch.no_grad():
                for block in blocks:
                    g = gate(x_t, _h(before), *layer.cell.weights(block))
                    counts[0] += float(((g < SATURATED) | (g > 1 - SATURATED)).sum())
                    counts[1] += g.numel()

        return observe

    def step_norms(self) -> dict[str, list[float]]:
        """``||dL/dh_t||`` for t = 1..T in the input's order, the mean over the batch, for each layer
        (0 where no gradient reached h_t). Call after ``loss.backward()``. A layer run several times inside
        the watch (a decoder stepping word by word, TBPTT windows) lists its steps in the order they ran."""
        out = {}
        for name, states in self.states.items():
            norms = [0.0 if h.grad is None else float(torch.linalg.vector_norm(h.grad, dim=-1).mean())
                     for h in states]
            out[name] = norms[::-1] if self.reverse[name] else norms
        return out

    def saturation(self) -> dict[str, float]:
        """The share of each gated layer's sigmoid gate values below 0.05 or above 0.95."""
        return {name: saturated / total for name, (saturated, total) in self.gates.items() if total}


@contextmanager
def observing(model: nn.Module, observer_for) -> Iterator[None]:
    """Inside, every ``Recurrent`` layer of ``model`` runs its reference loop with ``observer_for(name, layer)``
    as its observer; their engines and observers are restored after."""
    layers = [(name or "rnn", m) for name, m in model.named_modules() if isinstance(m, Recurrent)]
    saved = [(m.engine, m.observer) for _, m in layers]
    try:
        for name, layer in layers:
            layer.engine, layer.observer = "reference", observer_for(name, layer)
        yield
    finally:
        for (_, layer), (engine, observer) in zip(layers, saved):
            layer.engine, layer.observer = engine, observer


@contextmanager
def watch(model: nn.Module) -> Iterator[Watch]:
    """Run the model's recurrent layers step by step, keeping each ``h_t`` (see ``Watch``); restores them after."""
    seen = Watch()
    with observing(model, seen.observer):
        yield seen


@contextmanager
def trace(model: nn.Module) -> Iterator[dict[str, list[dict[str, Tensor]]]]:
    """Inside, each step of each recurrent layer is recorded, in the order the steps run: ``{layer name: [{"h":
    (B, H), "c": (B, H) for an LSTM, and each sigmoid gate by its block name ("i", "f", "o"; "r", "u"): (B, H)},
    ...]}`` (what a person looks at to see what a unit does)."""
    steps: dict[str, list[dict[str, Tensor]]] = {}

    def observer_for(name: str, layer: Recurrent):
        record, blocks = steps.setdefault(name, []), getattr(layer.cell, "sigmoid_gates", ())

        def observe(x_t: Tensor, before, after) -> None:
            with torch.no_grad():
                seen = {"h": _h(after).detach()}
                if isinstance(after, LSTMState):
                    seen["c"] = after.c.detach()
                for block in blocks:
                    seen[block] = gate(x_t, _h(before), *layer.cell.weights(block))
            record.append(seen)
        return observe

    with observing(model, observer_for):
        yield steps


def layer_norms(model: nn.Module) -> dict[str, float]:
    """The gradient norm of each module's own parameters (``encoder.layers.0.cell``: its W_x, W_h, b)."""
    squares: dict[str, float] = {}
    for name, p in model.named_parameters():
        if p.grad is not None:
            owner = name.rpartition(".")[0] or "(model)"
            squares[owner] = squares.get(owner, 0.0) + float(p.grad.double().pow(2).sum())
    return {owner: math.sqrt(s) for owner, s in squares.items()}


def reach(norms: list[float]) -> float:
    """``||dL/dh_1||`` as a share of the largest ``||dL/dh_t||``: 1 when the gradient reaches the start in full."""
    top = max(norms, default=0.0)
    return norms[0] / top if top > 0 and math.isfinite(top) else 0.0


def diagnose(step_norms: dict[str, list[float]], grad_norm: float) -> list[str]:
    """Warnings: a gradient that does not reach the first steps, or that explodes."""
    warnings = []
    if not math.isfinite(grad_norm) or grad_norm > EXPLODED:
        warnings.append(f"exploding gradient: the global norm is {grad_norm:.3g} (above {EXPLODED:g}); "
                        f"clip it (--clip norm) or lower the learning rate")
    for name, norms in step_norms.items():
        if len(norms) > 1 and reach(norms) < VANISHED:
            warnings.append(f"vanishing gradient in {name}: ||dL/dh_1|| is {reach(norms):.2g} of the largest "
                            f"||dL/dh_t|| over {len(norms)} steps; gated cells (lstm, gru) or shorter "
                            f"dependencies help")
    return warnings
