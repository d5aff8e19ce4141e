"""rnnlab: recurrent neural networks as the chapter writes them, on PyTorch.

The package reads from the bottom up: ``core`` (one time step), ``layers``
(time, directions, depth) and ``nn`` (drop-in twins of torch's modules and the
weight converters).
"""

__version__ = "0.2.0"

from rnnlab.core import ElmanCell, GRUCell, LSTMCell, LSTMState, gate
from rnnlab.layers import Bidirectional, Recurrent, Stacked
from rnnlab.nn import from_torch, to_torch

__all__ = [
    "__version__",
    "ElmanCell",
    "LSTMCell",
    "GRUCell",
    "LSTMState",
    "gate",
    "Recurrent",
    "Bidirectional",
    "Stacked",
    "from_torch",
    "to_torch",
]
