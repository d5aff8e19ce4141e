"""What packing the recurrent weight for oneDNN buys the hand BPTT kernels (by hand; docs/performance-products.md).

    python benchmarks/bench_products.py --markdown docs/performance-products.md

Runs each hand kernel (engine ``bptt``, fixed length) with
``rnnlab.kernels.products.PACKS`` off and on, rounds alternating in one
process, and prints the ratio of the medians: above 1, packing is faster.
Where ``Product`` judges a product too small to gain, both runs multiply
with ``torch.mm`` and the ratio is noise around 1.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
from bench_rnn import SHAPES, layers_for
from machine import describe, markdown

import rnnlab.kernels.products as products
from rnnlab.kernels.dispatch import run_sequence

EXTRA = {"s1 (64, 20, 128, 128)": (64, 20, 128, 128)}  # Multi30k-sized sentences, H=128


def measure(B: int, T: int, I: int, H: int, kind: str, reps: int) -> dict:
    cell = layers_for(kind, I, H)[1]
    x, state = torch.randn(B, T, I), cell.initial_state(B)
    times = {(packs, mode): [] for packs in (False, True) for mode in ("train", "infer")}
    for rep in range(reps + 1):  # the first round warms up
        for packs in (False, True):
            products.PACKS = packs
            for mode in ("train", "infer"):
                t0 = time.perf_counter()
                if mode == "train":
                    run_sequence("bptt", cell, x, state, None)[0].sum().backward()
                else:
                    with torch.no_grad():
                        run_sequence("bptt", cell, x, state, None)
                if rep:
                    times[packs, mode].append(time.perf_counter() - t0)
    products.PACKS = True
    median = {k: statistics.median(v) for k, v in times.items()}
    return {m: median[False, m] / median[True, m] for m in ("train", "infer")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--markdown", help="write the table to this Markdown file")
    args = parser.parse_args()
    if not products.PACKS:
        parser.error("this build of torch cannot pack products for oneDNN; nothing to compare")
    torch.manual_seed(0)
    shapes = {f"{name} {shape}": shape for name, shape in SHAPES.items()} | EXTRA
    lines = ["| shape (B, T, I, H) | cell | train x | infer x |", "|---|---|---:|---:|"]
    for label, (B, T, I, H) in shapes.items():
        for kind in ("rnn", "gru-before", "gru-after", "lstm"):
            r = measure(B, T, I, H, kind, args.reps)
            lines.append(f"| {label} | {kind} | {r['train']:.2f} | {r['infer']:.2f} |")
            print(lines[-1], flush=True)
    if args.markdown:
        Path(args.markdown).write_text("\n".join([
            "# The recurrent product packed for oneDNN", "",
            f"Measured by `python benchmarks/bench_products.py --markdown {args.markdown}` on "
            f"{markdown(describe())}.", "",
            "The hand BPTT kernels (engine `bptt`, fixed length) with the recurrent weight packed once per call "
            "(`rnnlab.kernels.products.Product`) against `torch.mm` at every step, rounds alternating in one "
            f"process, medians of {args.reps}: above 1, packing is faster. Products judged too small to gain "
            "(one row, H=128 at 64 rows, short loops) are not packed, so those rows read about 1.", "",
            *lines, ""]), encoding="utf-8")


if __name__ == "__main__":
    main()
