"""Label timelines of videos as a PNG: the true segments over the predicted ones, a colour a label."""

from __future__ import annotations

from pathlib import Path


def plot_timeline(videos: list[tuple[str, dict[str, list[int]]]], classes: list[str], path: str | Path) -> Path:
    """``videos``: ``(name, {row name: one label id a frame})``, e.g. ``{"true": .., "bidirectional": ..}``;
    each video is a panel of rows, frames along the x axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    colours = plt.get_cmap("tab20" if len(classes) > 10 else "tab10").colors
    cmap = ListedColormap([colours[k % len(colours)] for k in range(len(classes))])
    fig, axes = plt.subplots(len(videos), 1, figsize=(10, 0.45 * sum(len(r) for _, r in videos) + 0.9 * len(videos)
                                                       + 0.6), squeeze=False)
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
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    path = Path(path)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
