"""A recurrent language model: ``P(token_{t+1} | token_1..token_t)``."""

from __future__ import annotations

from torch import Tensor, nn

from rnnlab.models.embedding import make_input
from rnnlab.models.stack import make_stack


class LanguageModel(nn.Module):
    """Input (one-hot or learned embedding), a recurrent stack, and the chapter's output layer.

    .. math:: y_t = W_{hy} h_t + b_y, \\qquad P(\\cdot \\mid x_{\\le t}) = \\mathrm{softmax}(y_t)

    Args:
        vocab_size: number of tokens ``V``.
        embedding_dim: 0 for one-hot inputs, else the learned embedding's size.
        cell, hidden_size, num_layers: the recurrent stack (see ``make_stack``).
        dropout: on the embedding, between layers and before the output layer.
        tie_weights: share the embedding matrix with ``W_hy`` (needs a learned
            embedding of size ``hidden_size``).
        engine: how the recurrent layers run (see ``rnnlab.layers.Recurrent``).
    """

    def __init__(self, vocab_size: int, embedding_dim: int, cell: str, hidden_size: int, num_layers: int = 1,
                 dropout: float = 0.0, tie_weights: bool = False, padding_idx: int | None = None,
                 engine: str = "auto") -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); received {dropout}")
        self.input = make_input(vocab_size, embedding_dim, padding_idx)
        self.rnn = make_stack(cell, self.input.embedding_dim, hidden_size, num_layers, dropout, engine=engine)
        self.drop = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_size, vocab_size)  # W_hy, b_y
        if tie_weights:
            if embedding_dim != hidden_size:
                raise ValueError(f"tied weights need an embedding of the hidden size {hidden_size}; "
                                 f"received embedding size {embedding_dim}")
            self.output.weight = self.input.weight

    def forward(self, tokens: Tensor, state=None, lengths: Tensor | None = None) -> tuple[Tensor, object]:
        """``tokens: (B, T)`` ids -> ``logits: (B, T, V)`` and the final state."""
        x = self.drop(self.input(tokens))  # (B, T, E)
        h, state = self.rnn(x, state, lengths)  # (B, T, H)
        return self.output(self.drop(h)), state

    def initial_state(self, batch: int, *, device=None, dtype=None):
        return self.rnn.initial_state(batch, device=device, dtype=dtype)
