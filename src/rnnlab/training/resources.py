"""Will it fit? The memory a model and a batch need, checked before training starts.

A model is built on torch's ``meta`` device first (shapes, no storage), its
parameters counted, and the memory training needs for them (weights,
gradients and two optimiser moments: four copies) compared with what the
training device has free (``check_model_memory``). Then the largest training
batch is estimated (``check_batch_memory``): the tensors a forward pass keeps
for backpropagation are measured on one and on two of its rows (its longest
examples; a text stream's first rows over its longest window), and the
batch's need is that line extended to all its rows. Too much gives one
error saying how much, what is largest, and which options to lower. An
allocation that still fails is reported by the command line in one line.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

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


def saved_bytes(task, model: nn.Module, batch: Any) -> int:
    """The bytes a forward pass of ``task.loss`` on ``batch`` keeps for backpropagation (parameters aside).

    Each storage counts once. Nothing is changed: the random state, the model's
    buffers (batch-norm statistics) and the task's carried state are as before."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    storages: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in params:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    device = next(model.parameters()).device
    buffers = {name: b.clone() for name, b in model.named_buffers()}
    carried = task.state_dict()
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            task.loss(model, batch)
    with torch.no_grad():
        for name, b in model.named_buffers():
            b.copy_(buffers[name])
    task.load_state_dict(carried)
    return sum(storages.values())


def batch_bytes(task, model: nn.Module):
    """``(bytes, bytes a row, probe)``: what the largest training batch of ``task`` keeps for backpropagation,
    estimated from its first one and two rows. A row costs what the second adds, or half of the two where that
    is more: a lone row has no lengths and can run on another engine than two rows of different lengths."""
    one, two = task.probe(1), task.probe(2)
    first = saved_bytes(one.task, model, one.batch)
    if one.rows == 1:
        return first, first, one
    second = saved_bytes(two.task, model, two.batch)
    row = max(second - first, second // 2)
    return first + row * (one.rows - 1), row, one


def check_batch_memory(model: nn.Module, task, config, device: torch.device) -> None:
    """Raise MemoryError when the model (on ``device``, in training mode) and the largest training batch of
    ``task`` would not fit in ``device``'s free memory. Tasks with a ``probe(rows)`` (``training.tasks.Probe``)
    are checked; others are left to the allocation itself."""
    free = available_bytes(device)
    if free is None or not hasattr(task, "probe") or not task.batches(0):
        return
    batch, row, one = batch_bytes(task, model)
    weights = sum(p.numel() * p.element_size() for p in model.parameters()) * COPIES
    if batch + weights <= free:
        return
    options = [f"--{name.replace('_', '-')} {getattr(config, name)}" for name in one.options
               if getattr(config, name, None) is not None]
    raise MemoryError(
        f"a training batch needs about {batch / 2**30:,.1f} GiB ({one.rows:,} sequences of up to {one.steps:,} "
        f"steps: {row / 2**20:,.1f} MiB each kept for backpropagation) beside the model's "
        f"{weights / 2**30:,.1f} GiB, and {device.type} has {free / 2**30:,.1f} GiB free; lower "
        f"{', '.join(options + _size_options(config)) or 'the batch or the model'}")
