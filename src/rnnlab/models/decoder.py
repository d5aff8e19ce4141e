r"""A decoder RNN that writes a sentence about something it has read: a source sentence, or an image.

What it reads comes as a ``Memory``: ``keys`` (B, S, C), the states to look
back at (the encoder's, or the cells of a CNN's feature map), a ``mask`` of
the real ones, and ``summary`` (B, C), one vector for the whole (the
encoder's final state, the pooled image).

For target tokens ``y_0 = <bos>, y_1, ...``::

    without attention (Cho et al. 2014; Sutskever et al. 2014): the context is z, fixed
        s_0 = tanh(W_b z);  s_t = RNN([embed(y_{t-1}); z], s_{t-1});  c_t = z
    with attention (Bahdanau et al. 2015; Luong et al. 2015; Xu et al. 2015 for images): the context moves
        s_0 = tanh(W_b z);  s_t = RNN(embed(y_{t-1}), s_{t-1});  c_t, alpha_t = attend(s_t, k_1..k_S)
    then, in both:  a_t = tanh(W_c [c_t; s_t]);  P(y_t | y_<t, x) = softmax(W_o a_t + b_o)

With full teacher forcing the decoder reads the whole target in one call of
its recurrent layers; with a ratio below 1 it goes step by step, feeding back
its own prediction in place of the true previous word at that rate
(scheduled sampling, Bengio et al. 2015).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from rnnlab.models.attention import Attention
from rnnlab.models.stack import make_stack


class Memory(NamedTuple):
    """What the decoder reads, for ``B`` items."""

    keys: Tensor  # (B, S, C)
    mask: Tensor  # (B, S): True at real positions
    summary: Tensor  # (B, C): z
    prepared: Tensor | None  # the attention's projection of the keys, once per item

    def select(self, index: Tensor) -> "Memory":
        """The items at ``index`` (N,), repeats allowed: one per sentence written about them."""
        return Memory(*(None if t is None else t[index] for t in self))

    def repeat(self, k: int) -> "Memory":
        """Each item ``k`` times in a row (for ``k`` beam hypotheses)."""
        return self.select(torch.arange(self.keys.shape[0], device=self.keys.device).repeat_interleave(k))


class Decoder(nn.Module):
    """Args: ``vocab_size`` and ``padding_idx`` of the words written; ``embedding_dim``; ``cell`` kind
    (``make_stack``), ``hidden_size``, ``num_layers``; ``context_size`` C of the memory; ``dropout``;
    ``attention``: None, ``additive``, ``multiplicative`` or ``dot``; ``engine``."""

    def __init__(self, vocab_size: int, embedding_dim: int, cell: str, hidden_size: int, context_size: int,
                 num_layers: int = 1, dropout: float = 0.0, attention: str | None = "additive",
                 padding_idx: int = 0, engine: str = "auto") -> None:
        super().__init__()
        C = context_size
        self.embed = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.rnn = make_stack(cell, embedding_dim + (0 if attention else C), hidden_size, num_layers, dropout,
                              engine=engine)
        self.bridge = nn.ModuleList(nn.Linear(C, hidden_size) for _ in range(num_layers))  # W_b, a layer each
        self.attention = Attention(attention, hidden_size, C) if attention else None
        self.combine = nn.Linear(C + hidden_size, hidden_size)  # W_c
        self.output = nn.Linear(hidden_size, vocab_size)  # W_o, b_o
        self.drop = nn.Dropout(dropout)

    def memory(self, keys: Tensor, mask: Tensor, summary: Tensor) -> Memory:
        return Memory(keys, mask, summary, None if self.attention is None else self.attention.prepare(keys))

    def initial_state(self, memory: Memory):
        """``s_0 = tanh(W_b z)`` for each layer (an LSTM's cell starts at 0)."""
        states = []
        for bridge, layer in zip(self.bridge, self.rnn.layers):
            h = torch.tanh(bridge(memory.summary))  # (B, H)
            states.append(layer.cell.state_with(h))
        return tuple(states)

    def read(self, x: Tensor, state, memory: Memory):
        """The state after one step whose input is the vector ``x: (B, E)`` instead of a word's embedding."""
        x = x.unsqueeze(1)  # (B, 1, E)
        if self.attention is None:
            x = torch.cat([x, memory.summary.unsqueeze(1)], dim=-1)
        return self.rnn(x, state)[1]

    def decode(self, previous: Tensor, state, memory: Memory,
               positions: Tensor | None = None) -> tuple[Tensor, object, Tensor | None]:
        """``previous: (B, T)`` tokens y_{t-1} -> ``logits: (B, T, V)``, the state, ``alpha: (B, T, S)`` or None.

        ``positions`` (B, T) bool: the logits of those steps only, ``(N, V)``; the
        output layer, the costliest part with a large vocabulary, skips the padding.
        """
        x = self.drop(self.embed(previous))  # (B, T, E)
        T = previous.shape[1]
        if self.attention is None:
            z = memory.summary.unsqueeze(1).expand(-1, T, -1)  # (B, T, C)
            s, state = self.rnn(torch.cat([x, z], dim=-1), state)  # (B, T, H)
            context, alpha = z, None
        else:
            s, state = self.rnn(x, state)  # (B, T, H)
            context, alpha = self.attention(s, memory.keys, memory.mask, memory.prepared)  # (B, T, C), (B, T, S)
        a = torch.tanh(self.combine(torch.cat([context, s], dim=-1)))  # (B, T, H)
        if positions is not None:
            a = a[positions]  # (N, H)
        return self.output(self.drop(a)), state, alpha

    def forward(self, memory: Memory, previous: Tensor, teacher_forcing: float = 1.0,
                positions: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        """Logits ``(B, T, V)`` for the target read as ``previous = [<bos>, y_1, .., y_{T-1}]``
        (``(N, V)`` at ``positions`` only, if given)."""
        state = self.initial_state(memory)
        if teacher_forcing >= 1.0:
            return self.decode(previous, state, memory, positions)[0]
        steps, token = [], previous[:, :1]
        for t in range(previous.shape[1]):
            logits, state, _ = self.decode(token, state, memory)  # (B, 1, V)
            steps.append(logits)
            if t + 1 < previous.shape[1]:
                own = torch.rand(previous.shape[0], 1, generator=generator) >= teacher_forcing
                token = torch.where(own.to(previous.device), logits.argmax(-1), previous[:, t + 1:t + 2])
        logits = torch.cat(steps, dim=1)  # (B, T, V)
        return logits if positions is None else logits[positions]

    def step_function(self, memory: Memory):
        """``step(tokens: (N,), state) -> (log_probs: (N, V), state, alpha: (N, S) or None)`` for ``rnnlab.decoding``."""

        def step(tokens: Tensor, state):
            logits, state, alpha = self.decode(tokens.unsqueeze(1), state, memory)
            return logits[:, 0].log_softmax(-1), state, None if alpha is None else alpha[:, 0]

        return step
