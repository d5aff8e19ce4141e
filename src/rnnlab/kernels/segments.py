"""Variable-length batches on the CPU: a few pieces of time, each on the fastest engine for it.

On the CPU, training through torch's kernels over a PackedSequence is
several times slower than the same kernels on a padded batch (a
bidirectional LSTM, B=64, E=H=128, IMDB-like lengths up to 400: 9.5k
tokens/s packed, 38.7k padded; 75.1k in pieces; docs/performance.md). The padded batch
alone is wrong for the final states and the reverse direction, and wastes
work on padding. So ``auto`` runs the LSTM's long batches with lengths in
pieces of time, where oneDNN's LSTM carries most of the work (the other
cells, and the LSTM's short batches, run on ``rnnlab.kernels.packed``;
``piece_ends`` chooses the cuts):

- a piece where every row still running reaches its end: those rows on the
  engine ``auto`` picks for a fixed length (oneDNN's LSTM, the hand BPTT
  kernels), with no mask;
- a piece where some of them end: on torch's fused kernel with the state
  held past each length (``fused.held_sequence``; the LSTM in float32),
  otherwise on the hand kernel with a mask.

The rows that have ended are left out of later pieces (gathered out, then
scattered back): they keep their state and output zeros, so the result is
the layer contract's, equal to the reference loop in value and gradient;
autograd joins the pieces.
"""

from __future__ import annotations

import bisect
import math

import torch
from torch import Tensor

from rnnlab.core import map_state

PIECE_COST = 2  # what one more piece costs (its rows gathered, a kernel call, joined), in steps of the whole batch
CANDIDATES = 16  # cuts are tried at the shortest length and at these quantiles of the lengths


def piece_ends(lengths: list[int], piece_cost: float | None = None) -> list[int]:
    """Where each piece of time ends: the cuts that minimise the work, the last at the longest length.

    A piece ``[start, end)`` runs the rows longer than ``start`` for
    ``end - start`` steps, and costs ``piece_cost`` steps of the whole batch
    more. Cuts are tried at the shortest length and at quantiles of the
    lengths; the cheapest set is found by dynamic programming over them. A
    wide spread (IMDB-like) is cut in several pieces; a narrow one
    (Multi30k-like sentences, a bucketed batch) in one or two.
    """
    piece_cost = PIECE_COST if piece_cost is None else piece_cost
    ordered = sorted(lengths)
    n = len(ordered)
    points = [0, *sorted({ordered[0]} | {ordered[math.ceil(k * n / CANDIDATES) - 1] for k in range(1, CANDIDATES + 1)})]
    running = [n - bisect.bisect_right(ordered, p) for p in points]  # rows longer than each point
    best, back = [0.0] + [math.inf] * (len(points) - 1), [0] * len(points)
    for j in range(1, len(points)):
        for i in range(j):
            cost = best[i] + piece_cost * n + (points[j] - points[i]) * running[i]
            if cost < best[j]:
                best[j], back[j] = cost, i
    ends, j = [], len(points) - 1
    while j:
        ends.append(points[j])
        j = back[j]
    return ends[::-1]


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
