"""``rnnlab``: the command line. It only parses, builds a config and calls ``run``.

User mistakes (ValueError from a config or a loader) end with one line on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys

from rnnlab import __version__
from rnnlab.apps import demo
from rnnlab.viz import format_table


def _demo(args: argparse.Namespace) -> None:
    config = demo.DemoConfig(steps=args.steps, hidden_size=args.hidden_size, seed=args.seed,
                             device=args.device, progress=not args.quiet)
    result = demo.run(config)
    print("The cells against torch.nn (same weights, padded batch against packed batch):\n")
    print(format_table(result.conformance))
    print(f"\nEach cell learning delayed recall (output the symbol seen {config.delay} steps ago), "
          f"{config.steps} Adam steps:\n")
    print(format_table(result.learning))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnnlab",
        description="Recurrent neural networks as the chapter writes them: Elman RNN, LSTM, GRU, "
                    "bidirectional and deep RNNs, BPTT, and their applications.")
    parser.add_argument("--version", action="version", version=f"rnnlab {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser("demo", help="tour the cells: each equals torch.nn where torch has it, and each learns",
                            description="Check every cell against torch.nn and train each on a small task.")
    p.add_argument("--steps", type=int, default=demo.DemoConfig.steps, help="training steps per cell (default %(default)s)")
    p.add_argument("--hidden-size", type=int, default=demo.DemoConfig.hidden_size, help="hidden units (default %(default)s)")
    p.add_argument("--seed", type=int, default=demo.DemoConfig.seed, help="random seed (default %(default)s)")
    p.add_argument("--device", default="auto", help="auto (cuda if available), cpu, cuda, cuda:N (default %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        args.handler(args)
    except ValueError as error:
        print(f"rnnlab {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rnnlab: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
