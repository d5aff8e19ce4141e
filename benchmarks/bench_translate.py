"""Quality of machine translation (run by hand; results go to docs/translate.md).

    python benchmarks/bench_translate.py tatoeba     # ../shared/data/tatoeba_eng_fra: English -> French
    python benchmarks/bench_translate.py generated   # the embedded number and date pairs, en-fr and en-de

``tatoeba``: sentences of at most 10 words, 10% of the English sentences held
out for test (all their French translations are the references), an
attention model trained for at most 30 minutes and a model without
attention for at most 10, beside the copy-the-source and constant-output
baselines. ``generated``: exact match on held-out numbers, by magnitude and
by spelling. Each case trains ``rnnlab.apps.translate`` exactly as
``rnnlab translate train`` would and
appends its numbers to ``docs/translate.json``; ``--markdown`` rewrites the page.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from machine import describe, markdown, run_benchmark

from rnnlab.apps import translate
from rnnlab.apps.translate.data import load_parallel
from rnnlab.training import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "docs" / "translate.json"

TATOEBA = translate.TranslateConfig(
    data=str(DATA / "tatoeba_eng_fra" / "fra.txt"), max_words=10, validation=2000, test=0.1, min_freq=2,
    embedding_dim=256, hidden_size=256, dropout=0.2, batch_size=128,
    train=TrainConfig(epochs=12, lr=2e-3, schedule="cosine", monitor="bleu", monitor_mode="max", max_minutes=30))
CASES = {
    "tatoeba": dict(
        target="attention model >= 40 BLEU within 30 minutes of training; no attention and baselines beside",
        runs={"attention": TATOEBA,
              "no attention": replace(TATOEBA, attention="none", train=replace(TATOEBA.train, max_minutes=10))}),
    "generated": dict(
        target="exact match >= 95% on held-out numbers, and at every magnitude and spelling",
        runs={"en-fr": translate.TranslateConfig(), "en-de": translate.TranslateConfig(generated="en-de")}),
}


def run_case(name: str, out: Path, progress: bool) -> dict:
    case = CASES[name]
    first = next(iter(case["runs"].values()))
    if first.data and not Path(first.data).exists():
        sys.exit(f"{first.data} is absent: this benchmark needs ../shared/data")
    runs = {}
    for label, config in case["runs"].items():
        config = replace(config, out=str(out / name / label.replace(" ", "-")),
                         train=replace(config.train, progress=progress))
        start = time.perf_counter()
        result = translate.train(config)
        runs[label] = {"seconds": round(time.perf_counter() - start, 1), "test": result.test,
                       "validation": result.validation, "examples": result.examples, "stopped": result.stopped,
                       "held_out": result.summary.get("held_out"), "config": asdict(config)}
        print(label, json.dumps(result.test), flush=True)
    return {"case": name, "target": case["target"], "runs": runs, "baselines": translate.baselines(
        load_parallel(first)), "machine": describe(), "command": f"python benchmarks/bench_translate.py {name}"}


def _model(c: dict) -> str:
    encoder = f"{'bi' if c['bidirectional'] else ''}{c['encoder_cell']} {c['layers']}x{c['hidden_size']}"
    return f"{encoder} -> {c['decoder_cell']}, attention {c['attention']}, emb {c['embedding_dim']}"


def write_markdown(records: list[dict]) -> None:
    lines = ["# Machine translation: quality", "",
             "Measured by `benchmarks/bench_translate.py` (run by hand, never in the tests). BLEU is sacrebleu's "
             "corpus BLEU (0-100) on lower-cased tokens, against every held-out translation of each source "
             "sentence; exact match is the share of outputs equal to one of them. The latest run of each case:"]
    for name, r in {r["case"]: r for r in records}.items():
        lines += ["", f"## {name}", "", f"Target: {r['target']}.", "",
                  f"Command: `{r['command']}`; machine: {markdown(r['machine'])}.", "",
                  "| model | test BLEU | exact match | perplexity | epochs, training time |", "|---|---:|---:|---:|---|"]
        for label, run in r["runs"].items():
            t = run["test"]
            lines.append(f"| {label}: {_model(run['config'])} | {t['bleu']:.2f} | {100 * t['exact_match']:.1f}% | "
                         f"{t['perplexity']:.2f} | {run['seconds'] / 60:.1f} min ({run['stopped']}) |")
        for label, score in r["baselines"].items():
            lines.append(f"| baseline: {label.replace('_', ' ')} | {score:.2f} | | | |")
        held_out = {label: run["held_out"] for label, run in r["runs"].items() if run.get("held_out")}
        for table in ("by magnitude", "by spelling") if held_out else ():
            labels = list(held_out)
            lines += ["", f"Test exact match {table} (test sentences in brackets):", "",
                      f"| {table[3:]} | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
            for key in sorted(held_out[labels[0]][table]):
                cells = [held_out[label][table].get(key) for label in labels]
                lines.append(f"| {key} | " + " | ".join(
                    f"{100 * c['accuracy']:.1f}% ({c['sentences']})" if c else "" for c in cells) + " |")
        for label, run in r["runs"].items():
            lines += ["", f"Examples ({label}):", ""]
            lines += [f"- {e['source']} -> **{e['output']}** (reference: {e['references'][0]})"
                      for e in run["examples"][:6]]
    (ROOT / "docs" / "translate.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    run_benchmark(__doc__, CASES, RESULTS, run_case, write_markdown, "docs/translate.md")


if __name__ == "__main__":
    main()
