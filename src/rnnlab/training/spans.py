"""Named-entity spans from BIO or BIOES tags, and their precision, recall and F1.

Spans are read as conlleval reads them, and as ``seqeval`` does in its
default mode (the test holds the two equal): a span starts at ``B`` or
``S``, at an ``I`` or ``E`` that does not continue a span of its type, or
where the type changes; it ends before ``B``, ``S`` or ``O``, after ``E`` or
``S``, or where the type changes. The scores count exact spans (type, first
and last word) over all sentences together: a predicted span is right only
if the same span is in the truth.
"""

from __future__ import annotations

from typing import Sequence

_ENDS = {("B", "B"), ("B", "S"), ("B", "O"), ("I", "B"), ("I", "S"), ("I", "O")}
_STARTS = {("E", "E"), ("E", "I"), ("S", "E"), ("S", "I"), ("O", "E"), ("O", "I")}


def _split(tag: str) -> tuple[str, str]:
    """``B-PER`` -> ``("B", "PER")``; ``O`` -> ``("O", "_")``."""
    return tag[0], tag[1:].split("-", maxsplit=1)[-1] or "_"


def spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """``(type, first, last)`` of every span in one sentence's tags."""
    found, prev, prev_type, begin = [], "O", "", 0
    for i, tag in enumerate(list(tags) + ["O"]):
        mark, kind = _split(tag)
        if prev in ("E", "S") or (prev, mark) in _ENDS or (prev not in ("O", ".") and prev_type != kind):
            found.append((prev_type, begin, i - 1))
        if mark in ("B", "S") or (prev, mark) in _STARTS or (mark not in ("O", ".") and prev_type != kind):
            begin = i
        prev, prev_type = mark, kind
    return found


def span_scores(predicted: Sequence[Sequence[str]], truth: Sequence[Sequence[str]]) -> dict[str, float]:
    """Micro precision, recall and F1 of the predicted spans against the true ones, each in [0, 1]."""
    guess = {(k, *s) for k, tags in enumerate(predicted) for s in spans(tags)}
    gold = {(k, *s) for k, tags in enumerate(truth) for s in spans(tags)}
    right = len(guess & gold)
    precision = right / len(guess) if guess else 0.0
    recall = right / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
