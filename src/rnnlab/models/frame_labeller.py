r"""Synced many-to-many: a video in, a label for every frame out (the chapter's frame-level video classification).

    v_t = relu(W_v flatten(pool_{g x g}(CNN(frame_t))))    raw frames, each through the same CNN
    v_t = relu(W_v x_t)                                   or precomputed per-frame features x_t
    h_1..h_T = RNN(v_1..v_T)       forward only: h_t has seen frames 1..t (online, causal);
                                   bidirectional: [h_t->; h_t<-] has seen the whole video (offline)
    P(y_t | frames) = softmax(W_y h_t + b_y)

``encoder=None`` is the per-frame baseline: the same frame encoder and no
recurrence, ``h_t = tanh(W_m v_t + b_m)``: each frame is labelled alone.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnlab.layers import Stacked
from rnnlab.models.cnn import ConvEncoder, GridVector


class FrameLabeller(nn.Module):
    """Args:
        num_classes: labels ``K``.
        frame_shape: ``(C, H, W)`` of raw frames, or ``(D,)`` of precomputed features.
        frame_size: ``F``, the size of ``v_t``.
        encoder: a ``Stacked`` recurrent encoder reading ``F`` inputs, or None for the per-frame baseline.
        hidden_size: the baseline's ``tanh`` layer (ignored with an encoder).
        channels, grid: the CNN's widths and the grid its feature map is pooled to (raw frames only).
        dropout: on ``v_t`` and on ``h_t``.
    """

    def __init__(self, num_classes: int, frame_shape: tuple[int, ...], frame_size: int, encoder: Stacked | None,
                 hidden_size: int = 128, channels: tuple[int, ...] = (16, 32), grid: int = 8,
                 dropout: float = 0.0) -> None:
        super().__init__()
        if len(frame_shape) not in (1, 3):
            raise ValueError(f"frame shape must be (C, H, W) for raw frames or (D,) for features; "
                             f"received {tuple(frame_shape)}")
        self.frame_shape = tuple(frame_shape)
        if len(frame_shape) == 3:
            self.cnn = ConvEncoder(frame_shape[0], channels)
            self.vector = GridVector(self.cnn.out_channels, grid, frame_size)
        else:
            self.cnn = None
            self.vector = nn.Sequential(nn.Linear(frame_shape[0], frame_size), nn.ReLU())  # W_v
        self.encoder = encoder
        self.per_frame = None if encoder is not None else nn.Sequential(nn.Linear(frame_size, hidden_size),
                                                                        nn.Tanh())  # W_m, b_m
        size = hidden_size if encoder is None else encoder.output_size
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(size, num_classes)  # W_y, b_y

    def frames(self, x: Tensor) -> Tensor:
        """``x: (B, T, *frame_shape)`` -> ``v: (B, T, F)``."""
        if tuple(x.shape[2:]) != self.frame_shape:
            raise ValueError(f"frames must be (B, T, {', '.join(map(str, self.frame_shape))}); "
                             f"received {tuple(x.shape)}")
        B, T = x.shape[:2]
        if self.cnn is None:
            return self.vector(x)
        v = self.vector(self.cnn(x.flatten(0, 1)))  # (B*T, F): every frame through the same CNN
        return v.view(B, T, -1)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        """``x: (B, T, *frame_shape)``, ``lengths: (B,)`` -> ``logits: (B, T, K)``; steps past a length are padding."""
        v = self.drop(self.frames(x))  # (B, T, F)
        if self.encoder is None:
            h = self.per_frame(v)  # (B, T, H)
        else:
            h, _ = self.encoder(v, lengths=lengths.to(v.device))  # (B, T, H) or (B, T, 2H)
        return self.head(self.drop(h))

    @torch.no_grad()
    def label(self, x: Tensor, lengths: Tensor) -> list[list[int]]:
        """The most likely label of each valid frame of each video."""
        predicted = self(x, lengths).argmax(-1).cpu()  # (B, T)
        return [row[:n].tolist() for row, n in zip(predicted, lengths.tolist())]
