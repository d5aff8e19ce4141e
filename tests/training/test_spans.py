"""Entity spans and their F1, held equal to seqeval's on random BIO and BIOES sequences."""

import random

import pytest

from rnnlab.training.spans import span_scores, spans


def test_spans_of_bio_and_bioes():
    assert spans(["B-PER", "I-PER", "O", "B-LOC"]) == [("PER", 0, 1), ("LOC", 3, 3)]
    assert spans(["I-PER", "I-PER", "B-PER", "I-LOC"]) == [("PER", 0, 1), ("PER", 2, 2), ("LOC", 3, 3)]
    assert spans(["S-X", "B-Y", "E-Y", "E-Y", "O"]) == [("X", 0, 0), ("Y", 1, 2), ("Y", 3, 3)]
    scores = span_scores([["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]],
                         [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]])
    assert scores == {"precision": 0.5, "recall": 0.5, "f1": 0.5}  # seqeval's README example
    assert span_scores([["O"]], [["O"]]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_equal_to_seqeval_on_random_sequences():
    seqeval = pytest.importorskip("seqeval.metrics")
    rng = random.Random(0)
    tags = ["O", "B-X", "I-X", "E-X", "S-X", "B-Y", "I-Y", "E-Y", "S-Y"]
    for _ in range(300):
        truth = [[rng.choice(tags) for _ in range(rng.randint(1, 9))] for _ in range(rng.randint(1, 4))]
        predicted = [[rng.choice(tags) for _ in sentence] for sentence in truth]
        for sentence in truth:
            assert spans(sentence) == seqeval.sequence_labeling.get_entities(sentence)
        ours = span_scores(predicted, truth)
        assert ours["precision"] == pytest.approx(seqeval.precision_score(truth, predicted))
        assert ours["recall"] == pytest.approx(seqeval.recall_score(truth, predicted))
        assert ours["f1"] == pytest.approx(seqeval.f1_score(truth, predicted))
