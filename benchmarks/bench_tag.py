"""Quality of part-of-speech tagging (run by hand; results go to docs/tag.md).

    python benchmarks/bench_tag.py generated generated-crf ud ud-crf ud-crf-words

``generated``: the embedded sentences, exactly as ``rnnlab tag train`` (and
with ``--crf``); the test words are ambiguous words in contexts training
never showed them in. ``ud``: UD English-EWT UPOS from
``../shared/data/ud_english_ewt`` (train, and dev for selection and report:
the test file is not there). The most-frequent-tag baseline is beside each.
Appends to ``docs/tag.json``; ``--markdown`` rewrites the page.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path

from machine import describe, markdown, run_benchmark

from rnnlab.apps import tag

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "tag.json"
UD = ROOT.parent / "shared" / "data" / "ud_english_ewt"
TARGET = ("generated: >= 98% on held-out ambiguous contexts, far above the most frequent tag; UD English-EWT "
          "UPOS: above the most-frequent-tag baseline, toward the ~95% of published BiLSTM taggers")
UD_CONFIG = tag.TagConfig(data=str(UD / "en_ewt-ud-train.conllu"), validation_data=str(UD / "en_ewt-ud-dev.conllu"),
                          test_data=str(UD / "en_ewt-ud-dev.conllu"), hidden_size=128, word_dropout=0.25)
UD_CONFIG = replace(UD_CONFIG, train=replace(UD_CONFIG.train, epochs=20, max_minutes=6))
CASES = {
    "generated": dict(config=tag.TagConfig(), model="BiLSTM, softmax"),
    "generated-crf": dict(config=tag.TagConfig(crf=True), model="BiLSTM, CRF"),
    "ud": dict(config=UD_CONFIG, model="BiLSTM 128, softmax"),
    "ud-crf": dict(config=replace(UD_CONFIG, crf=True), model="BiLSTM 128, CRF"),
    "ud-crf-words": dict(config=replace(UD_CONFIG, crf=True, char_hidden=0), model="BiLSTM 128, CRF, no characters"),
}


def run_case(name: str, out: Path, progress: bool) -> dict:
    case = CASES[name]
    config = replace(case["config"], out=str(out / name), train=replace(case["config"].train, progress=progress))
    start = time.perf_counter()
    result = tag.train(config)
    return {"case": name, "model": case["model"], "target": TARGET, "seconds": round(time.perf_counter() - start, 1),
            "test": result.test, "baseline": result.baseline, "stopped": result.stopped, "config": asdict(config),
            "machine": describe(), "command": f"python benchmarks/bench_tag.py {name}"}


def write_markdown(records: list[dict]) -> None:
    latest = {r["case"]: r for r in records}
    lines = ["# Part-of-speech tagging: quality", "",
             "Measured by `benchmarks/bench_tag.py` (run by hand, never in the tests). Accuracy in % on every word "
             "on the ambiguous words (those with more than one tag in training) and on the words unseen in training; the baseline gives each word "
             "its most frequent training tag.", "", f"Target: {TARGET}.", "",
             "| case | model | accuracy | ambiguous | unseen | baseline accuracy | baseline ambiguous | baseline unseen "
             "| minutes | stopped |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, r in latest.items():
        t, b = r["test"], r["baseline"]
        cells = [f"{100 * x[k]:.2f}" if k in x else "" for x in (t, b)
                 for k in ("accuracy", "accuracy_ambiguous", "accuracy_unseen")]
        lines.append(f"| {name} | {r['model']} | " + " | ".join(cells) + f" | {r['seconds'] / 60:.1f} | {r['stopped']} |")
    r = next(iter(latest.values()))
    lines += ["", f"Machine: {markdown(r['machine'])}. UD cases: train on en_ewt-ud-train (12,544 sentences), "
                  "select and report on en_ewt-ud-dev (2,001). Commands: "
                  + ", ".join(f"`{x['command']}`" for x in latest.values()) + "."]
    (ROOT / "docs" / "tag.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    run_benchmark(__doc__, CASES, RESULTS, run_case, write_markdown, "docs/tag.md")


if __name__ == "__main__":
    main()
