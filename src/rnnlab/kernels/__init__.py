"""Whole-sequence engines: the hand-derived BPTT kernels and torch's fused kernels.

``run_sequence(engine, cell, x, state, lengths)`` computes what
``Recurrent(cell)`` computes step by step, for ``engine`` ``"bptt"`` or
``"torch"``; ``choose_engine`` resolves ``"auto"``.
"""

from rnnlab.kernels.dispatch import ENGINES, choose_engine, run_sequence
from rnnlab.kernels.elman import ElmanFunction
from rnnlab.kernels.fused import supports as torch_supports
from rnnlab.kernels.gru import GRUFunction
from rnnlab.kernels.lstm import LSTMFunction
from rnnlab.kernels.masks import length_mask

__all__ = ["ENGINES", "choose_engine", "run_sequence", "torch_supports", "ElmanFunction", "LSTMFunction",
           "GRUFunction", "length_mask"]
