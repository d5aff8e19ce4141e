"""``rnnlab framelabel train|eval|predict``: the chapter's synced many-to-many application."""

from __future__ import annotations

import argparse

from rnnlab.apps import framelabel
from rnnlab.apps.framelabel.data import INPUTS, read_labels
from rnnlab.apps.framelabel.run import ENCODERS
from rnnlab.cli.common import add_train_arguments, given, size, train_or_resume, widths
from rnnlab.data import DataError
from rnnlab.kernels import ENGINES
from rnnlab.training.segmentation import segmentation_scores, segments
from rnnlab.viz import format_table, plot_timeline

MODEL_OPTIONS = ["data", "input", "train_split", "test_split", "validation", "test", "split_seed", "sample_rate",
                 "generated_train", "generated_validation", "generated_test", "encoder", "layers", "hidden_size",
                 "frame_size", "grid", "dropout", "engine", "batch_size", "timeline", "out"]


def _names(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def _frames(text: str) -> tuple[int, int]:
    try:
        low, high = (int(x) for x in text.split(","))
        return low, high
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected the shortest and longest clip like 32,64; received {text!r}") \
            from None


def add_parser(commands) -> None:
    p = commands.add_parser("framelabel", help="frame-level video classification: a label for every frame",
                            description="Train an RNN that labels every frame of a video; evaluate it with the "
                                        "action-segmentation metrics; label new videos.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    d = framelabel.FrameConfig()

    t = sub.add_parser("train", help="train on generated clips of moving sprites or on --data",
                       description="Train, select the epoch by validation frame accuracy, test it, and draw the "
                                   "test videos' timelines (test-timeline.png).")
    data = t.add_argument_group("data")
    data.add_argument("--data", help="a folder with mapping.txt, groundTruth/ and features/ (D, T) or frames/ "
                                     "(T, H, W[, C]) .npy files; default: generated clips")
    data.add_argument("--input", choices=INPUTS, help="read features/ or frames/ (default auto: features/ if "
                                                      "present)")
    data.add_argument("--train-split", help="a file listing the training videos (default: "
                                            "splits/train.split1.bundle if present)")
    data.add_argument("--test-split", help="... the test videos (default: splits/test.split1.bundle if present)")
    data.add_argument("--validation", type=size, help=f"videos carved from train (default {d.validation})")
    data.add_argument("--test", type=size, help=f"videos carved from train without a test split (default {d.test})")
    data.add_argument("--split-seed", type=int, help=f"(default {d.split_seed}); also seeds the generated clips")
    data.add_argument("--sample-rate", type=int, help=f"keep every N-th frame (default {d.sample_rate})")
    data.add_argument("--background", type=_names, help="comma-separated labels left out of edit score and F1")
    data.add_argument("--generated-train", type=int, help=f"(default {d.generated_train})")
    data.add_argument("--generated-validation", type=int, help=f"(default {d.generated_validation})")
    data.add_argument("--generated-test", type=int, help=f"(default {d.generated_test})")
    data.add_argument("--generated-frames", type=_frames, help=f"shortest and longest clip (default "
                                                               f"{','.join(map(str, d.generated_frames))})")
    m = t.add_argument_group("model")
    m.add_argument("--encoder", choices=ENCODERS, help=f"recurrent cell, or none: the per-frame baseline "
                                                       f"(default {d.encoder})")
    m.add_argument("--causal", action="store_true", help="forward only: each frame's label from the frames up to "
                                                         "it (default: bidirectional)")
    m.add_argument("--layers", type=int, help=f"(default {d.layers})")
    m.add_argument("--hidden-size", type=int, help=f"units a direction (default {d.hidden_size})")
    m.add_argument("--frame-size", type=int, help=f"the frame vector v_t (default {d.frame_size})")
    m.add_argument("--channels", type=widths, help=f"CNN widths for raw frames, a block each (default "
                                                      f"{','.join(map(str, d.channels))})")
    m.add_argument("--grid", type=int, help=f"the CNN's map is pooled to GRID x GRID cells (default {d.grid})")
    m.add_argument("--dropout", type=float, help=f"(default {d.dropout})")
    m.add_argument("--engine", choices=ENGINES, help=f"(default {d.engine})")
    m.add_argument("--batch-size", type=int, help=f"videos a batch (default {d.batch_size})")
    t.add_argument("--timeline", type=int, help=f"test videos drawn in test-timeline.png; 0: none "
                                                f"(default {d.timeline})")
    t.add_argument("--out", help="run folder (default: runs/framelabel-DATE-TIME)")
    t.add_argument("--resume", action="store_true", help="continue the interrupted run in --out")
    add_train_arguments(t, d.train)
    t.set_defaults(handler=run_train)

    e = sub.add_parser("eval", help="frame accuracy, edit score and F1@{10,25,50} on the run's test split")
    e.add_argument("checkpoint", metavar="CHECKPOINT", help="a run folder or its best.json")
    e.add_argument("--device", default="cpu", help="(default %(default)s)")
    e.set_defaults(handler=run_eval)

    r = sub.add_parser("predict", help="the segments of each VIDEO (.npy features (D, T) or frames)")
    r.add_argument("checkpoint", metavar="CHECKPOINT", help="a run folder or its best.json")
    r.add_argument("videos", metavar="VIDEO", nargs="+", help="a .npy file like the ones the model was trained on")
    r.add_argument("--truth", nargs="+", metavar="LABELS", help="ground-truth files (a label a line), one a VIDEO: "
                                                                "scored and drawn beside the prediction")
    r.add_argument("--timeline", metavar="PNG", help="draw the predicted (and true) segments to this file")
    r.add_argument("--device", default="cpu", help="(default %(default)s)")
    r.set_defaults(handler=run_predict)


def _table(metrics: dict) -> str:
    return format_table([{"metric": k.replace("_", " "), "value": v} for k, v in metrics.items()])


def run_train(args: argparse.Namespace) -> None:
    options = given(args, MODEL_OPTIONS + ["channels", "background", "generated_frames"])
    if args.causal:
        options["bidirectional"] = False
    result = train_or_resume(args, "framelabel", framelabel, framelabel.FrameConfig(), options)
    if result is None:
        return
    print("\ntest:")
    print(_table(result.test))


def run_eval(args: argparse.Namespace) -> None:
    print(_table(framelabel.evaluate(args.checkpoint, args.device)))


def run_predict(args: argparse.Namespace) -> None:
    trained = framelabel.load(args.checkpoint, args.device)
    if args.truth and len(args.truth) != len(args.videos):
        raise ValueError(f"--truth needs one labels file a VIDEO; received {len(args.truth)} for "
                         f"{len(args.videos)} videos")
    predicted = framelabel.predict(trained, args.videos)
    truths = [None] * len(args.videos)
    if args.truth:
        index = {c: k for k, c in enumerate(trained.classes)}
        truths = [read_labels(p, index, "the model's labels").tolist() for p in args.truth]
        for path, truth, labels in zip(args.truth, truths, predicted):
            if len(truth) != len(labels):
                raise DataError(path, f"has {len(truth)} labels for a video of {len(labels)} frames")
    for path, labels, truth in zip(args.videos, predicted, truths):
        print(f"{path}: {len(labels)} frames")
        for label, start, end in segments(labels):
            print(f"  {start}-{end - 1}\t{trained.classes[label]}")
        if truth is not None:
            scores = segmentation_scores([labels], [truth])
            print("  " + ", ".join(f"{k} {v:.3f}" if k == "accuracy" else f"{k} {v:.1f}" for k, v in scores.items()))
    if args.timeline:
        rows = [(str(path), {**({"true": truth} if truth is not None else {}), "predicted": labels})
                for path, labels, truth in zip(args.videos, predicted, truths)]
        print(f"timeline: {plot_timeline(rows, trained.classes, args.timeline)}")
