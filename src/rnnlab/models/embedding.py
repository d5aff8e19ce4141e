"""The chapter's input forms: one-hot vectors or a learned embedding."""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.data.vectors import read_vectors

log = logging.getLogger(__name__)


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


def embedding_dropout(embedding: nn.Embedding, tokens: Tensor, p: float) -> Tensor:
    r"""``embedding(tokens)`` with embedding dropout (Gal & Ghahramani 2016): whole words dropped.

    .. math:: e_t = \frac{m_{w_t}}{1 - p} E[w_t], \qquad m_w \sim \mathrm{Bernoulli}(1 - p)

    one ``m_w`` per vocabulary word per call, so a dropped word is gone from
    every place it occurs in the batch. The same as multiplying the rows of
    ``E`` by the mask, without touching the ``(V, E)`` matrix. The identity in eval mode.
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"embedding dropout must be in [0, 1); received {p}")
    x = embedding(tokens)  # (B, T, E)
    if not embedding.training or p == 0.0:
        return x
    mask = x.new_empty(embedding.num_embeddings).bernoulli_(1.0 - p).div_(1.0 - p)  # (V,)
    return x * mask[tokens].unsqueeze(-1)


def pretrained_embedding(tokens: list[str], words: list[str], vectors: Tensor, freeze: bool = False,
                         padding_idx: int | None = None, seed: int = 0) -> tuple[nn.Embedding, int]:
    """An embedding whose row for ``tokens[k]`` is that word's pretrained vector, and how many were found.

    A token the vectors lack gets its own random row, drawn from a normal with
    the pretrained vectors' own spread (so it neither dominates nor vanishes);
    the padding row is zero. ``freeze`` keeps every row fixed in training.
    """
    dim = vectors.shape[1]
    found = {w: k for k, w in enumerate(words)}
    std = float(vectors.std()) if vectors.numel() > 1 else 1.0
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(len(tokens), dim, generator=generator) * std
    hits = 0
    for row, token in enumerate(tokens):
        if token in found:
            weight[row] = vectors[found[token]]
            hits += 1
    if padding_idx is not None:
        weight[padding_idx] = 0.0
    embedding = nn.Embedding.from_pretrained(weight, freeze=freeze, padding_idx=padding_idx)
    return embedding, hits


def embedding_size(given: int | None, found: int, source: str) -> int:
    """The size of a pretrained embedding, checked against the one asked for (``--embedding-dim``; None: not
    asked for, so the pretrained size is taken)."""
    if given is not None and given != found:
        raise ValueError(f"{source} gives {found}-dimensional word vectors, but --embedding-dim is {given}; give "
                         f"--embedding-dim {found} or leave it out")
    return found


def vectors_input(tokens: list[str], path: str, format: str = "auto", freeze: bool = False,
                  padding_idx: int | None = None, seed: int = 0) -> tuple[nn.Embedding, int]:
    """``pretrained_embedding`` for ``tokens`` from a word-vector file (word2vec text or binary, GloVe), read
    checked and keeping only the vocabulary's words; and how many of them the file had."""
    vectors = read_vectors(path, format, keep=set(tokens))
    embedding, found = pretrained_embedding(tokens, vectors.words, vectors.vectors, freeze, padding_idx, seed)
    log.info("vectors %s: %d of %d vocabulary words found", path, found, len(tokens))
    return embedding, found
