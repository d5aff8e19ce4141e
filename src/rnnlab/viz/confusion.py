"""A confusion matrix as a PNG heat map, counts written in the cells."""

from __future__ import annotations

from pathlib import Path

from rnnlab.viz.figures import new_figure, save_figure


def plot_confusion(matrix: list[list[int]], labels: list[str], path: str | Path, title: str = "") -> Path:
    """Rows are the true labels, columns the predicted ones."""
    n = len(labels)
    fig, ax = new_figure(figsize=(1.2 * n + 2.5, 1.2 * n + 1.5))
    top = max(1, max(max(row) for row in matrix))
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=top)
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(matrix[i][j]), ha="center", va="center",
                    color="white" if matrix[i][j] > top / 2 else "black")
    ax.set_xticks(range(n), labels, rotation=30, ha="right")
    ax.set_yticks(range(n), labels)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    return save_figure(fig, path, dpi=100)
