"""Polyak averaging of the weights: validate and test an average of the trained weights.

``WeightAverage(model, decay)``: an exponential moving average,

    theta_avg <- d_t theta_avg + (1 - d_t) theta,   d_t = min(d, (1 + t) / (10 + t))

after each optimiser step t. The early decay ``d_t`` is smaller so that the
average is not dominated by the random initial weights (TensorFlow's
``ExponentialMovingAverage(num_updates=t)``). The average is smoother than
the last iterate: on small data sets it usually generalises a little better
and varies less from seed to seed.

``WeightAverage(model, None)``: the arithmetic mean of every iterate since it
was made, ``theta_avg <- theta_avg + (theta - theta_avg) / (t + 1)``: averaged
SGD. The fit loop decides when to make it (NT-ASGD, Merity et al. 2018):
when the validation loss is worse than the best of all but the last
``nonmono`` validations (``non_monotone``).
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import Tensor, nn


class WeightAverage:
    def __init__(self, model: nn.Module, decay: float | None) -> None:
        if decay is not None and not 0.0 < decay < 1.0:
            raise ValueError(f"the averaging decay must be in (0, 1); received {decay}")
        self.decay, self.steps = decay, 0
        self.shadow = {name: p.detach().clone() for name, p in model.named_parameters()}

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        d = self.steps / (self.steps + 1) if self.decay is None else min(self.decay, (1 + self.steps) / (10 + self.steps))
        for name, p in model.named_parameters():
            self.shadow[name].lerp_(p.detach(), 1.0 - d)
        self.steps += 1

    @contextmanager
    def swapped(self, model: nn.Module):
        """Inside, the model holds the averaged weights; after, its own again."""
        params = dict(model.named_parameters())
        own = {name: p.detach().clone() for name, p in params.items()}
        with torch.no_grad():
            for name, p in params.items():
                p.copy_(self.shadow[name])
        try:
            yield model
        finally:
            with torch.no_grad():
                for name, p in params.items():
                    p.copy_(own[name])

    def state_dict(self) -> dict[str, Tensor | int]:
        return {"steps": self.steps, **{f"shadow.{k}": v for k, v in self.shadow.items()}}

    def load_state_dict(self, state: dict) -> None:
        self.steps = int(state["steps"])
        for name in self.shadow:
            self.shadow[name].copy_(state[f"shadow.{name}"])


def non_monotone(history: list[float], nonmono: int) -> bool:
    """NT-ASGD's trigger: the last validation loss is worse than the best of all before the last ``nonmono``."""
    before = history[:-1]
    return len(before) > nonmono and history[-1] > min(before[:-nonmono])
