"""ONNX export: onnxruntime's inference speed beside rnnlab's on this CPU (by hand; docs/performance.md).

    python benchmarks/bench_export.py [--reps 7] [--runs FOLDER]

Exports each cell kind, one direction and both, as a layer with lengths
(``rnnlab.export.onnx``), and runs it in onnxruntime (one thread per core,
its defaults) and in rnnlab (engine ``auto``, ``no_grad``) on the same
IMDB-like padded batch (B=64, E=H=128), rounds alternating; tokens/s count
real tokens. With ``--runs FOLDER`` (default runs of the applications, as
benchmarks/bench_lab.py trains them), each application's exported model
(``rnnlab export``) on a batch of its own inputs too. The table goes into
docs/performance.md through docs/performance.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch
from bench_rnn import length_spread, write_markdown
from machine import describe

from rnnlab import Bidirectional, Recurrent
from rnnlab.core import ElmanCell, GRUCell, LSTMCell
from rnnlab.export import onnx

ROOT = Path(__file__).resolve().parent.parent
CELLS = {"rnn": lambda: ElmanCell(128, 128), "lstm": lambda: LSTMCell(128, 128), "gru-after": lambda: GRUCell(
    128, 128, reset="after"), "gru-before": lambda: GRUCell(128, 128)}


def session(path: Path):
    import onnxruntime
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def interleaved(runs: dict, reps: int) -> dict:
    times = {k: [] for k in runs}
    for rep in range(reps + 1):  # the first round warms up
        for k, run in runs.items():
            t0 = time.perf_counter()
            run()
            if rep:
                times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def bench_layers(reps: int, folder: Path) -> list[dict]:
    generator = torch.Generator().manual_seed(0)
    lengths = length_spread("imdb", 64, generator)
    x = torch.randn(64, int(lengths.max()), 128, generator=generator)
    tokens = int(lengths.sum())
    rows = []
    for kind, make in CELLS.items():
        for both in (False, True):
            layer = Bidirectional(Recurrent(make()), Recurrent(make(), reverse=True)) if both else Recurrent(make())
            path = onnx(layer, x[:4, :50], folder / f"{kind}-{both}.onnx", lengths.clamp(max=50)[:4])
            s = session(path)
            feed = {"x": x.numpy(), "lengths": lengths.numpy()}

            def ours():
                with torch.no_grad():
                    layer(x, lengths=lengths)
            seconds = interleaved({"rnnlab": ours, "onnxruntime": lambda: s.run(["y"], feed)}, reps)
            rows.append({"model": f"{kind} {'both' if both else 'one'} direction" + ("s" if both else ""),
                         **{f"{k}_tok_s": tokens / v for k, v in seconds.items()}})
            print(rows[-1], flush=True)
    return rows


def _app_row(label: str, tokens: int, rnnlab_run, path: Path, feed: dict, output: str, reps: int) -> dict:
    s = session(path)
    feed = {k: v.numpy() for k, v in feed.items()}

    def ours():
        with torch.no_grad():
            rnnlab_run()
    seconds = interleaved({"rnnlab": ours, "onnxruntime": lambda: s.run([output], feed)}, reps)
    row = {"model": label, **{f"{k}_tok_s": tokens / v for k, v in seconds.items()}}
    print(row, flush=True)
    return row


def bench_apps(runs: dict, reps: int, folder: Path) -> list[dict]:
    """Each application's exported model (``rnnlab export``, the default runs) on a batch of its own inputs."""
    from rnnlab.apps import lm, framelabel, sentiment, tag, translate
    from rnnlab.apps.framelabel.tasks import video_batch
    from rnnlab.apps.tag.app import encoder_of
    from rnnlab.apps.translate.app import vocabularies
    from rnnlab.data import Vocabulary, pad_batch
    from rnnlab.export import zero_state
    generator = torch.Generator().manual_seed(1)
    rows = []
    if "sentiment" in runs:
        trained = sentiment.APP.load(runs["sentiment"])
        sentiment.export_onnx(trained, folder / "sentiment.onnx")
        vocab = sentiment.vocab_of(trained)
        sequences = [torch.randint(4, len(vocab), (int(n),), generator=generator).tolist()
                     for n in torch.randint(10, 41, (256,), generator=generator)]
        tokens, lengths = pad_batch(sequences, vocab.pad_id)
        rows.append(_app_row("sentiment classifier (B=256, 10-40 words)", int(lengths.sum()),
                             lambda: trained.model(tokens, lengths), folder / "sentiment.onnx",
                             {"tokens": tokens, "lengths": lengths}, "probs", reps))
    if "charlm" in runs:
        trained = lm.CHARLM.load(runs["charlm"])
        lm.CHARLM.export(trained, folder / "charlm.onnx")
        V = len(Vocabulary.from_json(trained.meta["vocab"]))
        tokens = torch.randint(4, V, (64, 100), generator=generator)
        rows.append(_app_row("language model step function (B=64, T=100)", tokens.numel(),
                             lambda: trained.model(tokens, None), folder / "charlm.onnx",
                             {"tokens": tokens, **zero_state(folder / "charlm.onnx", 64)}, "logits", reps))
    if "tag" in runs:
        trained = tag.APP.load(runs["tag"])
        tag.APP.export(trained, folder / "tag.onnx")
        sentences = [s.words for s in trained.prepared().data.test[:128]]
        inputs = encoder_of(trained.meta).batch(sentences, "cpu")
        rows.append(_app_row("tagger (128 test sentences)", int(inputs[3].sum()),
                             lambda: trained.model.emissions(*inputs), folder / "tag.onnx",
                             dict(zip(("words", "chars", "char_lengths", "lengths"), inputs)), "emissions", reps))
    if "framelabel" in runs:
        trained = framelabel.APP.load(runs["framelabel"])
        framelabel.APP.export(trained, folder / "framelabel.onnx")
        x, lengths = video_batch(trained.prepared().data.test.inputs[:16], "cpu")
        rows.append(_app_row("frame labeller with its CNN (16 test clips; frames)", int(lengths.sum()),
                             lambda: trained.model(x, lengths), folder / "framelabel.onnx",
                             {"frames": x, "lengths": lengths}, "logits", reps))
    if "translate" in runs:
        trained = translate.APP.load(runs["translate"])
        translate.APP.export(trained, folder / "mt.onnx")
        vocab = vocabularies(trained.meta)[0]
        sources = [torch.randint(4, len(vocab), (int(n),), generator=generator).tolist()
                   for n in torch.randint(3, 11, (256,), generator=generator)]
        source, lengths = pad_batch(sources, vocab.pad_id)
        rows.append(_app_row("translation encoder (B=256, 3-10 words)", int(lengths.sum()),
                             lambda: trained.model.encode(source, lengths), folder / "mt.encoder.onnx",
                             {"source": source, "lengths": lengths}, "keys", reps))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--runs", metavar="FOLDER", help="a folder of default runs (sentiment, charlm, tag, "
                                                         "framelabel, translate): their exported models too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = bench_layers(args.reps, Path(folder))
        if args.runs:
            from rnnlab.lab import Runs
            runs = {run.app: run.path for run in Runs([args.runs]).scan().values()}
            rows += bench_apps(runs, args.reps, Path(folder))
    command = "python benchmarks/bench_export.py" + (" --runs FOLDER" if args.runs else "")
    results = ROOT / "docs" / "performance.json"
    result = json.loads(results.read_text())
    result["export"] = {"rows": rows, "command": command, "machine": describe()}
    results.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    write_markdown(ROOT / "docs" / "performance.md", result)


if __name__ == "__main__":
    main()
