"""Vanishing gradients: the tanh RNN, the ReLU RNN, the LSTM and the GRU on the adding problem and the copy
task at growing lengths; whether each learns, and how ||dL/dh_t|| decays from the last step back to the first."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from rnnlab.core import CELLS
from rnnlab.experiments.common import Report, TaskModel, mean, step_gradient_norms, train_steps
from rnnlab.experiments.synthetic import adding_problem, copy_task
from rnnlab.training.diagnostics import reach

COMPARED = ("rnn", "rnn-relu", "lstm", "gru")  # names of rnnlab.core.CELLS
NAMES = {name: CELLS[name].label for name in COMPARED}
SYMBOLS, LENGTH = 8, 5
SOLVED = {"adding": "mean squared error below 0.05 (always answering 1 scores 1/6)",
          "copy": "90% of the recalled symbols right (guessing: 12.5%)"}


def _adding_loss(out, y):
    return F.mse_loss(out[:, -1, 0], y)


def _copy_loss(out, y):
    return F.cross_entropy(out.flatten(0, 1), y.flatten())


def task(name: str, T: int):
    """``(sample(n, generator), loss, score, solved, model arguments)`` of a task at length T."""
    if name == "adding":
        return (lambda n, g: adding_problem(n, T, g), _adding_loss, lambda out, y: float(_adding_loss(out, y)),
                lambda s: s < 0.05, dict(input_size=2, outputs=1))

    def recall(out, y):
        return float((out[:, -LENGTH:].argmax(-1) == y[:, -LENGTH:]).float().mean())

    return (lambda n, g: copy_task(n, T, g, SYMBOLS, LENGTH), _copy_loss, recall, lambda s: s >= 0.9,
            dict(input_size=SYMBOLS + 2, outputs=SYMBOLS + 1, tokens=True))


def _model(cell: str, hidden: int, shape: dict) -> TaskModel:
    model = TaskModel(cell, hidden_size=hidden, **shape)
    if cell == "rnn-relu":  # Le et al. 2015: W_hh = I, b_h = 0, so h_t starts as a running sum
        rnn = model.rnn.layers[0].cell
        with torch.no_grad():
            rnn.W_hh.copy_(torch.eye(hidden))
            rnn.b_h.zero_()
    return model


def run(out: Path, quick: bool = False, seeds: int | None = None) -> Path:
    lengths = (10, 40) if quick else (10, 50, 100, 200)
    steps, hidden, batch = (80, 32, 32) if quick else (1500, 48, 32)
    seeds = seeds or (1 if quick else 2)
    report = Report("Vanishing gradients", out, (
        f"Each cell ({', '.join(NAMES.values())}; {hidden} units, one layer) trains for {steps} Adam steps "
        f"(lr 3e-3, norm clipping at 1, batches of {batch}) on each task at each length T, from {seeds} seed(s). "
        f"The ReLU RNN starts from W_hh = I and b_h = 0 (Le et al. 2015), without which it diverges; the LSTM's "
        f"forget-gate bias starts at 1. ‖dL/dh_t‖ is measured at initialisation on one batch of the adding "
        f"problem, whose loss is read at the last step only, so all of dL/dh_t for t < T comes back through "
        f"the recurrence."))
    rows, curves, results = [], {}, {}
    for name in ("adding", "copy"):
        for T in lengths:
            sample, loss_fn, score, solved, shape = task(name, T)
            for cell in COMPARED:
                runs = []
                for seed in range(seeds):
                    torch.manual_seed(seed)
                    model = _model(cell, hidden, shape)
                    g = torch.Generator().manual_seed(1000 + seed)
                    probe = sample(64, g)
                    norms = step_gradient_norms(model, *probe, loss_fn)
                    train_steps(model, lambda step: sample(batch, g), loss_fn, steps, lr=3e-3,
                                desc=f"{name} T={T} {cell} seed {seed}")
                    model.eval()
                    x_test, y_test = sample(512, torch.Generator().manual_seed(7))
                    with torch.no_grad():
                        s = score(model(x_test), y_test)
                    runs.append((s, solved(s), reach(norms), reach(step_gradient_norms(model, *probe, loss_fn))))
                    if name == "adding" and T == lengths[-1] and seed == 0:
                        top = max(norms) or 1.0
                        curves[NAMES[cell]] = (list(range(1, T + 1)), [n / top for n in norms])
                results[name, T, cell] = (mean(r[0] for r in runs), sum(r[1] for r in runs), mean(r[2] for r in runs),
                                          mean(r[3] for r in runs))
    for T in lengths:
        for cell in COMPARED:
            adding, copy = results["adding", T, cell], results["copy", T, cell]
            rows.append({"T": T, "cell": NAMES[cell], "adding: test MSE": adding[0],
                         "adding: solved": f"{adding[1]}/{seeds}", "copy: symbols recalled": copy[0],
                         "copy: solved": f"{copy[1]}/{seeds}", "reach at init": adding[2],
                         "reach trained": adding[3]})
    report.section("Results", "The adding problem's test mean squared error (lower is better) and the copy task's "
                              "share of recalled symbols (higher is better), on 512 fresh sequences, the mean over "
                              f"seeds. Solved: {SOLVED['adding']}; {SOLVED['copy']}. Reach: ‖dL/dh_1‖ as a share "
                              "of the largest ‖dL/dh_t‖ on the adding problem (1: the gradient reaches the first "
                              "step in full; 0: it underflows float32), at initialisation and after training.")
    report.table(rows)
    report.plot([{"series": {NAMES[c]: (list(lengths), [results["adding", T, c][0] for T in lengths]) for c in COMPARED},
                  "title": "adding problem", "xlabel": "T", "ylabel": "test MSE", "logy": True},
                 {"series": {NAMES[c]: (list(lengths), [results["copy", T, c][0] for T in lengths]) for c in COMPARED},
                  "title": "copy task", "xlabel": "T", "ylabel": "recalled symbols right", "ylim": (0, 1.05)},
                 {"series": curves, "title": f"‖dL/dh_t‖ / max at initialisation, adding problem, T = "
                                             f"{lengths[-1]}", "xlabel": "t", "ylabel": "relative norm",
                  "logy": True}],
                "vanishing.png", "Quality against length, and how far back the gradient reaches")
    T = lengths[-1]

    def at(cell: str, k: int):
        return results["adding", T, cell][k]

    report.claim("gradients vanish over long sequences",
                 f"tanh RNN at T = {T}: ‖dL/dh_1‖ is {at('rnn', 2):.2g} of the largest", at("rnn", 2) < 1e-2)
    long = [t for t in lengths if t >= 50] or [T]

    def solved_long(cell: str) -> int:
        return sum(results["adding", t, cell][1] for t in long)

    report.claim("gates (LSTM, GRU) fight vanishing",
                 f"adding problem solved at T = {', '.join(map(str, long))}: LSTM {solved_long('lstm')}, GRU "
                 f"{solved_long('gru')}, tanh {solved_long('rnn')} of {seeds * len(long)}; reach after training "
                 f"at T = {T}: LSTM {at('lstm', 3):.2g}, GRU {at('gru', 3):.2g}, tanh {at('rnn', 3):.2g}",
                 solved_long("lstm") > solved_long("rnn") and solved_long("gru") > solved_long("rnn"))
    report.claim("ReLU (with W_hh = I) fights vanishing",
                 f"reach at T = {T}: ReLU {at('rnn-relu', 2):.2g}, tanh {at('rnn', 2):.2g}; adding MSE ReLU "
                 f"{at('rnn-relu', 0):.3g}, tanh {at('rnn', 0):.3g}; solved at T = {', '.join(map(str, long))}: "
                 f"ReLU {solved_long('rnn-relu')}, tanh {solved_long('rnn')}",
                 at("rnn-relu", 2) > at("rnn", 2) and solved_long("rnn-relu") > solved_long("rnn"))
    return report.write()
