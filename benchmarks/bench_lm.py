"""The word-level language model on IMDB's unlabelled reviews, against pytorch/examples' word_language_model
(run by hand; results go to docs/lm.json and docs/lm.md, the curves to docs/lm-curves.png).

    python benchmarks/bench_lm.py speed                # tokens/s, interleaved repeats, medians
    python benchmarks/bench_lm.py compare --minutes 60 # rnnlab's default vs the torch.nn recipe, same minutes
    python benchmarks/bench_lm.py bf16 --minutes 60    # the default with --precision bf16
    python benchmarks/bench_lm.py ablation --minutes 10
    python benchmarks/bench_lm.py pretrain --minutes 40 [--reverse]  # the models the tasks start from
    python benchmarks/bench_lm.py --markdown           # rewrite docs/lm.md from docs/lm.json

The corpus: ``../shared/data/imdb/aclImdb_train_unsup.tar.gz`` unpacked to a temporary folder; the 50,000
unlabelled reviews (``aclImdb/train/unsup``) read by ``rnnlab lm``'s own loader as a folder of documents,
1,000 held back for validation and 1,000 for test by ``--split-seed 0`` (whole reviews), words by
``rnnlab.data.text.tokenize``, the 30,000 most frequent training words seen 3 times or more (the rest
``<unk>``). Both models read exactly these token ids and are scored the same way (exact log-probabilities,
16 rows, state carried).

The baseline is ``pytorch/examples/word_language_model`` written with torch.nn: a 2-layer LSTM of 650 units,
tied embedding, dropout 0.5, full softmax, SGD lr 20 (divided by 4 when validation stops improving), gradient
norm clipped to 0.25, BPTT 35, batch 20.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tarfile
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from machine import describe, markdown, matmul_peak

from rnnlab.apps import lm
from rnnlab.apps.lm.data import load_corpus
from rnnlab.data import batchify
from rnnlab.training import TrainConfig
from rnnlab.training.runner import Prepared
from rnnlab.training.metrics import read_records

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT.parent / "shared" / "data" / "imdb" / "aclImdb_train_unsup.tar.gz"
RESULTS = ROOT / "docs" / "lm.json"
PAGE = ROOT / "docs" / "lm.md"
CURVES = ROOT / "docs" / "lm-curves.png"
CACHE = Path(tempfile.gettempdir()) / "rnnlab-bench-lm"
PRETRAINED = CACHE / "pretrained"  # pretrain's runs: PRETRAINED/forward, PRETRAINED/backward

# rnnlab lm's defaults, two epochs long (about what the minutes allow: the cosine schedule ends near the limit)
DEFAULT = lm.LMConfig(validation=1000, test=1000, split_seed=0, samples=3,
                      train=replace(lm.LMConfig().train, epochs=2))
BASELINE = replace(DEFAULT, layers=2, hidden_size=650, embedding_dim=650, dropout=0.5, locked=False, weight_drop=0.0,
                   tie_weights=True, softmax="full", batch_size=20, bptt=35, vary_bptt=False,
                   train=TrainConfig(optimizer="sgd", momentum=0.0, lr=20.0, clip_threshold=0.25, epochs=40))


# --- the corpus, read once ---------------------------------------------------------------------
def corpus():
    """The IMDB corpus as ``rnnlab lm`` reads it; unpacked and tokenised once, then kept in a temporary folder."""
    CACHE.mkdir(exist_ok=True)
    ids, vocab_file = CACHE / "ids.safetensors", CACHE / "vocab.json"
    if not ids.exists():
        if not ARCHIVE.exists():
            raise SystemExit(f"{ARCHIVE} is absent: this benchmark needs ../shared/data")
        with tempfile.TemporaryDirectory() as folder:
            with tarfile.open(ARCHIVE) as tar:
                tar.extractall(folder, members=[m for m in tar.getmembers() if "/unsup/" in m.name], filter="data")
            start = time.perf_counter()
            c = load_corpus(str(Path(folder) / "aclImdb" / "train" / "unsup"), "auto", 0, DEFAULT.validation,
                            DEFAULT.test, DEFAULT.split_seed, "word", DEFAULT.min_freq, DEFAULT.max_vocab)
            print(f"read and tokenised in {time.perf_counter() - start:.0f} s")
        from safetensors.torch import save_file
        save_file({"train": c.train, "validation": c.validation, "test": c.test}, str(ids))
        vocab_file.write_text(json.dumps(c.vocab.to_json()))
    from safetensors.torch import load_file
    from rnnlab.data import Vocabulary
    t = load_file(str(ids))
    return lm.app.Corpus("text", "aclImdb/train/unsup (50,000 reviews)",
                         Vocabulary.from_json(json.loads(vocab_file.read_text())), t["train"], t["validation"],
                         t["test"], unit="word")


def prepared_for(config, c) -> Prepared:
    """What ``lm.APP.prepare`` would give for this corpus, without reading it again (read right to left for a
    backward model)."""
    if config.reverse:
        c = replace(c, train=c.train.flip(0), validation=c.validation.flip(0), test=c.test.flip(0))
    info = {"vocab": c.vocab.to_json(), "corpus": {"kind": "text", "unit": "word"}}
    if config.softmax == "adaptive":
        info["cutoffs"] = list(config.cutoffs or lm.app.default_cutoffs(c.counts()))
    return Prepared(c, info, c.source)


def app_on(c):
    return replace(lm.APP, prepare=lambda config, meta: prepared_for(config, c))


# --- the torch.nn baseline: pytorch/examples/word_language_model ---------------------------------
class TorchWordLM(nn.Module):
    """``RNNModel('LSTM', ntoken, 650, 650, 2, dropout=0.5, tie_weights=True)``, time-major as the example is."""

    def __init__(self, ntoken: int, size: int = 650, layers: int = 2, dropout: float = 0.5) -> None:
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, size)
        self.rnn = nn.LSTM(size, size, layers, dropout=dropout)
        self.decoder = nn.Linear(size, ntoken)
        self.decoder.weight = self.encoder.weight
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def forward(self, x, hidden=None):
        out, hidden = self.rnn(self.drop(self.encoder(x)), hidden)  # (T, B, H)
        return self.decoder(self.drop(out)), hidden


class TorchRecipe:
    """The example's ``train()``: a pass of BPTT 35 windows over a 20-column stream, clip 0.25, ``p -= lr grad``."""

    def __init__(self, c, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.model = TorchWordLM(len(c.vocab))
        self.data = batchify(c.train, 20).t().contiguous()  # (N, 20), time-major
        self.lr, self.i, self.hidden = 20.0, 0, None

    def step(self) -> int:
        if self.i >= self.data.shape[0] - 1:
            self.i, self.hidden = 0, None
        n = min(35, self.data.shape[0] - 1 - self.i)
        x, y = self.data[self.i:self.i + n], self.data[self.i + 1:self.i + 1 + n]
        self.model.train()
        self.hidden = None if self.hidden is None else tuple(h.detach() for h in self.hidden)
        self.model.zero_grad()
        out, self.hidden = self.model(x, self.hidden)
        F.cross_entropy(out.flatten(0, 1), y.flatten()).backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 0.25)
        with torch.no_grad():
            for p in self.model.parameters():
                p.add_(p.grad, alpha=-self.lr)
        self.i += n
        return x.numel()

    @torch.no_grad()
    def evaluate(self, ids, rows: int = 16, chunk: int = 512) -> float:
        """Nats a word, as ``rnnlab``'s ``evaluate_stream`` scores: ``rows`` long rows, the state carried."""
        self.model.eval()
        stream = batchify(ids, rows).t().contiguous()  # (N, R)
        total, count, hidden = 0.0, 0, None
        for start in range(0, stream.shape[0] - 1, chunk):
            end = min(start + chunk, stream.shape[0] - 1)
            out, hidden = self.model(stream[start:end], hidden)
            total += float(F.cross_entropy(out.flatten(0, 1), stream[start + 1:end + 1].flatten(), reduction="sum"))
            count += stream[start + 1:end + 1].numel()
        return total / count


