"""Sampling: temperature, top-k and top-p (nucleus), and the autoregressive loop."""

from __future__ import annotations

import math
from typing import Any, Callable

import torch
from torch import Tensor


def filter_logits(logits: Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0) -> Tensor:
    """Reshape next-token logits ``(B, V)`` before sampling.

    ``temperature`` divides the logits (below 1 sharpens, above 1 flattens;
    after the largest is taken off, in float64, so that any positive number
    works: near 0 it is the argmax, very large it is uniform);
    ``top_k`` keeps the k most likely tokens; ``top_p`` keeps the smallest set
    whose probability reaches p. Dropped tokens get ``-inf``.
    """
    if not (temperature > 0 and math.isfinite(temperature)):
        raise ValueError(f"temperature must be positive; received {temperature}")
    if top_k < 0:
        raise ValueError(f"top-k must be 0 (off) or positive; received {top_k}")
    if not 0.0 < top_p <= 1.0:
        raise ValueError(f"top-p must be in (0, 1]; received {top_p}")
    shifted = (logits - logits.amax(-1, keepdim=True)).double()  # the largest 0, the rest below (or -inf)
    logits = (shifted / temperature).to(logits.dtype)
    if 0 < top_k < logits.shape[-1]:
        kth = logits.topk(top_k, dim=-1).values[..., -1:]  # (B, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = logits.sort(dim=-1, descending=True)
        cumulative = sorted_logits.softmax(-1).cumsum(-1)
        drop = cumulative - sorted_logits.softmax(-1) >= top_p  # keep the token that crosses p
        logits = logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
    return logits


def sample(step: Callable[[Tensor, Any], tuple[Tensor, Any]], state: Any, prompt: Tensor, max_new: int,
           eos_id: int | None = None, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
           generator: torch.Generator | None = None) -> list[list[int]]:
    """Sample continuations of a batch of prompts.

    Args:
        step: ``step(tokens (B, T), state) -> (logits (B, T, V), state)``.
        prompt: ``(B, T0)`` ids the model reads first (at least one each).
        max_new: most tokens to add; a sequence also ends at ``eos_id`` (not returned).

    Returns:
        The new ids of each sequence.
    """
    logits, state = step(prompt, state)
    B = prompt.shape[0]
    out: list[list[int]] = [[] for _ in range(B)]
    done = torch.zeros(B, dtype=torch.bool)
    for _ in range(max_new):
        probs = filter_logits(logits[:, -1], temperature, top_k, top_p).softmax(-1)  # (B, V)
        nxt = torch.multinomial(probs.float().cpu(), 1, generator=generator).squeeze(1)  # (B,)
        for b in range(B):
            if not done[b]:
                if eos_id is not None and int(nxt[b]) == eos_id:
                    done[b] = True
                else:
                    out[b].append(int(nxt[b]))
        if bool(done.all()):
            break
        logits, state = step(nxt.unsqueeze(1).to(prompt.device), state)
    return out
