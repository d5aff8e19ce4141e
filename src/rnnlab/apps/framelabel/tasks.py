"""Training a frame labeller: padded batches of videos of similar length, cross-entropy on every real frame."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.apps.framelabel.data import Videos
from rnnlab.data import bucket_batches
from rnnlab.training.segmentation import segmentation_scores
from rnnlab.training.tasks import BucketTask, device_of

IGNORE = -100


def video_batch(inputs: list[np.ndarray], device) -> tuple[Tensor, Tensor]:
    """Videos ``(T_i, ...)`` -> ``x: (B, T, ...)`` zero-padded (frames: ``(B, T, C, H, W)`` floats in [0, 1]) and
    ``lengths: (B,)``."""
    lengths = torch.tensor([len(a) for a in inputs])
    x = torch.zeros((len(inputs), int(lengths.max())) + inputs[0].shape[1:], dtype=torch.from_numpy(inputs[0]).dtype)
    for row, a in zip(x, inputs):
        row[:len(a)] = torch.from_numpy(a)
    x = x.to(device)
    if x.dtype == torch.uint8:
        x = x.permute(0, 1, 4, 2, 3).float().div_(255.0)  # (B, T, C, H, W)
    return x, lengths


@torch.no_grad()
def label_videos(model: nn.Module, inputs: list[np.ndarray], batch_size: int = 16) -> list[list[int]]:
    """The most likely label of every frame of each video, in order."""
    model.eval()
    device = device_of(model)
    out: list[list[int]] = [[] for _ in inputs]
    for batch in bucket_batches([len(a) for a in inputs], batch_size, seed=None):
        x, lengths = video_batch([inputs[k] for k in batch], device)
        for k, labels in zip(batch, model.label(x, lengths)):
            out[k] = labels
    return out


class FrameTask(BucketTask):
    """Batches of whole videos of similar length; the loss is the mean cross-entropy over their real frames."""

    def __init__(self, splits: dict[str, Videos], batch_size: int, seed: int, ignore: list[int] | None = None) -> None:
        self.splits, self.batch_size, self.seed, self.ignore = splits, batch_size, seed, ignore or []
        self.lengths = [len(a) for a in splits["train"].inputs]

    def _forward(self, model: nn.Module, split: str, batch: list[int]) -> tuple[Tensor, Tensor, Tensor]:
        """``logits: (B, T, K)``, ``targets: (B, T)`` (IGNORE past each video's end) and ``lengths: (B,)``."""
        videos = self.splits[split]
        device = device_of(model)
        x, lengths = video_batch([videos.inputs[k] for k in batch], device)
        targets = torch.full(x.shape[:2], IGNORE, dtype=torch.long)
        for row, k in enumerate(batch):
            targets[row, :len(videos.labels[k])] = torch.from_numpy(videos.labels[k])
        return model(x, lengths), targets.to(device), lengths

    def loss(self, model: nn.Module, batch: list[int]) -> tuple[Tensor, int]:
        logits, targets, lengths = self._forward(model, "train", batch)
        return F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(), ignore_index=IGNORE), int(lengths.sum())

    @torch.no_grad()
    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        model.eval()
        videos = self.splits[split]
        total, predicted = 0.0, [[] for _ in videos.inputs]
        for batch in bucket_batches([len(a) for a in videos.inputs], 16, seed=None):
            logits, targets, lengths = self._forward(model, split, batch)
            total += float(F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(), ignore_index=IGNORE,
                                           reduction="sum"))
            for k, row, n in zip(batch, logits.argmax(-1).cpu(), lengths.tolist()):
                predicted[k] = row[:n].tolist()
        return {"loss": total / max(1, sum(len(y) for y in videos.labels)),
                **segmentation_scores(predicted, [y.tolist() for y in videos.labels], ignore=self.ignore)}
