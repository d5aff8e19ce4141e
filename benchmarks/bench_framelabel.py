"""Quality of frame-level video classification on the generated clips (run by hand; results go to docs/framelabel.md).

    python benchmarks/bench_framelabel.py bidirectional causal per-frame

Trains ``rnnlab.apps.framelabel`` on the generated sprite clips exactly as
``rnnlab framelabel train`` would (with ``--causal`` and ``--encoder none``
for the other two cases), each for at most 5 minutes, and scores the test
clips: frame accuracy, segmental edit score and F1@{10,25,50}. The per-frame
baseline has the same CNN and no recurrence; since no single frame shows
which way the sprite moves, it can only guess. Appends to
``docs/framelabel.json``; ``--markdown`` rewrites the page.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path

from machine import describe, markdown, run_benchmark

from rnnlab.apps import framelabel
from rnnlab.training import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "framelabel.json"
TARGET = ("the bidirectional model beats the per-frame baseline by >= 20 points of frame accuracy and >= 20 points "
          "of edit score, each trained within 15 minutes")
BASE = framelabel.FrameConfig(train=TrainConfig(epochs=12, lr=2e-3, schedule="cosine", monitor="accuracy",
                                                monitor_mode="max", max_minutes=5))
CASES = {
    "bidirectional": dict(config=BASE, model="bidirectional LSTM"),
    "causal": dict(config=replace(BASE, bidirectional=False), model="causal (forward) LSTM"),
    "per-frame": dict(config=replace(BASE, encoder="none"), model="per-frame baseline (same CNN, no recurrence)"),
}


def run_case(name: str, out: Path, progress: bool) -> dict:
    case = CASES[name]
    config = replace(case["config"], out=str(out / name), train=replace(case["config"].train, progress=progress))
    start = time.perf_counter()
    result = framelabel.train(config)
    return {"case": name, "model": case["model"], "target": TARGET, "seconds": round(time.perf_counter() - start, 1),
            "test": result.test, "validation": result.validation, "stopped": result.stopped,
            "config": asdict(config), "machine": describe(),
            "command": f"python benchmarks/bench_framelabel.py {name}",
            "timeline": str(result.run_dir / "test-timeline.png")}


def write_markdown(records: list[dict]) -> None:
    keys = ["accuracy", "edit", "f1@10", "f1@25", "f1@50"]
    latest = {r["case"]: r for r in records}
    lines = ["# Frame-level video classification: quality", "",
             "Measured by `benchmarks/bench_framelabel.py` (run by hand, never in the tests) on the generated clips "
             "of a moving sprite, each frame labelled with its motion (still, left, right, up, down). Frame accuracy "
             "in %; edit score and F1@k on the 0-100 scale of the action-segmentation literature.", "",
             f"Target: {TARGET}.", "",
             "| model | " + " | ".join(keys) + " | minutes | stopped |", "|---|" + "---:|" * (len(keys) + 1) + "---|"]
    for name, r in latest.items():
        cells = [f"{100 * r['test'][k]:.1f}" if k == "accuracy" else f"{r['test'][k]:.1f}" for k in keys]
        lines.append(f"| {r['model']} | " + " | ".join(cells) + f" | {r['seconds'] / 60:.1f} | {r['stopped']} |")
    if "bidirectional" in latest and "per-frame" in latest:
        bi, frame = latest["bidirectional"]["test"], latest["per-frame"]["test"]
        lines += ["", f"Bidirectional minus per-frame: {100 * (bi['accuracy'] - frame['accuracy']):+.1f} points of "
                      f"frame accuracy, {bi['edit'] - frame['edit']:+.1f} points of edit score."]
    r = next(iter(latest.values()))
    c = r["config"]
    lines += ["", f"Machine: {markdown(r['machine'])}. Data: {c['generated_train']} training clips of "
                  f"{c['generated_frames'][0]}-{c['generated_frames'][1]} frames, {c['generated_test']} test clips. "
                  f"Model: CNN {c['channels']} to a {c['frame_size']}-vector a frame, {c['layers']} x "
                  f"{c['hidden_size']} units a direction; lr {c['train']['lr']}, cosine schedule, at most "
                  f"{c['train']['max_minutes']} min each. Commands: "
                  + ", ".join(f"`{x['command']}`" for x in latest.values()) + ".",
              "", "Each run folder holds `test-timeline.png`, the true and predicted segments of six test clips."]
    (ROOT / "docs" / "framelabel.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    run_benchmark(__doc__, CASES, RESULTS, run_case, write_markdown, "docs/framelabel.md")


if __name__ == "__main__":
    main()
