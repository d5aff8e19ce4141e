"""Time, directions and depth: layers that run a cell over a whole sequence.

Every layer has one contract, batch-first::

    y, final_state = layer(x, state=None, lengths=None)   # x: (B, T, F) -> y: (B, T, H)

``lengths`` (any order, no sorting) freezes each sequence's state past its
length and zeroes its padded outputs; a PackedSequence is accepted too.
"""

from rnnlab.layers.base import Layer
from rnnlab.layers.bidirectional import Bidirectional
from rnnlab.layers.dropout import LockedDropout, WeightDrop, weight_drop
from rnnlab.kernels.masks import length_mask
from rnnlab.layers.lengths import reverse_padded
from rnnlab.layers.recurrent import Recurrent
from rnnlab.layers.stacked import Stacked

__all__ = ["Layer", "Recurrent", "Bidirectional", "Stacked", "LockedDropout", "WeightDrop", "weight_drop", "length_mask", "reverse_padded"]
