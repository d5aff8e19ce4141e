"""``rnnlab experiment list|run``: the chapter's claims, measured."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from rnnlab.experiments import EXPERIMENTS


def add_parser(commands) -> None:
    p = commands.add_parser("experiment", help="the chapter's claims as experiments, each writing a report",
                            description="Run an experiment that trains, measures and writes a Markdown report with "
                                        "its plots; where the measurement disagrees with the chapter, it says so.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="the experiments and what each shows")
    ls.set_defaults(handler=run_list)
    r = sub.add_parser("run", help="run one experiment")
    r.add_argument("name", metavar="NAME", help=f"one of: {', '.join(EXPERIMENTS)}")
    r.add_argument("--quick", action="store_true", help="small and short: under 2 minutes")
    r.add_argument("--seeds", type=int, help="seeds per setting (default: 1 quick, more in a full run)")
    r.add_argument("--out", help="report folder (default: runs/experiment-NAME-DATE-TIME)")
    r.set_defaults(handler=run_experiment)


def run_list(args: argparse.Namespace) -> None:
    for name, (what, _) in EXPERIMENTS.items():
        print(f"{name:12} {what}")


def run_experiment(args: argparse.Namespace) -> None:
    if args.name not in EXPERIMENTS:
        raise ValueError(f"no experiment {args.name!r}; choose from {', '.join(EXPERIMENTS)}")
    if args.seeds is not None and args.seeds < 1:
        raise ValueError(f"seeds must be at least 1; received {args.seeds}")
    out = Path(args.out or f"runs/experiment-{args.name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    if (out / "REPORT.md").exists():
        raise ValueError(f"{out} already holds a report; choose another --out")
    path = EXPERIMENTS[args.name][1](out, quick=args.quick, seeds=args.seeds)
    print(f"report: {path}")
