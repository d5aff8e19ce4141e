"""The frame-labelling runs' data: videos in the action-segmentation layout (``rnnlab.data.videos``) or the
generated sprite clips (``generated.py``), split by the data set's split files or at random."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlab.apps.framelabel.generated import MOTIONS, generate_clips
from rnnlab.data import DataError, split_items
from rnnlab.data.videos import Videos, load_videos, read_array, read_labels, read_mapping, split_names

INPUTS = ("auto", "features", "frames")
__all__ = ["INPUTS", "FrameData", "Videos", "load_frame_data", "read_array", "read_labels", "read_mapping"]


@dataclass
class FrameData:
    train: Videos
    validation: Videos
    test: Videos
    classes: list[str]
    kind: str  # "features" or "frames"
    source: str


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
                                                                0 if test_names else config.test, config.split_seed,
                                                                what="videos", source=train_split)
        test_names = test_names or more_test
    else:
        names = sorted(p.stem for p in (root / "groundTruth").glob("*.txt"))
        if not names:
            raise DataError(root / "groundTruth", "holds no NAME.txt label files")
        train_names, validation_names, test_names = split_items(names, config.validation, config.test,
                                                                config.split_seed, what="videos",
                                                                source=root / "groundTruth")
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
