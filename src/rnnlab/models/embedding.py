"""The chapter's input forms: one-hot vectors or a learned embedding."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class OneHot(nn.Module):
    """``x_t = onehot(token_t)``: a ``V``-dimensional vector with a single 1. No parameters."""

    def __init__(self, vocab_size: int) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding_dim = vocab_size
        self.register_buffer("anchor", torch.empty(0), persistent=False)  # follows .to(device, dtype)

    def forward(self, tokens: Tensor) -> Tensor:
        return F.one_hot(tokens, self.vocab_size).to(self.anchor.dtype)  # (B, T, V)


def make_input(vocab_size: int, embedding_dim: int, padding_idx: int | None = None) -> nn.Module:
    """A learned ``nn.Embedding`` of ``embedding_dim``, or one-hot inputs when ``embedding_dim`` is 0."""
    if embedding_dim < 0:
        raise ValueError(f"embedding size must be 0 (one-hot) or positive; received {embedding_dim}")
    if embedding_dim == 0:
        return OneHot(vocab_size)
    return nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
