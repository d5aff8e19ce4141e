"""Training curves as a PNG, from the records of a metrics log."""

from __future__ import annotations

from pathlib import Path

from rnnlab.viz.figures import new_figure, save_figure


def plot_curves(records: list[dict], path: str | Path, title: str = "") -> Path | None:
    """Loss (train and validation), learning rate and gradient norm against the step.

    Returns the PNG's path, or None when there is nothing to plot.
    """
    train = [r for r in records if r.get("split") == "train" and "loss" in r]
    val = [r for r in records if r.get("split") == "validation" and "loss" in r]
    if not train and not val:
        return None
    fig, axes = new_figure(1, 3, figsize=(14, 4))
    ax = axes[0]
    if train:
        ax.plot([r["step"] for r in train], [r["loss"] for r in train], label="train", alpha=0.7)
    if val:
        ax.plot([r["step"] for r in val], [r["loss"] for r in val], "o-", label="validation")
    ax.set(xlabel="step", ylabel="loss (nats per token)", title="loss")
    ax.legend()
    for ax, key, label in ((axes[1], "lr", "learning rate"), (axes[2], "grad_norm", "gradient norm before clipping")):
        points = [(r["step"], r[key]) for r in train if key in r]
        if points:
            ax.plot(*zip(*points))
        ax.set(xlabel="step", title=label)
        if key == "grad_norm" and points:
            ax.set_yscale("log")
    return save_figure(fig, path, title, dpi=100)
