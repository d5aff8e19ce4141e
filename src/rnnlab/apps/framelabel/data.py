"""Videos with a label on every frame: the action-segmentation layout, raw frames, and the generated clips.

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

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlab.apps.framelabel.generated import MOTIONS, generate_clips
from rnnlab.data import DataError, read_lines, split_items

INPUTS = ("auto", "features", "frames")


@dataclass
class Videos:
    names: list[str]
    inputs: list[np.ndarray]  # (T, D) float32 features or (T, H, W, C) uint8 frames
    labels: list[np.ndarray]  # (T,) int64

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class FrameData:
    train: Videos
    validation: Videos
    test: Videos
    classes: list[str]
    kind: str  # "features" or "frames"
    source: str


def read_mapping(path: str | Path) -> list[str]:
    """The label names, in id order, from ``id label`` lines; ids must run 0, 1, ..., K-1."""
    by_id: dict[int, str] = {}
    for line, text in read_lines(path):
        parts = text.split(maxsplit=1)
        if len(parts) != 2 or not parts[0].isdigit():
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


def read_array(path: str | Path, kind: str) -> np.ndarray:
    """Features ``(D, T)`` -> ``(T, D)`` float32; frames ``(T, H, W)`` or ``(T, H, W, C)`` -> ``(T, H, W, C)`` uint8."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such file")
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise DataError(path, f"is not a .npy array ({str(error).splitlines()[0][:120]})") from None
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
    names = [text[:-4] if text.endswith(".txt") else text for _, text in read_lines(path)]
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


def _generated(config) -> FrameData:
    splits = generate_clips(config.generated_train, config.generated_validation, config.generated_test,
                            (config.generated_frames[0], config.generated_frames[1]), config.split_seed)
    videos = [Videos([f"{prefix}{k}" for k in range(len(clips))], [c.frames for c in clips],
                     [np.asarray(c.labels, dtype=np.int64) for c in clips])
              for clips, prefix in zip(splits, ("train", "val", "test"))]
    return FrameData(*videos, list(MOTIONS), "frames", "generated moving sprites")


def load_frame_data(config) -> FrameData:
    """The videos ``config`` (a ``FrameConfig``) names, split; the generated clips without ``data``."""
    if config.data is None:
        return _generated(config)
    root = Path(config.data)
    if not root.is_dir():
        raise DataError(root, "no such folder" if not root.exists() else "is not a folder; expected a data set's "
                                                                          "folder with mapping.txt and groundTruth/")
    kind = config.input
    if kind == "auto":
        kind = "features" if (root / "features").is_dir() else "frames"
    if not (root / kind).is_dir():
        raise DataError(root / kind, f"no such folder (--input {kind})")
    classes = read_mapping(root / "mapping.txt")
    index = {name: k for k, name in enumerate(classes)}
    train_split = config.train_split or _default_split(root, "train")
    test_split = config.test_split or (_default_split(root, "test") if train_split else None)
    if train_split:
        train_names = split_names(train_split)
        test_names = split_names(test_split) if test_split else []
        train_names, validation_names, more_test = split_items(train_names, config.validation,
                                                                0 if test_names else config.test, config.split_seed)
        test_names = test_names or more_test
    else:
        names = sorted(p.stem for p in (root / "groundTruth").glob("*.txt"))
        if not names:
            raise DataError(root / "groundTruth", "holds no NAME.txt label files")
        train_names, validation_names, test_names = split_items(names, config.validation, config.test,
                                                                config.split_seed)
    if not validation_names or not test_names:
        raise DataError(root, "leaves an empty validation or test split; give --validation and --test sizes, "
                              "or split files")
    splits = [load_videos(root, n, kind, index, config.sample_rate) for n in (train_names, validation_names, test_names)]
    first = splits[0].inputs[0].shape[1:]
    for videos in splits:
        for name, array in zip(videos.names, videos.inputs):
            if array.shape[1:] != first:
                raise DataError(root / kind / f"{name}.npy", f"frames of shape {array.shape[1:]} differ from "
                                                             f"{splits[0].names[0]}'s {first}")
    return FrameData(*splits, classes, kind, str(root))


def _default_split(root: Path, part: str) -> Path | None:
    path = root / "splits" / f"{part}.split1.bundle"
    return path if path.is_file() else None
