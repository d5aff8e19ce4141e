"""Frame-level video classification, end to end: videos, a per-frame encoder and an RNN, segmentation metrics.

``train(config)`` trains, selects the epoch by validation frame accuracy,
tests it and draws the test videos' timelines (``test-timeline.png``);
``load``, ``predict`` and ``evaluate`` work from a saved run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnlab.apps.framelabel.data import INPUTS, FrameData, load_frame_data, read_array
from rnnlab.apps.framelabel.tasks import FrameTask, label_videos
from rnnlab.data import DataError
from rnnlab.kernels.dispatch import check_engine
from rnnlab.models import CELL_KINDS, FrameLabeller, make_stack
from rnnlab.training import TrainConfig, fit, is_main_process, resolve_device, seed_everything
from rnnlab.training.appconfig import AppConfig, describing, resumed_config, run_folder
from rnnlab.training.checkpoint import load_checkpoint, prefixed
from rnnlab.training.segmentation import segmentation_scores
from rnnlab.viz import plot_timeline

log = logging.getLogger(__name__)
APP = "framelabel"
ENCODERS = CELL_KINDS + ("none",)


@dataclass(frozen=True)
class FrameConfig(AppConfig):
    """Everything a frame-labelling run needs; saved in its checkpoints.

    Data: ``data``, a folder in the action-segmentation layout (see
    ``rnnlab.apps.framelabel.data``), read as ``input`` features or frames;
    None: the generated sprite clips. ``background``: label names left out of
    the edit score and F1. Model: see ``rnnlab.models.FrameLabeller``;
    ``encoder="none"`` is the per-frame baseline, ``bidirectional=False`` the
    causal (online) labeller.
    """

    data: str | None = None
    input: str = "auto"
    train_split: str | None = None
    test_split: str | None = None
    validation: float | int = 0.1
    test: float | int = 0.1
    split_seed: int = 0
    sample_rate: int = 1
    background: tuple[str, ...] = ()
    generated_train: int = 1500
    generated_validation: int = 100
    generated_test: int = 300
    generated_frames: tuple[int, int] = (32, 64)
    encoder: str = "lstm"
    bidirectional: bool = True
    layers: int = 2
    hidden_size: int = 64
    frame_size: int = 64
    channels: tuple[int, ...] = (16, 32)
    grid: int = 4
    dropout: float = 0.1
    engine: str = "auto"
    batch_size: int = 8
    timeline: int = 6
    out: str | None = None
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=10, lr=2e-3, schedule="cosine", monitor="accuracy", monitor_mode="max"))

    def __post_init__(self) -> None:
        self.check_choices({"input": INPUTS, "encoder": ENCODERS})
        check_engine(self.engine)
        self.check_at_least(("layers", "hidden_size", "frame_size", "grid", "batch_size", "sample_rate"))
        self.check_at_least(("timeline",), 0)
        self.check_fractions(("dropout",))
        for name in ("channels", "background", "generated_frames"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if len(self.generated_frames) != 2:
            raise ValueError(f"generated frames must be (shortest, longest); received {self.generated_frames}")


@dataclass
class FrameResult:
    run_dir: Path
    test: dict[str, float]
    validation: dict[str, float]
    classes: list[str]
    stopped: str


def frame_shape(data: FrameData) -> tuple[int, ...]:
    """What one frame is: ``(C, H, W)`` for raw frames, ``(D,)`` for features."""
    shape = data.train.inputs[0].shape[1:]
    return (shape[2], shape[0], shape[1]) if data.kind == "frames" else shape


def build_model(config: FrameConfig, num_classes: int, shape: tuple[int, ...]) -> FrameLabeller:
    encoder = None if config.encoder == "none" else make_stack(
        config.encoder, config.frame_size, config.hidden_size, config.layers, config.dropout,
        bidirectional=config.bidirectional, engine=config.engine)
    return FrameLabeller(num_classes, shape, config.frame_size, encoder, config.hidden_size, config.channels,
                         config.grid, config.dropout)


def background_ids(config: FrameConfig, classes: list[str]) -> list[int]:
    unknown = [b for b in config.background if b not in classes]
    if unknown:
        raise ValueError(f"background label {unknown[0]!r} is not one of the labels: {', '.join(classes[:20])}")
    return [classes.index(b) for b in config.background]


def train(config: FrameConfig, resume: bool = False) -> FrameResult:
    """Read the videos, build the model, train, and test the best weights."""
    run_dir = run_folder(config.out, APP)
    seed_everything(config.train.seed)
    data = load_frame_data(config)
    shape = frame_shape(data)
    model = build_model(config, len(data.classes), shape)
    log.info("data %s: %d / %d / %d videos of %s %s, %d labels", data.source, len(data.train), len(data.validation),
             len(data.test), data.kind, shape, len(data.classes))
    task = FrameTask({"train": data.train, "validation": data.validation, "test": data.test}, config.batch_size,
                     config.train.seed, background_ids(config, data.classes))
    meta = {"app": APP, "config": config.to_json(), "classes": data.classes, "kind": data.kind,
            "frame_shape": list(shape), "source": data.source}
    result = fit(model, task, config.train, run_dir, meta, resume=resume)
    if result.stopped != "max_steps" and is_main_process():
        if config.timeline:
            shown = list(range(min(config.timeline, len(data.test))))
            predicted = label_videos(result.model, [data.test.inputs[k] for k in shown])
            plot_timeline([(data.test.names[k], {"true": data.test.labels[k].tolist(), "predicted": p})
                           for k, p in zip(shown, predicted)], data.classes, run_dir / "test-timeline.png")
        (run_dir / "summary.json").write_text(json.dumps(
            {"test": result.test, "validation": result.validation, "classes": data.classes,
             "stopped": result.stopped}, indent=1), encoding="utf-8")
    return FrameResult(run_dir, result.test, result.validation, data.classes, result.stopped)


def resume(out: str | Path, epochs: int | None = None, max_steps: int | None = None,
           progress: bool = True) -> FrameResult:
    """Continue the run in ``out`` with its saved config; only its length may change (see ``continued``)."""
    return train(resumed_config(out, APP, FrameConfig, epochs, max_steps, progress), resume=True)


@dataclass
class Trained:
    model: FrameLabeller
    classes: list[str]
    kind: str
    config: FrameConfig


def load(checkpoint: str | Path, device: str = "cpu") -> Trained:
    """A trained frame labeller, from a run folder or a checkpoint file."""
    tensors, meta = load_checkpoint(checkpoint, app=APP, map_location=resolve_device(device))
    with describing(checkpoint, "a frame labeller"):
        config = FrameConfig.from_json(meta["config"])
        classes = list(meta["classes"])
        model = build_model(config, len(classes), tuple(meta["frame_shape"])).to(resolve_device(device))
        model.load_state_dict(prefixed(tensors, "model"))
    model.eval()
    return Trained(model, classes, meta["kind"], config)


def read_video(trained: Trained, path: str | Path) -> np.ndarray:
    """A video file for ``trained``: features ``(D, T)`` or frames, of the shape it was trained on."""
    array = read_array(path, trained.kind)
    shape = array.shape[1:] if trained.kind == "features" else (array.shape[3], array.shape[1], array.shape[2])
    if tuple(shape) != trained.model.frame_shape:
        want = trained.model.frame_shape
        expected = f"(D={want[0]}, T)" if trained.kind == "features" else f"(T, {want[1]}, {want[2]}, {want[0]})"
        raise DataError(path, f"expected {trained.kind} of shape {expected}, as the model was trained on; "
                              f"received {trained.kind} of {tuple(shape)}")
    return array


def predict(trained: Trained, paths: list[str | Path]) -> list[list[int]]:
    """The label id of every frame of each video file."""
    return label_videos(trained.model, [read_video(trained, p) for p in paths])


def evaluate(checkpoint: str | Path, device: str = "cpu") -> dict[str, float]:
    """Frame accuracy, edit score and F1@{10,25,50} of a saved model on its run's test split."""
    trained = load(checkpoint, device)
    data = load_frame_data(trained.config)
    predicted = label_videos(trained.model, data.test.inputs)
    return segmentation_scores(predicted, [y.tolist() for y in data.test.labels],
                               ignore=background_ids(trained.config, trained.classes))
