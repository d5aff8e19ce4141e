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


def plot_strips(arrays, titles: list[str], notes: list[str], path: str | Path, cmap: str = "gray") -> Path:
    """Wide 2-D arrays one under another (line images, spectrograms), each titled, with a note in grey: a
    recogniser's transcript (red where it differs from the note) and the truth."""
    n = len(arrays)
    width = max(a.shape[1] for a in arrays)
    fig, axes = new_figure(n, 1, figsize=(min(16.0, 2.0 + width / 25), 1.3 * n + 0.4), squeeze=False)
    for ax, array, title, note in zip(axes.flat, arrays, titles, notes):
        ax.imshow(array, cmap=cmap, aspect="auto", origin="lower" if cmap != "gray" else "upper",
                  extent=(0, array.shape[1], 0, array.shape[0]) if cmap != "gray" else None)
        ax.set_xlim(0, width)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=9, loc="left", color="black" if title == note else "tab:red")
        ax.set_title(f"truth: {note}", fontsize=8, loc="right", color="grey")
    return save_figure(fig, path, dpi=90)
