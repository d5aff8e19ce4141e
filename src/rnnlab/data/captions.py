"""Pictures with captions in their public formats: Flickr8k's token file, COCO's captions JSON, image files.

Images are read with Pillow and resized to a square; captions are lower-cased
word tokens. An unreadable image, a caption for an image that is not there,
or a bad line goes to a ``BadRows``: an error naming the file, or a counted skip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from rnnlab.data.errors import DataError
from rnnlab.data.files import file_name, read_lines, read_picture, read_text
from rnnlab.data.rows import BadRows
from rnnlab.data.text import tokenize


@dataclass
class Captioned:
    """Images ``(N, 3, S, S)`` uint8, each with its reference captions (token tuples) and name."""

    images: Tensor
    captions: list[list[tuple[str, ...]]]
    names: list[str]
    scenes: list | None = None  # what generated pictures hold, for the attribute accuracy

    def __len__(self) -> int:
        return len(self.names)

    def subset(self, index: list[int]) -> "Captioned":
        return Captioned(self.images[index], [self.captions[k] for k in index], [self.names[k] for k in index],
                         None if self.scenes is None else [self.scenes[k] for k in index])


def image_array(picture: Image.Image, size: int) -> np.ndarray:
    """``(3, size, size)`` float32 in [0, 1]."""
    if picture.size != (size, size):
        picture = picture.resize((size, size), Image.BILINEAR)
    return np.asarray(picture.convert("RGB"), dtype=np.float32).transpose(2, 0, 1) / 255.0


def as_uint8(array: np.ndarray) -> Tensor:
    return torch.from_numpy(np.rint(array * 255.0).astype(np.uint8))


def read_image(path: str | Path, size: int) -> Tensor:
    """``(3, size, size)`` uint8; a clear error for a missing, unreadable or corrupt file."""
    return as_uint8(image_array(read_picture(path), size))


def read_flickr8k(token_file: str | Path, bad: BadRows) -> dict[str, list[str]]:
    """Captions by image name from ``Flickr8k.token.txt``."""
    captions: dict[str, list[str]] = {}
    for number, line in read_lines(token_file):
        name, tab, caption = line.partition("\t")
        name = name.split("#")[0].strip()
        if not tab or not name or not caption.strip():
            bad.bad(token_file, "expected 'image.jpg#k<TAB>caption'", number, kind="bad caption lines")
            continue
        file_name(name, token_file, number)
        captions.setdefault(name, []).append(caption.strip())
    return captions


def read_coco(json_file: str | Path) -> dict[str, list[str]]:
    """Captions by image file name from a COCO captions JSON."""
    try:
        data = json.loads(read_text(json_file))
        names = {image["id"]: file_name(image["file_name"], json_file) for image in data["images"]}
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


def read_captioned_images(captions: dict[str, list[str]], folder: Path, size: int, bad: BadRows) -> Captioned:
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
