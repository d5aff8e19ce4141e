"""LSTM against GRU: parameter counts and quality, at equal hidden size and at equal parameter count, on the
character language model of English words (the embedded word list)."""

from __future__ import annotations

import math
import random
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from rnnlab.data import english_words
from rnnlab.experiments.common import Report, TaskModel, mean, parameter_count, train_steps

LETTERS = "abcdefghijklmnopqrstuvwxyz"
V = len(LETTERS) + 1  # id 0: the boundary between words


def word_stream(words: list[str]) -> torch.Tensor:
    """Words as one stream of letter ids, each followed by the boundary."""
    return torch.tensor([i for w in words for i in [LETTERS.index(c) + 1 for c in w] + [0]])


def windows(stream: torch.Tensor, length: int, n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    starts = torch.randint(0, len(stream) - length - 1, (n,), generator=g)
    rows = torch.stack([stream[s:s + length + 1] for s in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


def _loss(out, y):
    return F.cross_entropy(out.flatten(0, 1), y.flatten())


def equal_parameters(target: int, cell: str) -> int:
    """The hidden size whose model has the parameter count nearest ``target``."""
    def count(h: int) -> int:
        return parameter_count(TaskModel(cell, V, h, V, tokens=True))

    low, high = 1, 4096  # the count grows with h: the first h that reaches the target, or the one before it
    while low < high:
        mid = (low + high) // 2
        low, high = (mid + 1, high) if count(mid) < target else (low, mid)
    return min((h for h in (low - 1, low) if h >= 1), key=lambda h: abs(count(h) - target))


@torch.no_grad()
def nats_per_char(model: TaskModel, stream: torch.Tensor, length: int = 200) -> float:
    """Test loss over the whole stream, read in consecutive pieces with the state carried."""
    model.eval()
    state, total, count = None, 0.0, 0
    x, y = stream[:-1].unsqueeze(0), stream[1:].unsqueeze(0)
    for s in range(0, x.shape[1], length):
        out, state = model.run(x[:, s:s + length], state)
        total += float(F.cross_entropy(out[0], y[0, s:s + length], reduction="sum"))
        count += out.shape[1]
    return total / count


def run(out: Path, quick: bool = False, seeds: int | None = None) -> Path:
    hidden, steps, length, batch = (64, 150, 32, 32) if quick else (128, 1500, 48, 32)
    seeds = seeds or (1 if quick else 3)
    words = english_words(20000)
    random.Random(0).shuffle(words)
    test_words = words[:2000 if quick else 4000]
    train, test = word_stream(words[len(test_words):]), word_stream(test_words)
    if quick:
        test = test[:4000]
    lstm_params = parameter_count(TaskModel("lstm", V, hidden, V, tokens=True))
    configs = [("LSTM", "lstm", hidden), ("GRU, same hidden size", "gru", hidden),
               ("GRU, same parameter count", "gru", equal_parameters(lstm_params, "gru"))]
    report = Report("LSTM against GRU", out, (
        f"Character language models of English words (the embedded list of the 20,000 most frequent words; "
        f"{len(test_words)} held out as the test stream), one-hot letters in, one layer: an LSTM of {hidden} units, "
        f"a GRU of the same size, and a GRU widened to the LSTM's parameter count. Each trains {steps} Adam steps "
        f"(lr 3e-3, norm clipping at 1) on windows of {length} letters, batches of {batch}, from {seeds} seed(s)."))
    rows, curves = [], {}
    for label, cell, size in configs:
        scores, seconds = [], []
        for seed in range(seeds):
            torch.manual_seed(seed)
            model = TaskModel(cell, V, size, V, tokens=True)
            g = torch.Generator().manual_seed(seed)
            start = time.perf_counter()
            trace = train_steps(model, lambda step: windows(train, length, batch, g), _loss, steps, lr=3e-3,
                                desc=f"{label} seed {seed}")
            seconds.append(time.perf_counter() - start)
            scores.append(nats_per_char(model, test))
            if seed == 0:
                every = max(1, steps // 50)  # the training loss, averaged over stretches of steps
                curves[label] = ([k + every for k in range(0, steps - every + 1, every)],
                                 [mean(trace.loss[k:k + every]) for k in range(0, steps - every + 1, every)])
        spread = max(scores) - min(scores)
        rows.append({"model": label, "hidden": size, "parameters": parameter_count(model),
                     "test nats/char": mean(scores), "spread over seeds": spread,
                     "perplexity": math.exp(mean(scores)), "seconds to train": mean(seconds)})
    report.section("Results", "Test nats per character on the held-out words (lower is better), the mean over "
                              "seeds, with the spread (largest minus smallest) beside it.")
    report.table(rows)
    report.plot([{"series": curves, "title": "training loss (seed 0)", "xlabel": "step", "ylabel": "nats/char"}],
                "lstm-vs-gru.png", "Training loss, step by step")
    lstm, gru, wide = rows
    report.claim("the GRU has fewer parameters than the LSTM of the same size",
                 f"{gru['parameters']:,} against {lstm['parameters']:,}", gru["parameters"] < lstm["parameters"])
    report.claim("the LSTM usually beats the GRU",
                 f"same size: LSTM {lstm['test nats/char']:.4f}, GRU {gru['test nats/char']:.4f} nats/char; same "
                 f"parameters: GRU {wide['test nats/char']:.4f}",
                 lstm["test nats/char"] < gru["test nats/char"])
    return report.write()
