"""Attention weights as a heat map: which source word each output word looked at."""

from __future__ import annotations

from pathlib import Path

from rnnlab.viz.figures import new_figure, save_figure


def plot_attention(weights, source: list[str], output: list[str], path: str | Path, title: str = "") -> Path:
    """``weights``: ``(len(output), len(source))`` rows summing to one."""
    fig, ax = new_figure(figsize=(0.5 * len(source) + 2.5, 0.45 * len(output) + 2))
    ax.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(source)), source, rotation=60, ha="right")
    ax.set_yticks(range(len(output)), output)
    ax.set(xlabel="source", ylabel="output", title=title)
    return save_figure(fig, path, dpi=100)
