"""``rnnlab demo``: the cell tour."""

from __future__ import annotations

import argparse

from rnnlab.apps import demo
from rnnlab.viz import format_table


def add_parser(commands) -> None:
    p = commands.add_parser("demo", help="tour the cells: each equals torch.nn where torch has it, and each learns",
                            description="Check every cell against torch.nn and train each on a small task.")
    d = demo.DemoConfig()
    p.add_argument("--steps", type=int, default=d.steps, help="training steps per cell (default %(default)s)")
    p.add_argument("--hidden-size", type=int, default=d.hidden_size, help="hidden units (default %(default)s)")
    p.add_argument("--seed", type=int, default=d.seed, help="random seed (default %(default)s)")
    p.add_argument("--device", default=d.device, help="auto (cuda if available), cpu, cuda, cuda:N (default %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> None:
    config = demo.DemoConfig(steps=args.steps, hidden_size=args.hidden_size, seed=args.seed,
                             device=args.device, progress=not args.quiet)
    result = demo.run(config)
    print("The cells against torch.nn (same weights, padded batch against packed batch):\n")
    print(format_table(result.conformance))
    print(f"\nEach cell learning delayed recall (output the symbol seen {config.delay} steps ago), "
          f"{config.steps} Adam steps:\n")
    print(format_table(result.learning))
