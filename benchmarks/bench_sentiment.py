"""Quality of sentiment analysis (run by hand; results go to docs/sentiment.md).

    python benchmarks/bench_sentiment.py generated   # the embedded reviews: RNN against bag of words, 3 seeds
    python benchmarks/bench_sentiment.py sst2        # ../shared/data/sst2: RNN against bag of words, 3 seeds

Each case trains ``rnnlab.apps.sentiment`` exactly as the command line would
(``rnnlab sentiment train``), once with the recurrent encoder and once with
the bag-of-words baseline (``--encoder bow``, the same code with the mean of
the word vectors in place of the RNN), for each seed, and appends the test
numbers to ``docs/sentiment.json``; ``--markdown`` rewrites the page.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from machine import describe, markdown, run_benchmark

from rnnlab.apps import sentiment
from rnnlab.training import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "docs" / "sentiment.json"
SEEDS = (0, 1, 2)

SST_TRAIN = TrainConfig(epochs=10, lr=2e-3, schedule="cosine", monitor="accuracy", monitor_mode="max",
                        average=0.998, max_minutes=15)
CASES = {
    "generated": dict(
        target="RNN beats bag of words by >= 15 points on held-out negation and contrast sentences",
        rnn=sentiment.SentimentConfig(),
        bow=sentiment.SentimentConfig(encoder="bow")),
    "sst2": dict(
        target="test accuracy >= 81% (mean of 3 seeds, random embeddings, <= 15 min each) and >= 2 points "
               "above bag of words",
        rnn=sentiment.SentimentConfig(
            data=str(DATA / "sst2"), embedding_dim=300, hidden_size=150, pooling="mean-max", dropout=0.5,
            word_dropout=0.2, batch_size=32, train=SST_TRAIN),
        bow=sentiment.SentimentConfig(
            data=str(DATA / "sst2"), encoder="bow", embedding_dim=300, dropout=0.5, word_dropout=0.2,
            batch_size=32, train=replace(SST_TRAIN, epochs=20, lr=5e-3))),
}


NOTES = {"sst2": """Findings. On SST-2 sentences alone (6,920 training sentences, no phrase labels, no pretrained
vectors) the recurrent model does not earn its keep here: a well-trained bag of words beats it by about
1.6 points, so the 81% / +2-point target is missed. The RNN runs' times include other jobs that shared
the 2 cores; alone, one takes about 4.5 minutes.

What was tried on the way (one seed, test accuracy, same data; the settings above are the best found):

| variant | test accuracy |
|---|---:|
| BiLSTM 300/150, max pool, dropout 0.5, word dropout 0.1, lr 1e-3, 10 epochs | 77.65 |
| BiLSTM 128/128, max pool, word dropout 0.3, lr 2e-3, 8 epochs | 74.9 |
| BiLSTM 300/150, mean-max pool, word dropout 0.2, lr 2e-3, 8 epochs | 79.90 |
| the same with weight averaging (`--average 0.998`) | 80.40 |
| the same pooling over [word vector; state] (a skip connection), lr 3e-3, 12 epochs | 79.74 |
| the same after pretraining embedding and BiLSTM as forward/backward language models on the training sentences (5 epochs) | 79.24 |
| bag of words, lr 1e-3, 10 epochs | 70.4 |
| bag of words, lr 2e-3, 8 epochs | 72.8 |
| bag of words, lr 5e-3, 20 epochs | 82.26 |

The bag of words needs a higher learning rate and more epochs than the RNN; given them it is the
stronger model on this data. For orientation, the issue's plain PyTorch scripts measured 78.2 (BiLSTM)
and 79.9 (mean of embeddings).""",
         "generated": """Findings. The generated reviews are what the chapter means by order mattering: the bag
of words cannot tell "good but too long" from "too long but good", and falls below chance on held-out
negations (it learns that "not" means negative); the BiLSTM reads every held-out phrasing right."""}


def run_one(config: sentiment.SentimentConfig, out: Path, seed: int, progress: bool) -> dict:
    config = replace(config, out=str(out), train=replace(config.train, seed=seed, progress=progress))
    start = time.perf_counter()
    result = sentiment.train(config)
    return {"seed": seed, "seconds": round(time.perf_counter() - start, 1), "test": result.test,
            "validation": result.validation, "confusion": result.confusion, "stopped": result.stopped,
            "config": asdict(config)}


def run_case(name: str, out: Path, progress: bool) -> dict:
    case = CASES[name]
    if case["rnn"].data and not Path(case["rnn"].data).exists():
        sys.exit(f"{case['rnn'].data} is absent: this benchmark needs ../shared/data")
    runs = {model: [run_one(case[model], out / name / f"{model}-{seed}", seed, progress) for seed in SEEDS]
            for model in ("rnn", "bow")}
    summary = {model: {key: statistics.mean(r["test"][key] for r in rs) for key in rs[0]["test"]}
               for model, rs in runs.items()}
    return {"case": name, "target": case["target"], "runs": runs, "mean": summary, "machine": describe(),
            "command": f"python benchmarks/bench_sentiment.py {name}"}


def _model(config: dict) -> str:
    if config["encoder"] == "bow":
        return f"bag of words (mean of {config['embedding_dim']}-d embeddings)"
    both = "bi" if config["bidirectional"] else ""
    return (f"{both}{config['encoder']} {config['layers']}x{config['hidden_size']}, emb {config['embedding_dim']}, "
            f"{config['pooling']} pool, dropout {config['dropout']}, word dropout {config['word_dropout']}")


def write_markdown(records: list[dict]) -> None:
    lines = ["# Sentiment analysis: quality", "",
             "Measured by `benchmarks/bench_sentiment.py` (run by hand, never in the tests): each case trains "
             "the recurrent model and the bag-of-words baseline (the same code, `--encoder bow`) with 3 seeds "
             "and reports test accuracy. The latest run of each case:"]
    latest = {r["case"]: r for r in records}
    for name, r in latest.items():
        keys = [k for k in r["mean"]["rnn"] if k.startswith("accuracy") or k == "macro_f1"]
        lines += ["", f"## {name}", "", f"Target: {r['target']}.", "",
                  f"Command: `{r['command']}`; machine: {markdown(r['machine'])}.", "",
                  "| model | seed | " + " | ".join(k.replace("_", " ") for k in keys) + " | time |",
                  "|---|---:|" + "---:|" * len(keys) + "---:|"]
        for model in ("rnn", "bow"):
            for run in r["runs"][model]:
                cells = " | ".join(f"{100 * run['test'][k]:.2f}" for k in keys)
                lines.append(f"| {_model(run['config'])} | {run['seed']} | {cells} | "
                             f"{run['seconds'] / 60:.1f} min ({run['stopped']}) |")
            cells = " | ".join(f"**{100 * r['mean'][model][k]:.2f}**" for k in keys)
            lines.append(f"| {model}: mean of {len(r['runs'][model])} | | {cells} | |")
        gap = {k: 100 * (r["mean"]["rnn"][k] - r["mean"]["bow"][k]) for k in keys}
        lines += ["", "RNN minus bag of words (points): " + ", ".join(f"{k.replace('_', ' ')} {v:+.2f}"
                                                                     for k, v in gap.items()) + "."]
        if name in NOTES:
            lines += ["", NOTES[name]]
    (ROOT / "docs" / "sentiment.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    run_benchmark(__doc__, CASES, RESULTS, run_case, write_markdown, "docs/sentiment.md")


if __name__ == "__main__":
    main()
