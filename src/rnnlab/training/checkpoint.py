"""Checkpoints: tensors in safetensors, everything else in JSON, both written atomically.

A checkpoint ``NAME`` is two files: ``NAME.safetensors`` (weights, optimiser
moments, RNG states: every tensor) and ``NAME.json`` (application, config,
vocabulary, counters, and the SHA-256 of the tensor file). Each is written to
a temporary file and renamed into place: first the new JSON, as
``.NAME.pending.json``; then the tensors; then the pending JSON over
``NAME.json``. A run killed at any moment leaves a whole checkpoint: the
previous one, or, killed between the last two renames, the new tensors with
their pending JSON, which ``load_checkpoint`` takes when the hash says they
belong together. A truncated or altered tensor file is caught by its hash.
Nothing is ever unpickled.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from torch import Tensor

from rnnlab.core import LSTMState

FORMAT = "rnnlab-checkpoint-1"
NAMED_TUPLES = {"LSTMState": LSTMState}  # state types a checkpoint restores by name


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: missing, truncated, corrupted or of another application."""


def flatten(tree: Any, prefix: str, tensors: dict[str, Tensor]) -> Any:
    """Move the tensors of a nested dict/list/tuple into ``tensors`` under dotted keys.

    Returns the JSON-able skeleton, with ``{"__tensor__": key}`` where each tensor was.
    """
    if isinstance(tree, Tensor):
        tensors[prefix] = tree.detach().cpu().contiguous().clone()
        return {"__tensor__": prefix}
    if isinstance(tree, dict):
        return {"__dict__": [[k, flatten(v, f"{prefix}.{k}", tensors)] for k, v in tree.items()]}
    if isinstance(tree, (list, tuple)):
        skeleton = {"__list__": [flatten(v, f"{prefix}.{k}", tensors) for k, v in enumerate(tree)],
                    "tuple": isinstance(tree, tuple)}
        if type(tree).__name__ in NAMED_TUPLES:
            skeleton["named"] = type(tree).__name__
        return skeleton
    return tree


def unflatten(skeleton: Any, tensors: dict[str, Tensor]) -> Any:
    """Undo ``flatten``."""
    if isinstance(skeleton, dict):
        if "__tensor__" in skeleton:
            return tensors[skeleton["__tensor__"]]
        if "__dict__" in skeleton:
            return {k: unflatten(v, tensors) for k, v in skeleton["__dict__"]}
        if "__list__" in skeleton:
            items = [unflatten(v, tensors) for v in skeleton["__list__"]]
            if "named" in skeleton:
                return NAMED_TUPLES[skeleton["named"]](*items)
            return tuple(items) if skeleton.get("tuple") else items
    return skeleton


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, rename it over ``path``. Temporary files
    that a killed write to ``path`` left behind go first."""
    for left in path.parent.glob(f".{path.name}.*.tmp"):
        left.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # as an ordinary file would be, not mkstemp's 0600
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_checkpoint(stem: str | Path, tensors: dict[str, Tensor], meta: dict) -> Path:
    """Write ``STEM.safetensors`` and ``STEM.json`` atomically; returns the JSON's path."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    blob = save_safetensors({k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()})  # clone: tied weights share storage
    record = {"format": FORMAT, "tensors": stem.with_suffix(".safetensors").name,
              "sha256": hashlib.sha256(blob).hexdigest(), **meta}
    atomic_write(_pending(stem), json.dumps(record, indent=1).encode())
    atomic_write(stem.with_suffix(".safetensors"), blob)
    os.replace(_pending(stem), stem.with_suffix(".json"))
    return stem.with_suffix(".json")


def _pending(stem: Path) -> Path:
    """The JSON of a checkpoint being written, before it is renamed into place."""
    return stem.with_name(f".{stem.name}.pending.json")


def resolve(path: str | Path, default_name: str = "best") -> Path:
    """A checkpoint's JSON from what a user typed: the JSON, its tensor file, or a run folder."""
    path = Path(path)
    if path.is_dir():
        path = path / f"{default_name}.json"
    elif path.suffix == ".safetensors":
        path = path.with_suffix(".json")
    return path


def load_checkpoint(path: str | Path, app: str | None = None,
                    map_location: str | torch.device = "cpu") -> tuple[dict[str, Tensor], dict]:
    """Read and verify a checkpoint; returns ``(tensors, meta)``.

    Raises CheckpointError naming the file for anything missing, truncated,
    altered, or written by another application than ``app``.
    """
    path = resolve(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: not a readable checkpoint record ({error.__class__.__name__})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not an rnnlab checkpoint (expected format {FORMAT!r})")
    if app is not None and meta.get("app") != app:
        raise CheckpointError(f"{path}: a checkpoint of {meta.get('app')!r}, not of {app!r}")
    tensor_path = path.parent / meta["tensors"]
    if not tensor_path.exists():
        raise CheckpointError(f"{tensor_path}: the checkpoint's tensor file is missing")
    blob = tensor_path.read_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != meta.get("sha256"):
        meta = _pending_record(path, digest) or meta
    if digest != meta.get("sha256"):
        raise CheckpointError(f"{tensor_path}: truncated or corrupted (its SHA-256 does not match {path.name})")
    try:
        tensors = load_safetensors(blob)
    except (SafetensorError, ValueError) as error:
        raise CheckpointError(f"{tensor_path}: unreadable tensor file ({error})") from None
    return {k: v.to(map_location) for k, v in tensors.items()}, meta


def _pending_record(path: Path, digest: str) -> dict | None:
    """The pending JSON beside ``path`` when it describes the tensor file of hash ``digest``: a write killed
    after the tensors were renamed into place and before their JSON was."""
    try:
        pending = json.loads(_pending(path.with_suffix("")).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return pending if isinstance(pending, dict) and pending.get("sha256") == digest else None


def prefixed(tensors: dict[str, Tensor], prefix: str) -> dict[str, Tensor]:
    """The entries under ``prefix.``, with the prefix taken off."""
    cut = len(prefix) + 1
    return {k[cut:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
