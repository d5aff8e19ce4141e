"""Recurrent stacks of cells by name (``rnnlab.core.CELLS``), as the applications and the command line ask for them."""

from __future__ import annotations

from torch.nn import Module

from rnnlab.core import CELL_KINDS, make_cell
from rnnlab.layers import Bidirectional, Recurrent, Stacked

__all__ = ["CELL_KINDS", "make_cell", "make_stack", "layer_groups"]


def make_stack(kind: str, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float | Module = 0.0,
               bidirectional: bool = False, residual: bool = False, engine: str = "auto") -> Stacked:
    """``num_layers`` layers of ``kind`` cells; each bidirectional layer concatenates its two directions.

    ``engine`` chooses how each layer runs (see ``Recurrent``); ``dropout`` between layers is a rate or a
    module (see ``Stacked``)."""
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


def layer_groups(input: Module, stack: Stacked | None) -> list[list[Module]]:
    """ULMFiT's layer groups below a model's head, bottom first: its input (the embedding), then each layer
    of its recurrent stack (``rnnlab.training.optim.layer_groups`` puts every other parameter in the head's)."""
    return [[input]] + ([[layer] for layer in stack.layers] if stack is not None else [])
