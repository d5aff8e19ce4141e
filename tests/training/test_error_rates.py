"""Character and word error rates against jiwer, the reference implementation."""

import jiwer
import pytest

from rnnlab.training.error_rates import edit_distance, error_rates

PAIRS = [("the cat sat", "the cat sat"), ("the cat sat", "a cat sit on"), ("hello world", "helo wrld"),
         ("40713", "4713"), ("abc", ""), ("a b", "a b c d")]


def test_edit_distance_counts_substitutions_insertions_and_deletions():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3 and edit_distance("abc", "") == 3 and edit_distance("abc", "abc") == 0


def test_error_rates_equal_jiwers_over_a_set():
    references, hypotheses = zip(*PAIRS)
    rates = error_rates(list(references), list(hypotheses))
    assert rates["cer"] == pytest.approx(jiwer.cer(list(references), list(hypotheses)))
    assert rates["wer"] == pytest.approx(jiwer.wer(list(references), list(hypotheses)))
    assert rates["sequence_accuracy"] == pytest.approx(1 / 6)


def test_error_rates_need_as_many_transcripts_as_references():
    with pytest.raises(ValueError, match="as many transcripts"):
        error_rates(["a"], ["a", "b"])
