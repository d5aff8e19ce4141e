"""``rnnlab export RUN --out FILE.onnx``: a trained model for onnxruntime and other ONNX runtimes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rnnlab.apps import registered
from rnnlab.training.checkpoint import FORMAT, resolve


def add_parser(commands) -> None:
    p = commands.add_parser("export", help="write a trained model as ONNX (needs the export extra)",
                            description="Write a trained run's model as an ONNX file, check it against rnnlab in "
                                        "onnxruntime, and write beside it what a program needs to feed it.")
    p.add_argument("run", metavar="RUN", help="a run folder or checkpoint")
    p.add_argument("--out", required=True, metavar="FILE.onnx", help="the file to write")
    p.add_argument("--format", default="onnx", choices=["onnx"], help="default %(default)s")
    p.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> None:
    record = resolve(args.run)
    try:
        app_name = json.loads(record.read_text(encoding="utf-8")).get("app")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        raise ValueError(f"{record}: not a readable rnnlab checkpoint") from None
    apps = {app.name: app for app in registered()}
    if app_name not in apps:
        raise ValueError(f"{record}: a checkpoint of {app_name!r}, not of an rnnlab application")
    app = apps[app_name]
    if app.export is None:
        ready = ", ".join(a.name for a in apps.values() if a.export is not None)
        raise ValueError(f"the {app_name} application has no ONNX export yet (these have: {ready}); its layers "
                         f"export with rnnlab.export.onnx")
    out = Path(args.out if args.out.endswith(".onnx") else args.out + ".onnx")
    side = out.with_suffix(".json")  # what each export writes beside its model
    if side.exists() and _is_checkpoint(side):
        raise ValueError(f"{side} is a checkpoint, and exporting to {out} would write over it; choose another --out")
    print(app.export(app.load(args.run), str(out)))


def _is_checkpoint(path: Path) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return False
