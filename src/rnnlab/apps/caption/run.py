"""Image captioning, end to end: pictures and captions, a CNN and a decoder RNN, BLEU and attributes.

``train(config)`` trains, selects the epoch by validation BLEU-4, tests it
and draws a sheet of test pictures with their captions; ``load``,
``describe`` and ``evaluate`` work from a saved run.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from rnnlab.apps.caption.data import FORMATS, CaptionData, Captioned, load_captions, read_image
from rnnlab.apps.caption.tasks import CaptionTask, caption_scores, describe_images
from rnnlab.data import DataError, Vocabulary
from rnnlab.data.vocab import BOS, EOS, PAD, UNK
from rnnlab.kernels.dispatch import check_engine
from rnnlab.models import ATTENTIONS, CELL_KINDS, IMAGE_AS, Captioner
from rnnlab.training import TrainConfig, fit, is_main_process, resolve_device, seed_everything
from rnnlab.training.appconfig import AppConfig, describing, resumed_config, run_folder
from rnnlab.training.checkpoint import load_checkpoint, prefixed
from rnnlab.viz import plot_sheet

log = logging.getLogger(__name__)
APP = "caption"
ATTENTION_CHOICES = ATTENTIONS + ("none",)


@dataclass(frozen=True)
class CaptionConfig(AppConfig):
    """Everything a captioning run needs; saved in its checkpoints.

    Data: ``data`` (a Flickr8k token file or a COCO JSON) with ``images``, its
    picture folder; None: the generated scenes. Model: see
    ``rnnlab.models.Captioner``; ``encoder_weights``: a safetensors file of
    the CNN's own weights to start from.
    """

    data: str | None = None
    images: str | None = None
    format: str = "auto"
    train_split: str | None = None
    validation_split: str | None = None
    test_split: str | None = None
    skip_bad_rows: bool = False
    validation: float | int = 0.05
    test: float | int = 0.1
    split_seed: int = 0
    generated_train: int = 5000
    generated_validation: int = 300
    generated_test: int = 1000
    image_size: int = 64
    min_freq: int = 1
    max_vocab: int | None = None
    channels: tuple[int, ...] = (32, 64, 128)
    encoder_weights: str | None = None
    embedding_dim: int = 64
    cell: str = "lstm"
    hidden_size: int = 256
    layers: int = 1
    dropout: float = 0.1
    attention: str = "none"
    image_as: str = "state"
    engine: str = "auto"
    batch_size: int = 32  # pictures, each with all its captions
    beam: int = 1
    alpha: float = 0.0
    sheet: int = 16
    out: str | None = None
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=10, lr=1e-3, schedule="cosine", monitor="bleu4", monitor_mode="max"))

    def __post_init__(self) -> None:
        self.check_choices({"format": FORMATS, "cell": CELL_KINDS, "attention": ATTENTION_CHOICES,
                            "image_as": IMAGE_AS})
        check_engine(self.engine)
        self.check_at_least(("layers", "hidden_size", "batch_size", "min_freq", "beam", "embedding_dim"))
        self.check_at_least(("image_size",), 8)
        self.check_at_least(("sheet",), 0)
        self.check_fractions(("dropout",))
        object.__setattr__(self, "channels", tuple(self.channels))


@dataclass
class CaptionResult:
    run_dir: Path
    test: dict[str, float]
    validation: dict[str, float]
    baseline: dict[str, float]
    stopped: str
    skipped: dict[str, int]


def build_vocab(train: Captioned, config: CaptionConfig) -> Vocabulary:
    return Vocabulary.build((c for refs in train.captions for c in refs), (PAD, BOS, EOS, UNK), config.min_freq,
                            config.max_vocab)


def build_model(config: CaptionConfig, vocab: Vocabulary) -> Captioner:
    return Captioner(len(vocab), config.embedding_dim, config.cell, config.hidden_size, config.layers,
                     config.dropout, None if config.attention == "none" else config.attention, config.image_as,
                     config.channels, vocab.pad_id, config.engine)


def load_encoder_weights(model: Captioner, path: str | Path) -> None:
    """Start the CNN from a user's weights (safetensors, the names of ``ConvEncoder.state_dict()``)."""
    try:
        weights = load_file(str(path))
    except (OSError, SafetensorError) as error:
        raise DataError(path, f"is not a safetensors file ({error})") from None
    try:
        model.cnn.load_state_dict(weights)
    except RuntimeError as error:
        raise DataError(path, "does not fit the CNN: " + " ".join(str(error).split())[:300]) from None


