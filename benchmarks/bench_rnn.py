"""Speed of rnnlab's engines beside torch.nn's fused RNN/LSTM/GRU, in the same run (by hand; docs/performance.md).

    python benchmarks/bench_rnn.py --quick                 # two shapes, under 2 minutes
    python benchmarks/bench_rnn.py --json docs/performance.json --markdown docs/performance.md

For each shape (B, T, I, H), each cell kind and each engine it measures
tokens/s (B*T per second) for training (forward + backward of the sum of all
outputs) and for inference (forward, no_grad), beside torch.nn.RNN/GRU/LSTM
(batch_first) on the same weights. It also measures the machine's
matrix-multiply rate and reports each result's useful FLOP rate as a share of
it, the one-token-at-a-time generation speed (B=1, H=512, 200 steps, the
samplers' use), and the memory kept for backward at T=1000.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from machine import describe, markdown

from rnnlab import Recurrent, from_torch
from rnnlab.core import GRUCell

SHAPES = {"c1": (32, 100, 64, 256), "c2": (64, 50, 128, 512), "c3": (1, 200, 64, 256), "c4": (128, 35, 650, 650)}
KINDS = {  # name: (torch module, gate blocks)
    "rnn": (torch.nn.RNN, 1), "gru-before": (torch.nn.GRU, 3), "gru-after": (torch.nn.GRU, 3),
    "lstm": (torch.nn.LSTM, 4)}


DEVICE = torch.device("cpu")


def sync() -> None:
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def timeit(fn, min_time: float, reps: int) -> float:
    """Median seconds per call, after warm-up, over ``reps`` rounds of at least ``min_time`` each."""
    for _ in range(2):
        fn()
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    one = max(time.perf_counter() - t0, 1e-6)
    inner = max(1, int(min_time / one))
    rounds = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        rounds.append((time.perf_counter() - t0) / inner)
    return statistics.median(rounds)


def matmul_peak(quick: bool) -> float:
    """GFLOP/s of a large float32 matrix product on this machine."""
    n = 1024 if quick else 2048
    a, b = torch.randn(n, n, device=DEVICE), torch.randn(n, n, device=DEVICE)
    seconds = timeit(lambda: torch.mm(a, b), 0.2, 3)
    return 2 * n**3 / seconds / 1e9


def layers_for(kind: str, I: int, H: int):
    """torch's module and the rnnlab cell with the same weights (the chapter's GRU gets its own)."""
    torch_module = KINDS[kind][0](I, H, batch_first=True).to(DEVICE)
    if kind == "gru-before":
        return torch_module, GRUCell(I, H, device=DEVICE)
    twin = from_torch(torch_module)
    return torch_module, twin.cells()[0]


def engines_for(kind: str) -> list[str]:
    return ["reference", "bptt"] + ([] if kind == "gru-before" else ["torch"]) + ["auto"]


def bench_shape(name: str, quick: bool, peak: float) -> list[dict]:
    B, T, I, H = SHAPES[name]
    x = torch.randn(B, T, I, device=DEVICE)
    rows = []
    min_time, reps = (0.2, 3) if quick else (0.5, 5)
    for kind in KINDS:
        G = KINDS[kind][1]
        flops = 2 * B * T * G * H * (I + H)  # the forward's products; training does about 3x
        torch_module, cell = layers_for(kind, I, H)
        runners = {"torch.nn": lambda: torch_module(x)[0]}
        for engine in engines_for(kind):
            if engine == "reference" and quick and name != "c1":
                continue  # the loop is slow and known; the quick run measures it once
            layer = Recurrent(cell, engine=engine)
            runners[f"rnnlab {engine}"] = (lambda layer: lambda: layer(x)[0])(layer)
        for label, run in runners.items():
            def train():
                run().sum().backward()

            def infer():
                with torch.no_grad():
                    run()
            t_train = timeit(train, min_time, reps)
            t_infer = timeit(infer, min_time, reps)
            rows.append({"shape": name, "B": B, "T": T, "I": I, "H": H, "cell": kind, "engine": label,
                         "train_tok_s": B * T / t_train, "infer_tok_s": B * T / t_infer,
                         "train_peak_share": 3 * flops / t_train / 1e9 / peak,
                         "infer_peak_share": flops / t_infer / 1e9 / peak})
            print(f"{name} {kind:10s} {label:18s} train {B * T / t_train:9.0f} tok/s  "
                  f"infer {B * T / t_infer:9.0f} tok/s", file=sys.stderr)
    return rows


def bench_generation(quick: bool) -> list[dict]:
    """One token at a time, the state carried: B=1, H=512, 200 steps."""
    I, H, steps = 64, 512, 200
    xs = torch.randn(steps, 1, 1, I, device=DEVICE)
    rows = []
    for kind in ("lstm", "gru-after", "gru-before"):
        torch_module, cell = layers_for(kind, I, H)
        layer = Recurrent(cell)  # engine auto

        def ours():
            with torch.no_grad():
                state = None
                for x in xs:
                    _, state = layer(x, state)

        def theirs():
            with torch.no_grad():
                state = None
                for x in xs:
                    _, state = torch_module(x, state)
        t_ours, t_theirs = (timeit(f, 0.2, 3) for f in (ours, theirs))
        rows.append({"cell": kind, "rnnlab_tok_s": steps / t_ours, "torch_tok_s": steps / t_theirs,
                     "ratio": t_theirs / t_ours})
    return rows


def saved_bytes(fn) -> int:
    """Bytes of distinct storage autograd keeps for backward while ``fn`` builds its graph."""
    seen = {}

    def pack(t):
        seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn()
    del out
    return sum(seen.values())


def bench_memory() -> list[dict]:
    B, T, I, H = 32, 1000, 64, 256
    x = torch.randn(B, T, I)
    rows = []
    for kind in KINDS:
        torch_module, cell = layers_for(kind, I, H)
        G = KINDS[kind][1]
        for engine in ["reference", "bptt"]:
            layer = Recurrent(cell, engine=engine)
            n = saved_bytes(lambda: layer(x)[0])
            rows.append({"cell": kind, "engine": engine, "saved_MB": n / 2**20,
                         "gate_activations_MB": B * T * G * H * 4 / 2**20})
    return rows


def ratio_table(rows: list[dict]) -> list[str]:
    lines = ["| shape (B, T, I, H) | cell | engine | train tok/s | x torch.nn | infer tok/s | x torch.nn | "
             "train % of peak |", "|---|---|---|---:|---:|---:|---:|---:|"]
    base = {(r["shape"], r["cell"]): r for r in rows if r["engine"] == "torch.nn"}
    for r in rows:
        b = base[(r["shape"], r["cell"])]
        lines.append(f"| {r['shape']} ({r['B']}, {r['T']}, {r['I']}, {r['H']}) | {r['cell']} | {r['engine']} | "
                     f"{r['train_tok_s']:,.0f} | {r['train_tok_s'] / b['train_tok_s']:.2f} | "
                     f"{r['infer_tok_s']:,.0f} | {r['infer_tok_s'] / b['infer_tok_s']:.2f} | "
                     f"{100 * r['train_peak_share']:.1f} |")
    return lines


def write_markdown(path: Path, result: dict) -> None:
    lines = ["# Performance", "",
             f"Measured by `{result['command']}` on {markdown(result['machine'])}; "
             f"matrix-multiply peak {result['peak_gflops']:.0f} GFLOP/s.", "",
             "Training is forward + backward of the sum of all outputs; inference is the forward under no_grad. "
             "`x torch.nn` is the ratio to torch.nn.RNN/GRU/LSTM in the same run (for the chapter's GRU, to "
             "torch.nn.GRU, which computes the other reset form). `gru-before` is the chapter's GRU, "
             "`gru-after` torch's. Whether a compiled time loop would do better: docs/performance-compiled.md.",
             "", *ratio_table(result["layers"]), "",
             "## One token at a time (B=1, H=512, 200 steps, state carried)", "",
             "| cell | rnnlab tok/s | torch.nn tok/s | ratio |", "|---|---:|---:|---:|"]
    for r in result["generation"]:
        lines.append(f"| {r['cell']} | {r['rnnlab_tok_s']:,.0f} | {r['torch_tok_s']:,.0f} | {r['ratio']:.2f} |")
    lines += ["", "## Memory kept for backward (B=32, T=1000, I=64, H=256, float32)", "",
              "| cell | engine | saved MB | gate activations MB |", "|---|---|---:|---:|"]
    for r in result["memory"]:
        lines.append(f"| {r['cell']} | {r['engine']} | {r['saved_MB']:.0f} | {r['gate_activations_MB']:.0f} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shapes c1 and c3 only, fewer repeats")
    parser.add_argument("--shapes", nargs="*", help=f"shapes to run (default all): {', '.join(SHAPES)}")
    parser.add_argument("--json", help="write the numbers to this file")
    parser.add_argument("--markdown", help="write the tables to this Markdown file")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default %(default)s)")
    args = parser.parse_args()
    global DEVICE
    DEVICE = torch.device(args.device)
    torch.manual_seed(0)
    shapes = args.shapes or (["c1", "c3"] if args.quick else list(SHAPES))
    peak = matmul_peak(args.quick)
    print(f"matmul peak {peak:.0f} GFLOP/s", file=sys.stderr)
    result = {"command": "python benchmarks/bench_rnn.py " + " ".join(sys.argv[1:]), "machine": describe(),
              "peak_gflops": peak, "layers": [r for s in shapes for r in bench_shape(s, args.quick, peak)],
              "generation": bench_generation(args.quick), "memory": bench_memory() if DEVICE.type == "cpu" else []}
    print("\n".join(ratio_table(result["layers"])))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.markdown:
        write_markdown(Path(args.markdown), result)


if __name__ == "__main__":
    main()
