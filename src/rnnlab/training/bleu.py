"""Corpus BLEU of generated sentences, with any number of references each (sacrebleu, 0-100)."""

from __future__ import annotations

from sacrebleu.metrics import BLEU


def corpus_bleu(hypotheses: list[str], references: list[list[str]], max_order: int = 4) -> float:
    """BLEU-``max_order`` of ``hypotheses`` against each one's references (lists may differ in length)."""
    if len(hypotheses) != len(references) or not references or not all(references):
        raise ValueError("corpus BLEU needs one list of at least one reference for each hypothesis")
    streams = max(len(r) for r in references)
    padded = [[refs[k] if k < len(refs) else None for refs in references] for k in range(streams)]
    return BLEU(max_ngram_order=max_order).corpus_score(hypotheses, padded).score
