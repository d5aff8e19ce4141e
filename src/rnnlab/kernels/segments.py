"""Variable-length batches on the CPU: a few fixed-length pieces of time, each on the fastest engine for it.

On the CPU, training through torch's kernels over a PackedSequence is
several times slower than the same kernels on a padded batch (a
bidirectional LSTM, B=64, E=H=128, IMDB-like lengths up to 400: 8.9k
tokens/s packed, 43.6k padded; docs/performance.md). The padded batch
alone is wrong for the final states and the reverse direction, and wastes
work on padding. So ``auto`` trains a batch with lengths in pieces of time
(52.4k tokens/s there):

- ``[0, L_min)``, where every sequence still runs: the whole batch on the
  engine ``auto`` picks for a fixed length (oneDNN's LSTM, the hand BPTT
  kernels), with no mask;
- the rest, cut at quartiles of the lengths: only the sequences still
  running (their rows gathered), on the hand kernel with a mask where some
  of them end inside the piece, on the fixed-length engine where none does.

A sequence that has ended keeps its state and outputs zeros, so the result
is the layer contract's, equal to the reference loop in value and gradient;
autograd joins the pieces.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from rnnlab.core import map_state

PIECES = 4  # pieces after the common prefix: fewer rows later against a kernel call each


def piece_ends(lengths: list[int], pieces: int = PIECES) -> list[int]:
    """Where each piece of time ends: the shortest length, then quantiles of the lengths up to the longest."""
    ordered = sorted(lengths)
    n = len(ordered)
    return sorted({ordered[0]} | {ordered[math.ceil(k * n / pieces) - 1] for k in range(1, pieces + 1)})


def run_pieces(fixed, masked, x: Tensor, state, lengths: Tensor):
    """``(y: (B, T, H), final_state)``: ``fixed(x, state)`` or ``masked(x, state, lengths)`` on each piece."""
    B, T, _ = x.shape
    own = lengths.tolist()
    ys, start = [], 0
    for end in piece_ends(own):
        if end == start:
            continue
        running = [b for b in range(B) if own[b] > start]
        rows = None if len(running) == B else torch.tensor(running, device=x.device)
        part = x[:, start:end] if rows is None else x[:, start:end].index_select(0, rows)
        before = state if rows is None else map_state(lambda s: s.index_select(0, rows), state)
        steps = [min(own[b], end) - start for b in running]
        if min(steps) == end - start:
            y, after = fixed(part, before)
        else:
            y, after = masked(part, before, torch.tensor(steps, device=x.device))
        if rows is not None:  # the rows that ended keep their state and get zeros
            y = y.new_zeros(B, *y.shape[1:]).index_copy(0, rows, y)
            after = map_state(lambda whole, some: whole.index_copy(0, rows, some), state, after)
        ys.append(y)
        state, start = after, end
    if start < T:  # steps past every length
        ys.append(ys[-1].new_zeros(B, T - start, ys[-1].shape[2]))
    return torch.cat(ys, dim=1), state
