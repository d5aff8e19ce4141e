"""A sequence labeller: the chapter's RNN at two levels, characters then words, a tag for every word.

Each word ``w_t`` becomes ``x_t = [E w_t ; c_t]``: its word vector (learned,
one-hot or pretrained) beside ``c_t``, the final states of a bidirectional
LSTM read over its characters (so a word never seen in training still has a
representation). A stacked bidirectional RNN reads ``x_1 .. x_n``; a linear
layer gives each word's tag scores ``e_t = W h_t + b``. The output is a
softmax per word, or with a ``LinearChainCRF`` the best tag sequence as a
whole.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.layers import Stacked
from rnnlab.models.classifier import last_hidden
from rnnlab.models.crf import LinearChainCRF
from rnnlab.models.stack import layer_groups, make_stack

IGNORE = -100


class CharWords(nn.Module):
    """``c_t``: a word's characters ``(N, L)`` through a BiLSTM; the two final states, ``(N, 2 * hidden)``."""

    def __init__(self, num_chars: int, dim: int, hidden: int, pad_id: int = 0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(num_chars, dim, padding_idx=pad_id)
        self.rnn = make_stack("lstm", dim, hidden, 1, bidirectional=True)
        self.output_size = 2 * hidden

    def forward(self, chars: Tensor, lengths: Tensor) -> Tensor:
        _, final = self.rnn(self.embedding(chars), None, lengths.clamp(min=1))  # padding words: one pad char
        return last_hidden(final)


class Tagger(nn.Module):
    """Word and character vectors, a recurrent encoder (None: each word alone), tag scores, softmax or CRF.

    Inputs: ``words (B, T)`` ids, ``chars (B, T, L)`` ids, ``char_lengths (B, T)``, ``lengths (B,)``.
    """

    def __init__(self, input: nn.Module, chars: CharWords | None, encoder: Stacked | None, num_tags: int,
                 dropout: float = 0.0, crf: bool = False) -> None:
        super().__init__()
        self.input, self.chars, self.encoder = input, chars, encoder
        size = input.embedding_dim + (chars.output_size if chars is not None else 0)
        if encoder is not None:
            size = encoder.output_size
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(size, num_tags)  # W, b
        self.crf = LinearChainCRF(num_tags) if crf else None

    def layer_groups(self) -> list[list[nn.Module]]:
        """ULMFiT's layer groups below the head (``rnnlab.models.stack.layer_groups``)."""
        return layer_groups(self.input, self.encoder)

    def emissions(self, words: Tensor, chars: Tensor, char_lengths: Tensor, lengths: Tensor) -> Tensor:
        """``e_t`` for every word: ``(B, T, K)``."""
        x = self.input(words)  # (B, T, E)
        if self.chars is not None:
            B, T, L = chars.shape
            c = self.chars(chars.reshape(B * T, L), char_lengths.reshape(B * T)).reshape(B, T, -1)
            x = torch.cat([x, c], dim=-1)  # (B, T, E + 2C)
        x = self.drop(x)
        if self.encoder is not None:
            x, _ = self.encoder(x, None, lengths)  # (B, T, H)
        return self.head(self.drop(x))

    def loss(self, words: Tensor, chars: Tensor, char_lengths: Tensor, lengths: Tensor,
             tags: Tensor) -> Tensor:
        """Mean negative log-likelihood a word: per word (softmax) or per sentence spread over its words (CRF)."""
        e = self.emissions(words, chars, char_lengths, lengths)
        if self.crf is None:
            valid = torch.arange(tags.shape[1], device=tags.device) < lengths.to(tags.device).unsqueeze(1)
            return F.cross_entropy(e.flatten(0, 1).float(), tags.masked_fill(~valid, IGNORE).flatten(),
                                   ignore_index=IGNORE)
        return self.crf.nll(e.float(), tags, lengths).sum() / lengths.sum()

    @torch.no_grad()
    def predict(self, words: Tensor, chars: Tensor, char_lengths: Tensor,
                lengths: Tensor) -> tuple[list[list[int]], list[Tensor]]:
        """Each sentence's tags and each word's tag probabilities ``(n, K)`` (with a CRF, its marginals)."""
        e = self.emissions(words, chars, char_lengths, lengths).float()
        if self.crf is not None:
            tags, probs = self.crf.decode(e, lengths), self.crf.marginals(e, lengths)
        else:
            probs = e.softmax(-1)
            tags = [row[:n].tolist() for row, n in zip(e.argmax(-1), lengths.tolist())]
        return tags, [p[:n] for p, n in zip(probs, lengths.tolist())]
