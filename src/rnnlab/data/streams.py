"""Long token streams as ``(B, N)`` rows for truncated BPTT."""

from __future__ import annotations

from torch import Tensor


def batchify(ids: Tensor, rows: int) -> Tensor:
    """Cut a 1-D stream into ``rows`` contiguous streams side by side: ``(rows, N)``.

    Row b continues where it left off from one chunk to the next, so the state
    carried across chunks is the state of the same text. The tail that does
    not fill a row is dropped.
    """
    if ids.dim() != 1:
        raise ValueError(f"a stream must be 1-D; received shape {tuple(ids.shape)}")
    n = ids.numel() // rows
    if n < 2:
        raise ValueError(f"a stream of {ids.numel()} tokens is too short for {rows} rows")
    return ids[: n * rows].view(rows, n).contiguous()  # (B, N)
