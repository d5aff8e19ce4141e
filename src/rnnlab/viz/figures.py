"""Making and saving a matplotlib figure: the first and last steps every plot shares.

matplotlib is imported here, on first use and on its file-only Agg backend,
so that importing rnnlab stays fast and works without a display.
"""

from __future__ import annotations

from pathlib import Path


def new_figure(rows: int = 1, columns: int = 1, **kwargs):
    """``(fig, axes)`` from ``plt.subplots(rows, columns, **kwargs)``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(rows, columns, **kwargs)


def save_figure(fig, path: str | Path, title: str = "", dpi: int = 90, rect=None) -> Path:
    """Title, tight layout (within ``rect``), write the PNG, free the figure; returns the path."""
    import matplotlib.pyplot as plt

    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=rect)
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
