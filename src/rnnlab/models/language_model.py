"""A recurrent language model: ``P(token_{t+1} | token_1..token_t)``, with the AWD-LSTM's regularisers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.layers import LockedDropout, weight_drop
from rnnlab.models.embedding import embedding_dropout, make_input
from rnnlab.models.stack import layer_groups, make_stack

IGNORE = -100  # a target that is not scored (padding)
SOFTMAXES = ("full", "adaptive")


@dataclass(frozen=True)
class Regularization:
    """The AWD-LSTM's regularisers (Merity et al. 2018), each off at 0.

    ``embedding``: embedding dropout, whole words dropped from a batch.
    ``weight``: weight drop, DropConnect on every layer's ``W_h`` (``rnnlab.layers.weight_drop``).
    ``ar``, ``tar``: activation and temporal activation regularisation (``activation_penalty``).
    ``locked``: the dropouts on the input, between layers and on the output keep one mask a sequence
    (``LockedDropout``) instead of a new one at every step.
    """

    embedding: float = 0.0
    weight: float = 0.0
    ar: float = 0.0
    tar: float = 0.0
    locked: bool = False


def activation_penalty(dropped: Tensor, h: Tensor, ar: float, tar: float) -> Tensor:
    r"""AR and TAR on the top layer's outputs ``(B, T, H)``:

    .. math:: \alpha \, \overline{(m \odot h_t)^2} + \beta \, \overline{(h_t - h_{t-1})^2}

    ``dropped`` is ``m \odot h`` (the output dropout applied), ``h`` the outputs before it; each mean is over
    every element. AR keeps the activations small; TAR keeps them from jumping between steps.
    """
    penalty = h.new_zeros(())
    if ar:
        penalty = penalty + ar * dropped.float().pow(2).mean()
    if tar and h.shape[1] > 1:
        penalty = penalty + tar * (h[:, 1:] - h[:, :-1]).float().pow(2).mean()
    return penalty


def default_cutoffs(counts: Sequence[int], shares: Sequence[float] = (0.8, 0.95)) -> tuple[int, ...]:
    """Adaptive-softmax cutoffs from token counts sorted by falling frequency: the ranks where the head holds
    ``shares[0]`` of the training tokens and each further cluster up to the next share (Grave et al. 2017)."""
    total, running, cutoffs = sum(counts), 0, []
    goals = iter(shares)
    goal = next(goals, None)
    for rank, count in enumerate(counts, start=1):
        running += count
        while goal is not None and running >= goal * total:
            if 1 < rank < len(counts) - 1 and (not cutoffs or rank > cutoffs[-1]):
                cutoffs.append(rank)
            goal = next(goals, None)
    return tuple(cutoffs)


class LanguageModel(nn.Module):
    r"""Input (one-hot or learned embedding), a recurrent stack, and the chapter's output layer.

    .. math:: y_t = W_{hy} h_t + b_y, \qquad P(\cdot \mid x_{\le t}) = \mathrm{softmax}(y_t)

    Args:
        vocab_size: number of tokens ``V``.
        embedding_dim: 0 for one-hot inputs, else the learned embedding's size.
        cell, hidden_size, num_layers: the recurrent stack (see ``make_stack``).
        dropout: on the embedded input, between layers and on the top layer's output: one rate for the three,
            or ``(input, hidden, output)``.
        tie_weights: share the embedding matrix with ``W_hy`` (Press & Wolf 2017); when the top layer's size is
            not the embedding's, a projection ``W_p (E, H)`` maps ``h_t`` to the embedding's size first.
        engine: how the recurrent layers run (see ``rnnlab.layers.Recurrent``).
        regularization: the AWD-LSTM's other regularisers (``Regularization``).
        softmax: ``full``, or ``adaptive`` (``torch.nn.AdaptiveLogSoftmaxWithLoss``: a head over the frequent
            words and smaller tail clusters over the rare ones, with exact normalised probabilities).
        cutoffs: the adaptive softmax's cluster boundaries (ranks in the vocabulary, which is sorted by frequency).
    """

    def __init__(self, vocab_size: int, embedding_dim: int, cell: str, hidden_size: int, num_layers: int = 1,
                 dropout: float | Sequence[float] = 0.0, tie_weights: bool = False, padding_idx: int | None = None,
                 engine: str = "auto", regularization: Regularization = Regularization(), softmax: str = "full",
                 cutoffs: Sequence[int] = ()) -> None:
        super().__init__()
        rates = (dropout,) * 3 if isinstance(dropout, (int, float)) else tuple(dropout)
        reg = regularization
        for name, p in zip(("dropout", "input dropout", "hidden dropout", "output dropout", "embedding dropout",
                            "weight drop"), (rates[0], *rates, reg.embedding, reg.weight)):
            if not 0.0 <= p < 1.0:
                raise ValueError(f"{name} must be in [0, 1); received {p}")
        if reg.ar < 0 or reg.tar < 0:
            raise ValueError(f"AR and TAR must not be negative; received {reg.ar} and {reg.tar}")
        if softmax not in SOFTMAXES:
            raise ValueError(f"softmax must be one of {', '.join(SOFTMAXES)}; received {softmax!r}")
        if reg.embedding and embedding_dim == 0:
            raise ValueError("embedding dropout needs a learned embedding (embedding size above 0)")
        self.regularization = reg
        drop = LockedDropout if reg.locked else nn.Dropout
        self.input = make_input(vocab_size, embedding_dim, padding_idx)
        self.drop_input, self.drop_output = drop(rates[0]), drop(rates[2])
        self.rnn = make_stack(cell, self.input.embedding_dim, hidden_size, num_layers, drop(rates[1]), engine=engine)
        features = hidden_size
        self.projection = None
        if tie_weights:
            if embedding_dim == 0:
                raise ValueError("tied weights need a learned embedding (embedding size above 0)")
            if embedding_dim != hidden_size:  # W_p: the top layer's h_t to the embedding's size
                self.projection = nn.Linear(hidden_size, embedding_dim, bias=False)
                features = embedding_dim
        self.adaptive = None
        if softmax == "adaptive":
            if tie_weights:
                raise ValueError("tied weights need the full softmax; the adaptive softmax has its own output "
                                 "weights (give --softmax full, or leave out --tie-weights)")
            cutoffs = [int(c) for c in cutoffs]
            if not cutoffs or cutoffs != sorted(set(cutoffs)) or cutoffs[0] < 1 or cutoffs[-1] > vocab_size - 1:
                raise ValueError(f"cutoffs must rise strictly between 1 and {vocab_size - 1} (the vocabulary "
                                 f"holds {vocab_size} tokens); received {cutoffs}")
            if features // 4 ** len(cutoffs) < 1:  # cluster k reads features // 4^k dimensions
                raise ValueError(f"an adaptive softmax of {len(cutoffs)} tail cluster(s) needs at least "
                                 f"{4 ** len(cutoffs)} output features; the model gives {features} (fewer cutoffs, "
                                 f"or a larger hidden size)")
            self.adaptive = nn.AdaptiveLogSoftmaxWithLoss(features, vocab_size, cutoffs, div_value=4.0)
            self.output = None
        else:
            self.output = nn.Linear(features, vocab_size)  # W_hy, b_y
            if tie_weights:
                self.output.weight = self.input.weight

    # --- the recurrence ----------------------------------------------------------------
    def hidden(self, tokens: Tensor, state=None, lengths: Tensor | None = None) -> tuple[Tensor, object]:
        """``tokens: (B, T)`` -> the top layer's outputs ``h: (B, T, H)``, before the output dropout, and the
        final state. In training: embedding dropout, input dropout, and weight drop (one mask a call)."""
        if isinstance(self.input, nn.Embedding):
            x = embedding_dropout(self.input, tokens, self.regularization.embedding)  # (B, T, E)
        else:
            x = self.input(tokens)
        with weight_drop(self.rnn, self.regularization.weight):
            return self.rnn(self.drop_input(x), state, lengths)  # (B, T, H)

    def features(self, h: Tensor) -> Tensor:
        """What the output layer reads: ``h (B, T, H)`` with the output dropout, projected with tied weights."""
        h = self.drop_output(h)
        return h if self.projection is None else self.projection(h)  # (B, T, D)

    # --- the output layer --------------------------------------------------------------
    def scores(self, features: Tensor) -> Tensor:
        """``(B, T, V)``: logits (full softmax) or normalised log-probabilities (adaptive); either way
        ``softmax`` of them is the next-token distribution."""
        if self.adaptive is None:
            return self.output(features)
        return self.adaptive.log_prob(features.flatten(0, -2)).unflatten(0, features.shape[:-1])

    def token_nll(self, features: Tensor, targets: Tensor) -> Tensor:
        """``-log P(target)`` for every scored target (``targets != IGNORE``), flat: exact for both softmaxes."""
        flat, targets = features.flatten(0, -2), targets.flatten()
        keep = targets != IGNORE
        if self.adaptive is None:
            return F.cross_entropy(self.output(flat[keep]).float(), targets[keep], reduction="none")
        with torch.autocast(flat.device.type, enabled=False):  # torch's adaptive softmax mixes no dtypes
            return -self.adaptive(flat[keep].float(), targets[keep]).output

    def loss(self, h: Tensor, targets: Tensor) -> tuple[Tensor, int]:
        """The training loss of the outputs ``h (B, T, H)`` (from ``hidden``) against ``targets (B, T)``: the mean
        cross-entropy per scored target, plus AR and TAR; and how many targets it averages."""
        dropped = self.drop_output(h)
        nll = self.token_nll(dropped if self.projection is None else self.projection(dropped), targets)
        reg = self.regularization
        penalty = activation_penalty(dropped, h, reg.ar, reg.tar) if self.training and (reg.ar or reg.tar) else 0.0
        return nll.mean() + penalty, nll.numel()

    def layer_groups(self) -> list[list[nn.Module]]:
        """ULMFiT's layer groups below the head (``rnnlab.models.stack.layer_groups``)."""
        return layer_groups(self.input, self.rnn)

    def forward(self, tokens: Tensor, state=None, lengths: Tensor | None = None,
                scores: bool = True) -> tuple[Tensor, object]:
        """``tokens: (B, T)`` ids -> ``scores: (B, T, V)`` (see ``scores``) and the final state; with
        ``scores=False`` the top layer's outputs ``h`` instead (``hidden``), for ``loss``: training through a
        wrapper that only calls ``forward`` (DistributedDataParallel) never builds the ``(B, T, V)`` scores."""
        h, state = self.hidden(tokens, state, lengths)
        return (self.scores(self.features(h)), state) if scores else (h, state)

    def initial_state(self, batch: int, *, device=None, dtype=None):
        return self.rnn.initial_state(batch, device=device, dtype=dtype)


__all__ = ["LanguageModel", "Regularization", "activation_penalty", "default_cutoffs", "IGNORE", "SOFTMAXES",
]
