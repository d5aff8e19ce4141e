"""What a benchmark ran on: CPU, threads, torch, GPU; for the record written beside its numbers."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch


def describe() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__, "python": platform.python_version(), "gpu": gpu}


def matmul_peak(quick: bool = False, device: str = "cpu", dtype: torch.dtype = torch.float32) -> float:
    """This machine's matrix-multiply peak in GFLOP/s for ``dtype``: the best rate of large products through torch's
    ``mm`` and, on the CPU, oneDNN's packed product (what the hand kernels and torch's fused RNNs call), over
    sizes and repeats. A peak is the most the machine did, not a typical run: the median of one product on a
    noisy machine reads low, and every share of it high."""
    device = str(device)
    def best(fn, flops: float, reps: int) -> float:
        fn()
        rates = []
        for _ in range(reps):
            start, n = time.perf_counter(), 0
            while n == 0 or time.perf_counter() - start < 0.25:
                fn()
                n += 1
            if device != "cpu":
                torch.cuda.synchronize()
            rates.append(flops * n / (time.perf_counter() - start) / 1e9)
        return max(rates)
    rates = []
    for n in (1024,) if quick else (1024, 2048):
        a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
        rates.append(best(lambda: torch.mm(a, b), 2 * n**3, 3 if quick else 6))
        if device == "cpu" and torch.backends.mkldnn.is_available():
            try:
                packed = torch.ops.mkldnn._reorder_linear_weight(b.t().contiguous(), n)
                rates.append(best(lambda: torch.ops.mkldnn._linear_pointwise(a, packed, None, "none", [], ""),
                                  2 * n**3, 3 if quick else 6))
            except (AttributeError, RuntimeError):
                pass
    return max(rates)


def markdown(info: dict) -> str:
    gpu = f", GPU {info['gpu']}" if info["gpu"] else ", no GPU"
    return (f"{info['cpu']}, {info['cores']} cores ({info['torch_threads']} torch threads){gpu}; "
            f"torch {info['torch']}, Python {info['python']}")


def run_benchmark(doc: str, cases: dict, results: Path, run_case, write_markdown, page: str) -> None:
    """The command line every quality benchmark shares: run the named cases, append each record to
    ``results`` (JSON) as it finishes, and rewrite the Markdown ``page``."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", metavar="CASE", help=f"cases to run: {', '.join(cases)}")
    parser.add_argument("--out", default="/tmp/rnnlab-bench", help="run folders (default %(default)s)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--markdown", action="store_true", help=f"rewrite {page} from {results.name}")
    args = parser.parse_args()
    unknown = [c for c in args.cases if c not in cases]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(cases)}")
    records = json.loads(results.read_text()) if results.exists() else []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in args.cases:
        record = run_case(name, Path(args.out) / stamp, not args.quiet)
        print(json.dumps({k: v for k, v in record.items() if k in ("case", "seconds", "test", "mean", "stopped")},
                         indent=1), flush=True)
        records.append(record)
        results.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.markdown or args.cases:
        write_markdown(records)
