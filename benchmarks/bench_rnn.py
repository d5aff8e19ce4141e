"""Speed of rnnlab's engines beside torch.nn's fused RNN/LSTM/GRU, in the same run (by hand; docs/performance.md).

    python benchmarks/bench_rnn.py --quick                 # one shape, no fixed-length spread: under 2 minutes
    python benchmarks/bench_rnn.py --json docs/performance.json --markdown docs/performance.md
    python benchmarks/bench_rnn.py --variable-only --json docs/performance.json --markdown docs/performance.md
    python benchmarks/bench_rnn.py --fixed-only --json docs/performance.json --markdown docs/performance.md

For each shape (B, T, I, H), each cell kind and each engine it measures
tokens/s (B*T per second) for training (forward + backward of the sum of all
outputs) and for inference (forward, no_grad), beside torch.nn.RNN/GRU/LSTM
(batch_first) on the same weights. It also measures the machine's
matrix-multiply peak (the best of torch's and oneDNN's float32 products over
sizes and repeats: ``machine.matmul_peak``) and reports each training result's
useful FLOP rate (``train_flops``) as a share of it, the one-token-at-a-time generation speed (B=1, H=512, 200 steps, the
samplers' use), and the memory kept for backward at T=1000.

Variable-length batches (``--variable-only`` runs these alone and keeps the
rest of the JSON file): B=64, E=H=128, lengths drawn from an IMDB-like spread
(10-1,000 words, clipped at 400), a Multi30k-like spread (4-30) and a fixed
length; every cell one-way and bidirectional, training and inference; rnnlab's
default engine beside torch.nn over a PackedSequence and torch.nn on the
padded batch (which ignores the lengths: wrong final states and reverse
direction); and the drop-in modules (``rnnlab.nn``, the chapter's GRU as
``rnnlab.nn.GRU(reset="before")``) called on a PackedSequence beside
torch.nn called on the same one, as a torch user switching imports meets
them. Each rep runs every contender once, in turn; medians. ``--quick`` leaves
out the fixed length.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from machine import describe, markdown, matmul_peak as machine_peak

import rnnlab.nn
from rnnlab import Bidirectional, Recurrent, from_torch
from rnnlab.core import GRUCell
from rnnlab.data import bucket_batches

SHAPES = {"c1": (32, 100, 64, 256), "c2": (64, 50, 128, 512), "c3": (1, 200, 64, 256), "c4": (128, 35, 650, 650)}
KINDS = {  # name: (torch module, gate blocks)
    "rnn": (torch.nn.RNN, 1), "gru-before": (torch.nn.GRU, 3), "gru-after": (torch.nn.GRU, 3),
    "lstm": (torch.nn.LSTM, 4)}


DEVICE = torch.device("cpu")


def train_flops(shape: str, kind: str) -> float:
    """The products a training token costs: the forward's ``W_x x_t`` and ``W_h h_{t-1}``, 2GH(I + H); the
    backward's dW_x, dW_h and the gradient through W_h back in time, 2GH(I + 2H). dx is not computed (x does
    not require a gradient here), so training is 2GH(2I + 3H), not 3 times the forward."""
    _, _, I, H = SHAPES[shape]
    return 2 * KINDS[kind][1] * H * (2 * I + 3 * H)


def sync() -> None:
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def timeit(fn, min_time: float, reps: int) -> float:
    """Median seconds per call, after warm-up, over ``reps`` rounds of at least ``min_time`` each."""
    return interleaved({"fn": fn}, min_time, reps)["fn"]


def interleaved(fns: dict, min_time: float, reps: int) -> dict:
    """Median seconds per call of each function, after warm-up; the rounds of all functions alternate, so that
    the machine's drift (other tenants, clock changes) falls on each alike and their ratios hold."""
    inner = {}
    for label, fn in fns.items():
        for _ in range(2):
            fn()
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        inner[label] = max(1, int(min_time / max(time.perf_counter() - t0, 1e-6)))
    rounds = {label: [] for label in fns}
    for _ in range(reps):
        for label, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(inner[label]):
                fn()
            sync()
            rounds[label].append((time.perf_counter() - t0) / inner[label])
    return {label: statistics.median(r) for label, r in rounds.items()}


