"""The recognition runs' data, as ``(F, T)`` inputs with transcripts: rendered lines (the default), FSDD
connected digits, MNIST digit strings, or a folder of the user's recordings or line images.

Audio becomes a normalised log-mel spectrogram (``rnnlab.data.audio``); an
image becomes its ink, ``height`` rows high (``rnnlab.data.transcribed``).
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from rnnlab.apps.recognize.composed import (connected_digits, digit_strings, fsdd_folder, fsdd_recordings,
                                            fsdd_splits, mnist_files, mnist_pools, read_recordings)
from rnnlab.apps.recognize.generated import generate_lines
from rnnlab.data import BadRows, DataError, split_items
from rnnlab.data.audio import WINDOW_MS, log_mel, normalise, read_wav, resample
from rnnlab.data.transcribed import (AUDIO, IMAGES, media_files, read_line_image, read_transcripts,
                                     transcript_files)

log = logging.getLogger(__name__)

FORMATS = ("auto", "generated", "fsdd", "mnist", "folder")
MEDIA = {"generated": "image", "fsdd": "audio", "mnist": "image"}


@dataclass
class Example:
    input: Tensor  # (F, T) float32: mel bands x frames, or pixel rows x columns
    text: str
    name: str


@dataclass
class Recognition:
    medium: str  # "audio" or "image"
    train: list[Example]
    validation: list[Example]
    test: list[Example]
    source: str
    rate: int | None = None  # audio: the sample rate every recording is brought to
    skipped: dict[str, int] = field(default_factory=dict)


def audio_features(samples: Tensor, rate: int, n_mels: int) -> Tensor:
    """What the recogniser hears: ``(n_mels, frames)``, each band normalised over the utterance."""
    return normalise(log_mel(samples, rate, n_mels))


def read_input(path: str | Path, medium: str, config, rate: int | None) -> Tensor:
    """One file as the model's ``(F, T)`` input: a recording brought to ``rate`` Hz, or a line image."""
    other = IMAGES if medium == "audio" else AUDIO
    if Path(path).suffix.lower() in other:
        raise DataError(path, f"is {'an image' if medium == 'audio' else 'a recording'}; this run was trained on "
                              f"{'recordings' if medium == 'audio' else 'line images'}")
    if medium == "audio":
        samples, own = read_wav(path)
        if own != rate:
            log.info("%s: resampled from %d Hz to the run's %d Hz", path, own, rate)
        samples = resample(samples, own, rate)
        if len(samples) <= round(rate * WINDOW_MS / 1000):
            raise DataError(path, f"lasts {1000 * len(samples) / rate:.1f} ms; a recording must be longer than one "
                                  f"{WINDOW_MS:g} ms analysis window")
        return audio_features(samples, rate, config.n_mels)
    return torch.from_numpy(read_line_image(path, config.height))


def detect_format(path: Path) -> str:
    if not path.exists():
        raise DataError(path, "no such file or folder")
    if not path.is_dir():
        raise DataError(path, "is a file; expected a folder of recordings or images with a transcript file, FSDD "
                              "or MNIST's IDX files")
    if mnist_files(path):
        return "mnist"
    return "fsdd" if fsdd_folder(path) is not None else "folder"


