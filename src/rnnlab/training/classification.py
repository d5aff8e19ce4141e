"""Scores of a classifier: the confusion matrix, accuracy, macro-F1 and each label's precision, recall and F1."""

from __future__ import annotations

import torch
from torch import Tensor


def confusion_matrix(predicted: Tensor, target: Tensor, num_classes: int) -> Tensor:
    """``(C, C)`` int64 counts; row = true label, column = predicted label."""
    index = target.long().flatten() * num_classes + predicted.long().flatten()
    return torch.bincount(index.cpu(), minlength=num_classes * num_classes).view(num_classes, num_classes)


def per_class(confusion: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Precision, recall and F1 ``2 P R / (P + R)`` of each label (0 for a label never predicted, never true)."""
    confusion = confusion.double()
    hits = confusion.diagonal()
    true, predicted = confusion.sum(1), confusion.sum(0)
    precision, recall = hits / predicted.clamp(min=1), hits / true.clamp(min=1)
    f1 = torch.where(true + predicted > 0, 2 * hits / (true + predicted).clamp(min=1), torch.zeros_like(hits))
    return precision, recall, f1


def scores(confusion: Tensor) -> dict[str, float]:
    """Accuracy, and macro-F1: the mean over labels of their F1."""
    total = float(confusion.sum())
    return {"accuracy": float(confusion.diagonal().sum()) / max(1.0, total),
            "macro_f1": float(per_class(confusion)[2].mean())}
