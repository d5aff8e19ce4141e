"""``rnnlab``: the command line, written from the registry of applications and their config fields.

It only parses, builds a config and calls the runner. Every application gets
``train`` (its config's options, then the training options, and
``--resume``) and its verbs (``eval``, ``sample``, ``predict``, ...), each
taking a run folder. User mistakes (a ValueError from a config, a loader or a
checkpoint, or an OSError from the file system) end with one line on stderr
and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from functools import partial

from rnnlab import __version__
from rnnlab.apps import demo, registered
from rnnlab.cli import experiment, export, lab, vectors
from rnnlab.cli.options import Parser, add_options, configure, given
from rnnlab.training import TrainConfig
from rnnlab.training.runner import App, Verb, reading


def add_app(commands, app: App) -> None:
    """``rnnlab APP train`` and ``rnnlab APP VERB RUN`` for each of the app's verbs."""
    p = commands.add_parser(app.name, help=app.help, description=app.description or app.help)
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    defaults = app.config()
    t = sub.add_parser("train", help="train on the embedded default or on --data, and test the best epoch",
                       description="Train, select the best epoch on the validation split, test it and write the "
                                   "run folder: checkpoints, metrics.jsonl, curves.png, summary.json.")
    add_options(t, app.config, defaults)
    t.add_argument("--resume", action="store_true", help="continue the interrupted run in --out")
    add_options(t, TrainConfig, defaults.train, group="training")
    t.set_defaults(handler=partial(run_train, app))
    for verb in app.verbs:
        v = sub.add_parser(verb.name, help=verb.help, description=verb.help)
        v.add_argument("checkpoint", metavar="RUN", help="a run folder or a checkpoint's .json")
        if verb.options is not None:
            add_options(v, verb.options)
        v.add_argument("--device", default="cpu", help="(default %(default)s)")
        v.set_defaults(handler=partial(run_verb, app, verb))


def run_train(app: App, args: argparse.Namespace) -> None:
    if args.resume:
        if not args.out:
            raise ValueError("--resume needs --out, the run folder to continue")
        result = app.resume(args.out, args.epochs, args.max_steps, progress=args.progress is None)
    else:
        result = app.train(configure(args, app.config()))
    print(f"run folder: {result.run_dir}")
    if result.stopped == "max_steps":
        print(f"stopped at the step limit; continue with: rnnlab {app.name} train --out {result.run_dir} --resume")
        return
    for what, count in result.skipped.items():
        print(f"skipped {count}: {what}")
    if "started_from" in result.summary:
        print(result.started_from)
    print()
    print(app.show(result.summary))


def run_verb(app: App, verb: Verb, args: argparse.Namespace) -> None:
    options = verb.options(**given(args, verb.options)) if verb.options is not None else None
    trained = app.load(args.checkpoint, args.device)
    with reading(trained.config):  # files a verb reads (eval --data, ...) in the run's encoding
        print(verb.run(trained, options))


def run_demo(args: argparse.Namespace) -> None:
    config = configure(args, demo.DemoConfig())
    print(demo.report(config, demo.run(config)))


def build_parser(apps: list[App] | None = None) -> Parser:
    """The parser for ``apps`` (default: every registered application) and the other commands."""
    parser = Parser(
        prog="rnnlab",
        description="Recurrent neural networks as the chapter writes them: Elman RNN, LSTM, GRU, "
                    "bidirectional and deep RNNs, BPTT, and their applications.")
    parser.add_argument("--version", action="version", version=f"rnnlab {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for app in registered() if apps is None else apps:
        add_app(commands, app)
    experiment.add_parser(commands)
    lab.add_parser(commands)
    export.add_parser(commands)
    vectors.add_parser(commands)
    tour = commands.add_parser("demo", help="tour the cells: each equals torch.nn where torch has it, and each "
                                            "learns", description="Check every cell against torch.nn and train each "
                                                                  "on a small task.")
    add_options(tour, demo.DemoConfig)
    tour.set_defaults(handler=run_demo)
    return parser


def main(argv: list[str] | None = None, apps: list[App] | None = None) -> int:
    parser = build_parser(apps)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    name = " ".join(filter(None, ["rnnlab", args.command, getattr(args, "action", None)]))
    try:
        args.handler(args)
    except (ValueError, OSError, MemoryError, OverflowError) as error:  # OverflowError: a size past any machine
        if isinstance(error, OSError) and error.filename and error.strerror:  # not "[Errno 2] ...: 'path'"
            error = f"{error.filename}: {error.strerror[0].lower()}{error.strerror[1:]}"
        elif isinstance(error, MemoryError) and not str(error):
            error = "out of memory; ask for less (fewer samples, a smaller batch or model)"
        elif isinstance(error, OverflowError):
            error = f"a number too large to work with ({error}); lower the sizes given"
        print(f"{name}: error: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:  # an allocation torch could not make: one line, not a traceback
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "allocate" not in first and "out of memory" not in first.lower():
            raise
        print(f"{name}: error: out of memory: {first[:300]}; lower the batch size or the model's size",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        hint = f"; continue with --out {args.out} --resume" if getattr(args, "out", None) else ""
        print(f"{name}: interrupted{hint}", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
