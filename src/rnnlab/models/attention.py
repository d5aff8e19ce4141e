r"""Attention over a source sequence: the decoder looks back at every encoder state.

For a decoder state (the query) ``q`` and encoder states (the keys, also the
values) ``k_1 .. k_S``::

    additive (Bahdanau et al. 2015):        e_s = v^T tanh(W_q q + W_k k_s)
    multiplicative (Luong et al. 2015):     e_s = q^T W k_s      ("general"; "dot" when W is the identity)
    alpha = softmax(e) over the valid source positions (padding gets exactly 0)
    c = sum_s alpha_s k_s

Queries come for all decoder steps at once, ``q: (B, T, Hq)``, so training
attends for a whole target sentence in one product.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

ATTENTIONS = ("additive", "multiplicative", "dot")


def masked_softmax(scores: Tensor, mask: Tensor) -> Tensor:
    """``softmax`` over the last axis where ``mask`` (broadcastable, True = valid) holds; 0 elsewhere."""
    return scores.masked_fill(~mask, float("-inf")).softmax(-1).masked_fill(~mask, 0.0)


class Attention(nn.Module):
    """``attention(q: (B, T, Hq), keys: (B, S, Hk), mask: (B, S)) -> (context: (B, T, Hk), alpha: (B, T, S))``."""

    def __init__(self, kind: str, query_size: int, key_size: int, attention_size: int | None = None) -> None:
        super().__init__()
        if kind not in ATTENTIONS:
            raise ValueError(f"attention must be one of {', '.join(ATTENTIONS)}; received {kind!r}")
        self.kind = kind
        if kind == "additive":
            size = attention_size or query_size
            self.W_q = nn.Linear(query_size, size, bias=False)
            self.W_k = nn.Linear(key_size, size)
            self.v = nn.Linear(size, 1, bias=False)
        elif kind == "multiplicative":
            self.W = nn.Linear(key_size, query_size, bias=False)
        elif query_size != key_size:
            raise ValueError(f"dot attention needs queries and keys of one size; received {query_size} and {key_size}")

    def prepare(self, keys: Tensor) -> Tensor:
        """What the scores need of the keys, computed once per source sentence: ``W_k k`` or ``W k``."""
        if self.kind == "additive":
            return self.W_k(keys)  # (B, S, A)
        if self.kind == "multiplicative":
            return self.W(keys)  # (B, S, Hq)
        return keys

    def forward(self, q: Tensor, keys: Tensor, mask: Tensor, prepared: Tensor | None = None) -> tuple[Tensor, Tensor]:
        prepared = self.prepare(keys) if prepared is None else prepared
        if self.kind == "additive":
            e = self.v(torch.tanh(self.W_q(q).unsqueeze(2) + prepared.unsqueeze(1))).squeeze(-1)  # (B, T, S)
        else:
            e = q @ prepared.transpose(1, 2)  # (B, T, S)
        alpha = masked_softmax(e, mask.unsqueeze(1))  # (B, T, S)
        return alpha @ keys, alpha  # (B, T, Hk)
