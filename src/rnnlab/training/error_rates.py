"""Scoring transcripts: character error rate, word error rate and sequence accuracy, from one edit distance.

The error rate is the number of substitutions, deletions and insertions that
turn the transcript into the reference, over the reference's length, summed
over the set (as ``jiwer`` and the speech-recognition literature count it).
"""

from __future__ import annotations

from typing import Sequence


def edit_distance(reference: Sequence, hypothesis: Sequence) -> int:
    """Levenshtein distance: the fewest substitutions, deletions and insertions from ``hypothesis`` to
    ``reference``."""
    previous = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, start=1):
        current = [i]
        for j, h in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def error_rates(references: Sequence[str], hypotheses: Sequence[str]) -> dict[str, float]:
    """``cer`` (characters), ``wer`` (space-separated words) and ``sequence_accuracy`` (exact transcripts)."""
    if len(references) != len(hypotheses) or not references:
        raise ValueError(f"expected as many transcripts as references (at least one); received "
                         f"{len(hypotheses)} and {len(references)}")
    chars = sum(edit_distance(r, h) for r, h in zip(references, hypotheses))
    words = sum(edit_distance(r.split(), h.split()) for r, h in zip(references, hypotheses))
    return {"cer": chars / max(1, sum(len(r) for r in references)),
            "wer": words / max(1, sum(len(r.split()) for r in references)),
            "sequence_accuracy": sum(r == h for r, h in zip(references, hypotheses)) / len(references)}
