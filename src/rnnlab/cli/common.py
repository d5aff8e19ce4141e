"""What the commands share: a parser that fails in one line, and the training options."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields, replace
from typing import Any, NoReturn

from rnnlab.training import OPTIMIZERS, SCHEDULES, TrainConfig


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def size(text: str) -> float | int:
    """A count (``1000``) or a fraction (``0.05``)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count or a fraction; received {text!r}") from None


def widths(text: str) -> tuple[int, ...]:
    """Layer widths: ``32,64,128``."""
    try:
        return tuple(int(c) for c in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 32,64,128; received {text!r}") from None


def add_train_arguments(parser: argparse.ArgumentParser, defaults: TrainConfig) -> None:
    """The fit loop's options; each default shown is the application's own."""
    g = parser.add_argument_group("training")
    d = defaults
    g.add_argument("--epochs", type=int, help=f"passes over the training data (default {d.epochs})")
    g.add_argument("--optimizer", choices=OPTIMIZERS, help=f"(default {d.optimizer})")
    g.add_argument("--lr", type=float, help=f"learning rate (default {d.lr})")
    g.add_argument("--momentum", type=float, help=f"for sgd and rmsprop (default {d.momentum})")
    g.add_argument("--weight-decay", type=float, help=f"L2 regularisation (default {d.weight_decay})")
    g.add_argument("--schedule", choices=SCHEDULES, help=f"learning-rate schedule (default {d.schedule})")
    g.add_argument("--warmup-steps", type=int, help=f"linear warm-up steps (default {d.warmup_steps})")
    g.add_argument("--clip", choices=("norm", "value", "none"),
                   help=f"gradient clipping: by global norm (g <- theta g/||g||), by value, or none (default {d.clip})")
    g.add_argument("--clip-threshold", type=float, help=f"theta (default {d.clip_threshold})")
    g.add_argument("--nan-patience", type=int,
                   help=f"stop after this many non-finite steps in a row (default {d.nan_patience})")
    g.add_argument("--early-stopping", type=int,
                   help=f"stop after this many epochs without a better validation metric; 0: off "
                        f"(default {d.early_stopping})")
    g.add_argument("--monitor", help=f"the validation metric that picks the best weights (default {d.monitor})")
    g.add_argument("--monitor-mode", choices=("min", "max"),
                   help=f"whether lower or higher --monitor is better (default {d.monitor_mode})")
    g.add_argument("--average", type=float, help=f"validate and keep an exponential moving average of the weights "
                                                 f"with this decay, e.g. 0.999; 0: off (default {d.average})")
    g.add_argument("--seed", type=int, help=f"random seed (default {d.seed})")
    g.add_argument("--device", help=f"auto (cuda if available), cpu, cuda, cuda:N (default {d.device})")
    g.add_argument("--max-steps", type=int, help="stop after this many optimiser steps (a checkpoint is written)")
    g.add_argument("--max-minutes", type=float,
                   help="stop training after this many minutes, validate, and test the best weights")
    g.add_argument("--checkpoint-every", type=int,
                   help=f"also checkpoint every N steps; 0: at the end of each epoch only (default {d.checkpoint_every})")
    g.add_argument("--log-every", type=int, help=f"steps per line of metrics.jsonl (default {d.log_every})")
    g.add_argument("--diagnostics", type=int, metavar="N",
                   help="every N steps, record ||dL/dh_t|| for every t, each layer's gradient norm, gate "
                        "saturation and clipping, warn when gradients vanish or explode, and draw "
                        "diagnostics.png; 0: off (default 0)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument("--no-tensorboard", action="store_true", help="do not write TensorBoard logs")


def train_config(args: argparse.Namespace, defaults: TrainConfig) -> TrainConfig:
    """``defaults`` with the options the user gave."""
    given = {f.name: getattr(args, f.name) for f in fields(TrainConfig)
             if getattr(args, f.name, None) is not None}
    if "clip" in given and given["clip"] == "none":
        given["clip"] = None
    if args.quiet:
        given["progress"] = False
    if args.no_tensorboard:
        given["tensorboard"] = False
    return replace(defaults, **given)


def train_or_resume(args: argparse.Namespace, command: str, app, defaults, options: dict[str, Any]):
    """Start a run of ``app`` (a module with ``train`` and ``resume``) or continue the one in ``--out``.

    ``options`` are the config fields the user gave, to replace in the app's
    ``defaults``; the training options come from ``args``. Prints the run folder; returns None when the run stopped at
    ``--max-steps`` (after saying how to continue), else the app's result.
    """
    if args.resume:
        if not args.out:
            raise ValueError("--resume needs --out, the run folder to continue")
        result = app.resume(args.out, args.epochs, args.max_steps, progress=not args.quiet)
    else:
        result = app.train(replace(defaults, **options, train=train_config(args, defaults.train)))
    print(f"run folder: {result.run_dir}")
    if result.stopped == "max_steps":
        print(f"stopped at the step limit; continue with: rnnlab {command} train --out {result.run_dir} --resume")
        return None
    return result


def given(args: argparse.Namespace, names: list[str]) -> dict[str, Any]:
    """The options among ``names`` that the user gave (argparse default None means not given)."""
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
