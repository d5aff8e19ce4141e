"""ONNX export: onnxruntime's inference speed beside rnnlab's on this CPU (by hand; docs/performance.md).

    python benchmarks/bench_export.py [--reps 7] [--sentiment RUN]

Exports each cell kind, one direction and both, as a layer with lengths
(``rnnlab.export.onnx``), and runs it in onnxruntime (one thread per core,
its defaults) and in rnnlab (engine ``auto``, ``no_grad``) on the same
IMDB-like padded batch (B=64, E=H=128), rounds alternating; tokens/s count
real tokens. With ``--sentiment RUN``, the application's model
(``rnnlab export``) on sentences of 10-40 words too. The table goes into
docs/performance.md through docs/performance.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch
from bench_rnn import length_spread, write_markdown
from machine import describe

from rnnlab import Bidirectional, Recurrent
from rnnlab.core import ElmanCell, GRUCell, LSTMCell
from rnnlab.export import onnx

ROOT = Path(__file__).resolve().parent.parent
CELLS = {"rnn": lambda: ElmanCell(128, 128), "lstm": lambda: LSTMCell(128, 128), "gru-after": lambda: GRUCell(
    128, 128, reset="after"), "gru-before": lambda: GRUCell(128, 128)}


def session(path: Path):
    import onnxruntime
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def interleaved(runs: dict, reps: int) -> dict:
    times = {k: [] for k in runs}
    for rep in range(reps + 1):  # the first round warms up
        for k, run in runs.items():
            t0 = time.perf_counter()
            run()
            if rep:
                times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def bench_layers(reps: int, folder: Path) -> list[dict]:
    generator = torch.Generator().manual_seed(0)
    lengths = length_spread("imdb", 64, generator)
    x = torch.randn(64, int(lengths.max()), 128, generator=generator)
    tokens = int(lengths.sum())
    rows = []
    for kind, make in CELLS.items():
        for both in (False, True):
            layer = Bidirectional(Recurrent(make()), Recurrent(make(), reverse=True)) if both else Recurrent(make())
            path = onnx(layer, x[:4, :50], folder / f"{kind}-{both}.onnx", lengths.clamp(max=50)[:4])
            s = session(path)
            feed = {"x": x.numpy(), "lengths": lengths.numpy()}

            def ours():
                with torch.no_grad():
                    layer(x, lengths=lengths)
            seconds = interleaved({"rnnlab": ours, "onnxruntime": lambda: s.run(["y"], feed)}, reps)
            rows.append({"model": f"{kind} {'both' if both else 'one'} direction" + ("s" if both else ""),
                         **{f"{k}_tok_s": tokens / v for k, v in seconds.items()}})
            print(rows[-1], flush=True)
    return rows


def bench_sentiment(run: str, reps: int, folder: Path) -> dict:
    from rnnlab.apps import sentiment
    from rnnlab.data import pad_batch
    trained = sentiment.APP.load(run)
    path = folder / "sentiment.onnx"
    sentiment.export_onnx(trained, path)
    s = session(path)
    vocab = sentiment.vocab_of(trained)
    generator = torch.Generator().manual_seed(1)
    sequences = [torch.randint(4, len(vocab), (int(n),), generator=generator).tolist()
                 for n in torch.randint(10, 41, (256,), generator=generator)]
    tokens, lengths = pad_batch(sequences, vocab.pad_id)
    feed = {"tokens": tokens.numpy(), "lengths": lengths.numpy()}

    def ours():
        with torch.no_grad():
            trained.model(tokens, lengths)
    seconds = interleaved({"rnnlab": ours, "onnxruntime": lambda: s.run(["probs"], feed)}, reps)
    return {"model": "rnnlab sentiment (default model, B=256)",
            **{f"{k}_tok_s": int(lengths.sum()) / v for k, v in seconds.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--sentiment", metavar="RUN", help="a run of rnnlab sentiment train")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = bench_layers(args.reps, Path(folder))
        if args.sentiment:
            rows.append(bench_sentiment(args.sentiment, args.reps, Path(folder)))
    command = "python benchmarks/bench_export.py" + (" --sentiment RUN" if args.sentiment else "")
    results = ROOT / "docs" / "performance.json"
    result = json.loads(results.read_text())
    result["export"] = {"rows": rows, "command": command, "machine": describe()}
    results.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    write_markdown(ROOT / "docs" / "performance.md", result)


if __name__ == "__main__":
    main()
