"""The gradient diagnostics of a run as a PNG: ||dL/dh_t|| over t, its reach over training, gate saturation, clipping."""

from __future__ import annotations

from pathlib import Path

from rnnlab.viz.figures import new_figure, save_figure


def plot_diagnostics(records: list[dict], path: str | Path, title: str = "") -> Path:
    """``records``: the run's log; those of split ``diagnostics`` are drawn."""
    seen = [r for r in records if r.get("split") == "diagnostics"]
    fig, axes = new_figure(2, 2, figsize=(11, 7.5))
    curves, reach, saturation, clipping = axes.flat
    if seen:
        first_layer = next(iter(seen[0]["step_norms"]), None)
        picks = sorted({0, len(seen) // 2, len(seen) - 1})
        for k in picks:
            norms = seen[k]["step_norms"].get(first_layer, [])
            curves.plot(range(1, len(norms) + 1), [max(n, 1e-30) for n in norms], label=f"step {seen[k]['step']}")
        curves.set(yscale="log", xlabel="t", ylabel="||dL/dh_t||", title=f"how far back the gradient reaches "
                                                                           f"({first_layer})")
        curves.legend(fontsize=8)
        steps = [r["step"] for r in seen]
        for name in seen[0]["reach"]:
            reach.plot(steps, [max(r["reach"].get(name, 0.0), 1e-30) for r in seen], label=name)
        reach.set(yscale="log", xlabel="training step", ylabel="||dL/dh_1|| / max_t ||dL/dh_t||",
                  title="reach of the gradient")
        reach.legend(fontsize=7)
        for name in seen[0]["saturation"]:
            saturation.plot(steps, [r["saturation"].get(name, 0.0) for r in seen], label=name)
        saturation.set(xlabel="training step", ylabel="share of gate values < 0.05 or > 0.95", ylim=(0, 1),
                       title="saturated gates")
        if seen[0]["saturation"]:
            saturation.legend(fontsize=7)
        clipping.plot(steps, [r["grad_norm"] for r in seen], label="before clipping")
        clipping.plot(steps, [r["grad_norm_after"] for r in seen], label="after")
        clipped = [r for r in seen if r["clipped"]]
        clipping.scatter([r["step"] for r in clipped], [r["grad_norm"] for r in clipped], s=12, color="red",
                         label="clipped", zorder=3)
        clipping.set(yscale="log", xlabel="training step", ylabel="||g||", title="global gradient norm")
        clipping.legend(fontsize=8)
    return save_figure(fig, path, title)
