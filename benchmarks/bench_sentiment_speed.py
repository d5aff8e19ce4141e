"""End to end: the epoch time of ``rnnlab sentiment train`` on an IMDB-shaped corpus, engine by engine
(run by hand; the table goes into docs/performance.md through docs/performance.json).

    python benchmarks/bench_sentiment_speed.py [--steps 10 40] [--engines torch auto bptt]

Writes 25,000 generated texts with IMDB's length spread (words of the
embedded word list; the label says whether "good" outnumbers "bad") as JSONL,
then trains the default sentiment model (bidirectional LSTM, bucketed
batches of 64, max pooling) for two step counts with each engine. The
difference of the two times over the difference of the steps is the time a
step, without reading the data or building the model; an epoch is that times
the training batches. ``torch`` is what ``auto`` chose before it learned to
avoid torch's packed kernels on the CPU. Engines alternate, medians of the
repeats.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
from bench_rnn import length_spread, write_markdown
from machine import describe

from rnnlab.apps import sentiment
from rnnlab.data import english_words

ROOT = Path(__file__).resolve().parent.parent


def write_corpus(path: Path, n: int = 25000, seed: int = 0) -> list[int]:
    rng = random.Random(seed)
    words = english_words(5000)
    lengths = length_spread("imdb", n, torch.Generator().manual_seed(seed)).tolist()
    with path.open("w", encoding="utf-8") as f:
        for n_words in lengths:
            text = [rng.choice(words) for _ in range(n_words)]
            for k in rng.sample(range(n_words), min(n_words, 3)):
                text[k] = rng.choice(("good", "bad"))
            f.write(json.dumps({"text": " ".join(text), "label": int(text.count("good") > text.count("bad"))}) + "\n")
    return lengths


def seconds(config: sentiment.SentimentConfig, steps: int) -> float:
    start = time.perf_counter()
    sentiment.train(replace(config, train=replace(config.train, max_steps=steps)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", nargs=2, type=int, default=(5, 25))
    parser.add_argument("--engines", nargs="*", default=["torch", "auto"])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "imdb-shaped.jsonl"
        lengths = write_corpus(corpus)
        base = sentiment.SentimentConfig(data=str(corpus), text_column="text", label_column="label",
                                         train=sentiment.SentimentConfig().train)
        base = replace(base, train=replace(base.train, progress=False, tensorboard=False, device="cpu"))
        per_step = {e: [] for e in args.engines}
        for repeat in range(args.repeats):
            for engine in args.engines:
                config = replace(base, engine=engine, out=str(Path(folder) / f"{engine}-{repeat}"))
                short, long = (seconds(replace(config, out=f"{config.out}-{s}"), s) for s in args.steps)
                per_step[engine].append((long - short) / (args.steps[1] - args.steps[0]))
                print(f"{engine}: {per_step[engine][-1]:.2f} s a step", file=sys.stderr, flush=True)
    train_texts = len(lengths) - 2 * round(0.1 * len(lengths))
    batches = -(-train_texts // base.batch_size)
    rows = [{"engine": e, "seconds_a_step": statistics.median(t), "epoch_minutes": statistics.median(t) * batches / 60}
            for e, t in per_step.items()]
    results = ROOT / "docs" / "performance.json"
    result = json.loads(results.read_text())
    result["sentiment"] = {"rows": rows, "texts": len(lengths), "train_batches": batches,
                           "mean_words": sum(lengths) / len(lengths), "machine": describe(),
                           "command": "python benchmarks/bench_sentiment_speed.py " + " ".join(sys.argv[1:])}
    results.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    write_markdown(ROOT / "docs" / "performance.md", result)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
