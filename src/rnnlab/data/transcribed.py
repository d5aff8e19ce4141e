"""Recordings and line images with their transcripts, in the layouts people publish them in.

- A transcript file: ``name<TAB>text`` a line (``name`` with or without its
  extension), or LibriSpeech's ``*.trans.txt``: ``ID TEXT`` a line.
- Line images (PNG, JPEG, ... whatever Pillow reads), to a fixed height,
  grey, ink bright on a dark ground (dark-on-light scans are inverted).
- MNIST's IDX files (``*-idx3-ubyte``, ``*-idx1-ubyte``), gzipped or not.

A bad line, a file the transcript names but the folder lacks, or a file that
does not open goes to a ``BadRows``: an error naming it, or a counted skip.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
from PIL import Image

from rnnlab.data.errors import DataError
from rnnlab.data.files import read_lines, read_picture
from rnnlab.data.rows import BadRows

AUDIO = (".wav", ".flac", ".ogg")
IMAGES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif")
IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_transcripts(path: str | Path, bad: BadRows) -> dict[str, tuple[str, int]]:
    """``(text, line number)`` by name from ``name<TAB>text`` lines, or ``ID TEXT`` lines when a line has no
    tab."""
    out: dict[str, tuple[str, int]] = {}
    for number, line in read_lines(path):
        name, tab, text = line.partition("\t")
        if not tab:
            name, _, text = line.partition(" ")
        name, text = name.strip(), " ".join(text.split())
        if not name or not text:
            bad.bad(path, "expected 'name<TAB>transcript' (or LibriSpeech's 'ID TRANSCRIPT')", number)
        elif name in out:
            bad.bad(path, f"{name!r} is transcribed twice", number)
        else:
            out[name] = (text, number)
    return out


def transcript_files(folder: Path) -> list[Path]:
    """The transcript files of a folder: ``transcripts.tsv``/``.txt`` or ``*.tsv``, else every
    ``*.trans.txt`` below it (LibriSpeech's chapters)."""
    for name in ("transcripts.tsv", "transcripts.txt"):
        if (folder / name).is_file():
            return [folder / name]
    found = sorted(folder.glob("*.tsv")) or sorted(folder.rglob("*.trans.txt"))
    if not found:
        raise DataError(folder, "holds no transcripts: expected transcripts.tsv ('name<TAB>text' a line) or "
                                "LibriSpeech's *.trans.txt files")
    return found


def media_files(folder: Path, suffixes: tuple[str, ...]) -> dict[str, Path]:
    """The files below ``folder`` with one of ``suffixes``, by name with and without extension."""
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in suffixes and path.is_file():
            found.setdefault(path.name, path)
            found.setdefault(path.stem, path)
    return found


def ink_image(picture: Image.Image, height: int) -> np.ndarray:
    """``(height, W)`` float32 in [0, 1], ink bright, whatever the picture's size: a picture lighter than
    mid-grey on average is taken for dark ink on paper and inverted; it is cropped to its ink (``ink_box``)
    with a margin of a tenth of the ink's height (a flat picture is kept whole), and scaled to ``height`` rows,
    the width with it."""
    grey = np.asarray(picture.convert("L"), dtype=np.float32) / 255.0
    if grey.mean() > 0.5:
        grey = 1.0 - grey
    box = ink_box(grey)
    if box is not None:
        top, bottom, left, right = box
        margin = max(1, round(0.1 * (bottom - top)))
        grey = np.pad(grey, margin, constant_values=float(np.median(grey)))[top:bottom + 2 * margin,
                                                                             left:right + 2 * margin]
    width = max(1, round(grey.shape[1] * height / grey.shape[0]))
    scaled = np.asarray(Image.fromarray(grey, mode="F").resize((width, height), Image.BILINEAR), dtype=np.float32)
    return np.clip(scaled, 0.0, 1.0)


def ink_box(grey: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(top, bottom, left, right)``, ends excluded, of the ink of a picture whose ink is bright: the pixels
    above halfway from the background (the median) to the brightest. None when the picture is flat."""
    background = float(np.median(grey))
    contrast = float(grey.max()) - background
    if contrast < 0.1:
        return None
    ink = grey > background + 0.5 * contrast
    rows, columns = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    return int(rows[0]), int(rows[-1]) + 1, int(columns[0]), int(columns[-1]) + 1


def read_line_image(path: str | Path, height: int) -> np.ndarray:
    """A line image as ``ink_image``; one DataError for a missing or unreadable file."""
    return ink_image(read_picture(path), height)


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX array (MNIST's format: zero bytes, a type byte, the number of dimensions, big-endian sizes, data),
    gzipped or not."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "no such IDX file")
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise DataError(path, f"is a broken gzip file ({error})") from None
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] not in IDX_TYPES:
        raise DataError(path, "is not an IDX file (expected two zero bytes, a type byte and the number of "
                              "dimensions)")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    dtype = np.dtype(IDX_TYPES[data[2]])
    body = data[4 + 4 * ndim:]
    if len(body) != dtype.itemsize * math.prod(shape):
        raise DataError(path, f"holds {len(body)} bytes of data; its header announces {shape} of {dtype}")
    try:
        return np.frombuffer(body, dtype).reshape(shape)
    except ValueError as error:  # sizes numpy cannot hold, though their product is 0
        raise DataError(path, f"announces a shape numpy cannot make ({error})") from None
