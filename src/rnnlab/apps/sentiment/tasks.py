"""Training a many-to-one classifier: padded batches of similar length, cross-entropy on one label each."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.data import bucket_batches, pad_batch
from rnnlab.training.classification import confusion_matrix, scores
from rnnlab.training.tasks import BucketTask, device_of


@torch.no_grad()
def classify(model: nn.Module, sequences: list[list[int]], pad_id: int, batch_size: int = 512) -> Tensor:
    """``(N, C)`` float32 logits for encoded sequences, in their order."""
    model.eval()
    device = device_of(model)
    out = torch.empty(len(sequences), model.head.out_features)
    for batch in bucket_batches([len(s) for s in sequences], batch_size, seed=None):
        ids, lengths = pad_batch([sequences[k] for k in batch], pad_id)  # (B, T)
        out[batch] = model(ids.to(device), lengths).float().cpu()
    return out


def evaluate_logits(logits: Tensor, targets: Tensor, kinds: list[str] | None = None) -> tuple[dict, Tensor]:
    """Loss, accuracy, macro-F1 (and accuracy per sentence kind, when kinds are known); and the confusion matrix."""
    confusion = confusion_matrix(logits.argmax(1), targets, logits.shape[1])
    metrics = {"loss": float(F.cross_entropy(logits, targets)), **scores(confusion)}
    for kind in sorted(set(kinds or []) - {""}):
        rows = torch.tensor([k == kind for k in kinds])
        metrics[f"accuracy_{kind}"] = float((logits[rows].argmax(1) == targets[rows]).double().mean())
    return metrics, confusion


class ClassificationTask(BucketTask):
    """Bucketed batches of encoded sentences; word dropout replaces training words by ``<unk>``."""

    def __init__(self, encoded: dict[str, tuple[list[list[int]], list[int], list[str]]], pad_id: int,
                 unk_id: int, batch_size: int, seed: int, word_dropout: float = 0.0) -> None:
        self.encoded, self.pad_id, self.unk_id = encoded, pad_id, unk_id
        self.batch_size, self.seed, self.word_dropout = batch_size, seed, word_dropout
        self.lengths = [len(s) for s in encoded["train"][0]]

    def loss(self, model: nn.Module, batch: list[int]) -> tuple[Tensor, int]:
        sequences, labels, _ = self.encoded["train"]
        ids, lengths = pad_batch([sequences[k] for k in batch], self.pad_id)  # (B, T)
        if self.word_dropout:
            drop = (torch.rand(ids.shape) < self.word_dropout) & (ids != self.pad_id)
            ids = ids.masked_fill(drop, self.unk_id)
        device = device_of(model)
        logits = model(ids.to(device), lengths)  # (B, C)
        return F.cross_entropy(logits, torch.tensor([labels[k] for k in batch], device=device)), len(batch)

    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        sequences, labels, kinds = self.encoded[split]
        return evaluate_logits(classify(model, sequences, self.pad_id), torch.tensor(labels), kinds)[0]
