"""A small convolutional image encoder, written with torch.nn: what the captioner and the frame labeller see with."""

from __future__ import annotations

from torch import Tensor, nn


def _groups(channels: int) -> int:
    return next(g for g in (8, 4, 2, 1) if channels % g == 0)


class ConvEncoder(nn.Module):
    """``images: (B, C_in, H, W)`` -> ``features: (B, C, H / 2^n, W / 2^n)`` for ``n = len(channels)`` blocks.

    Each block is conv 3x3, group norm, ReLU, 2x2 max-pool. Group norm
    normalises each picture by itself: batches made of similar captions (or
    frames of one video) would skew batch norm's statistics. Trained from
    scratch; ``load_state_dict`` takes a user's own weights of the same shape.
    """

    def __init__(self, in_channels: int = 3, channels: tuple[int, ...] = (32, 64, 128)) -> None:
        super().__init__()
        if not channels or any(c < 1 for c in channels):
            raise ValueError(f"channels must be one or more positive widths; received {channels}")
        blocks, width = [], in_channels
        for c in channels:
            blocks += [nn.Conv2d(width, c, 3, padding=1, bias=False), nn.GroupNorm(_groups(c), c), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]
            width = c
        self.net = nn.Sequential(*blocks)
        self.out_channels = width

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images)


class GridVector(nn.Module):
    """``features: (B, C, h, w)`` -> ``v = relu(W_v flatten(pool_{g x g}(features)))``, ``(B, size)``: one vector
    for a picture (the captioner's image vector z, the frame labeller's v_t).

    Average-pooling to a ``grid`` of cells before flattening keeps where things
    are, which a mean over the whole map would lose (left of, moving right).
    """

    def __init__(self, channels: int, grid: int, size: int) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(grid)
        self.W_v = nn.Linear(grid * grid * channels, size)

    def forward(self, features: Tensor) -> Tensor:
        return self.W_v(self.pool(features).flatten(1)).relu()
