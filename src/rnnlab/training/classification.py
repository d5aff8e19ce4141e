"""Scores of a classifier: the confusion matrix, accuracy and macro-F1."""

from __future__ import annotations

import torch
from torch import Tensor


def confusion_matrix(predicted: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """``(C, C)`` int64 counts; row = true label, column = predicted label."""
    index = target.long().flatten() * num_classes + predicted.long().flatten()
    return torch.bincount(index.cpu(), minlength=num_classes * num_classes).view(num_classes, num_classes)


def scores(confusion: Tensor) -> dict[str, float]:
    """Accuracy, and macro-F1: the mean over labels of ``2 P R / (P + R)`` (0 for a label never predicted nor true)."""
    confusion = confusion.double()
    total = float(confusion.sum())
    hits = confusion.diagonal()
    true, predicted = confusion.sum(1), confusion.sum(0)
    f1 = torch.where(true + predicted > 0, 2 * hits / (true + predicted).clamp(min=1), torch.zeros_like(hits))
    return {"accuracy": float(hits.sum()) / max(1.0, total), "macro_f1": float(f1.mean())}
