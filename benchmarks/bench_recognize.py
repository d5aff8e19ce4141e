"""Quality of sequence recognition with CTC (run by hand; results go to docs/recognize.md).

    python benchmarks/bench_recognize.py default default-none fsdd fsdd-none fsdd-theo fsdd-jackson mnist mnist-none

``default``: the embedded rendered text lines, exactly as ``rnnlab recognize
train``; its test lines hold only words training never showed. ``fsdd``:
connected-digit utterances composed from ``../shared/data/fsdd`` recordings (one speaker an utterance),
tested on the data set's own test recordings (index 0-4); ``fsdd-NAME``: every
recording of speaker NAME held out; ``fsdd-warp-NAME``: the same with the mel bands warped by up to 10% in
training (``--warp 0.1``). ``mnist``: digit strings from the
official MNIST test file, trained on its first half (NIST SD-3 writers) and
tested on its second (SD-1 writers). Each ``-none`` case is the same
front-end without recurrence. Appends to ``docs/recognize.json``;
``--markdown`` rewrites the page.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path

from machine import describe, markdown, run_benchmark

from rnnlab.apps import recognize

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "recognize.json"
DATA = ROOT.parent / "shared" / "data"
TARGET = {"default": "CER <= 2% on held-out words", "fsdd": "CER <= 3%", "fsdd-speaker": "CER <= 15%",
          "mnist": "CER <= 4%"}


def limited(config: recognize.RecognizeConfig, epochs: int, minutes: float, **changes) -> recognize.RecognizeConfig:
    return replace(config, **changes, train=replace(config.train, epochs=epochs, max_minutes=minutes))


FSDD = recognize.RecognizeConfig(data=str(DATA / "fsdd"), sequences=(4000, 300, 1000))
MNIST = recognize.RecognizeConfig(data=str(DATA / "mnist"), sequences=(6000, 300, 1000))
CASES = {
    "default": dict(config=recognize.RecognizeConfig(), task="default"),
    "default-none": dict(config=recognize.RecognizeConfig(encoder="none"), task="default"),
    "fsdd": dict(config=limited(FSDD, 12, 15), task="fsdd"),
    "fsdd-none": dict(config=limited(FSDD, 15, 15, encoder="none"), task="fsdd"),
    "mnist": dict(config=limited(MNIST, 15, 15), task="mnist"),
    "mnist-none": dict(config=limited(MNIST, 15, 15, encoder="none"), task="mnist"),
    **{f"fsdd-{speaker}": dict(config=limited(FSDD, 12, 15, held_out_speaker=speaker), task="fsdd-speaker")
       for speaker in ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")},
    "fsdd-george-perturb": dict(config=limited(FSDD, 12, 15, held_out_speaker="george", perturb=0.1),
                                task="fsdd-speaker"),
    **{f"fsdd-warp-{speaker}": dict(config=limited(FSDD, 12, 15, held_out_speaker=speaker, warp=0.1),
                                    task="fsdd-speaker")
       for speaker in ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")},
}


def run_case(name: str, out: Path, progress: bool) -> dict:
    case = CASES[name]
    config = replace(case["config"], out=str(out / name), train=replace(case["config"].train, progress=progress))
    start = time.perf_counter()
    result = recognize.train(config)
    return {"case": name, "encoder": config.encoder, "target": TARGET[case["task"]],
            "seconds": round(time.perf_counter() - start, 1), "test": result.test, "stopped": result.stopped,
            **{k: result.summary[k] for k in ("by_font_size", "held_out_font", "hello_world") if k in result.summary},
            "config": asdict(config), "machine": describe(), "command": f"python benchmarks/bench_recognize.py {name}"}


def write_markdown(records: list[dict]) -> None:
    latest = {r["case"]: r for r in records}
    lines = ["# Sequence recognition with CTC: quality", "",
             "Measured by `benchmarks/bench_recognize.py` (run by hand, never in the tests). Character error rate "
             "(CER), word error rate (WER) and sequence accuracy in % on each task's test split, best path "
             "decoding. `none` is the same convolutional front-end without the recurrent layers.", "",
             "| case | encoder | target | CER | WER | sequence accuracy | minutes | stopped |",
             "|---|---|---|---:|---:|---:|---:|---|"]
    for name, r in latest.items():
        t = r["test"]
        lines.append(f"| {name} | {r['encoder']} | {r['target']} | {100 * t['cer']:.2f} | {100 * t['wer']:.2f} | "
                     f"{100 * t['sequence_accuracy']:.1f} | {r['seconds'] / 60:.1f} | {r['stopped']} |")
    lines += ["", "The recurrent layers beside the same front-end without them:", "",
              "| task | CER with the BiLSTM | CER without recurrence | relative error cut |", "|---|---:|---:|---:|"]
    for name, r in latest.items():
        if f"{name}-none" in latest:
            ours, theirs = r["test"]["cer"], latest[f"{name}-none"]["test"]["cer"]
            lines.append(f"| {name} | {100 * ours:.2f} | {100 * theirs:.2f} | {100 * (1 - ours / theirs):.0f}% |")
    for label, prefix in (("Held-out speakers", "fsdd-"), ("Held-out speakers with `--warp 0.1`", "fsdd-warp-")):
        speakers = [r["test"]["cer"] for n, r in latest.items() if r["target"] == TARGET["fsdd-speaker"]
                    and n.startswith(prefix) and not n.endswith("-perturb") and (prefix != "fsdd-" or "-warp-" not in n)]
        if speakers:
            lines += ["", f"{label}: mean CER {100 * sum(speakers) / len(speakers):.2f}% over {len(speakers)} "
                          f"speakers, worst {100 * max(speakers):.2f}% (targets: mean <= 8%, every speaker <= 15%)."]
    lines += ["", "Each composed FSDD utterance is said by one speaker; the `fsdd-none`, `fsdd-warp-*` and "
                  "`fsdd-george-perturb` rows were measured when an utterance mixed speakers."]
    for name, r in latest.items():
        if "by_font_size" in r:
            sizes = list(next(iter(r["by_font_size"].values())))
            lines += ["", f"`{name}`: CER (%) on test words by font and size (`{r['held_out_font']}`, a Times-like "
                          f"serif, is never trained on; target: <= 3% in every cell of the 10, 16, 32 and 48 px "
                          f"columns), and \"hello world\" drawn by Pillow in black on white, read as a picture file:",
                      "", "| font | " + " | ".join(f"{s} px" for s in sizes) + " |",
                      "|---|" + "---:|" * len(sizes)]
            for face, cells in r["by_font_size"].items():
                label = f"{face} (held out)" if face == r["held_out_font"] else face
                lines.append(f"| {label} | " + " | ".join(f"{100 * c:.2f}" for c in cells.values()) + " |")
            lines += ["", "| Pillow's font at | read |", "|---|---|"]
            lines += [f"| {size} px | {text!r} |" for size, text in r["hello_world"].items()]
    r = next(iter(latest.values()))
    lines += ["", f"Machine: {markdown(r['machine'])}. Commands: "
              + ", ".join(f"`{x['command']}`" for x in latest.values()) + "."]
    (ROOT / "docs" / "recognize.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    run_benchmark(__doc__, CASES, RESULTS, run_case, write_markdown, "docs/recognize.md")


if __name__ == "__main__":
    main()
