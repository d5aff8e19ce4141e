"""Line plots of named series (the experiments' curves) as a PNG, one panel each."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

from rnnlab.viz.figures import new_figure, save_figure


def plot_lines(panels: Sequence[dict], path: str | Path, title: str = "", columns: int = 2) -> Path:
    """``panels``: dicts with ``series`` ({label: (xs, ys)}) and optional ``title``, ``xlabel``, ``ylabel``,
    ``logy``, ``logx``, ``ylim``. Non-finite and (on a log axis) non-positive values are left out."""
    columns = min(columns, len(panels))
    rows = (len(panels) + columns - 1) // columns
    fig, axes = new_figure(rows, columns, figsize=(5.6 * columns, 3.9 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        for label, (xs, ys) in panel["series"].items():
            keep = [(x, y) for x, y in zip(xs, ys) if math.isfinite(y) and (y > 0 or not panel.get("logy"))]
            ax.plot([x for x, _ in keep], [y for _, y in keep], marker="o" if len(keep) < 12 else None,
                    markersize=3, label=label)
        ax.set(title=panel.get("title", ""), xlabel=panel.get("xlabel", ""), ylabel=panel.get("ylabel", ""))
        if panel.get("logy"):
            ax.set_yscale("log")
        if panel.get("logx"):
            ax.set_xscale("log")
        if panel.get("ylim"):
            ax.set_ylim(*panel["ylim"])
        if panel["series"]:
            ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    return save_figure(fig, path, title)