def train_baseline(c, minutes: float, every: float) -> dict:
    """The recipe for ``minutes`` of wall clock (its validations included), validating every ``every`` minutes;
    the lr divided by 4 after a validation that does not improve, as the example does after an epoch."""
    recipe, curve, best, best_state = TorchRecipe(c), [], math.inf, None
    start, tokens, next_check = time.perf_counter(), 0, every * 60
    while True:
        tokens += recipe.step()
        elapsed = time.perf_counter() - start
        if elapsed >= next_check or elapsed >= minutes * 60:
            loss = recipe.evaluate(c.validation)
            curve.append({"minutes": (time.perf_counter() - start) / 60, "perplexity": math.exp(loss)})
            print(f"baseline {curve[-1]['minutes']:.1f} min: validation perplexity {curve[-1]['perplexity']:.1f}")
            if loss < best:
                best, best_state = loss, {k: v.clone() for k, v in recipe.model.state_dict().items()}
            else:
                recipe.lr /= 4.0
            next_check += every * 60
            if elapsed >= minutes * 60:
                break
    recipe.model.load_state_dict(best_state)
    test = recipe.evaluate(c.test)
    return {"model": "torch.nn word_language_model", "minutes": minutes, "tokens": tokens, "curve": curve,
            "validation_perplexity": math.exp(best), "test_perplexity": math.exp(test),
            "parameters": sum(p.numel() for p in recipe.model.parameters())}


