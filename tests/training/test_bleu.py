"""Corpus BLEU with a varying number of references."""

import pytest

from rnnlab.training.bleu import corpus_bleu


def test_any_reference_may_match():
    assert corpus_bleu(["the cat sat on the mat"], [["a cat sat on a mat", "the cat sat on the mat"]]) == \
        pytest.approx(100)
    assert corpus_bleu(["x y z w", "the cat"], [["a b c d"], ["the cat", "a cat"]]) < 100
    assert corpus_bleu(["a b"], [["a b"]], max_order=2) == pytest.approx(100)


def test_each_hypothesis_needs_references():
    with pytest.raises(ValueError, match="one list of at least one reference"):
        corpus_bleu(["a"], [[]])
