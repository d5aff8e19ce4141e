"""Gradient clipping, the chapter's remedy for exploding gradients.

By norm (the chapter's formula)::

    g <- theta * g / ||g||   if ||g|| > theta

where ``g`` is the gradient of all parameters together (the global norm), so
clipping changes its length, never its direction. By value, each component
is clamped to ``[-theta, theta]``, which can change the direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import torch
from torch import Tensor


def grad_norm(parameters: Iterable[Tensor]) -> Tensor:
    """``||g||``: the Euclidean norm of all gradients together (a 0-d tensor)."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))


def clip_grad_norm(parameters: Iterable[Tensor], theta: float) -> tuple[float, bool]:
    """Scale the gradients by ``theta / ||g||`` when ``||g|| > theta``.

    Returns the norm before clipping and whether it clipped.
    """
    parameters = list(parameters)
    norm = grad_norm(parameters)
    clipped = bool(norm > theta)
    if clipped:
        scale = theta / norm
        for p in parameters:
            if p.grad is not None:
                p.grad.mul_(scale.to(p.grad.device))
    return float(norm), clipped


def clip_grad_value(parameters: Iterable[Tensor], theta: float) -> tuple[float, bool]:
    """Clamp every gradient component to ``[-theta, theta]``; returns the norm before and whether any was clamped."""
    parameters = list(parameters)
    norm = grad_norm(parameters)
    clipped = False
    for p in parameters:
        if p.grad is not None:
            clipped |= bool(p.grad.abs().max() > theta)
            p.grad.clamp_(-theta, theta)
    return float(norm), clipped


@dataclass
class Clipper:
    """Clip each step's gradients and count: ``mode`` is ``"norm"``, ``"value"`` or ``None`` (measure only)."""

    mode: str | None = "norm"
    theta: float = 1.0
    steps: int = 0
    clipped: int = 0
    last: bool = False
    after: float = 0.0

    def __post_init__(self) -> None:
        if self.mode not in (None, "norm", "value"):
            raise ValueError(f"clipping must be 'norm', 'value' or none; received {self.mode!r}")
        if self.mode is not None and not self.theta > 0:
            raise ValueError(f"the clipping threshold must be positive; received {self.theta}")

    def __call__(self, parameters: Iterable[Tensor]) -> float:
        """Clip (or only measure) and return the gradient norm before clipping; ``last`` says whether this step
        clipped and ``after`` is the norm it left."""
        parameters = list(parameters)
        if self.mode == "norm":
            norm, clipped = clip_grad_norm(parameters, self.theta)
        elif self.mode == "value":
            norm, clipped = clip_grad_value(parameters, self.theta)
        else:
            norm, clipped = float(grad_norm(parameters)), False
        self.steps += 1
        self.clipped += clipped
        self.last = clipped
        self.after = norm if not clipped else self.theta if self.mode == "norm" else float(grad_norm(parameters))
        return norm

    @property
    def share(self) -> float:
        """The share of steps that were clipped so far."""
        return self.clipped / self.steps if self.steps else 0.0
