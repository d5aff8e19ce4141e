"""Quality of image captioning on the generated scenes (run by hand; results go to docs/caption.md).

    python benchmarks/bench_caption.py generated

Trains ``rnnlab.apps.caption`` on the generated scenes exactly as
``rnnlab caption train`` would, for at most 15 minutes, and scores the test
split, whose pictures all hold a colour-shape pair never seen in training:
BLEU-1..4, exact match and attribute accuracy, with the blind baseline (the
most common training caption for every picture) beside them. Appends to
``docs/caption.json``; ``--markdown`` rewrites the page.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path

from machine import describe, markdown, run_benchmark

from rnnlab.apps import caption
from rnnlab.training import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "caption.json"
CASES = {
    "generated": dict(
        target="BLEU-4 >= 80 and attribute accuracy >= 90% on held-out combinations within 15 minutes",
        config=caption.CaptionConfig(
            generated_train=8000, generated_validation=300, generated_test=1000, hidden_size=256,
            train=TrainConfig(epochs=30, lr=2e-3, schedule="cosine", monitor="bleu4", monitor_mode="max",
                              max_minutes=15))),
}


def run_case(name: str, out: Path, progress: bool) -> dict:
    case = CASES[name]
    config = replace(case["config"], out=str(out / name), train=replace(case["config"].train, progress=progress))
    start = time.perf_counter()
    result = caption.train(config)
    return {"case": name, "target": case["target"], "seconds": round(time.perf_counter() - start, 1),
            "test": result.test, "validation": result.validation, "baseline": result.baseline,
            "stopped": result.stopped, "config": asdict(config), "machine": describe(),
            "command": f"python benchmarks/bench_caption.py {name}", "sheet": str(result.run_dir / "test-captions.png")}


def write_markdown(records: list[dict]) -> None:
    keys = ["bleu1", "bleu2", "bleu3", "bleu4", "exact_match", "attribute_accuracy"]
    lines = ["# Image captioning: quality", "",
             "Measured by `benchmarks/bench_caption.py` (run by hand, never in the tests). BLEU is sacrebleu's "
             "(0-100) against every reference caption. The latest run of each case:"]
    for name, r in {r["case"]: r for r in records}.items():
        c = r["config"]
        model = (f"CNN {c['channels']}, {c['cell']} {c['layers']}x{c['hidden_size']}, attention {c['attention']}, "
                 f"image as {c['image_as']}")
        lines += ["", f"## {name}", "", f"Target: {r['target']}.", "",
                  f"Command: `{r['command']}`; machine: {markdown(r['machine'])}; "
                  f"{r['seconds'] / 60:.1f} min ({r['stopped']}).", "",
                  "| model | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
        for label, scores in ((model, r["test"]), ("blind baseline", r["baseline"])):
            cells = [f"{100 * scores[k]:.1f}%" if k in ("exact_match", "attribute_accuracy") else f"{scores[k]:.2f}"
                     for k in keys]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    (ROOT / "docs" / "caption.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    run_benchmark(__doc__, CASES, RESULTS, run_case, write_markdown, "docs/caption.md")


if __name__ == "__main__":
    main()
