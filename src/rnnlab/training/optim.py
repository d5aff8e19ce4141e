"""Optimisers and learning-rate schedules by name, as the command line offers them."""

from __future__ import annotations

import math

import torch

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "ntasgd")
SCHEDULES = ("constant", "cosine", "step", "plateau", "stlr")


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
    not improved for ``patience`` validations; ``stlr`` is ULMFiT's slanted
    triangular rate (``slanted_triangular``).
    """
    if name == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=gamma, patience=patience)
    if name not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}; received {name!r}")
    total_steps = max(1, total_steps)

    def factor(step: int) -> float:
        if name == "stlr":
            return slanted_triangular(step, total_steps)
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        if name == "cosine":
            progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
            return 0.5 * (1 + math.cos(math.pi * progress))
        if name == "step":
            return gamma ** (step // max(1, step_every))
        return 1.0

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def slanted_triangular(step: int, total_steps: int, cut_frac: float = 0.1, ratio: float = 32.0) -> float:
    r"""The slanted triangular learning rate of ULMFiT (Howard & Ruder 2018), as a factor of the peak rate:

    .. math:: p = \begin{cases} t / c & t < c \\ 1 - \frac{t - c}{c (1 / f - 1)} & \text{otherwise}
              \end{cases}, \qquad c = \lfloor T f \rfloor, \qquad \eta_t = \eta_{max} \frac{1 + p (r - 1)}{r}

    a short linear climb over the first ``cut_frac`` (f) of the ``total_steps`` (T) from ``1 / ratio`` (r) of
    the peak to the peak, then a long linear fall back to ``1 / ratio``.
    """
    cut = max(1, math.floor(total_steps * cut_frac))
    p = step / cut if step < cut else 1 - (step - cut) / max(1.0, cut * (1 / cut_frac - 1))
    return (1 + max(0.0, p) * (ratio - 1)) / ratio


def layer_groups(model: torch.nn.Module) -> list[list[torch.nn.Parameter]]:
    """The model's parameters in layer groups from the bottom up, as ULMFiT fine-tunes them.

    A model that defines ``layer_groups()`` (a list of module lists, bottom first: the embedding, each
    recurrent layer) gets those groups and one more on top holding every other parameter (the head, and parts
    that start fresh, such as a tagger's character encoder); any other model is one group. Parameters that
    do not train (frozen pretrained vectors) belong to no group.
    """
    groups, seen = [], {id(p) for p in model.parameters() if not p.requires_grad}  # kept fixed: in no group
    for modules in (model.layer_groups() if hasattr(model, "layer_groups") else []):
        params = [p for m in modules for p in m.parameters() if id(p) not in seen]
        seen.update(map(id, params))
        groups.append(params)
    groups.append([p for p in model.parameters() if id(p) not in seen])
    return [g for g in groups if g]


def discriminative(groups: list[list[torch.nn.Parameter]], lr: float, factor: float) -> list[dict]:
    r"""Optimiser parameter groups with ULMFiT's discriminative rates: the top group trains at ``lr``, each
    group below at the rate above it divided by ``factor`` (:math:`\eta^{l-1} = \eta^l / 2.6` in ULMFiT)."""
    if not factor >= 1.0:
        raise ValueError(f"the discriminative factor must be at least 1 (1: one rate); received {factor}")
    return [{"params": g, "lr": lr / factor ** (len(groups) - 1 - k)} for k, g in enumerate(groups)]


def unfreeze(groups: list[list[torch.nn.Parameter]], epoch: int) -> int:
    """Gradual unfreezing: in epoch ``epoch`` (from 0) the top ``epoch + 1`` groups train, the rest stay
    fixed; how many train."""
    trainable = min(len(groups), epoch + 1)
    for k, group in enumerate(groups):
        for p in group:
            p.requires_grad_(k >= len(groups) - trainable)
    return trainable
