"""Frame-level video classification, declared for the runner: videos, a per-frame encoder and an RNN, segmentation metrics.

Training selects the epoch by validation frame accuracy, tests it and draws
the test videos' timelines (``test-timeline.png``); ``predict`` works from a
trained run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from rnnlab.apps.framelabel.data import INPUTS, FrameData, load_frame_data, read_array, read_labels
from rnnlab.apps.framelabel.tasks import FrameTask, label_videos, video_batch
from rnnlab.data import DataError
from rnnlab.export import check, run_onnx, save
from rnnlab.export.onnx_graph import frame_labeller
from rnnlab.models import CELL_KINDS, FrameLabeller, make_stack
from rnnlab.training import TrainConfig
from rnnlab.training.tasks import device_of
from rnnlab.training.options import Config, encoding_option, engine_option, option, out_option
from rnnlab.training.runner import App, Prepared, Trained, Verb, evaluate
from rnnlab.training.segmentation import segmentation_scores, segments
from rnnlab.viz import plot_timeline
from rnnlab.viz.pictures import data_url


@dataclass(frozen=True)
class FrameConfig(Config):
    """Everything a frame-labelling run needs, saved in its checkpoints; each field is a ``--flag`` of ``train``."""

    data: str | None = option(None, "a folder with mapping.txt, groundTruth/ and features/ (D, T) or frames/ "
                                    "(T, H, W[, C]) .npy files", none="generated clips", group="data")
    input: str = option("auto", "read features/ or frames/; auto: features/ if present", choices=INPUTS,
                        group="data")
    train_split: str | None = option(None, "a file listing the training videos",
                                     none="splits/train.split1.bundle if present", group="data")
    test_split: str | None = option(None, "... the test videos", none="splits/test.split1.bundle if present",
                                    group="data")
    validation: float | int = option(0.1, "videos carved from train", group="data")
    test: float | int = option(0.1, "videos carved from train without a test split", group="data")
    split_seed: int = option(0, "also seeds the generated clips", group="data")
    sample_rate: int = option(1, "keep every N-th frame", group="data")
    background: tuple[str, ...] = option((), "comma-separated labels left out of edit score and F1", group="data")
    generated_train: int = option(1500, "", group="data")
    generated_validation: int = option(100, "", group="data")
    generated_test: int = option(300, "", group="data")
    generated_frames: tuple[int, int] = option((32, 64), "shortest and longest clip", group="data")
    encoder: str = option("lstm", "recurrent cell, or none: the per-frame baseline", choices=CELL_KINDS + ("none",),
                          group="model")
    bidirectional: bool = option(True, "forward only: each frame's label from the frames up to it (default: "
                                       "bidirectional)", flag="--causal", group="model")
    layers: int = option(2, "", group="model")
    hidden_size: int = option(64, "units a direction", group="model")
    frame_size: int = option(64, "the frame vector v_t", group="model")
    channels: tuple[int, ...] = option((16, 32), "CNN widths for raw frames, a block each", group="model")
    grid: int = option(4, "the CNN's map is pooled to GRID x GRID cells", group="model")
    dropout: float = option(0.1, "", group="model")
    engine: str = engine_option()
    batch_size: int = option(8, "videos a batch", group="model")
    timeline: int = option(6, "test videos drawn in test-timeline.png; 0: none")
    encoding: str = encoding_option()
    out: str | None = out_option("framelabel")
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=10, lr=2e-3, schedule="cosine", monitor="accuracy", monitor_mode="max"))

    def __post_init__(self) -> None:
        self.check_choices()
        self.check_split_sizes()
        self.check_at_least(("layers", "hidden_size", "frame_size", "grid", "batch_size", "sample_rate"))
        self.check_at_least(("timeline",), 0)
        self.check_fractions(("dropout",))
        self.tuples("channels", "background", "generated_frames")
        if len(self.generated_frames) != 2:
            raise ValueError(f"generated frames must be (shortest, longest); received {self.generated_frames}")


def background_ids(config: FrameConfig, classes: list[str]) -> list[int]:
    unknown = [b for b in config.background if b not in classes]
    if unknown:
        raise ValueError(f"background label {unknown[0]!r} is not one of the labels: {', '.join(classes[:20])}")
    return [classes.index(b) for b in config.background]


def prepare(config: FrameConfig, meta: dict | None) -> Prepared:
    data = load_frame_data(config)
    shape = data.train.inputs[0].shape[1:]
    shape = (shape[2], shape[0], shape[1]) if data.kind == "frames" else shape  # one frame: (C, H, W) or (D,)
    return Prepared(data, {"classes": data.classes, "kind": data.kind, "frame_shape": list(shape)}, data.source)


def build_model(config: FrameConfig, meta: dict) -> FrameLabeller:
    encoder = None if config.encoder == "none" else make_stack(
        config.encoder, config.frame_size, config.hidden_size, config.layers, config.dropout,
        bidirectional=config.bidirectional, engine=config.engine)
    return FrameLabeller(len(meta["classes"]), tuple(meta["frame_shape"]), config.frame_size, encoder,
                         config.hidden_size, config.channels, config.grid, config.dropout)


def task(config: FrameConfig, prepared: Prepared) -> FrameTask:
    data: FrameData = prepared.data
    return FrameTask({"train": data.train, "validation": data.validation, "test": data.test}, config.batch_size,
                     config.train.seed, background_ids(config, data.classes))


def report(model: FrameLabeller, config: FrameConfig, prepared: Prepared, run_dir: Path) -> dict:
    """The timelines of the first test videos, true beside predicted."""
    data: FrameData = prepared.data
    if config.timeline:
        shown = list(range(min(config.timeline, len(data.test))))
        predicted = label_videos(model, [data.test.inputs[k] for k in shown])
        plot_timeline([(data.test.names[k], {"true": data.test.labels[k].tolist(), "predicted": p})
                       for k, p in zip(shown, predicted)], data.classes, run_dir / "test-timeline.png")
    return {"classes": data.classes}


def read_video(trained: Trained, path: str | Path) -> np.ndarray:
    """A video file for ``trained``: features ``(D, T)`` or frames, of the shape it was trained on."""
    kind = trained.meta["kind"]
    array = read_array(path, kind)
    shape = array.shape[1:] if kind == "features" else (array.shape[3], array.shape[1], array.shape[2])
    if tuple(shape) != trained.model.frame_shape:
        want = trained.model.frame_shape
        expected = f"(D={want[0]}, T)" if kind == "features" else f"(T, {want[1]}, {want[2]}, {want[0]})"
        raise DataError(path, f"expected {kind} of shape {expected}, as the model was trained on; "
                              f"received {kind} of {tuple(shape)}")
    return array


def predict(trained: Trained, paths: list[str | Path]) -> list[list[int]]:
    """The label id of every frame of each video file."""
    return label_videos(trained.model, [read_video(trained, p) for p in paths])


@torch.no_grad()
def lab_clip(trained: Trained, params: dict) -> dict:
    """A test clip for ``rnnlab lab``: its frames (pictures; features as one grey image, a column a frame), the
    true and the predicted label of each frame, and each frame's probabilities."""
    test = trained.prepared().data.test
    index = int(params.get("index", 0))
    if not 0 <= index < len(test):
        raise ValueError(f"index must be in [0, {len(test) - 1}] (the test split's clips); received {index}")
    video = test.inputs[index]
    trained.model.eval()
    x, lengths = video_batch([video], device_of(trained.model))
    probs = trained.model(x, lengths)[0].float().softmax(-1).cpu()  # (T, K)
    frames = [data_url(frame, scale=2) for frame in video] if trained.meta["kind"] == "frames" \
        else [data_url(video.T, scale=3)]
    return {"index": index, "count": len(test), "name": test.names[index], "classes": trained.meta["classes"],
            "frames": frames, "truth": test.labels[index].tolist(), "predicted": probs.argmax(-1).tolist(),
            "probs": [[round(float(p), 3) for p in row] for row in probs]}


