"""Recurrent stacks by name, as the applications and the command line ask for them."""

from __future__ import annotations

from rnnlab.core import Cell, ElmanCell, GRUCell, LSTMCell
from rnnlab.layers import Bidirectional, Recurrent, Stacked

CELL_KINDS = ("lstm", "gru", "gru-after", "rnn", "rnn-relu")


def make_cell(kind: str, input_size: int, hidden_size: int) -> Cell:
    """``lstm`` (forget-gate bias 1), ``gru`` (the chapter's, reset before), ``gru-after`` (torch's),
    ``rnn`` (Elman, tanh) or ``rnn-relu``."""
    if kind == "lstm":
        return LSTMCell(input_size, hidden_size, forget_bias=1.0)
    if kind == "gru":
        return GRUCell(input_size, hidden_size)
    if kind == "gru-after":
        return GRUCell(input_size, hidden_size, reset="after")
    if kind == "rnn":
        return ElmanCell(input_size, hidden_size)
    if kind == "rnn-relu":
        return ElmanCell(input_size, hidden_size, nonlinearity="relu")
    raise ValueError(f"cell must be one of {', '.join(CELL_KINDS)}; received {kind!r}")


def make_stack(kind: str, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0,
               bidirectional: bool = False, residual: bool = False, engine: str = "auto") -> Stacked:
    """``num_layers`` layers of ``kind`` cells; each bidirectional layer concatenates its two directions.

    ``engine`` chooses how each layer runs (see ``Recurrent``)."""
    if num_layers < 1:
        raise ValueError(f"layers must be at least 1; received {num_layers}")
    if hidden_size < 1:
        raise ValueError(f"hidden size must be at least 1; received {hidden_size}")
    layers = []
    size = input_size
    for _ in range(num_layers):
        if bidirectional:
            layers.append(Bidirectional(Recurrent(make_cell(kind, size, hidden_size), engine=engine),
                                        Recurrent(make_cell(kind, size, hidden_size), reverse=True, engine=engine)))
        else:
            layers.append(Recurrent(make_cell(kind, size, hidden_size), engine=engine))
        size = layers[-1].output_size
    return Stacked(layers, dropout=dropout, residual=residual)
