"""Sequences composed from real single-digit data: FSDD connected-digit utterances and MNIST digit strings.

- FSDD (Free Spoken Digit Dataset, ``recordings/{digit}_{speaker}_{index}.wav``):
  3-7 recordings of one speaker joined with random silence between them, each
  at a random gain, over a faint noise floor, like the TIDIGITS task. Its own split puts
  recordings 0-4 of every speaker and digit in the test set;
  ``held_out_speaker`` puts every recording of one speaker there instead.
- MNIST (IDX files): 4-8 digit images side by side with random spacing (or
  overlap), scale and vertical jitter. With only the official test file, its
  first 5,000 images (NIST SD-3 writers) give the training strings and its
  last 5,000 (SD-1, other writers) the test strings; with the training files
  too, those train and the whole test file tests.

Everything is deterministic for a seed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from rnnlab.data import DataError, split_items
from rnnlab.data.audio import read_wav, resample
from rnnlab.data.transcribed import read_idx

FSDD_NAME = re.compile(r"^(\d)_([A-Za-z0-9-]+)_(\d+)\.wav$", re.IGNORECASE)


@dataclass(frozen=True)
class Recording:
    digit: str
    speaker: str
    index: int
    path: Path


def fsdd_folder(root: Path) -> Path | None:
    """The folder of FSDD recordings under ``root`` (``root/recordings`` or ``root``), or None."""
    for folder in (root / "recordings", root):
        if folder.is_dir() and any(FSDD_NAME.match(p.name) for p in folder.glob("*.wav")):
            return folder
    return None


def fsdd_recordings(root: Path) -> list[Recording]:
    folder = fsdd_folder(root)
    if folder is None:
        raise DataError(root, "holds no FSDD recordings: expected recordings/{digit}_{speaker}_{index}.wav")
    found = []
    for path in sorted(folder.glob("*.wav")):
        match = FSDD_NAME.match(path.name)
        if match:
            found.append(Recording(match[1], match[2], int(match[3]), path))
    return found


def fsdd_splits(recordings: list[Recording], held_out_speaker: str | None, validation: float | int,
                seed: int) -> tuple[list[Recording], list[Recording], list[Recording]]:
    """Training, validation and test recordings: test is indices 0-4 (the data set's own split) or one
    speaker; validation is carved from the rest."""
    if held_out_speaker is None:
        test = [r for r in recordings if r.index <= 4]
    else:
        speakers = sorted({r.speaker for r in recordings})
        if held_out_speaker not in speakers:
            raise DataError(None, f"--held-out-speaker {held_out_speaker!r} is not an FSDD speaker; the "
                                  f"recordings are of {', '.join(speakers)}")
        test = [r for r in recordings if r.speaker == held_out_speaker]
    rest = [r for r in recordings if r not in set(test)]
    train, valid, _ = split_items(rest, validation, 0, seed=seed)
    return train, valid, test


def read_recordings(recordings: list[Recording], rate: int) -> list[tuple[Tensor, str, str]]:
    """Each recording at ``rate`` Hz, scaled to a peak of 1, with its digit and speaker."""
    out = []
    for r in recordings:
        samples, own = read_wav(r.path)
        samples = resample(samples, own, rate)
        out.append((samples / samples.abs().max(), r.digit, r.speaker))
    return out


def connected_digits(recordings: list[tuple[Tensor, str, str]], n: int, digits: tuple[int, int], rate: int,
                     rng: random.Random, speed: float = 0.0) -> list[tuple[Tensor, str]]:
    """``n`` utterances ``(samples, "4071")`` of ``digits`` (shortest, longest) recordings each, every
    utterance by one speaker (a speaker is drawn in proportion to their recordings), as a person says a number.

    ``speed``: each recording is played up to this much faster or slower
    (speed perturbation, Ko et al. 2015: 0.1 is 0.9-1.1x), which moves its
    pitch and formants the way another speaker's would.
    """
    by_speaker: dict[str, list[tuple[Tensor, str]]] = {}
    for samples, digit, speaker in recordings:
        by_speaker.setdefault(speaker, []).append((samples, digit))
    out = []
    for _ in range(n):
        own = by_speaker[rng.choice(recordings)[2]]
        chosen = [rng.choice(own) for _ in range(rng.randint(*digits))]
        pieces = [torch.zeros(int(rate * rng.uniform(0.05, 0.3)))]
        for samples, _ in chosen:
            if speed:
                samples = resample(samples, rate, round(rate / rng.uniform(1 - speed, 1 + speed)))
            pieces += [samples * 10 ** (rng.uniform(-6, 6) / 20), torch.zeros(int(rate * rng.uniform(0.05, 0.4)))]
        utterance = torch.cat(pieces)
        generator = torch.Generator().manual_seed(rng.getrandbits(32))
        floor = 10 ** rng.uniform(-4, -2.5)
        out.append((utterance + floor * torch.randn(utterance.shape, generator=generator),
                    "".join(d for _, d in chosen)))
    return out


def mnist_files(root: Path) -> dict[str, tuple[Path, Path]]:
    """``{"train": (images, labels), "test": ...}`` of the IDX files in ``root`` (gzipped or not)."""
    found = {}
    for split, stem in (("train", "train"), ("test", "t10k")):
        pair = []
        for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
            candidates = [root / f"{stem}-{kind}{suffix}" for suffix in ("", ".gz")]
            pair.append(next((p for p in candidates if p.is_file()), None))
        if all(pair):
            found[split] = tuple(pair)
    return found


def read_mnist(images: Path, labels: Path) -> tuple[np.ndarray, np.ndarray]:
    pictures, digits = read_idx(images), read_idx(labels)
    if pictures.ndim != 3 or digits.ndim != 1 or len(pictures) != len(digits):
        raise DataError(images, f"expected (N, rows, columns) images and N labels; found {pictures.shape} and "
                                f"{digits.shape}")
    return pictures, digits


def mnist_pools(root: Path, validation: float | int, seed: int) -> tuple[list, list, list]:
    """Training, validation and test images as ``(picture, digit)``: writer-disjoint halves of the test file,
    or the training file and the test file."""
    files = mnist_files(root)
    if "test" not in files:
        raise DataError(root, "holds no MNIST test file: expected t10k-images-idx3-ubyte[.gz] and "
                              "t10k-labels-idx1-ubyte[.gz]")
    test_images, test_labels = read_mnist(*files["test"])
    pairs = [(p, str(int(d))) for p, d in zip(test_images, test_labels)]
    if "train" in files:
        train_images, train_labels = read_mnist(*files["train"])
        learn, test = [(p, str(int(d))) for p, d in zip(train_images, train_labels)], pairs
    else:
        half = len(pairs) // 2
        learn, test = pairs[:half], pairs[half:]
    train, valid, _ = split_items(learn, validation, 0, seed=seed)
    return train, valid, test


def digit_string(pictures: list[np.ndarray], rng: random.Random, height: int) -> np.ndarray:
    """``(height, W)`` float32: the pictures left to right, each scaled by 0.8-1.1, spaced -8..+4 pixels
    (overlapping when negative) and moved up or down by up to 3 pixels."""
    placed, x = [], rng.randint(0, 4)
    for picture in pictures:
        side = max(8, round(picture.shape[0] * rng.uniform(0.8, 1.1) * height / 32))
        scaled = np.asarray(Image.fromarray(picture).resize((side, side), Image.BILINEAR), dtype=np.float32) / 255
        y = min(max(0, (height - side) // 2 + rng.randint(-3, 3)), max(0, height - side))
        placed.append((x, y, scaled[: height - y]))
        x += side + rng.randint(-8, 4)
    width = max(px + s.shape[1] for px, _, s in placed) + rng.randint(0, 4)
    canvas = np.zeros((height, width), np.float32)
    for px, py, s in placed:
        region = canvas[py:py + s.shape[0], px:px + s.shape[1]]
        np.maximum(region, s, out=region)
    return canvas


def digit_strings(pool: list[tuple[np.ndarray, str]], n: int, digits: tuple[int, int], height: int,
                  rng: random.Random) -> list[tuple[np.ndarray, str]]:
    """``n`` strings ``(image, "40713")`` of ``digits`` (shortest, longest) pictures from ``pool``."""
    out = []
    for _ in range(n):
        chosen = [rng.choice(pool) for _ in range(rng.randint(*digits))]
        out.append((digit_string([p for p, _ in chosen], rng, height), "".join(d for _, d in chosen)))
    return out
