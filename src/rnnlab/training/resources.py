"""Will it fit? The memory a model needs, checked before anything is allocated.

A model is built on torch's ``meta`` device first (shapes, no storage), its
parameters counted, and the memory training needs for them (weights,
gradients and two optimiser moments: four copies) compared with what the
training device has free. Too much gives one error saying how much, what
is largest, and which options size the model. Activations depend on the
batch and are not counted; an allocation that still fails is reported by
the command line in one line.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from torch import nn

COPIES = 4  # weights, gradients, and Adam's two moments


def available_bytes(device: torch.device) -> int | None:
    """Free memory on ``device`` (MemAvailable on a Linux CPU), or None where it cannot be told."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _size_options(config) -> list[str]:
    """The config's options that size a model, as they are given on the command line."""
    names = ("size", "dim", "hidden", "layers", "channels")
    out = []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        sizes = any(n in f.name for n in names) and not f.name.startswith("batch")
        if sizes and isinstance(value, (int, tuple)) and not isinstance(value, bool):
            shown = ",".join(map(str, value)) if isinstance(value, tuple) else value
            out.append(f"--{f.name.replace('_', '-')} {shown}")
    return out


def check_model_memory(build, config, device: torch.device) -> None:
    """Raise MemoryError, before any allocation, when ``build()`` would make a model too large to train on
    ``device``. The random state is left as it was."""
    free = available_bytes(device)
    if free is None:
        return
    with torch.random.fork_rng(devices=[]), torch.device("meta"):
        try:
            model: nn.Module = build()
        except Exception:  # noqa: BLE001 - a model that cannot be built on meta is checked by allocating it
            return
    params = list(model.named_parameters())
    need = sum(p.numel() * p.element_size() for _, p in params) * COPIES
    if need <= free:
        return
    name, largest = max(params, key=lambda kv: kv[1].numel())
    raise MemoryError(
        f"the model needs about {need / 2**30:,.1f} GiB to train ({sum(p.numel() for _, p in params):,} parameters "
        f"x {COPIES} copies; the largest, {name}, is {' x '.join(f'{d:,}' for d in largest.shape)}), and "
        f"{device.type} has {free / 2**30:,.1f} GiB free; lower {', '.join(_size_options(config)) or 'its size'}")
