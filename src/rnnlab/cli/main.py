"""``rnnlab``: the command line. It only parses, builds a config and calls the application.

User mistakes (a ValueError from a config, a loader or a checkpoint, or an
OSError from the file system) end with one line on stderr and exit status 2,
never a traceback.
"""

from __future__ import annotations

import logging
import sys

from rnnlab import __version__
from rnnlab.cli import caption, charlm, demo, experiment, framelabel, sentiment, translate
from rnnlab.cli.common import Parser


def build_parser() -> Parser:
    parser = Parser(
        prog="rnnlab",
        description="Recurrent neural networks as the chapter writes them: Elman RNN, LSTM, GRU, "
                    "bidirectional and deep RNNs, BPTT, and their applications.")
    parser.add_argument("--version", action="version", version=f"rnnlab {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    charlm.add_parser(commands)
    sentiment.add_parser(commands)
    translate.add_parser(commands)
    caption.add_parser(commands)
    framelabel.add_parser(commands)
    experiment.add_parser(commands)
    demo.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    name = " ".join(filter(None, ["rnnlab", args.command, getattr(args, "action", None)]))
    try:
        args.handler(args)
    except (ValueError, OSError) as error:
        print(f"{name}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        hint = f"; continue with --out {args.out} --resume" if getattr(args, "out", None) else ""
        print(f"{name}: interrupted{hint}", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
