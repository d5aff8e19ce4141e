"""The chapter's other remedies, each against no remedy, in a deep (stacked) tanh RNN on the adding problem:
residual connections, layer normalisation between layers, layer-wise pretraining, and weight decay."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnnlab.experiments.common import Report, mean, step_gradient_norms, train_steps
from rnnlab.experiments.synthetic import ADDING_BASELINE, adding_problem
from rnnlab.models import make_stack
from rnnlab.training.diagnostics import layer_norms, reach

REMEDIES = ("none", "residual connections", "layer normalisation", "layer-wise pretraining", "weight decay")


class DeepRNN(nn.Module):
    """``layers`` tanh RNN layers, each reading the one below; optionally ``x^{l+1} = LN(layer(x^l)) (+ x^l)``.
    Only the bottom ``depth`` layers run (layer-wise pretraining grows it)."""

    def __init__(self, layers: int, hidden: int, residual: bool = False, norm: bool = False) -> None:
        super().__init__()
        self.layers = nn.ModuleList(make_stack("rnn", 2 if k == 0 else hidden, hidden) for k in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers)) if norm else None
        self.residual, self.depth = residual, layers
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: Tensor) -> Tensor:
        for k, layer in enumerate(self.layers[:self.depth]):
            y, _ = layer(x)  # (B, T, H)
            if self.norms is not None:
                y = self.norms[k](y)
            x = y + x if self.residual and k > 0 else y
        return self.head(x)


def _loss(out, y):
    return F.mse_loss(out[:, -1, 0], y)


def run(out: Path, quick: bool = False, seeds: int | None = None) -> Path:
    layers, hidden, T, batch = 4, 32, 20, 32
    steps = 80 if quick else 800
    seeds = seeds or (1 if quick else 3)
    report = Report("Remedies for vanishing and exploding gradients in a deep RNN", out, (
        f"A stack of {layers} tanh RNN layers ({hidden} units each) learns the adding problem (T = {T}; always "
        f"answering 1 scores {ADDING_BASELINE:.3f}) for {steps} Adam steps (lr 2e-3, norm clipping at 1), batches "
        f"of {batch}, from {seeds} seed(s), with each remedy and with none. Layer-wise pretraining trains the "
        f"bottom layer first, then two, and so on, {steps // layers} steps a stage (the same steps in all). Weight "
        f"decay is L2 regularisation, 1e-3. Depth reach: the gradient norm of the bottom layer's weights as a "
        f"share of the top layer's, at initialisation; time reach: ‖dL/dh_1‖ / max ‖dL/dh_t‖ of the bottom "
        f"layer. A remedy counts as better only by a margin of 10%."))
    rows = []
    for remedy in REMEDIES:
        results = []
        for seed in range(seeds):
            torch.manual_seed(seed)
            model = DeepRNN(layers, hidden, residual=remedy == "residual connections",
                            norm=remedy == "layer normalisation")
            g = torch.Generator().manual_seed(seed)
            probe = adding_problem(64, T, g)
            time_reach = reach(step_gradient_norms(model, *probe, _loss))
            _loss(model(probe[0]), probe[1]).backward()
            norms = layer_norms(model)
            model.zero_grad(set_to_none=True)
            depth_reach = norms["layers.0.layers.0.cell"] / max(norms[f"layers.{layers - 1}.layers.0.cell"], 1e-30)
            stages = range(1, layers + 1) if remedy == "layer-wise pretraining" else [layers]
            for depth in stages:
                model.depth = depth
                trace = train_steps(model, lambda step: adding_problem(batch, T, g), _loss,
                                    steps // len(stages), lr=2e-3,
                                    weight_decay=1e-3 if remedy == "weight decay" else 0.0,
                                    desc=f"{remedy} seed {seed} depth {depth}")
            model.eval()
            x_test, y_test = adding_problem(512, T, torch.Generator().manual_seed(7))
            with torch.no_grad():
                late = mean(trace.grad_norm[len(trace.grad_norm) // 2:])  # the last stage's second half
                results.append((float(_loss(model(x_test), y_test)), depth_reach, time_reach, late))
        rows.append({"remedy": remedy, "test MSE": mean(r[0] for r in results),
                     "depth reach at init": mean(r[1] for r in results),
                     "time reach at init": mean(r[2] for r in results),
                     "gradient norm, late in training": mean(r[3] for r in results)})
    report.section("Results", "Test mean squared error on 512 fresh sequences (the mean over seeds), the reaches "
                              "at initialisation, and the mean gradient norm (before clipping) over the second half of the last "
                              "stage of training.")
    report.table(rows)
    report.plot([{"series": {"test MSE": (list(range(len(REMEDIES))), [r["test MSE"] for r in rows])},
                  "title": "test MSE by remedy: " + ", ".join(f"{k} {name}" for k, name in enumerate(REMEDIES)),
                  "xlabel": "remedy", "ylabel": "MSE", "logy": True}],
                "remedies.png", "Test error by remedy (0: none)")
    none = rows[0]

    def better(row: dict, key: str, lower: bool = True) -> bool:  # by a margin of 10%: less is noise here
        return row[key] < 0.9 * none[key] if lower else row[key] > none[key] / 0.9

    for row in rows[1:3]:
        report.claim(f"{row['remedy']}: the gradient reaches the lower layers of a deep RNN",
                     f"depth reach {row['depth reach at init']:.3g} against {none['depth reach at init']:.3g} with "
                     f"none", better(row, "depth reach at init", lower=False))
        report.claim(f"{row['remedy']}: a deep RNN learns better",
                     f"test MSE {row['test MSE']:.3g} against {none['test MSE']:.3g}", better(row, "test MSE"))
    pre, decay = rows[3], rows[4]
    report.claim("layer-wise pretraining: a deep RNN learns better",
                 f"test MSE {pre['test MSE']:.3g} against {none['test MSE']:.3g}", better(pre, "test MSE"))
    report.claim("regularisation (weight decay) fights exploding gradients",
                 f"gradient norm late in training {decay['gradient norm, late in training']:.3g} against "
                 f"{none['gradient norm, late in training']:.3g}; test MSE {decay['test MSE']:.3g}",
                 better(decay, "gradient norm, late in training"))
    return report.write()
