"""Truncated BPTT: the chunk length k against the longest dependency a model learns.

An LSTM reads an endless stream of random symbols and must output, at every
step, the symbol it read ``d`` steps before (the delayed echo). It trains by
TBPTT(k): the state flows on from chunk to chunk, the gradient stops at the
chunk's start. Reading the symbol at ``t - d`` so that it is still there at
``t`` is learnable only from a gradient that reaches back ``d`` steps.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from rnnlab.experiments.common import Report, TaskModel, mean
from rnnlab.experiments.synthetic import delayed_echo
from rnnlab.training import TBPTT, run_window

SYMBOLS = 4
LEARNED = 0.9  # echo accuracy that counts as learned (chance: 1/SYMBOLS)


def train_tbptt(model: TaskModel, k: int, delay: int, updates: int, stream: int, batch: int,
                g: torch.Generator) -> None:
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    windows, done = TBPTT(k).windows(stream), 0
    model.train()
    while done < updates:
        x, y = delayed_echo(batch, stream, delay, g, SYMBOLS)
        carry = None
        for window in windows:
            out, carry = run_window(model.run, x, window, carry)
            target = y[:, window.scored_from:window.end]
            if (target >= 0).any():
                loss = F.cross_entropy(out.flatten(0, 1), target.flatten(), ignore_index=-100)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
            done += 1
            if done >= updates:
                break


@torch.no_grad()
def echo_accuracy(model: TaskModel, delay: int, g: torch.Generator) -> float:
    """On a fresh stream read whole, with nothing truncated."""
    model.eval()
    x, y = delayed_echo(256, 400, delay, g, SYMBOLS)
    scored = y >= 0
    return float((model(x).argmax(-1)[scored] == y[scored]).float().mean())


def run(out: Path, quick: bool = False, seeds: int | None = None) -> Path:
    ks, delays = ((4, 16), (2, 8, 24)) if quick else ((5, 10, 20, 40), (2, 5, 10, 15, 25, 35, 50))
    updates, hidden, stream, batch = (150, 32, 96, 32) if quick else (1200, 48, 240, 32)
    seeds = seeds or (1 if quick else 2)
    report = Report("Truncated BPTT: chunk length against the longest dependency learned", out, (
        f"An LSTM ({hidden} units) learns the delayed echo of a stream of {SYMBOLS} symbols (output at step t the "
        f"symbol read at t - d) by TBPTT(k) for k in {ks}: {updates} updates over streams of {stream} steps, "
        f"batches of {batch}, Adam (lr 5e-3), from {seeds} seed(s). The state is carried from chunk to chunk; the "
        f"gradient stops at each chunk's start. Accuracy is measured on a fresh stream of 400 steps read whole "
        f"(chance: {1 / SYMBOLS:.2f}); a delay counts as learned at {LEARNED:.0%}."))
    rows, series = [], {}
    for k in ks:
        row, accuracies = {"k": k}, []
        for d in delays:
            scores = []
            for seed in range(seeds):
                torch.manual_seed(seed)
                model = TaskModel("lstm", SYMBOLS, hidden, SYMBOLS, tokens=True)
                train_tbptt(model, k, d, updates, stream, batch, torch.Generator().manual_seed(seed))
                scores.append(echo_accuracy(model, d, torch.Generator().manual_seed(99)))
            accuracies.append(mean(scores))
            row[f"d={d}"] = accuracies[-1]
        learned = [d for d, a in zip(delays, accuracies) if a >= LEARNED]
        row["longest learned"] = max(learned, default=0)
        rows.append(row)
        series[f"k = {k}"] = (list(delays), accuracies)
    report.section("Results", "Echo accuracy for each chunk length k (rows) and delay d (columns), the mean over "
                              "seeds, and the longest delay learned.")
    report.table(rows)
    report.plot([{"series": series, "title": "delayed echo", "xlabel": "delay d", "ylabel": "accuracy",
                  "ylim": (0, 1.05)}], "truncation.png", "Accuracy against delay, one line a chunk length")
    longest = [r["longest learned"] for r in rows]
    report.claim("truncated BPTT limits what is learned to about k steps back",
                 ", ".join(f"k = {k}: longest delay learned {n}" for k, n in zip(ks, longest)),
                 all(n <= 1.5 * k for k, n in zip(ks, longest)) and longest[-1] > longest[0])
    return report.write()
