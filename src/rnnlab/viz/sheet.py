"""A sheet of pictures with their captions under them, as a PNG."""

from __future__ import annotations

from pathlib import Path

from rnnlab.viz.figures import new_figure, save_figure


def plot_sheet(images, captions: list[str], references: list[str], path: str | Path, columns: int = 4) -> Path:
    """``images``: ``(N, H, W, 3)`` uint8; each picture gets its caption and, in grey, a reference."""
    n = len(captions)
    rows = (n + columns - 1) // columns
    fig, axes = new_figure(rows, columns, figsize=(3.6 * columns, 3.9 * rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            ax.imshow(images[k])
            ax.set_title(_wrap(captions[k]), fontsize=8, loc="left")
            ax.text(0, -0.04, _wrap(references[k]), fontsize=7, color="grey", transform=ax.transAxes, va="top")
    return save_figure(fig, path, dpi=90)


def _wrap(text: str, width: int = 42) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])
