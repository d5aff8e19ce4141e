"""What the experiments share: a recurrent model for the synthetic tasks, a short training loop, and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from torch import Tensor, nn

from rnnlab.models import make_input, make_stack
from rnnlab.training.clipping import Clipper
from rnnlab.training.guards import NonFiniteGuard
from rnnlab.training.optim import build_optimizer
from rnnlab.training.progress import progress_bar
from rnnlab.training.diagnostics import watch
from rnnlab.viz import format_table, plot_lines


class TaskModel(nn.Module):
    """``x`` -> input (one-hot ids when ``tokens``, else the vectors as they are) -> ``make_stack`` -> a linear
    output at every step: ``(B, T, outputs)``."""

    def __init__(self, cell: str, input_size: int, hidden_size: int, outputs: int, layers: int = 1,
                 tokens: bool = False, residual: bool = False) -> None:
        super().__init__()
        self.input = make_input(input_size, 0) if tokens else nn.Identity()
        self.rnn = make_stack(cell, input_size, hidden_size, layers, residual=residual)
        self.head = nn.Linear(hidden_size, outputs)

    def run(self, x: Tensor, state=None) -> tuple[Tensor, object]:
        """``(outputs (B, T, outputs), final state)``: what truncated BPTT carries from window to window."""
        y, state = self.rnn(self.input(x), state)  # (B, T, H)
        return self.head(y), state

    def forward(self, x: Tensor) -> Tensor:
        return self.run(x)[0]


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@dataclass
class Trace:
    """A training run, step by step."""

    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    non_finite: int = 0  # steps whose loss or gradient was NaN or infinite (their update skipped)


def train_steps(model: nn.Module, batch: Callable[[int], tuple[Tensor, Tensor]],
                loss_fn: Callable[[Tensor, Tensor], Tensor], steps: int, lr: float, optimizer: str = "adam",
                clip: str | None = "norm", theta: float = 1.0, weight_decay: float = 0.0,
                desc: str = "") -> Trace:
    """``steps`` updates on fresh batches ``batch(step)`` with ``training``'s optimiser (plain SGD: no
    momentum), clipping and guard; a non-finite step is counted and skipped, and never stops the run."""
    opt = build_optimizer(model.parameters(), optimizer, lr, weight_decay, momentum=0.0)
    clipper, guard, trace = Clipper(clip, theta), NonFiniteGuard(patience=None, warn=False), Trace()
    model.train()
    bar = progress_bar(steps, desc, "step", disable=not desc, leave=False)
    for step in range(steps):
        bar.update()
        x, y = batch(step)
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = clipper(model.parameters())
        trace.loss.append(loss.item())
        trace.grad_norm.append(norm)
        if guard.ok(trace.loss[-1], norm, step=step):
            opt.step()
        else:
            opt.zero_grad(set_to_none=True)
    bar.close()
    trace.non_finite = guard.skipped
    return trace


def step_gradient_norms(model: nn.Module, x: Tensor, y: Tensor, loss_fn) -> list[float]:
    """``‖dL/dh_t‖`` for t = 1..T of the model's first recurrent layer, on one batch (the model is left as it was)."""
    with watch(model) as seen:
        loss_fn(model(x), y).backward()
    model.zero_grad(set_to_none=True)
    return next(iter(seen.step_norms().values()))


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else float("nan")


class Report:
    """A Markdown report with its plots, written to ``out/REPORT.md``."""

    def __init__(self, title: str, out: Path, intro: str) -> None:
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.lines = [f"# {title}", "", intro, ""]
        self.claims: list[dict] = []

    def section(self, title: str, *paragraphs: str) -> None:
        self.lines += [f"## {title}", ""]
        for p in paragraphs:
            self.lines += [p, ""]

    def table(self, rows: list[dict]) -> None:
        self.lines += [format_table(rows), ""]

    def plot(self, panels: list[dict], name: str, caption: str) -> None:
        plot_lines(panels, self.out / name)
        self.lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]

    def claim(self, chapter: str, measured: str, agrees: bool) -> None:
        """A claim of the chapter beside what this run measured."""
        self.claims.append({"the chapter says": chapter, "measured here": measured,
                            "agrees": "yes" if agrees else "no"})

    def write(self) -> Path:
        lines = list(self.lines)
        if self.claims:
            lines += ["## The chapter's claims against the measurements", "", format_table(self.claims), ""]
            if any(c["agrees"] == "no" for c in self.claims):
                lines += ["Where a row says no, this run did not show what the chapter says; the numbers above "
                          "are what it measured.", ""]
        path = self.out / "REPORT.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        return path
