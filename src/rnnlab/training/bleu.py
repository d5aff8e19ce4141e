"""Corpus BLEU of generated sentences, with any number of references each (sacrebleu, 0-100).

rnnlab scores its own tokens (lower-cased, punctuation split), joined by
spaces, on both sides; sacrebleu's 13a tokenizer leaves them as they are.
``force`` quiets its warning that such text looks tokenised: it is, on purpose.
"""

from __future__ import annotations

from sacrebleu.metrics import BLEU


def corpus_bleu(hypotheses: list[str], references: list[list[str]], max_order: int = 4) -> float:
    """BLEU-``max_order`` of ``hypotheses`` against each one's references (lists may differ in length)."""
    if len(hypotheses) != len(references) or not references or not all(references):
        raise ValueError("corpus BLEU needs one list of at least one reference for each hypothesis")
    streams = max(len(r) for r in references)
    padded = [[refs[k] if k < len(refs) else None for refs in references] for k in range(streams)]
    return BLEU(max_ngram_order=max_order, force=True).corpus_score(hypotheses, padded).score
