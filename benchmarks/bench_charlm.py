"""Quality of the character language model on real data (run by hand; results go to docs/charlm.md).

    python benchmarks/bench_charlm.py names        # ../shared/data/names: 1,000 names held out (seed 0)
    python benchmarks/bench_charlm.py shakespeare  # ../shared/data/tinyshakespeare: last 10% held out, 30 min
    python benchmarks/bench_charlm.py default      # the embedded English words, the README's main job

Each case trains with ``rnnlab.apps.lm`` exactly as the command line
would, and appends its numbers (test nats/char, bits/char, training time) to
``docs/charlm.json``; ``--markdown`` rewrites docs/charlm.md from that file.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from machine import describe, markdown, run_benchmark

from rnnlab.apps import lm
from rnnlab.training import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "docs" / "charlm.json"

CASES = {
    "default": dict(
        target="README main job: under 3 minutes, most samples new",
        config=lm.CharLMConfig()),
    "names": dict(
        target="test <= 1.92 nats/char (small transformer); trigram 2.23",
        config=lm.CharLMConfig(
            data=str(DATA / "names" / "names.txt"), format="words", validation=1000, test=1000, split_seed=0,
            cell="lstm", layers=2, hidden_size=384, embedding_dim=64, dropout=0.35,
            train=TrainConfig(epochs=30, lr=2e-3, schedule="cosine", early_stopping=5))),
    "shakespeare": dict(
        target="test <= 1.47 nats/char on the last 10% within 30 minutes; 5-gram 1.75 "
               "(train on the first 90%, the last 10% also selects the model, as char-rnn and nanoGPT do)",
        config=lm.CharLMConfig(
            data=str(DATA / "tinyshakespeare" / "input.txt"), format="text", validation=0, test=0.1,
            cell="lstm", layers=2, hidden_size=512, embedding_dim=64, dropout=0.25, batch_size=64, bptt=100,
            samples=1, train=TrainConfig(epochs=100, lr=2e-3, schedule="plateau", max_minutes=30))),
}


def run_case(name: str, out: Path, progress: bool) -> dict:
    case = CASES[name]
    config = replace(case["config"], out=str(out / name), train=replace(case["config"].train, progress=progress))
    if config.data and not Path(config.data).exists():
        sys.exit(f"{config.data} is absent: this benchmark needs ../shared/data")
    start = time.perf_counter()
    result = lm.CHARLM.train(config)
    seconds = time.perf_counter() - start
    return {"case": name, "target": case["target"], "seconds": round(seconds, 1), "test": result.test,
            "validation": result.validation, "novelty": result.novelty, "samples": result.samples[:20],
            "stopped": result.stopped, "config": asdict(config), "machine": describe(),
            "command": f"python benchmarks/bench_charlm.py {name}"}


def write_markdown(records: list[dict]) -> None:
    lines = ["# Character language model: quality on real data", "",
             "Measured by `benchmarks/bench_charlm.py` (run by hand, never in the tests). "
             "Each row is the latest run of its case.", "",
             "| case | model | test nats/char | bits/char | perplexity | training time | target | machine |",
             "|---|---|---:|---:|---:|---:|---|---|"]
    latest = {r["case"]: r for r in records}
    for name, r in latest.items():
        c = r["config"]
        model = f"{c['cell']} {c['layers']}x{c['hidden_size']}, emb {c['embedding_dim']}, dropout {c['dropout']}"
        lines.append(f"| {name} | {model} | {r['test']['loss']:.4f} | {r['test']['bits_per_char']:.3f} | "
                     f"{r['test']['perplexity']:.3f} | {r['seconds'] / 60:.1f} min ({r['stopped']}) | "
                     f"{r['target']} | {markdown(r['machine'])} |")
    lines += ["", "Commands:", ""] + [f"- `{r['command']}`" for r in latest.values()]
    lines += ["", "Every run recorded in docs/charlm.json, oldest first (the settings changed between some):", "",
              "| case | model | validation, test | test nats/char | training time |", "|---|---|---|---:|---:|"]
    for r in records:
        c = r["config"]
        lines.append(f"| {r['case']} | {c['cell']} {c['layers']}x{c['hidden_size']}, dropout {c['dropout']} | "
                     f"{c['validation'] or 'the test split'}, {c['test']} | {r['test']['loss']:.4f} | "
                     f"{r['seconds'] / 60:.1f} min |")
    for name, r in latest.items():
        if r["samples"]:
            lines += ["", f"Samples ({name}):", "", "```", *r["samples"][:20], "```"]
            if r["novelty"]:
                lines.append(f"new: {r['novelty']['new']:.0%}, real held-out words: {r['novelty']['real_held_out']:.0%}")
    (ROOT / "docs" / "charlm.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    run_benchmark(__doc__, CASES, RESULTS, run_case, write_markdown, "docs/charlm.md")


if __name__ == "__main__":
    main()
