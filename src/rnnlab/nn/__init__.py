"""Drop-in twins of torch's recurrent modules, and the weight converters."""

from rnnlab.nn.convert import from_torch, to_torch
from rnnlab.nn.modules import GRU, LSTM, RNN, RNNBase

__all__ = ["RNN", "LSTM", "GRU", "RNNBase", "from_torch", "to_torch"]
