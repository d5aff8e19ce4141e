"""Which device a run uses: the user's ``--device``, else CUDA when there is one."""

from __future__ import annotations

import torch


def resolve_device(name: str | None = None) -> torch.device:
    """``None`` or ``"auto"``: cuda if available, else cpu. Otherwise the named device, checked."""
    if name is None or name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be auto, cpu, cuda, cuda:N or mps; received {name!r}") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {name!r} was asked for, but this torch build sees no CUDA GPU; use --device cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"device {name!r} does not exist: this machine has {torch.cuda.device_count()} CUDA GPU(s)")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {name!r} was asked for, but this torch build sees no MPS GPU; use --device cpu")
    elif device.type not in ("cpu", "mps"):
        raise ValueError(f"device must be auto, cpu, cuda, cuda:N or mps; received {name!r}")
    return device
