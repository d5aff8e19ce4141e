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


PRECISIONS = ("fp32", "bf16", "auto")


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` multiplies bfloat16 in hardware (a CPU with AVX512-BF16 or AMX, a CUDA GPU that
    supports it); elsewhere bfloat16 is emulated and slower than float32."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        probes = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
        return any(probe() for probe in probes if probe is not None)
    return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto``: bf16 where the device computes it natively, else fp32; ``fp32`` and ``bf16`` as given."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; received {precision!r}")
    return ("bf16" if native_bf16(device) else "fp32") if precision == "auto" else precision
