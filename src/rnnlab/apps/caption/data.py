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
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch import Tensor

from rnnlab.apps.caption.generated import Scene, generate_scenes, to_array
from rnnlab.data import DataError, read_lines, read_text
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


def read_flickr8k(token_file: str | Path, skip_bad: bool = False) -> tuple[dict[str, list[str]], int]:
    """Captions by image name from ``Flickr8k.token.txt``, and how many bad lines were skipped."""
    captions: dict[str, list[str]] = {}
    skipped = 0
    for number, line in read_lines(token_file):
        name, tab, caption = line.partition("\t")
        name = name.split("#")[0].strip()
        if not tab or not name or not caption.strip():
            if not skip_bad:
                raise DataError(token_file, "expected 'image.jpg#k<TAB>caption' (--skip-bad-rows skips such "
                                            "lines)", number)
            skipped += 1
            continue
        captions.setdefault(name, []).append(caption.strip())
    return captions, skipped


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


def _read_images(captions: dict[str, list[str]], folder: Path, size: int, skip_bad: bool,
                 skipped: dict[str, int]) -> Captioned:
    images, refs, names = [], [], []
    for name, texts in captions.items():
        try:
            images.append(read_image(folder / name, size))
        except DataError as error:
            if not skip_bad:
                raise DataError(error.path, f"{str(error).split(': ', 1)[1]} (captioned in the caption file; "
                                            f"--skip-bad-rows skips such images)") from None
            reason = "image missing" if not (folder / name).exists() else "image unreadable"
            skipped[reason] = skipped.get(reason, 0) + 1
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
    skipped: dict[str, int] = {}
    if format == "coco":
        captions = read_coco(path)
    else:
        captions, bad = read_flickr8k(path, config.skip_bad_rows)
        if bad:
            skipped["bad caption lines"] = bad
    everything = _read_images(captions, folder, config.image_size, config.skip_bad_rows, skipped)
    named = {split: _split_names(getattr(config, f"{split}_split")) for split in ("train", "validation", "test")}
    if any(v is not None for v in named.values()):
        if named["train"] is None or named["test"] is None:
            raise ValueError("split files: give at least --train-split and --test-split")
        parts = {split: [k for k, n in enumerate(everything.names) if n in names]
                 for split, names in named.items() if names is not None}
        if "validation" not in parts:
            parts["validation"] = parts["train"][: max(1, len(parts["train"]) // 20)]
            parts["train"] = parts["train"][len(parts["validation"]):]
    else:
        order = list(range(len(everything)))
        random.Random(config.split_seed).shuffle(order)
        n_test = max(1, int(round(config.test * len(order))) if isinstance(config.test, float) else config.test)
        n_val = max(1, int(round(config.validation * len(order))) if isinstance(config.validation, float)
                    else config.validation)
        if n_test + n_val >= len(order):
            raise DataError(path, f"{len(order)} images are too few to hold out {n_test} for test and {n_val} "
                                  f"for validation")
        parts = {"test": order[:n_test], "validation": order[n_test:n_test + n_val], "train": order[n_test + n_val:]}
    for split, index in parts.items():
        if not index:
            raise DataError(path, f"the {split} split holds none of the readable captioned images")
    return CaptionData(everything.subset(parts["train"]), everything.subset(parts["validation"]),
                       everything.subset(parts["test"]), str(path), skipped)