@torch.no_grad()
def export_onnx(trained: Trained, path: Path) -> str:
    """The frame labeller as ONNX (see ``rnnlab.export.onnx_graph.frame_labeller``), with ``PATH.json`` beside
    it (the labels, the input's layout); checked against rnnlab on three test clips of the run."""
    path = save(frame_labeller(trained.model), path)
    test = trained.prepared().data.test
    x, lengths = video_batch(test.inputs[:3], device_of(trained.model))
    trained.model.eval()
    name = "frames" if trained.meta["kind"] == "frames" else "features"
    check(path, run_onnx(path, {name: x, "lengths": lengths})["logits"], trained.model(x, lengths), 1e-4)
    path.with_suffix(".json").write_text(json.dumps({
        "app": "framelabel", "classes": trained.meta["classes"], "input": name,
        "inputs": {name: "(B, T, C, H, W) float32 in [0, 1]: uint8 frames / 255, channels first" if name == "frames"
                   else "(B, T, D) float32 features", "lengths": "(B,) int64"},
        "outputs": {"logits": "(B, T, K)", "probs": "(B, T, K), in the order of classes"}}, indent=1),
        encoding="utf-8")
    return f"{path}: checked against rnnlab on {min(3, len(test))} test clips; {path.with_suffix('.json')} holds " \
           f"the labels"


