"""Confusion matrix, accuracy and macro-F1 on cases worked out by hand."""

import pytest
import torch

from rnnlab.training.classification import confusion_matrix, scores


def test_scores_worked_by_hand():
    target = torch.tensor([0, 0, 0, 1, 1, 2])
    predicted = torch.tensor([0, 0, 1, 1, 0, 1])
    confusion = confusion_matrix(predicted, target, 3)
    assert confusion.tolist() == [[2, 1, 0], [1, 1, 0], [0, 1, 0]]
    s = scores(confusion)
    assert s["accuracy"] == pytest.approx(3 / 6)
    # F1: label 0: P 2/3, R 2/3 -> 2/3; label 1: P 1/3, R 1/2 -> 0.4; label 2: never right -> 0
    assert s["macro_f1"] == pytest.approx((2 / 3 + 0.4 + 0.0) / 3)


def test_perfect_and_absent_labels():
    confusion = confusion_matrix(torch.tensor([1, 1]), torch.tensor([1, 1]), 3)
    assert scores(confusion) == {"accuracy": 1.0, "macro_f1": pytest.approx(1 / 3)}
