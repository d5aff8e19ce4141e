"""Move weights between rnnlab and ``torch.nn`` recurrent modules.

``from_torch(torch.nn.LSTM(...))`` gives an ``rnnlab.nn.LSTM`` computing the same
function; ``to_torch`` goes back. Cells convert too (``nn.LSTMCell`` <->
``LSTMCell``). torch keeps two biases where the chapter has one, so
``b = b_ih + b_hh``; going to torch, ``b_ih = b`` and ``b_hh = 0`` (the GRU's
``b_hn`` excepted, which stays apart as ``b_hc``). rnnlab -> torch -> rnnlab is
exact.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlab.core import Cell, ElmanCell, GRUCell, LSTMCell
from rnnlab.nn.modules import GRU, LSTM, RNN, RNNBase, torch_weight_names

_MODULES = {nn.RNN: RNN, nn.LSTM: LSTM, nn.GRU: GRU}
_CELLS = {nn.RNNCell: ElmanCell, nn.LSTMCell: LSTMCell, nn.GRUCell: GRUCell}


def _factory(module: nn.Module) -> dict:
    p = next(module.parameters())
    return {"device": p.device, "dtype": p.dtype}


def _torch_names(module: nn.Module) -> list[tuple[str, str, str, str]]:
    """torch's parameter names ``(weight_ih, weight_hh, bias_ih, bias_hh)`` per cell, in torch's order."""
    if isinstance(module, nn.RNNCellBase):
        return [("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    return torch_weight_names(module.num_layers, module.bidirectional)


def from_torch(module: nn.Module, engine: str = "auto") -> nn.Module:
    """An rnnlab twin of a ``torch.nn`` RNN, LSTM, GRU or one of their cells, with its weights.

    The GRU becomes ``reset="after"``, torch's form; a module's layers run with
    ``engine`` (see ``rnnlab.layers.Recurrent``). Raises ValueError for
    anything else, and for an LSTM with ``proj_size``.
    """
    kind = type(module)
    if kind in _CELLS:
        options = {"nonlinearity": module.nonlinearity} if kind is nn.RNNCell else {}
        if kind is nn.GRUCell:
            options["reset"] = "after"
        twin = _CELLS[kind](module.input_size, module.hidden_size, bias=module.bias, **options, **_factory(module))
        cells = [twin]
    elif kind in _MODULES:
        if getattr(module, "proj_size", 0):
            raise ValueError(f"from_torch: LSTM with proj_size={module.proj_size} has no rnnlab twin")
        options = {"nonlinearity": module.nonlinearity} if kind is nn.RNN else {}
        twin = _MODULES[kind](module.input_size, module.hidden_size, module.num_layers, bias=module.bias,
                              batch_first=module.batch_first, dropout=module.dropout,
                              bidirectional=module.bidirectional, engine=engine, **options, **_factory(module))
        cells = twin.cells()
    else:
        raise ValueError(f"from_torch: expected torch.nn.RNN, LSTM, GRU, RNNCell, LSTMCell or GRUCell; "
                         f"received {kind.__name__}")
    for cell, names in zip(cells, _torch_names(module)):
        cell.load_torch_weights(*(getattr(module, n) if module.bias or "weight" in n else None for n in names))
    return twin.train(module.training)


def to_torch(module: nn.Module) -> nn.Module:
    """The ``torch.nn`` module computing the same function as an rnnlab cell or ``rnnlab.nn`` module.

    Raises ValueError for the chapter's GRU (``reset="before"``), which torch cannot represent.
    """
    if isinstance(module, Cell):
        cells = [module]
        if isinstance(module, ElmanCell):
            twin = nn.RNNCell(module.input_size, module.hidden_size, module.bias, module.nonlinearity)
        elif isinstance(module, LSTMCell):
            twin = nn.LSTMCell(module.input_size, module.hidden_size, module.bias)
        else:
            module._torch_form()
            twin = nn.GRUCell(module.input_size, module.hidden_size, module.bias)
    elif isinstance(module, RNNBase):
        cells = module.cells()
        options = dict(num_layers=module.num_layers, bias=module.bias, batch_first=module.batch_first,
                       dropout=module.dropout, bidirectional=module.bidirectional)
        if isinstance(module, RNN):
            twin = nn.RNN(module.input_size, module.hidden_size, nonlinearity=module.nonlinearity, **options)
        elif isinstance(module, LSTM):
            twin = nn.LSTM(module.input_size, module.hidden_size, **options)
        else:
            cells[0]._torch_form()
            twin = nn.GRU(module.input_size, module.hidden_size, **options)
    else:
        raise ValueError(f"to_torch: expected an rnnlab cell or rnnlab.nn.RNN/LSTM/GRU; "
                         f"received {type(module).__name__}")
    twin = twin.to(**_factory(module))
    with torch.no_grad():
        for cell, names in zip(cells, _torch_names(twin)):
            for name, value in zip(names, cell.to_torch_weights()):
                if value is not None:
                    getattr(twin, name).copy_(value)
    if isinstance(twin, nn.RNNBase):
        twin.flatten_parameters()
    return twin.train(module.training)
