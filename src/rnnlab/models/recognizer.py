"""Sequence recognition with CTC: a convolutional front-end, a recurrent stack, symbols plus a blank.

The CRNN (Shi et al. 2015) and Deep Speech 2 (Amodei et al. 2016) shape. The
input is a grey picture ``(B, 1, F, T)``: a log-mel spectrogram (F mel bands,
T frames) or a line of writing (F pixel rows, T pixel columns). The front-end
turns it into a sequence read along T; the recurrent stack gives every step
the context of the whole input (both ways, or up to it with ``causal``); a
linear layer scores the K symbols and the blank (id 0), and CTC
(``torch.nn.functional.ctc_loss``) sums over every alignment of the
transcript with the steps, so no frame needs a label.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.layers import Stacked

BLANK = 0


def valid_steps(lengths: Tensor, steps: int) -> Tensor:
    """``(B, steps)`` bool: which steps of each padded sequence are inside its length."""
    return torch.arange(steps, device=lengths.device) < lengths.unsqueeze(1)


class ConvFrontEnd(nn.Module):
    """``x: (B, 1, F, T)``, ``lengths: (B,)`` -> ``(B, T / 2^time_pools, size)`` and the new lengths.

    Each block is conv 3x3, batch norm, ReLU and a max-pool that halves F (and
    T in the first ``time_pools`` blocks). Past each length the map is set to
    zero after every block, so a padded batch gives each item what it would
    give alone (batch norm uses its running statistics in ``eval``). The
    columns left are flattened and projected to ``size``: ``v_t = relu(W_v
    column_t)``.
    """

    def __init__(self, height: int, channels: tuple[int, ...] = (16, 32, 64), time_pools: int = 2,
                 size: int = 128) -> None:
        super().__init__()
        if not channels or any(c < 1 for c in channels):
            raise ValueError(f"channels must be one or more positive widths; received {channels}")
        if height < 2 ** len(channels):
            raise ValueError(f"inputs {height} high shrink to nothing after {len(channels)} blocks that halve the "
                             f"height; expected at least {2 ** len(channels)} rows or fewer blocks")
        if not 0 <= time_pools <= len(channels):
            raise ValueError(f"time pools must be between 0 and the {len(channels)} blocks; received {time_pools}")
        blocks, width = [], 1
        for k, c in enumerate(channels):
            blocks.append(nn.Sequential(nn.Conv2d(width, c, 3, padding=1, bias=False), nn.BatchNorm2d(c),
                                        nn.ReLU(inplace=True), nn.MaxPool2d((2, 2 if k < time_pools else 1))))
            width = c
        self.blocks = nn.ModuleList(blocks)
        self.time_pools, self.size = time_pools, size
        self.W_v = nn.Linear(width * (height >> len(channels)), size)

    @property
    def stride(self) -> int:
        """Input columns a step."""
        return 2 ** self.time_pools

    def forward(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        for k, block in enumerate(self.blocks):
            x = block(x)
            if k < self.time_pools:
                lengths = lengths // 2
            x = x * valid_steps(lengths, x.shape[-1])[:, None, None, :]
        columns = x.flatten(1, 2).transpose(1, 2)  # (B, C, F', T') -> (B, T', C * F')
        v = self.W_v(columns).relu() * valid_steps(lengths, x.shape[-1]).unsqueeze(-1)
        return v, lengths


class Recognizer(nn.Module):
    """``log P(symbol | step) = log_softmax(W_y [h_t; v_t] + b_y)`` over the blank and K symbols, with ``h`` the
    recurrent stack over the front-end's ``v``.

    ``skip``: ``v_t`` reaches the output beside ``h_t`` (a residual path, the
    chapter's remedy for vanishing gradients): the front-end learns from the
    first step while the recurrent layers, whose gradient crosses them, catch
    up; without it CTC waits for them through a long plateau. Without a
    recurrent stack the output reads ``v_t`` alone (the no-recurrence
    baseline). Inputs: ``x (B, 1, F, T)`` float, ``lengths (B,)`` valid columns.
    """

    def __init__(self, front: ConvFrontEnd, rnn: Stacked | None, symbols: int, dropout: float = 0.0,
                 skip: bool = True) -> None:
        super().__init__()
        self.front, self.rnn = front, rnn
        self.skip = skip and rnn is not None
        self.drop = nn.Dropout(dropout)
        size = front.size if rnn is None else rnn.output_size + (front.size if self.skip else 0)
        self.W_y = nn.Linear(size, symbols + 1)

    def forward(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """``(B, T', K + 1)`` log-probabilities and the ``(B,)`` steps of each item."""
        v, lengths = self.front(x, lengths)
        h = v
        if self.rnn is not None:
            h, _ = self.rnn(self.drop(v), None, lengths.clamp(min=1))
            if self.skip:
                h = torch.cat([h, v], dim=-1)  # (B, T', H_out + size)
        return self.W_y(self.drop(h)).float().log_softmax(-1), lengths

    def loss(self, x: Tensor, lengths: Tensor, targets: Tensor, target_lengths: Tensor) -> Tensor:
        """CTC's negative log-likelihood a transcript symbol; ``targets (B, S)`` symbol ids 1..K, padded.

        An item with fewer steps than its transcript needs has no alignment: it
        counts zero (``zero_infinity``) instead of an infinite loss.
        """
        log_probs, steps = self(x, lengths)
        nll = F.ctc_loss(log_probs.transpose(0, 1), targets, steps, target_lengths, blank=BLANK, reduction="sum",
                         zero_infinity=True)
        return nll / target_lengths.sum()
