"""Label timelines of videos as a PNG: the true segments over the predicted ones, a colour a label."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnlab.viz.figures import new_figure, save_figure


def plot_timeline(videos: list[tuple[str, dict[str, list[int]]]], classes: list[str], path: str | Path) -> Path:
    """``videos``: ``(name, {row name: one label id a frame})``, e.g. ``{"true": .., "bidirectional": ..}``;
    each video is a panel of rows, frames along the x axis."""
    fig, axes = new_figure(len(videos), 1, figsize=(10, 0.45 * sum(len(r) for _, r in videos) + 0.9 * len(videos)
                                                    + 0.6), squeeze=False)
    from matplotlib import colormaps  # loaded by new_figure
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    colours = colormaps["tab20" if len(classes) > 10 else "tab10"].colors
    cmap = ListedColormap([colours[k % len(colours)] for k in range(len(classes))])
    for ax, (name, rows) in zip(axes[:, 0], videos):
        width = max(len(r) for r in rows.values())
        grid = np.full((len(rows), width), np.nan)
        for i, labels in enumerate(rows.values()):
            grid[i, :len(labels)] = labels
        ax.imshow(grid, aspect="auto", cmap=cmap, vmin=-0.5, vmax=len(classes) - 0.5, interpolation="nearest")
        ax.set_yticks(range(len(rows)), list(rows))
        ax.set_title(name, fontsize=9, loc="left")
        ax.set_xlabel("frame", fontsize=8)
    fig.legend(handles=[Patch(color=cmap(k), label=c) for k, c in enumerate(classes)], loc="upper center",
               ncol=min(len(classes), 8), fontsize=8, frameon=False)
    return save_figure(fig, path, rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
