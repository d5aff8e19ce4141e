"""Saving a matplotlib figure: the last step every plot shares."""

from __future__ import annotations

from pathlib import Path


def save_figure(fig, path: str | Path, title: str = "", dpi: int = 90) -> Path:
    """Title, tight layout, write the PNG, free the figure; returns the path."""
    import matplotlib.pyplot as plt

    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