@dataclass(frozen=True)
class PredictOptions(Config):
    videos: tuple[str, ...] = option((), "a .npy file like the ones the model was trained on", positional=True,
                                     metavar="VIDEO")
    truth: tuple[str, ...] = option((), "ground-truth files (a label a line), one a VIDEO: scored and drawn beside "
                                        "the prediction", many=True, metavar="LABELS")
    timeline: str | None = option(None, "draw the predicted (and true) segments to this file", metavar="PNG")

    def __post_init__(self) -> None:
        if self.truth and len(self.truth) != len(self.videos):
            raise ValueError(f"--truth needs one labels file a VIDEO; received {len(self.truth)} for "
                             f"{len(self.videos)} videos")


def run_predict(trained: Trained, o: PredictOptions) -> str:
    """Each video's segments; with ``truth``, its scores; with ``timeline``, the drawing."""
    classes = trained.meta["classes"]
    predicted = predict(trained, list(o.videos))
    truths: list = [None] * len(o.videos)
    if o.truth:
        index = {c: k for k, c in enumerate(classes)}
        truths = [read_labels(p, index, "the model's labels").tolist() for p in o.truth]
        for path, truth, labels in zip(o.truth, truths, predicted):
            if len(truth) != len(labels):
                raise DataError(path, f"has {len(truth)} labels for a video of {len(labels)} frames")
    lines = []
    for path, labels, truth in zip(o.videos, predicted, truths):
        lines.append(f"{path}: {len(labels)} frames")
        lines += [f"  {start}-{end - 1}\t{classes[label]}" for label, start, end in segments(labels)]
        if truth is not None:
            scores = segmentation_scores([labels], [truth])
            lines.append("  " + ", ".join(f"{k} {v:.3f}" if k == "accuracy" else f"{k} {v:.1f}"
                                          for k, v in scores.items()))
    if o.timeline:
        rows = [(str(path), {**({"true": truth} if truth is not None else {}), "predicted": labels})
                for path, labels, truth in zip(o.videos, predicted, truths)]
        lines.append(f"timeline: {plot_timeline(rows, classes, o.timeline)}")
    return "\n".join(lines)


APP = App(
    name="framelabel", help="frame-level video classification: a label for every frame",
    description="Train an RNN that labels every frame of a video; evaluate it with the action-segmentation "
                "metrics; label new videos.",
    config=FrameConfig, prepare=prepare, build_model=build_model, task=task, report=report,
    verbs=(Verb("eval", "frame accuracy, edit score and F1@{10,25,50} on the run's test split", evaluate),
           Verb("predict", "the segments of each VIDEO (.npy features (D, T) or frames)", run_predict,
                PredictOptions)),
    lab={"clip": lab_clip},
    export=export_onnx)
