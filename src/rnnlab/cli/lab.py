"""``rnnlab lab [RUN_OR_FOLDER ...]``: the browser view of trained runs."""

from __future__ import annotations

import argparse


def add_parser(commands) -> None:
    p = commands.add_parser("lab", help="look inside trained RNNs in the browser (needs the lab extra)",
                            description="Serve a local web page over run folders: training curves (live while a "
                                        "run trains), diagnostics, and each application's model to try: sample "
                                        "and colour characters by a unit, classify as you type, ...")
    p.add_argument("folders", nargs="*", default=["runs"], metavar="RUN_OR_FOLDER",
                   help="run folders, or folders of runs (default: runs)")
    p.add_argument("--port", type=port, default=8765, help="0-65535 (default %(default)s)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default %(default)s: this machine only)")
    p.set_defaults(handler=run_lab)


def port(text: str) -> int:
    """A TCP port number, for argparse."""
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535; received {text!r}")
    return int(text)


def run_lab(args: argparse.Namespace) -> None:
    from rnnlab.lab import serve  # the web libraries load only for this command
    serve(args.folders, args.host, args.port)
