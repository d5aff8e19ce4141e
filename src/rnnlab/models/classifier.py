"""Many-to-one: a sequence in, one label out (sentiment analysis, the chapter's example).

    x_t = embed(w_t);  h_1..h_T = RNN(x_1..x_T);  s = pool(h_1..h_T);  P(label) = softmax(W s + b)

``encoder=None`` gives the bag-of-words baseline, the same model with no
recurrence: ``s`` is the mean of the word vectors.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnlab.core import LSTMState
from rnnlab.layers import Stacked
from rnnlab.models.stack import layer_groups

POOLINGS = ("last", "mean", "max", "mean-max")


def _h(state) -> Tensor:
    return state.h if isinstance(state, LSTMState) else state


def last_hidden(final_state) -> Tensor:
    """The top layer's final hidden state, ``(B, H)``; both directions' concatenated, ``(B, 2H)``, if bidirectional.

    The forward direction's final state is its state at each sequence's last
    valid step, the backward direction's its state after reading back to the first.
    """
    top = final_state[-1]
    if isinstance(top, tuple) and not isinstance(top, LSTMState):  # Bidirectional: (forward, backward)
        return torch.cat([_h(top[0]), _h(top[1])], dim=-1)
    return _h(top)


def pool(h: Tensor, lengths: Tensor, how: str) -> Tensor:
    """``h: (B, T, H)`` -> ``(B, H)`` (``(B, 2H)`` for mean-max) over each row's first ``lengths`` steps only."""
    if how not in ("mean", "max", "mean-max"):
        raise ValueError(f"pooling over steps must be mean, max or mean-max; received {how!r}")
    valid = (torch.arange(h.shape[1], device=h.device) < lengths.to(h.device).unsqueeze(1)).unsqueeze(2)  # (B, T, 1)
    parts = []
    if how in ("mean", "mean-max"):
        count = lengths.to(h.device, h.dtype).clamp(min=1).unsqueeze(1)  # (B, 1)
        parts.append(h.masked_fill(~valid, 0.0).sum(1) / count)
    if how in ("max", "mean-max"):
        parts.append(h.masked_fill(~valid, float("-inf")).amax(1))
    return torch.cat(parts, dim=-1) if len(parts) > 1 else parts[0]


class SequenceClassifier(nn.Module):
    """Embedding, recurrent encoder (or none), pooling over the valid steps, dropout and a linear head.

    Args:
        input: token ids ``(B, T)`` -> vectors ``(B, T, E)`` (``make_input`` or ``pretrained_embedding``).
        encoder: a ``Stacked`` recurrent encoder, or None for the bag-of-words baseline (mean pooling only).
        pooling: ``last`` (final state), ``mean``, ``max`` or ``mean-max`` over the valid steps.
        num_classes: labels ``C``.
        dropout: on the word vectors and on the pooled vector.
    """

    def __init__(self, input: nn.Module, encoder: Stacked | None, pooling: str, num_classes: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}; received {pooling!r}")
        if encoder is None and pooling != "mean":
            raise ValueError(f"the bag-of-words model averages its word vectors; pooling must be 'mean', "
                             f"received {pooling!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); received {dropout}")
        self.input, self.encoder, self.pooling = input, encoder, pooling
        size = input.embedding_dim if encoder is None else encoder.output_size
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(2 * size if pooling == "mean-max" else size, num_classes)  # W, b

    def layer_groups(self) -> list[list[nn.Module]]:
        """ULMFiT's layer groups below the head (``rnnlab.models.stack.layer_groups``)."""
        return layer_groups(self.input, self.encoder)

    def forward(self, tokens: Tensor, lengths: Tensor) -> Tensor:
        """``tokens: (B, T)`` ids, ``lengths: (B,)`` -> ``logits: (B, C)``; padding past each length is ignored."""
        x = self.drop(self.input(tokens))  # (B, T, E)
        if self.encoder is None:
            return self.head(self.drop(pool(x, lengths, "mean")))
        h, final = self.encoder(x, None, lengths)  # (B, T, H)
        s = last_hidden(final) if self.pooling == "last" else pool(h, lengths, self.pooling)
        return self.head(self.drop(s))
