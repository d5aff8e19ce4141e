"""The cells by name: the one list the applications, the demo, the experiments and the converters read.

A name stands for a cell with its options (``gru`` is the chapter's GRU,
``gru-after`` torch's) and, where torch has one, the ``torch.nn`` module that
computes the same function. Adding a cell kind is one line here (and, for
speed, a kernel it names in ``Cell.engines``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

from torch import nn

from rnnlab.core.cells import Cell, ElmanCell, GRUCell, LSTMCell


@dataclass(frozen=True)
class CellKind:
    """``make(input_size, hidden_size, **options)`` builds the cell; ``twin(...)`` the equal torch module."""

    label: str
    make: Callable[..., Cell]
    twin: Callable[..., nn.Module] | None = None


CELLS: dict[str, CellKind] = {
    "lstm": CellKind("LSTM", partial(LSTMCell, forget_bias=1.0), nn.LSTM),
    "gru": CellKind("GRU (chapter: reset before)", GRUCell),  # torch has no reset-before GRU
    "gru-after": CellKind("GRU (torch: reset after)", partial(GRUCell, reset="after"), nn.GRU),
    "rnn": CellKind("tanh RNN", ElmanCell, nn.RNN),
    "rnn-relu": CellKind("ReLU RNN", partial(ElmanCell, nonlinearity="relu"), partial(nn.RNN, nonlinearity="relu")),
}
CELL_KINDS = tuple(CELLS)


def make_cell(kind: str, input_size: int, hidden_size: int, **options) -> Cell:
    """The cell ``kind`` names: ``lstm`` (forget-gate bias 1), ``gru`` (the chapter's, reset before),
    ``gru-after`` (torch's), ``rnn`` (Elman, tanh) or ``rnn-relu``."""
    if kind not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(CELLS)}; received {kind!r}")
    return CELLS[kind].make(input_size, hidden_size, **options)