def train_rnnlab(c, config, minutes: float, every_steps: int, name: str, out: Path | None = None) -> dict:
    out = out or CACHE / "runs" / f"{name}-{time.strftime('%H%M%S')}"
    config = replace(config, out=str(out), train=replace(config.train, max_minutes=minutes,  # None: no limit
                                                         validate_every=every_steps, progress=False,
                                                         tensorboard=False))
    result = app_on(c).train(config)
    curve = [{"minutes": r["seconds"] / 60, "perplexity": r["perplexity"]}
             for r in read_records(out) if r.get("split") == "validation"]
    model = lm.APP.load(out).model
    return {"model": name, "minutes": minutes, "curve": curve, "test_perplexity": result.test["perplexity"],
            "validation_perplexity": min(p["perplexity"] for p in curve),
            "unknown_share": result.test.get("unknown_share"), "samples": result.samples,
            "parameters": sum(p.numel() for p in model.parameters()), "config": asdict(config)}


# --- speed -------------------------------------------------------------------------------------
def rnnlab_stepper(c, config, seed: int = 0):
    torch.manual_seed(seed)
    prepared = prepared_for(config, c)
    model = lm.APP.build_model(config, prepared.meta).train()
    task = lm.APP.task(config, prepared)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.train.lr) if config.train.optimizer == "sgd" else \
        torch.optim.Adam(model.parameters(), lr=config.train.lr)
    windows = iter(task.batches(0))
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.train.precision != "fp32")

    def step() -> int:
        window = next(windows)
        with autocast:
            loss, count = task.loss(model, window)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.train.clip_threshold)
        optimizer.step()
        return config.batch_size * (window.end - window.scored_from)
    return step


def training_flops(config, c) -> float:
    """Multiply-adds x 2 a training token costs: 3 times the forward's products (the backward computes each
    product's weight and input gradients; the embedding wants its input gradient too). The forward: each layer's
    ``W_x x_t`` and ``W_h h_{t-1}``, the projection, and the softmax: the full one over every word, the adaptive
    one over its head and, for a token of a tail cluster (its share of the training words), that cluster."""
    prepared = prepared_for(config, c)
    model = lm.APP.build_model(config, prepared.meta)
    forward = sum(2 * cell.W_h.shape[0] * (cell.input_size + cell.hidden_size)
                  for cell in model.rnn.modules() if hasattr(cell, "W_h"))
    if model.projection is not None:
        forward += 2 * model.projection.weight.numel()
    if model.adaptive is None:
        forward += 2 * model.output.weight.numel()
    else:
        counts = torch.tensor(c.counts(), dtype=torch.float64)
        share = counts / counts.sum()
        edges = list(model.adaptive.cutoffs)  # [c0, c1, ..., V]
        forward += 2 * model.adaptive.head.weight.numel()
        for k, tail in enumerate(model.adaptive.tail):
            forward += float(share[edges[k]:edges[k + 1]].sum()) * 2 * (tail[0].weight.numel() + tail[1].weight.numel())
    return 3 * forward


