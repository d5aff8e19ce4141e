"""Videos with a label on every frame, in the layout of the action-segmentation data sets.

The layout of the action-segmentation data sets (Breakfast, 50Salads, GTEA as MS-TCN ships them)::

    ROOT/mapping.txt              "0 take_bowl" lines: a label's id and name
    ROOT/groundTruth/NAME.txt     one label name a line, one line a frame
    ROOT/features/NAME.npy        per-frame features, shape (D, T)
    ROOT/splits/train.split1.bundle, ROOT/splits/test.split1.bundle   video names (NAME or NAME.txt), a line each

Raw frames use the same layout with ``ROOT/frames/NAME.npy`` of shape (T, H, W)
or (T, H, W, C), uint8 (or floats in [0, 1]). Every way a file can be wrong
stops with one error naming it.
"""

from __future__ import annotations

import math
import tokenize
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlab.data.errors import DataError
from rnnlab.data.files import file_name, read_lines


@dataclass
class Videos:
    names: list[str]
    inputs: list[np.ndarray]  # (T, D) float32 features or (T, H, W, C) uint8 frames
    labels: list[np.ndarray]  # (T,) int64

    def __len__(self) -> int:
        return len(self.names)


def read_mapping(path: str | Path) -> list[str]:
    """The label names, in id order, from ``id label`` lines; ids must run 0, 1, ..., K-1."""
    by_id: dict[int, str] = {}
    for line, text in read_lines(path):
        parts = text.split(maxsplit=1)
        if len(parts) != 2 or not (parts[0].isascii() and parts[0].isdigit()):
            raise DataError(path, f"expected 'id label'; received {text[:60]!r}", line)
        if int(parts[0]) in by_id or parts[1] in by_id.values():
            raise DataError(path, f"id or label {text[:60]!r} appears twice", line)
        by_id[int(parts[0])] = parts[1]
    if sorted(by_id) != list(range(len(by_id))):
        raise DataError(path, f"ids must run 0..{len(by_id) - 1}; received {sorted(by_id)[:10]}")
    return [by_id[k] for k in range(len(by_id))]


def read_labels(path: str | Path, index: dict[str, int], mapping: str | Path) -> np.ndarray:
    """One label id a frame, from a file of one label name a line."""
    ids = []
    for line, text in read_lines(path):
        if text not in index:
            raise DataError(path, f"label {text[:60]!r} is not in {mapping}", line)
        ids.append(index[text])
    return np.asarray(ids, dtype=np.int64)


def _load_npy(path: Path) -> np.ndarray:
    """A .npy file's array, its header checked first: no object arrays (never unpickled), and the data the
    header announces, no more and no less."""
    header = np.lib.format
    try:
        with open(path, "rb") as f:
            version = header.read_magic(f)
            read = header.read_array_header_1_0 if version == (1, 0) else header.read_array_header_2_0
            shape, _, dtype = read(f)
            if dtype.hasobject:
                raise ValueError(f"it holds Python objects ({dtype}), which rnnlab never unpickles")
            need = math.prod(shape) * dtype.itemsize
            left = path.stat().st_size - f.tell()
            if need != left:
                raise ValueError(f"its header announces {shape} of {dtype}, {need:,} bytes; the file holds "
                                 f"{left:,}")
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, SyntaxError, TypeError, tokenize.TokenError) as error:
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise DataError(path, f"is not a .npy array ({reason})") from None


def read_array(path: str | Path, kind: str) -> np.ndarray:
    """Features ``(D, T)`` -> ``(T, D)`` float32; frames ``(T, H, W)`` or ``(T, H, W, C)`` -> ``(T, H, W, C)`` uint8."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such file")
    array = _load_npy(path)
    if not isinstance(array, np.ndarray) or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise DataError(path, f"expected a numeric array; received {type(array).__name__} of {array.dtype}")
    if not np.isfinite(array).all():
        raise DataError(path, "holds NaN or infinite values")
    if kind == "features":
        if array.ndim != 2:
            raise DataError(path, f"expected features of shape (D, T); received shape {array.shape}")
        array = array.T.astype(np.float32)
    else:
        if array.ndim not in (3, 4):
            raise DataError(path, f"expected frames of shape (T, H, W) or (T, H, W, C); received shape {array.shape}")
        if array.ndim == 3:
            array = array[..., None]
        if array.dtype != np.uint8:
            if array.size and (array.min() < 0 or array.max() > 1):
                raise DataError(path, f"expected uint8 frames or floats in [0, 1]; received {array.dtype} from "
                                      f"{array.min()} to {array.max()}")
            array = np.round(array * 255).astype(np.uint8)
    if array.shape[0] == 0:
        raise DataError(path, "has no frames: an empty video")
    return array


def split_names(path: str | Path) -> list[str]:
    """The video names a split file lists (``NAME`` or ``NAME.txt`` a line)."""
    names = [file_name(text[:-4] if text.endswith(".txt") else text, path, line) for line, text in read_lines(path)]
    if not names:
        raise DataError(path, "lists no videos")
    return names


def load_videos(root: Path, names: list[str], kind: str, index: dict[str, int], sample_rate: int) -> Videos:
    """Each video's input and labels, every ``sample_rate``-th frame; their counts must agree."""
    inputs, labels = [], []
    for name in names:
        array_path, truth_path = root / kind / f"{name}.npy", root / "groundTruth" / f"{name}.txt"
        if not truth_path.is_file():
            raise DataError(truth_path, "no such file (every listed video needs its ground truth)")
        array = read_array(array_path, kind)
        truth = read_labels(truth_path, index, root / "mapping.txt")
        if len(truth) != array.shape[0]:
            raise DataError(truth_path, f"has {len(truth)} labels but {array_path} has {array.shape[0]} frames; "
                                        f"expected one label a frame")
        inputs.append(array[::sample_rate])
        labels.append(truth[::sample_rate])
    return Videos(list(names), inputs, labels)