def read_folder(folder: str | Path, bad: BadRows, config, medium: str | None = None, rate: int | None = None,
                symbols: list[str] | None = None) -> tuple[list[Example], str, int | None]:
    """A folder's transcribed files as examples, its medium and the sample rate used.

    ``medium``, ``rate`` and ``symbols`` (a trained run's) are checked
    against; without them the medium is what the folder holds and the rate the
    most common one of its recordings.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(folder, "no such folder" if not folder.exists() else "is a file; expected a folder")
    found = {"audio": media_files(folder, AUDIO), "image": media_files(folder, IMAGES)}
    if medium is None:
        medium = "audio" if found["audio"] else "image"
    files = found[medium]
    if not files:
        kinds = ", ".join(AUDIO if medium == "audio" else IMAGES)
        raise DataError(folder, f"holds no {medium} files ({kinds}); expected the files its transcripts name")
    named = []
    for transcripts in transcript_files(folder):
        for name, (text, line) in read_transcripts(transcripts, bad).items():
            path = files.get(name)
            unknown = sorted(set(text) - set(symbols)) if symbols is not None else []
            if path is None:
                bad.bad(transcripts, f"names {name!r}, which is not a {medium} file in {folder}", line)
            elif unknown:
                bad.bad(transcripts, f"{name!r} is transcribed with {''.join(unknown)!r}, not in the model's "
                                     f"symbols {''.join(symbols)!r}", line)
            else:
                named.append((path, text))
    if medium == "audio" and rate is None:
        rates = Counter()
        for path, _ in named[:200]:
            try:
                rates[read_wav(path)[1]] += 1
            except DataError:
                pass
        rate = rates.most_common(1)[0][0] if rates else 16000
    examples = []
    for path, text in named:
        try:
            examples.append(Example(read_input(path, medium, config, rate), text, path.name))
        except DataError as error:
            bad.bad(error.path, error.reason, error.line)
    if not examples:
        raise DataError(folder, "holds no transcribed file that could be read")
    return examples, medium, rate


def _images(pairs, prefix: str) -> list[Example]:
    return [Example(torch.from_numpy(image), text, f"{prefix}-{k}") for k, (image, text) in enumerate(pairs)]


def load_recognition(config, meta: dict | None) -> Recognition:
    """The examples ``config`` (a ``RecognizeConfig``) names, split; ``meta``: a trained run's medium, rate and
    symbols (checked against at ``eval --data``)."""
    bad = BadRows(config.skip_bad_rows)
    format = config.format
    if config.data is None:
        if format not in ("auto", "generated"):
            raise ValueError(f"format {format!r} needs --data")
        format = "generated"
    elif format == "generated":
        raise ValueError("--format generated makes its own data; leave out --data")
    elif format == "auto":
        format = detect_format(Path(config.data))
    if config.held_out_speaker is not None and format != "fsdd":
        raise ValueError(f"--held-out-speaker is only for FSDD; the data is read as {format}")
    if config.perturb and format != "fsdd":
        raise ValueError(f"--perturb is only for FSDD; the data is read as {format}")
    if config.digits is not None and format not in ("fsdd", "mnist"):
        raise ValueError(f"--digits is only for the sequences composed from FSDD or MNIST; the data is read as "
                         f"{format}")
    rng = random.Random(config.split_seed)
    counts = config.sequences
    rate = meta.get("rate") if meta else None
    if format == "generated":
        splits = [_images(lines, split) for lines, split in zip(generate_lines(counts, config.split_seed,
                                                                               config.height),
                                                                 ("train", "validation", "test"))]
        data = Recognition("image", *splits, source="generated text lines")
    elif format == "fsdd":
        rate = rate or config.sample_rate or 8000
        pools = fsdd_splits(fsdd_recordings(Path(config.data)), config.held_out_speaker, config.validation,
                            config.split_seed)
        splits = []
        for pool, n, split in zip(pools, counts, ("train", "validation", "test")):
            if not pool:
                raise DataError(config.data, f"leaves no recordings for {split}; give a positive --validation")
            utterances = connected_digits(read_recordings(pool, rate), n, config.digits or (3, 7), rate, rng,
                                          config.perturb if split == "train" else 0.0)
            splits.append([Example(audio_features(s, rate, config.n_mels), text, f"{split}-{k}")
                           for k, (s, text) in enumerate(utterances)])
        speaker = f", speaker {config.held_out_speaker} held out" if config.held_out_speaker else ""
        data = Recognition("audio", *splits, source=f"FSDD connected digits: {config.data}{speaker}", rate=rate)
    elif format == "mnist":
        pools = mnist_pools(Path(config.data), config.validation, config.split_seed)
        splits = [_images(digit_strings(pool, n, config.digits or (4, 8), config.height, rng), split)
                  for pool, n, split in zip(pools, counts, ("train", "validation", "test"))]
        data = Recognition("image", *splits, source=f"MNIST digit strings: {config.data}")
    else:
        examples, medium, rate = read_folder(config.data, bad, config, rate=rate or config.sample_rate)
        validation = read_folder(config.validation_data, bad, config, medium, rate)[0] \
            if config.validation_data else None
        train, carved, test = split_items(examples, 0 if validation else config.validation,
                                          0 if config.test_data else config.test, config.split_seed,
                                          what="transcribed files", source=config.data)
        data = Recognition(medium, train, validation or carved, test, str(config.data), rate)
    if config.test_data:  # a folder to test on (eval --data: checked against the run's own medium, rate, symbols)
        data.test, _, _ = read_folder(config.test_data, bad, config, data.medium, data.rate,
                                      meta["symbols"] if meta else None)
        data.source = f"{data.source}; test: {config.test_data}"
    if not data.validation or not data.test:
        raise DataError(config.data, "leaves an empty validation or test split; give --validation and --test "
                                     "shares, or --validation-data and --test-data")
    data.skipped = bad.skipped
    return data