def matmul_peak(quick: bool) -> float:
    return machine_peak(quick, DEVICE)


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
        flops = 2 * B * T * G * H * (I + H)
        torch_module, cell = layers_for(kind, I, H)
        runners = {"torch.nn": lambda: torch_module(x)[0]}
        for engine in engines_for(kind):
            if engine == "reference" and quick and name != "c1":
                continue  # the loop is slow and known; the quick run measures it once
            layer = Recurrent(cell, engine=engine)
            runners[f"rnnlab {engine}"] = (lambda layer: lambda: layer(x)[0])(layer)
        def train(run):
            return lambda: run().sum().backward()

        def infer(run):
            def go():
                with torch.no_grad():
                    run()
            return go
        seconds = interleaved({(label, mode): wrap(run) for label, run in runners.items()
                               for mode, wrap in (("train", train), ("infer", infer))}, min_time, reps)
        for label in runners:
            t_train, t_infer = seconds[label, "train"], seconds[label, "infer"]
            rows.append({"shape": name, "B": B, "T": T, "I": I, "H": H, "cell": kind, "engine": label,
                         "train_tok_s": B * T / t_train, "infer_tok_s": B * T / t_infer,
                         "train_peak_share": train_flops(name, kind) * B * T / t_train / 1e9 / peak,
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


def length_spread(name: str, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` lengths: IMDB-like (log-normal, median ~175 words, 10-1,000, clipped at 400), Multi30k-like
    (about 12 words, 4-30) or fixed (the IMDB-like clip, 400)."""
    if name == "imdb":
        words = torch.empty(n).log_normal_(5.16, 0.75, generator=generator).clamp(10, 1000)
        return words.clamp(max=400).long()
    if name == "multi30k":
        return (torch.randn(n, generator=generator) * 4 + 12).round().clamp(4, 30).long()
    return torch.full((n,), 400 if name == "fixed" else int(name), dtype=torch.long)


def padding_share(lengths: torch.Tensor, batches: list[list[int]]) -> float:
    """The share of a padded batch's steps that are padding, over all batches."""
    padded = sum(len(b) * int(lengths[b].max()) for b in batches)
    return 1 - int(lengths.sum()) / padded


def bench_variable(quick: bool) -> dict:
    """Tokens/s (real tokens, padding not counted) on batches with lengths; padding shares of the data loader."""
    B, E, H = 64, 128, 128
    generator = torch.Generator().manual_seed(0)
    reps = 2 if quick else 5
    rows = []
    for spread in ("imdb", "multi30k") if quick else ("imdb", "multi30k", "fixed"):
        lengths = length_spread(spread, B, generator)
        x = torch.randn(B, int(lengths.max()), E, device=DEVICE)
        lengths = lengths.to(DEVICE)
        tokens = int(lengths.sum())
        sequence = torch.nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        for kind in KINDS:
            for bidirectional in (False, True):
                torch_module = KINDS[kind][0](E, H, batch_first=True, bidirectional=bidirectional).to(DEVICE)
                forward_cell = layers_for(kind, E, H)[1]
                if bidirectional:
                    layer = Bidirectional(Recurrent(forward_cell), Recurrent(layers_for(kind, E, H)[1], reverse=True))
                else:
                    layer = Recurrent(forward_cell)
                drop_in = (rnnlab.nn.GRU(E, H, batch_first=True, bidirectional=bidirectional, reset="before",
                                         device=DEVICE) if kind == "gru-before" else from_torch(torch_module))

                def packed():
                    data = torch.nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                                                   enforce_sorted=False)
                    return torch.nn.utils.rnn.pad_packed_sequence(torch_module(data)[0], batch_first=True)[0]
                runners = {"rnnlab auto": lambda: layer(x, lengths=lengths)[0], "torch.nn packed": packed,
                           "torch.nn padded": lambda: torch_module(x)[0],
                           "rnnlab.nn on a PackedSequence": lambda: drop_in(sequence)[0].data,
                           "torch.nn on a PackedSequence": lambda: torch_module(sequence)[0].data}
                times = {label: {"train": [], "infer": []} for label in runners}
                for rep in range(reps + 1):  # the first round warms up
                    for label, run in runners.items():
                        for mode in ("train", "infer"):
                            sync()
                            t0 = time.perf_counter()
                            if mode == "train":
                                run().sum().backward()
                            else:
                                with torch.no_grad():
                                    run()
                            sync()
                            if rep:
                                times[label][mode].append(time.perf_counter() - t0)
                for label in runners:
                    row = {"spread": spread, "cell": kind, "bidirectional": bidirectional, "engine": label,
                           "tokens": tokens, "T": x.shape[1],
                           **{f"{m}_tok_s": tokens / statistics.median(times[label][m]) for m in ("train", "infer")}}
                    rows.append(row)
                    print(f"{spread:8s} {kind:10s} {'bi ' if bidirectional else 'uni'} {label:16s} "
                          f"train {row['train_tok_s']:8.0f}  infer {row['infer_tok_s']:8.0f} tok/s", file=sys.stderr)
    shares = []
    for spread, n in (("imdb", 25000), ("multi30k", 29000)):
        lengths = length_spread(spread, n, generator)
        order = torch.randperm(n, generator=generator).tolist()
        random_batches = [order[k:k + B] for k in range(0, n, B)]
        shares.append({"spread": spread, "texts": n, "random": padding_share(lengths, random_batches),
                       "bucketed": padding_share(lengths, bucket_batches(lengths.tolist(), B, seed=0))})
    return {"rows": rows, "padding": shares, "B": B, "E": E, "H": H}


def variable_table(result: dict) -> list[str]:
    lines = ["| lengths | cell | directions | train tok/s | x packed | x padded | infer tok/s | x packed | x padded | "
             "rnnlab.nn train x | rnnlab.nn infer x |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rows = result["rows"]
    index = {(r["spread"], r["cell"], r["bidirectional"], r["engine"]): r for r in rows}
    for r in rows:
        if r["engine"] != "rnnlab auto":
            continue
        key = (r["spread"], r["cell"], r["bidirectional"])
        p, q = index[key + ("torch.nn packed",)], index[key + ("torch.nn padded",)]
        ours, theirs = index.get(key + ("rnnlab.nn on a PackedSequence",)), index.get(key + ("torch.nn on a PackedSequence",))
        drop_in = (f"{ours['train_tok_s'] / theirs['train_tok_s']:.2f} | {ours['infer_tok_s'] / theirs['infer_tok_s']:.2f}"
                   if ours else "| ")
        lines.append(f"| {r['spread']} (T={r['T']}) | {r['cell']} | {'both' if r['bidirectional'] else 'one'} | "
                     f"{r['train_tok_s']:,.0f} | {r['train_tok_s'] / p['train_tok_s']:.2f} | "
                     f"{r['train_tok_s'] / q['train_tok_s']:.2f} | {r['infer_tok_s']:,.0f} | "
                     f"{r['infer_tok_s'] / p['infer_tok_s']:.2f} | {r['infer_tok_s'] / q['infer_tok_s']:.2f} | "
                     f"{drop_in} |")
    lines += ["", "Padding share of the data loader's batches (B=64): random batches against `rnnlab.data."
              "bucket_batches` (sort inside pools of 50 batches, then shuffle the batches):", "",
              "| lengths | texts | random | bucketed |", "|---|---:|---:|---:|"]
    for r in result["padding"]:
        lines.append(f"| {r['spread']} | {r['texts']:,} | {100 * r['random']:.1f}% | {100 * r['bucketed']:.1f}% |")
    return lines


def ratio_table(rows: list[dict], peak: float) -> list[str]:
    lines = ["| shape (B, T, I, H) | cell | engine | train tok/s | x torch.nn | infer tok/s | x torch.nn | "
             "train % of peak |", "|---|---|---|---:|---:|---:|---:|---:|"]
    base = {(r["shape"], r["cell"]): r for r in rows if r["engine"] == "torch.nn"}
    for r in rows:
        b = base[(r["shape"], r["cell"])]
        lines.append(f"| {r['shape']} ({r['B']}, {r['T']}, {r['I']}, {r['H']}) | {r['cell']} | {r['engine']} | "
                     f"{r['train_tok_s']:,.0f} | {r['train_tok_s'] / b['train_tok_s']:.2f} | "
                     f"{r['infer_tok_s']:,.0f} | {r['infer_tok_s'] / b['infer_tok_s']:.2f} | "
                     f"{_share(r['train_tok_s'] * train_flops(r['shape'], r['cell']) / 1e9 / peak)} |")
    if any(r["train_tok_s"] * train_flops(r["shape"], r["cell"]) / 1e9 > peak for r in rows):
        lines += ["", "‡ over the peak: the peak this record holds is too low (records before `machine.matmul_peak` "
                      "took the median of one 2048 x 2048 `torch.mm`, which oneDNN's packed products beat); rerun "
                      "with `--fixed-only` to measure it again."]
    return lines


def _share(fraction: float) -> str:
    return f"{100 * fraction:.1f}" + ("‡" if fraction > 1 else "")


def write_markdown(path: Path, result: dict) -> None:
    lines = ["# Performance", "",
             f"Measured by `{result['command']}` on {markdown(result['machine'])}; "
             f"matrix-multiply peak {result['peak_gflops']:.0f} GFLOP/s. `train % of peak`: the products a "
             f"training token costs, 2GH(2I + 3H) (the forward's W_x x_t and W_h h_t-1, then dW_x, dW_h and the "
             f"gradient back through W_h; dx is not computed), at the measured rate, over that peak.", "",
             "Training is forward + backward of the sum of all outputs; inference is the forward under no_grad. "
             "`x torch.nn` is the ratio to torch.nn.RNN/GRU/LSTM in the same run (for the chapter's GRU, to "
             "torch.nn.GRU, which computes the other reset form). `gru-before` is the chapter's GRU, "
             "`gru-after` torch's. Whether a compiled time loop would do better: docs/performance-compiled.md.",
             "", *ratio_table(result["layers"], result["peak_gflops"]), ""]
    if "variable" in result:
        v = result["variable"]
        lines += [f"## Variable-length batches (B={v['B']}, E=H={v['H']}, float32)", "",
                  "Tokens/s count real tokens, not padding. `x packed`: the ratio to torch.nn over a "
                  "PackedSequence; `x padded`: to torch.nn on the padded batch, which ignores the lengths (wrong "
                  "final states and reverse direction). `chapter GRU` (gru-before) is compared with torch.nn.GRU. "
                  "`rnnlab auto` runs the Elman RNN and both GRUs, and the LSTM up to 64 steps, on the `packed` "
                  "engine (`rnnlab.kernels.packed`): the rows sorted by length, each step on the rows still "
                  "running, both directions of a bidirectional layer in one loop (one batched product a step), "
                  "BPTT by hand. The LSTM's longer batches run in pieces of time on oneDNN with the state held "
                  "past each length (`rnnlab.kernels.segments`, `fused.held_sequence`). `rnnlab.nn train x` and "
                  "`rnnlab.nn infer x`: the drop-in module (`from_torch`; the chapter's GRU as "
                  "`rnnlab.nn.GRU(reset=\"before\")`) called on a PackedSequence, against torch.nn called on the "
                  "same PackedSequence (neither pays for packing or padding): training runs the packed engine on "
                  "the PackedSequence's own data, layer after layer; inference of torch's GRU and the LSTM runs "
                  "torch's own kernel on it (`dispatch.infers_with_torch`: the same call torch.nn makes, so about "
                  "1.0x), the Elman RNN and the chapter's GRU the packed engine. "
                  "One random batch of each spread, medians of interleaved repeats; the machine is noisy (+-40% "
                  f"between runs). Measured by `{v.get('command', result['command'])}`.", "", *variable_table(v), ""]
    if "sentiment" in result:
        e = result["sentiment"]
        lines += ["## End to end: `rnnlab sentiment train` on an IMDB-shaped corpus", "",
                  f"{e['texts']:,} generated texts with IMDB's length spread (mean {e['mean_words']:.0f} words, "
                  f"clipped at 400), the default model (bidirectional LSTM 64, batches of 64 bucketed by length), "
                  f"{e['train_batches']} training batches an epoch. Time a step from two step counts, so reading "
                  f"the data and building the model are left out. `torch`: what the default engine chose before "
                  f"(torch's packed kernels). Measured by `{e['command']}`.", "",
                  "| engine | seconds a step | minutes an epoch |", "|---|---:|---:|"]
        lines += [f"| {r['engine']} | {r['seconds_a_step']:.2f} | {r['epoch_minutes']:.1f} |" for r in e["rows"]]
        lines.append("")
    if "export" in result:
        e = result["export"]
        lines += ["## ONNX: onnxruntime beside rnnlab (inference)", "",
                  "Each model exported by `rnnlab.export` (layers with lengths, on an IMDB-like padded batch, "
                  "B=64, E=H=128, lengths up to 400) or by `rnnlab export` (the applications' default models, on "
                  "their own inputs), run by onnxruntime on the CPU beside rnnlab (engine `auto`, no_grad) on the "
                  f"same batch, rounds alternating; tokens/s count real tokens. Measured by `{e['command']}`.", "",
                  "| model | rnnlab tok/s | onnxruntime tok/s | onnxruntime / rnnlab |", "|---|---:|---:|---:|"]
        lines += [f"| {r['model']} | {r['rnnlab_tok_s']:,.0f} | {r['onnxruntime_tok_s']:,.0f} | "
                  f"{r['onnxruntime_tok_s'] / r['rnnlab_tok_s']:.2f} |" for r in e["rows"]]
        lines.append("")
    lines += [
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
    parser.add_argument("--quick", action="store_true", help="shape c1 only, fewer repeats, no fixed-length spread")
    parser.add_argument("--shapes", nargs="*", help=f"shapes to run (default all): {', '.join(SHAPES)}")
    parser.add_argument("--json", help="write the numbers to this file")
    parser.add_argument("--markdown", help="write the tables to this Markdown file")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default %(default)s)")
    parser.add_argument("--variable-only", action="store_true",
                        help="only the variable-length batches; the other results are kept from --json")
    parser.add_argument("--rewrite", action="store_true", help="only rewrite --markdown from --json")
    parser.add_argument("--fixed-only", action="store_true",
                        help="only the fixed-length shapes (and the peak); the other results are kept from --json")
    args = parser.parse_args()
    if args.rewrite:
        write_markdown(Path(args.markdown), json.loads(Path(args.json).read_text()))
        return
    global DEVICE
    DEVICE = torch.device(args.device)
    torch.manual_seed(0)
    command = "python benchmarks/bench_rnn.py " + " ".join(sys.argv[1:])
    if args.fixed_only:
        result = json.loads(Path(args.json).read_text())
        shapes = args.shapes or (["c1"] if args.quick else list(SHAPES))
        peak = matmul_peak(args.quick)
        result.update(command=command, machine=describe(), peak_gflops=peak,
                      layers=[r for s in shapes for r in bench_shape(s, args.quick, peak)])
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        write_markdown(Path(args.markdown), result)
        return
    if args.variable_only:
        if not (args.json and Path(args.json).exists()):
            parser.error("--variable-only keeps the other results of --json FILE; run the whole benchmark first")
        result = json.loads(Path(args.json).read_text())
    else:
        shapes = args.shapes or (["c1"] if args.quick else list(SHAPES))
        peak = matmul_peak(args.quick)
        print(f"matmul peak {peak:.0f} GFLOP/s", file=sys.stderr)
        result = {"command": command, "machine": describe(), "peak_gflops": peak,
                  "layers": [r for s in shapes for r in bench_shape(s, args.quick, peak)],
                  "generation": bench_generation(args.quick),
                  "memory": bench_memory() if DEVICE.type == "cpu" else []}
        if args.json and Path(args.json).exists():  # bench_sentiment_speed.py's end-to-end table stays
            kept = json.loads(Path(args.json).read_text())
            result.update({k: kept[k] for k in ("sentiment", "export") if k in kept})
    result["variable"] = {**bench_variable(args.quick), "command": command, "machine": describe()}
    print("\n".join(variable_table(result["variable"])))
    print("\n".join(ratio_table(result["layers"], result["peak_gflops"])))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.markdown:
        write_markdown(Path(args.markdown), result)


if __name__ == "__main__":
    main()
