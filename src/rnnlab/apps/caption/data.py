"""The captioning runs' data: pictures with captions in a public format (``rnnlab.data.captions``) or the
generated scenes (``generated.py``), split.

Formats (``FORMATS``): ``flickr8k`` (``Flickr8k.token.txt`` with the image
folder ``images``; split files listing image names give the splits, or images
are held out at random), ``coco`` (a captions JSON with its image folder) and
``generated``, the embedded scenes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from rnnlab.apps.caption.generated import Scene, generate_scenes
from rnnlab.data import BadRows, DataError, read_lines, split_items
from rnnlab.data.captions import (Captioned, as_uint8, image_array, read_captioned_images, read_coco, read_flickr8k,
                                  read_image)

FORMATS = ("auto", "generated", "flickr8k", "coco")
__all__ = ["FORMATS", "Captioned", "CaptionData", "load_captions", "read_coco", "read_flickr8k", "read_image"]


@dataclass
class CaptionData:
    train: Captioned
    validation: Captioned
    test: Captioned
    source: str
    skipped: dict[str, int] = field(default_factory=dict)


def _scenes(scenes: list[Scene], size: int, prefix: str) -> Captioned:
    images = torch.stack([as_uint8(image_array(s.image(), size)) for s in scenes]) if scenes else torch.empty(0)
    return Captioned(images, [[tuple(c.split()) for c in s.captions()] for s in scenes],
                     [f"{prefix}-{k}" for k in range(len(scenes))], scenes)


def generated_pictures(n: int, size: int) -> Tensor:
    """``n`` generated test pictures, uint8 ``(n, 3, size, size)``, the same at each call."""
    return _scenes(generate_scenes(1, 1, n, seed=0)[2], size, "picture").images


def _split_names(path: str | None) -> set[str] | None:
    return None if path is None else {line for _, line in read_lines(path)}


def load_captions(config) -> CaptionData:
    """The images and captions ``config`` (a ``CaptionConfig``) names, split."""
    if config.data is None:
        if config.format not in ("auto", "generated"):
            raise ValueError(f"format {config.format!r} needs --data")
        splits = generate_scenes(config.generated_train, config.generated_validation, config.generated_test,
                                 config.split_seed)
        return CaptionData(*(_scenes(s, config.image_size, p) for s, p in zip(splits, ("train", "val", "test"))),
                           source="generated scenes")
    path = Path(config.data)
    if not path.is_file():
        raise DataError(path, "no such file" if not path.exists() else "is not a file")
    if config.images is None:
        raise ValueError("--data needs --images, the folder of the images it captions")
    folder = Path(config.images)
    if not folder.is_dir():
        raise DataError(folder, "no such folder")
    format = config.format
    if format == "auto":
        format = "coco" if path.suffix.lower() == ".json" else "flickr8k"
    bad = BadRows(config.skip_bad_rows)
    captions = read_coco(path) if format == "coco" else read_flickr8k(path, bad)
    everything = read_captioned_images(captions, folder, config.image_size, bad)
    named = {split: _split_names(getattr(config, f"{split}_split")) for split in ("train", "validation", "test")}
    if any(v is not None for v in named.values()):
        if named["train"] is None or named["test"] is None:
            raise ValueError("split files: give at least --train-split and --test-split")
        parts = {split: [k for k, n in enumerate(everything.names) if n in names]
                 for split, names in named.items() if names is not None}
        if "validation" not in parts:
            parts["train"], parts["validation"], _ = split_items(parts["train"], config.validation, 0,
                                                                 config.split_seed, what="training images")
    else:
        parts = dict(zip(("train", "validation", "test"), split_items(
            range(len(everything)), config.validation, config.test, config.split_seed, at_least=1, what="images",
            source=path)))
    for split, index in parts.items():
        if not index:
            raise DataError(path, f"the {split} split holds none of the readable captioned images")
    return CaptionData(everything.subset(parts["train"]), everything.subset(parts["validation"]),
                       everything.subset(parts["test"]), str(path), bad.skipped)