def speed(c, rounds: int = 3, seconds: float = 12.0) -> dict:
    """Training tokens/s of each, in ``rounds`` interleaved turns of ``seconds`` each (after a warm-up)."""
    fp32 = replace(DEFAULT, train=replace(DEFAULT.train, precision="fp32"))
    bf16 = replace(DEFAULT, train=replace(DEFAULT.train, precision="bf16"))
    steppers = {"torch.nn recipe (full softmax)": TorchRecipe(c).step,
                "rnnlab, the recipe's configuration (full softmax)": rnnlab_stepper(c, BASELINE),
                "rnnlab default (adaptive softmax, fp32)": rnnlab_stepper(c, fp32),
                "rnnlab default, bf16 autocast": rnnlab_stepper(c, bf16)}
    rates = {name: [] for name in steppers}
    for name, step in steppers.items():
        for _ in range(2):
            step()  # warm-up: allocations, oneDNN's primitives
    for _ in range(rounds):
        for name, step in steppers.items():
            start, tokens = time.perf_counter(), 0
            while time.perf_counter() - start < seconds:
                tokens += step()
            rates[name].append(tokens / (time.perf_counter() - start))
            print(f"{name}: {rates[name][-1]:.0f} tokens/s")
    base = statistics.median(rates["torch.nn recipe (full softmax)"])
    peaks = {"fp32": matmul_peak(), "bf16": matmul_peak(dtype=torch.bfloat16)}
    flops = {"torch.nn recipe (full softmax)": (training_flops(BASELINE, c), "fp32"),
             "rnnlab, the recipe's configuration (full softmax)": (training_flops(BASELINE, c), "fp32"),
             "rnnlab default (adaptive softmax, fp32)": (training_flops(DEFAULT, c), "fp32"),
             "rnnlab default, bf16 autocast": (training_flops(DEFAULT, c), "bf16")}
    return {"peaks": peaks,
            "rows": [{"model": name, "tokens_per_s": statistics.median(r), "ratio": statistics.median(r) / base,
                      "runs": [round(x) for x in r], "flops_per_token": flops[name][0],
                      "peak_share": statistics.median(r) * flops[name][0] / 1e9 / peaks[flops[name][1]],
                      "precision": flops[name][1]} for name, r in rates.items()]}


ABLATION = {  # one regulariser changed from the default each
    "default": {},
    "no weight drop": {"weight_drop": 0.0},
    "no locked dropout (a mask every step)": {"locked": False},
    "no dropout at all": {"dropout": 0.0, "weight_drop": 0.0},
    "fixed BPTT windows": {"vary_bptt": False},
    "+ embedding dropout 0.1": {"embedding_dropout": 0.1},
    "+ AR 2, TAR 1": {"ar": 2.0, "tar": 1.0},
    "NT-ASGD (SGD lr 20) instead of Adam": {"train": "ntasgd"},
}


def ablated(changes: dict):
    changes = dict(changes)
    if changes.pop("train", None) == "ntasgd":
        changes["train"] = replace(DEFAULT.train, optimizer="ntasgd", lr=20.0, schedule="constant", warmup_steps=0,
                                   nonmono=2)
    return replace(DEFAULT, **changes)


