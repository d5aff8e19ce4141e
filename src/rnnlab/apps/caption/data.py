"""Images with captions: the public formats, the generated scenes, and the splits.

Formats (``FORMATS``):

- ``flickr8k``: ``Flickr8k.token.txt``, lines ``image.jpg#k<TAB>caption``, with
  the image folder (``images``); split files listing image names
  (``Flickr_8k.trainImages.txt``, ``.devImages.txt``, ``.testImages.txt``)
  give the splits, or images are held out at random;
- ``coco``: a COCO captions JSON (``images`` with ``id`` and ``file_name``,
  ``annotations`` with ``image_id`` and ``caption``), with the image folder;
- ``generated``: the embedded scenes (``generated.py``).

Images are read with Pillow and resized to ``image_size`` square. Captions
are lower-cased word tokens. An unreadable image, a caption for an image
that is not there, or an empty caption file is an error naming the file, or
with ``skip_bad_rows`` a counted skip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch import Tensor

from rnnlab.apps.caption.generated import Scene, generate_scenes, to_array
from rnnlab.data import BadRows, DataError, read_lines, read_text, split_items
from rnnlab.data.text import tokenize

FORMATS = ("auto", "generated", "flickr8k", "coco")


@dataclass
class Captioned:
    """Images ``(N, 3, S, S)`` uint8, each with its reference captions (token tuples) and name."""

    images: Tensor
    captions: list[list[tuple[str, ...]]]
    names: list[str]
    scenes: list[Scene] | None = None  # the generated scenes, for the attribute accuracy

    def __len__(self) -> int:
        return len(self.names)

    def subset(self, index: list[int]) -> "Captioned":
        return Captioned(self.images[index], [self.captions[k] for k in index], [self.names[k] for k in index],
                         None if self.scenes is None else [self.scenes[k] for k in index])


@dataclass
class CaptionData:
    train: Captioned
    validation: Captioned
    test: Captioned
    source: str
    skipped: dict[str, int] = field(default_factory=dict)


def as_uint8(array: np.ndarray) -> Tensor:
    return torch.from_numpy(np.rint(array * 255.0).astype(np.uint8))


def read_image(path: str | Path, size: int) -> Tensor:
    """``(3, size, size)`` uint8; a clear error for a missing, unreadable or corrupt file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such image")
    try:
        with Image.open(path) as picture:
            picture.load()
            return as_uint8(to_array(picture, size))
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DataError(path, f"is not an image Pillow can read ({error.__class__.__name__})") from None


def _scenes(scenes: list[Scene], size: int, prefix: str) -> Captioned:
    images = torch.stack([as_uint8(to_array(s.image(), size)) for s in scenes]) if scenes else torch.empty(0)
    return Captioned(images, [[tuple(c.split()) for c in s.captions()] for s in scenes],
                     [f"{prefix}-{k}" for k in range(len(scenes))], scenes)


def read_flickr8k(token_file: str | Path, bad: BadRows) -> dict[str, list[str]]:
    """Captions by image name from ``Flickr8k.token.txt``."""
    captions: dict[str, list[str]] = {}
    for number, line in read_lines(token_file):
        name, tab, caption = line.partition("\t")
        name = name.split("#")[0].strip()
        if not tab or not name or not caption.strip():
            bad.bad(token_file, "expected 'image.jpg#k<TAB>caption'", number, kind="bad caption lines")
            continue
        captions.setdefault(name, []).append(caption.strip())
    return captions


def read_coco(json_file: str | Path) -> dict[str, list[str]]:
    """Captions by image file name from a COCO captions JSON."""
    try:
        data = json.loads(read_text(json_file))
        names = {image["id"]: image["file_name"] for image in data["images"]}
        captions: dict[str, list[str]] = {}
        for note in data["annotations"]:
            if note["image_id"] not in names:
                raise DataError(json_file, f"an annotation names image id {note['image_id']}, which 'images' "
                                           f"does not list")
            captions.setdefault(names[note["image_id"]], []).append(str(note["caption"]).strip())
    except json.JSONDecodeError as error:
        raise DataError(json_file, f"is not JSON ({error.msg})", error.lineno) from None
    except (KeyError, TypeError) as error:
        raise DataError(json_file, f"is not a COCO captions file: expected 'images' with 'id' and 'file_name', "
                                   f"'annotations' with 'image_id' and 'caption' (missing {error})") from None
    if not captions:
        raise DataError(json_file, "holds no captions")
    return captions


def _read_images(captions: dict[str, list[str]], folder: Path, size: int, bad: BadRows) -> Captioned:
    images, refs, names = [], [], []
    for name, texts in captions.items():
        try:
            images.append(read_image(folder / name, size))
        except DataError as error:
            bad.bad(error.path, f"{str(error).split(': ', 1)[1]}, though the caption file captions it",
                    kind="image missing" if not (folder / name).exists() else "image unreadable")
            continue
        refs.append([tuple(tokenize(t)) for t in texts])
        names.append(name)
    if not names:
        raise DataError(folder, "holds none of the captioned images")
    return Captioned(torch.stack(images), refs, names)


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
    everything = _read_images(captions, folder, config.image_size, bad)
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
        try:
            parts = dict(zip(("train", "validation", "test"), split_items(
                range(len(everything)), config.validation, config.test, config.split_seed, at_least=1,
                what="images")))
        except ValueError as error:
            raise DataError(path, str(error)) from None
    for split, index in parts.items():
        if not index:
            raise DataError(path, f"the {split} split holds none of the readable captioned images")
    return CaptionData(everything.subset(parts["train"]), everything.subset(parts["validation"]),
                       everything.subset(parts["test"]), str(path), bad.skipped)
