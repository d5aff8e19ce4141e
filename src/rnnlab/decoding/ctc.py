"""Reading a CTC model's frame-by-frame symbol distributions as a transcript: best path and prefix beam search.

A CTC output layer gives, for every input frame t, log-probabilities over the
symbols plus a blank (id ``blank``, 0 here). An *alignment* is one symbol a
frame; collapsing repeats and then dropping blanks turns it into a labelling
(``a a _ b b -> a b``; ``a _ a -> a a``). The probability of a labelling is the
sum over all alignments that collapse to it (Graves et al. 2006).

- ``best_path``: the most probable alignment, collapsed. Fast and usually
  close, but not the most probable labelling.
- ``prefix_beam_search``: keeps the ``beam`` most probable prefixes, each with
  the probability of its alignments that end in a blank and in a symbol, so
  that the alignments of one labelling are summed (Hannun et al. 2014). With a
  beam as wide as the number of prefixes it gives every labelling's exact
  probability.
"""

from __future__ import annotations

import math
from typing import Sequence

from torch import Tensor

NEG_INF = float("-inf")


def collapse(path: Sequence[int], blank: int = 0) -> list[int]:
    """An alignment's labelling: repeats merged, then blanks dropped."""
    out, previous = [], None
    for s in path:
        if s != previous and s != blank:
            out.append(s)
        previous = s
    return out


def best_path(log_probs: Tensor, lengths: Tensor | None = None, blank: int = 0) -> list[list[int]]:
    """``log_probs: (B, T, K)``, ``lengths: (B,)`` valid frames -> each item's collapsed most probable alignment."""
    paths = log_probs.argmax(-1).tolist()
    lengths = [len(p) for p in paths] if lengths is None else lengths.tolist()
    return [collapse(p[:n], blank) for p, n in zip(paths, lengths)]


def _add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) without overflow."""
    if a == NEG_INF:
        return b
    if b == NEG_INF:
        return a
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


def prefix_beam_search(log_probs: Tensor, beam: int = 8, blank: int = 0,
                       prune: float = 1e-3) -> list[tuple[list[int], float]]:
    """``log_probs: (T, K)`` of one item -> up to ``beam`` labellings with their log-probabilities, best first.

    ``prune``: symbols below this probability at a frame are not tried there
    (0: try every symbol, exact with a wide enough beam).
    """
    if beam < 1:
        raise ValueError(f"beam must be at least 1; received {beam}")
    floor = math.log(prune) if prune > 0 else NEG_INF
    # each prefix: [log P(alignments ending in blank), log P(alignments ending in its last symbol)]
    beams: dict[tuple[int, ...], list[float]] = {(): [0.0, NEG_INF]}
    for frame in log_probs.tolist():
        tried = [(s, p) for s, p in enumerate(frame) if s != blank and p >= floor]
        following: dict[tuple[int, ...], list[float]] = {}
        for prefix, (p_blank, p_symbol) in beams.items():
            total = _add(p_blank, p_symbol)
            same = following.setdefault(prefix, [NEG_INF, NEG_INF])
            same[0] = _add(same[0], total + frame[blank])  # a blank: the prefix stays
            last = prefix[-1] if prefix else None
            if last is not None:  # the last symbol again, with no blank between: merged, the prefix stays
                same[1] = _add(same[1], p_symbol + frame[last])
            for s, p in tried:
                longer = following.setdefault(prefix + (s,), [NEG_INF, NEG_INF])
                # a repeated symbol starts a new one only after a blank
                longer[1] = _add(longer[1], (p_blank if s == last else total) + p)
        possible = [kv for kv in following.items() if _add(*kv[1]) > NEG_INF]  # a repeat with no frame between
        beams = dict(sorted(possible, key=lambda kv: -_add(*kv[1]))[:beam])
    return sorted(((list(prefix), _add(*scores)) for prefix, scores in beams.items()), key=lambda h: -h[1])