# --- the page ----------------------------------------------------------------------------------
def write_page(results: list[dict]) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    latest = {}
    for r in results:
        latest[r["case"]] = r
    lines = ["# Word-level language model: IMDB's unlabelled reviews", "",
             "Measured by `benchmarks/bench_lm.py` (run by hand, never in the tests). Corpus: the 50,000 unlabelled "
             "reviews of `aclImdb/train/unsup`, 1,000 held back for validation and 1,000 for test (whole reviews, "
             "split seed 0), read by `rnnlab lm`'s own loader; the 30,000 most frequent training words seen at least "
             "3 times, the rest `<unk>`. Perplexities are exact (full normalised distributions) per word, `<eos>` "
             "after each review counted as a word. Baseline: `pytorch/examples/word_language_model`'s recipe in "
             "torch.nn (2-layer LSTM 650, tied, dropout 0.5, full softmax, SGD lr 20 divided by 4 when validation "
             "stops improving, clip 0.25, BPTT 35, batch 20) on the same token ids.", ""]
    if "speed" in latest:
        r = latest["speed"]
        peaks = r.get("peaks")  # (records before the accounting was written have none)
        lines += ["## Training speed", "", f"`{r['command']}` on {markdown(r['machine'])}; medians of "
                  f"{len(r['rows'][0]['runs'])} interleaved turns."]
        if peaks:
            lines[-1] += (f" Share of peak: the products a training token costs (`training_flops`: 3 times the "
                          f"forward's, the adaptive softmax's tails weighted by how often their words occur) at the "
                          f"measured rate, against the best measured matrix product in the same arithmetic "
                          f"(`machine.matmul_peak`: float32 {peaks['fp32']:.0f} GFLOP/s, bfloat16 "
                          f"{peaks['bf16']:.0f} GFLOP/s).")
        lines += ["", "| model | tokens/s | x torch.nn recipe |" + (" GFLOP a token | % of peak |" if peaks else "")
                  + " turns |", "|---|---:|---:|" + ("---:|---:|" if peaks else "") + "---|"]
        for row in r["rows"]:
            share = (f" {row['flops_per_token'] / 1e9:.4f} | {100 * row['peak_share']:.1f} ({row['precision']}) |"
                     if peaks else "")
            lines.append(f"| {row['model']} | {row['tokens_per_s']:.0f} | {row['ratio']:.2f} |{share} "
                         f"{', '.join(map(str, row['runs']))} |")
        lines.append("")
    if "compare" in latest:
        r = latest["compare"]
        lines += ["## Same minutes, test perplexity", "", f"`{r['command']}` on {markdown(r['machine'])}; vocabulary "
                  f"{r['vocabulary']} words; {r['tokens']:,} training tokens; test {r['test_tokens']:,} tokens "
                  f"({r['unknown_share']:.1%} of them `<unk>`).", "",
                  f"Each had {r['rows'][0]['minutes']:g} minutes; `minutes` is what it used (rnnlab's default stops "
                  f"after its 2 epochs).", "",
                  "| model | minutes | parameters | best validation ppl | test ppl |", "|---|---:|---:|---:|---:|"]
        for row in r["rows"]:
            lines.append(f"| {row['model']} | {row['curve'][-1]['minutes']:.1f} | {row['parameters'] / 1e6:.1f}M | "
                         f"{row['validation_perplexity']:.1f} | {row['test_perplexity']:.1f} |")
        lines += ["", f"rnnlab's test perplexity is {r['reduction']:.1%} lower than the baseline's.", "",
                  "![validation perplexity against minutes](lm-curves.png)", "", "Samples of rnnlab's model:", ""]
        lines += [f"> {s}" for s in r["rows"][0].get("samples", [])[:3]]
        lines.append("")
        plt.figure(figsize=(7, 4))
        for row in r["rows"]:
            plt.plot([p["minutes"] for p in row["curve"]], [p["perplexity"] for p in row["curve"]], marker="o",
                     label=row["model"])
        plt.yscale("log")
        plt.xlabel("minutes of training (validations included)")
        plt.ylabel("validation perplexity")
        plt.legend()
        plt.grid(alpha=0.3)
        plt.tight_layout()
        plt.savefig(CURVES, dpi=110)
        plt.close()
    if "bf16" in latest:
        r = latest["bf16"]
        lines += ["## bf16 autocast: what it costs", "", f"`{r['command']}` on {markdown(r['machine'])}: the default "
                  f"configuration, one pass over the first {r['tokens']:,} training tokens, the same steps and "
                  f"seeds in float32 and under bfloat16 autocast.", "",
                  "| precision | minutes | best validation ppl | test ppl |", "|---|---:|---:|---:|"]
        lines += [f"| {row['precision']} | {row['seconds'] / 60:.1f} | {row['validation_perplexity']:.1f} | "
                  f"{row['test_perplexity']:.1f} |" for row in r["rows"]]
        lines += ["", f"bf16 changes the test perplexity by {r['change']:+.2%}.", ""]
    if "ablation" in latest:
        r = latest["ablation"]
        lines += ["## Ablation: each regulariser", "", f"`{r['command']}` on {markdown(r['machine'])}: the default "
                  f"configuration with one thing changed, {r['minutes']:g} minutes each.", "",
                  "| configuration | best validation ppl | change |", "|---|---:|---:|"]
        base = r["rows"][0]["validation_perplexity"]
        lines += [f"| {row['model']} | {row['validation_perplexity']:.1f} | "
                  f"{row['validation_perplexity'] / base - 1:+.1%} |" for row in r["rows"]]
        worse = [row["model"] for row in r["rows"][1:] if row["validation_perplexity"] > 1.01 * base]
        better = [row["model"] for row in r["rows"][1:] if row["validation_perplexity"] < 0.99 * base]
        lines += ["", f"At this budget, worse than the default by more than 1% (the default's choice earns its "
                      f"place): {', '.join(worse) or 'none'}. Better by more than 1% (at this length of training the "
                      f"default's choice costs): {', '.join(better) or 'none'}. The rest are within 1%, about the "
                      f"noise of one seed. Short runs favour less regularisation; the regularisers' gains in the "
                      f"literature come over tens of epochs.", ""]
    pretrained = {r["direction"]: r for r in results if r["case"] == "pretrain"}
    if pretrained:
        lines += ["## The language models the tasks start from", "", "`bench_lm.py pretrain` trains the default on "
                  "this corpus read left to right or, with `--reverse`, right to left: the models "
                  "`bench_pretraining.py` starts sentiment analysis and tagging from (docs/pretraining.md). The "
                  "forward model is the default of the comparison above (the same configuration and minutes).", "",
                  "| direction | minutes | best validation ppl | test ppl | command |", "|---|---:|---:|---:|---|"]
        lines += [f"| {d} | {r['rows'][0]['minutes']:g} | {r['rows'][0]['validation_perplexity']:.1f} | "
                  f"{r['rows'][0]['test_perplexity']:.1f} | `{r['command']}` |" for d, r in pretrained.items()]
        lines.append("")
    PAGE.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", nargs="?", choices=("speed", "compare", "bf16", "ablation", "pretrain"))
    parser.add_argument("--reverse", action="store_true", help="pretrain: the backward model (text right to left)")
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--tokens", type=int, default=2_500_000, help="bf16: training tokens (one epoch)")
    parser.add_argument("--markdown", action="store_true", help="rewrite docs/lm.md from docs/lm.json")
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    if args.case:
        c = corpus()
        command = f"python benchmarks/bench_lm.py {args.case}" + (
            "" if args.case == "speed" else f" --tokens {args.tokens}" if args.case == "bf16" else
            f" --minutes {args.minutes:g}")
        record = {"case": args.case, "command": command, "machine": describe(), "date": time.strftime("%Y-%m-%d")}
        every = max(args.minutes / 8, 0.5)
        if args.case == "speed":
            record.update(speed(c))
        elif args.case == "compare":
            ours = train_rnnlab(c, DEFAULT, args.minutes, 300, "rnnlab lm (default)")
            theirs = train_baseline(c, args.minutes, every)
            record.update(rows=[ours, theirs], vocabulary=len(c.vocab), tokens=c.train.numel(),
                          test_tokens=c.test.numel(), unknown_share=ours["unknown_share"],
                          reduction=1 - ours["test_perplexity"] / theirs["test_perplexity"])
        elif args.case == "bf16":  # the same steps over the same tokens: only the arithmetic differs
            part = replace(c, train=c.train[:args.tokens])
            rows = []
            for precision in ("fp32", "bf16"):
                start = time.perf_counter()
                config = replace(DEFAULT, train=replace(DEFAULT.train, precision=precision, epochs=1))
                row = train_rnnlab(part, config, None, 100, f"rnnlab lm (default, {precision})")
                rows.append(dict(row, precision=precision, seconds=time.perf_counter() - start))
            record.update(tokens=args.tokens, rows=rows,
                          change=rows[1]["test_perplexity"] / rows[0]["test_perplexity"] - 1)
        elif args.case == "pretrain":  # the language models that bench_pretraining.py starts the tasks from
            direction = "backward" if args.reverse else "forward"
            record["command"] += " --reverse" * args.reverse
            row = train_rnnlab(c, replace(DEFAULT, reverse=args.reverse), args.minutes, 300,
                               f"rnnlab lm ({direction})", PRETRAINED / direction)
            record.update(rows=[row], direction=direction, folder=str(PRETRAINED / direction))
        else:
            rows = [dict(train_rnnlab(c, ablated(changes), args.minutes, 300, name), model=name)
                    for name, changes in ABLATION.items()]
            record.update(minutes=args.minutes, rows=rows)
        results.append(record)
        RESULTS.write_text(json.dumps(results, indent=1), encoding="utf-8")
    write_page(results)


if __name__ == "__main__":
    main()
