"""Variable-length batches: checking lengths, masks, reversal and PackedSequence."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from rnnlab.core.checks import shape_str


def check_lengths(lengths, batch: int, steps: int, where: str, device) -> Tensor | None:
    """Validate ``lengths`` for a ``(batch, steps, F)`` input.

    Returns a ``(B,)`` int64 tensor on ``device``, or None when every sequence
    is full length (no masking needed).
    """
    if lengths is None:
        return None
    if not isinstance(lengths, Tensor):
        try:
            lengths = torch.as_tensor(lengths)
        except (TypeError, ValueError, RuntimeError):
            raise ValueError(f"{where}: lengths must be a (B,) sequence of ints; "
                             f"received {type(lengths).__name__}") from None
    if lengths.dim() != 1 or lengths.shape[0] != batch:
        raise ValueError(f"{where}: lengths must be (B,) = ({batch},); received {shape_str(lengths)}")
    if lengths.dtype.is_floating_point or lengths.dtype.is_complex or lengths.dtype == torch.bool:
        raise ValueError(f"{where}: lengths must hold integers; received dtype {lengths.dtype}")
    low, high = int(lengths.min()), int(lengths.max())
    if low < 1 or high > steps:
        raise ValueError(f"{where}: every length must be in [1, T] = [1, {steps}]; "
                         f"received lengths from {low} to {high}")
    if low == steps:
        return None
    return lengths.to(device=device, dtype=torch.long)


def reverse_padded(x: Tensor, lengths: Tensor | None) -> Tensor:
    """Reverse each sequence's valid prefix; padding stays where it is.

    ``x: (B, T, F)``. Applying it twice gives ``x`` back.
    """
    if lengths is None:
        return x.flip(1)
    B, T = x.shape[:2]
    t = torch.arange(T, device=x.device).expand(B, T)  # (B, T)
    last = lengths.unsqueeze(1) - 1  # (B, 1)
    index = torch.where(t <= last, last - t, t)  # (B, T)
    return x.gather(1, index.unsqueeze(2).expand_as(x))


def unpack(packed: PackedSequence) -> tuple[Tensor, Tensor]:
    """A PackedSequence as a batch-first padded ``(B, T, F)`` tensor and its ``(B,)`` lengths, in the caller's order."""
    x, lengths = pad_packed_sequence(packed, batch_first=True)
    return x, lengths


def repack_like(y: Tensor, lengths: Tensor, like: PackedSequence) -> PackedSequence:
    """Pack ``y: (B, T, H)`` with the same batch order as ``like``."""
    lengths = lengths.cpu()
    if like.sorted_indices is not None:
        y = y.index_select(0, like.sorted_indices.to(y.device))
        lengths = lengths.index_select(0, like.sorted_indices.cpu())
    packed = pack_padded_sequence(y, lengths, batch_first=True, enforce_sorted=True)
    return PackedSequence(packed.data, packed.batch_sizes, like.sorted_indices, like.unsorted_indices)
