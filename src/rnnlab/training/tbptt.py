"""Truncated backpropagation through time, TBPTT(k1, k2), over a long stream.

Full BPTT over a stream of N steps would keep N steps of graph. TBPTT(k1, k2)
updates every k1 steps and backpropagates at most k2 steps (k2 >= k1): each
update runs the model over the window ``[e - k2, e)`` from the state at the
window's start, and scores the last k1 steps (the new ones).

The state that enters a window is carried over from the previous window and
DETACHED: its values flow on, its gradient stops there. Without the detach,
backward would walk into the previous window's graph, which has already been
freed (or, kept alive with retain_graph, would make every step cost O(N)).
When k2 > k1 the windows overlap and the state at the next window's start is
taken from inside this one (the forward is run in two parts), so no graph is
ever kept or run twice.

``vary=True`` draws each window's k1 afresh (AWD-LSTM, Merity et al. 2018):
``k1`` with probability 0.95, else ``k1 / 2``, plus normal noise of spread 5,
so that the cut points move from epoch to epoch and every token is, in some
epoch, far from a window's start. A window of k steps is worth k / k1 of an
update: ``Window.scale``, by which the fit loop multiplies the learning rate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import Tensor

from rnnlab.core import map_state


@dataclass(frozen=True)
class Window:
    """One TBPTT update over steps ``[start, end)``.

    It scores the steps ``[scored_from, end)`` (those no earlier window scored)
    and hands on the state at ``carry_at``, where the next window starts.
    """

    start: int
    scored_from: int
    carry_at: int
    end: int
    scale: float = 1.0  # the learning rate's factor for this window (``vary``): its length over k1


@dataclass(frozen=True)
class TBPTT:
    """TBPTT(k1, k2): an update every ``k1`` steps, backpropagating ``k2`` steps (``k2 >= k1``)."""

    k1: int
    k2: int | None = None
    vary: bool = False

    def __post_init__(self) -> None:
        k2 = self.k1 if self.k2 is None else self.k2
        if self.k1 < 1:
            raise ValueError(f"TBPTT: k1 must be at least 1; received {self.k1}")
        if k2 < self.k1:
            raise ValueError(f"TBPTT: k2 (steps backpropagated) must be at least k1 (steps between updates) "
                             f"= {self.k1}; received {k2}")
        object.__setattr__(self, "k2", k2)

    def windows(self, n_steps: int, seed: int = 0) -> list[Window]:
        """The updates over a stream of ``n_steps`` steps: window j scores the
        steps from ``e_{j-1}`` to ``e_j = min((j + 1) k1, n)`` and starts
        ``k2 - k1`` steps before ``e_{j-1}`` (so a full window spans k2 steps).
        With ``vary``, each window's k1 is drawn (``seed``: the same draws for the same seed)."""
        if self.vary:
            rng, ends, lowest = random.Random(seed), [], min(5, self.k1)
            while not ends or ends[-1] < n_steps:
                base = self.k1 if rng.random() < 0.95 else self.k1 / 2
                ends.append(min(n_steps, (ends[-1] if ends else 0) + max(lowest, int(rng.gauss(base, 5.0)))))
        else:
            ends = list(range(self.k1, n_steps, self.k1)) + [n_steps]
        starts = [max(0, (ends[j - 1] if j else 0) - (self.k2 - self.k1)) for j in range(len(ends))]
        return [Window(start=starts[j], scored_from=ends[j - 1] if j else 0,
                       carry_at=starts[j + 1] if j + 1 < len(ends) else ends[j], end=ends[j],
                       scale=(ends[j] - (ends[j - 1] if j else 0)) / self.k1 if self.vary else 1.0)
                for j in range(len(ends))]


def run_window(model: Callable[[Tensor, Any], tuple[Tensor, Any]], x: Tensor, window: Window,
               carry: Any) -> tuple[Tensor, Any]:
    """Run ``model(x_part, state) -> (outputs, state)`` over one window.

    Args:
        x: ``(B, N, ...)`` the whole stream's inputs.
        carry: the detached state at ``window.start`` (None at the stream's start).

    Returns:
        ``(outputs, next_carry)``: the outputs of the scored steps
        ``(B, end - scored_from, ...)``, whose graph reaches back to
        ``window.start`` and no further, and the state at ``window.carry_at``, detached.
    """
    parts, state = [], carry
    if window.carry_at > window.start:
        y, state = model(x[:, window.start:window.carry_at], state)
        parts.append(y)
    next_carry = None if state is None else map_state(Tensor.detach, state)  # the truncation: values go on, gradients stop
    if window.end > window.carry_at:
        y, _ = model(x[:, window.carry_at:window.end], state)
        parts.append(y)
    outputs = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]  # (B, end - start, ...)
    return outputs[:, window.scored_from - window.start:], next_carry
