"""Exploding gradients: a tanh RNN with large recurrent weights, trained by SGD at a high learning rate without
clipping, with norm clipping and with element (value) clipping: loss curves, gradient norms, NaN events."""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F

from rnnlab.experiments.common import Report, TaskModel, mean, train_steps
from rnnlab.experiments.synthetic import ADDING_BASELINE, adding_problem

MODES = {"no clipping": (None, 1.0), "norm clipping (theta = 1)": ("norm", 1.0),
         "value clipping (theta = 0.1)": ("value", 0.1)}
SPECTRAL_RADIUS = 1.8  # W_hh scaled so: ||dh_t/dh_{t-1}|| can exceed 1 wherever tanh is not saturated


def _loss(out, y):
    return F.mse_loss(out[:, -1, 0], y)


def _explosive(seed: int, hidden: int) -> TaskModel:
    torch.manual_seed(seed)
    model = TaskModel("rnn", 2, hidden, 1)
    cell = model.rnn.layers[0].cell
    with torch.no_grad():
        W = torch.nn.init.orthogonal_(torch.empty(hidden, hidden))
        cell.W_hh.copy_(SPECTRAL_RADIUS * W)
    return model


def run(out: Path, quick: bool = False, seeds: int | None = None) -> Path:
    T, hidden, batch, lr = 50, 32, 32, 0.05
    steps = 60 if quick else 400
    seeds = seeds or (1 if quick else 3)
    report = Report("Exploding gradients", out, (
        f"A tanh RNN ({hidden} units) whose W_hh starts as an orthogonal matrix times {SPECTRAL_RADIUS} learns the "
        f"adding problem (T = {T}) by plain SGD at learning rate {lr}, {steps} steps, from {seeds} seed(s), "
        f"three ways: {', '.join(MODES)}. A step whose loss or gradient is not finite is counted as a NaN event "
        f"and skipped, as rnnlab's fit loop does. Always answering 1 scores {ADDING_BASELINE:.3f}."))
    rows, loss_curves, norm_curves = [], {}, {}
    for label, (mode, theta) in MODES.items():
        traces = []
        for seed in range(seeds):
            model = _explosive(seed, hidden)
            g = torch.Generator().manual_seed(seed)
            traces.append(train_steps(model, lambda step: adding_problem(batch, T, g), _loss, steps, lr,
                                      optimizer="sgd", clip=mode, theta=theta, desc=f"{label} seed {seed}"))
            if seed == 0:
                loss_curves[label] = (list(range(steps)), traces[-1].loss)
                norm_curves[label] = (list(range(steps)), traces[-1].grad_norm)
        tail = max(1, steps // 10)
        finite_tail = [mean(x for x in t.loss[-tail:] if math.isfinite(x)) for t in traces]
        rows.append({"training": label, "final loss (mean of last 10% steps)": mean(finite_tail),
                     "largest gradient norm": max(max(t.grad_norm) for t in traces),
                     "NaN events": sum(t.non_finite for t in traces),
                     "steps": steps * seeds})
    report.section("Results", "Loss and gradient norm (before clipping) at every step; the final loss averages "
                              "the finite losses of the last 10% of steps over the seeds.")
    report.table(rows)
    report.plot([{"series": loss_curves, "title": "training loss (seed 0)", "xlabel": "step", "ylabel": "MSE",
                  "logy": True},
                 {"series": norm_curves, "title": "gradient norm before clipping (seed 0)", "xlabel": "step",
                  "ylabel": "||g||", "logy": True}],
                "exploding.png", "Loss and gradient norm, step by step")
    none, norm = rows[0], rows[1]
    report.claim("gradients can explode", f"largest gradient norm without clipping: "
                                          f"{none['largest gradient norm']:.3g}; NaN events: {none['NaN events']}",
                 none["largest gradient norm"] > 100 or none["NaN events"] > 0)
    report.claim("clipping tames explosion",
                 f"final loss without clipping {none['final loss (mean of last 10% steps)']:.3g}, with norm "
                 f"clipping {norm['final loss (mean of last 10% steps)']:.3g}; NaN events {none['NaN events']} "
                 f"and {norm['NaN events']}",
                 norm["NaN events"] <= none["NaN events"] and
                 not norm["final loss (mean of last 10% steps)"] > none["final loss (mean of last 10% steps)"])
    return report.write()