def blind_baseline(data: CaptionData, split: str = "test") -> dict[str, float]:
    """The scores of giving every picture the most common training caption."""
    common = Counter(" ".join(c) for refs in data.train.captions for c in refs).most_common(1)[0][0]
    target: Captioned = getattr(data, split)
    return caption_scores([common] * len(target), [[" ".join(c) for c in refs] for refs in target.captions],
                          target.scenes)


def train(config: CaptionConfig, resume: bool = False) -> CaptionResult:
    """Read the pictures and captions, build the vocabulary and model, train, and test the best weights."""
    run_dir = run_folder(config.out, APP)
    seed_everything(config.train.seed)
    data = load_captions(config)
    for reason, count in data.skipped.items():
        log.warning("%s: skipped %d: %s", data.source, count, reason)
    vocab = build_vocab(data.train, config)
    model = build_model(config, vocab)
    if config.encoder_weights and not resume:
        load_encoder_weights(model, config.encoder_weights)
    log.info("data %s: %d / %d / %d images, %d words", data.source, len(data.train), len(data.validation),
             len(data.test), len(vocab))
    task = CaptionTask({"train": data.train, "validation": data.validation, "test": data.test}, vocab,
                       config.batch_size, config.train.seed, config.beam, config.alpha)
    meta = {"app": APP, "config": config.to_json(), "vocab": vocab.to_json(), "source": data.source}
    result = fit(model, task, config.train, run_dir, meta, resume=resume)
    baseline = blind_baseline(data)
    if result.stopped != "max_steps" and is_main_process():
        if config.sheet:
            shown = data.test.subset(list(range(min(config.sheet, len(data.test)))))
            found = describe_images(result.model, shown.images, vocab, config.beam, config.alpha)
            plot_sheet(shown.images.permute(0, 2, 3, 1).numpy(), [" ".join(vocab.decode(h.tokens)) for h in found],
                       [" ".join(refs[0]) for refs in shown.captions], run_dir / "test-captions.png")
        (run_dir / "summary.json").write_text(json.dumps(
            {"test": result.test, "validation": result.validation, "blind_baseline": baseline,
             "skipped": data.skipped, "stopped": result.stopped}, indent=1), encoding="utf-8")
    return CaptionResult(run_dir, result.test, result.validation, baseline, result.stopped, data.skipped)


def resume(out: str | Path, epochs: int | None = None, max_steps: int | None = None,
           progress: bool = True) -> CaptionResult:
    """Continue the run in ``out`` with its saved config; only its length may change (see ``continued``)."""
    return train(resumed_config(out, APP, CaptionConfig, epochs, max_steps, progress), resume=True)


@dataclass
class Trained:
    model: Captioner
    vocab: Vocabulary
    config: CaptionConfig


def load(checkpoint: str | Path, device: str = "cpu") -> Trained:
    """A trained captioner, from a run folder or a checkpoint file."""
    tensors, meta = load_checkpoint(checkpoint, app=APP, map_location=resolve_device(device))
    with describing(checkpoint, "a captioner"):
        config = CaptionConfig.from_json(meta["config"])
        vocab = Vocabulary.from_json(meta["vocab"])
        model = build_model(config, vocab).to(resolve_device(device))
        model.load_state_dict(prefixed(tensors, "model"))
    model.eval()
    return Trained(model, vocab, config)


def describe(trained: Trained, paths: list[str | Path], beam: int = 1, alpha: float = 0.0) -> list[str]:
    """A caption for each picture file."""
    images = torch.stack([read_image(p, trained.config.image_size) for p in paths])
    return [" ".join(trained.vocab.decode(h.tokens)) for h in describe_images(trained.model, images, trained.vocab,
                                                                               beam, alpha)]


def evaluate(checkpoint: str | Path, beam: int = 1, alpha: float = 0.0, device: str = "cpu") -> dict[str, float]:
    """Test metrics of a saved captioner on its own test split, with the blind baseline's beside them."""
    trained = load(checkpoint, device)
    data = load_captions(trained.config)
    task = CaptionTask({"test": data.test}, trained.vocab, trained.config.batch_size, 0, beam, alpha)
    return {**task.evaluate(trained.model, "test"),
            **{f"blind_{k}": v for k, v in blind_baseline(data).items()}}
