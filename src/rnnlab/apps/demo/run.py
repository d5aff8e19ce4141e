"""The cell tour: two tables a newcomer can check.

1. Conformance: every cell kind in a 2-layer bidirectional stack, run on a
   padded batch of different lengths, against ``torch.nn`` over a packed batch
   (float64): largest difference in outputs, final states and gradients.
2. Learning: each cell kind learns the delayed-recall task (output the symbol
   seen ``delay`` steps ago), one-hot inputs, ``y_t = softmax(W_hy h_t + b_y)``,
   sequences of different lengths; loss before and after, held-out accuracy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnlab.core import CELLS
from rnnlab.layers import Recurrent
from rnnlab.nn import from_torch
from rnnlab.training import resolve_device
from rnnlab.training.options import Config, option
from rnnlab.training.progress import progress_bar
from rnnlab.viz import format_table

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class DemoConfig(Config):
    """Settings of ``rnnlab demo``; the defaults finish in well under a minute on 2 CPU cores."""

    steps: int = option(300, "training steps per cell")
    hidden_size: int = option(32, "hidden units")
    batch_size: int = option(32, "")
    seq_len: int = option(20, "symbols a sequence")
    delay: int = option(3, "recall the symbol seen this many steps ago")
    vocab: int = option(8, "symbols")
    lr: float = option(0.01, "Adam's learning rate")
    seed: int = option(0, "random seed")
    device: str = option("auto", "auto (cuda if available), cpu, cuda, cuda:N")
    progress: bool = option(True, "no progress bar", flag="--quiet")

    def __post_init__(self) -> None:
        for name in ("steps", "hidden_size", "batch_size", "seq_len", "delay", "lr"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"demo: {name} must be positive; received {value}")
        if self.delay >= self.seq_len:
            raise ValueError(f"demo: delay must be shorter than seq_len = {self.seq_len}; received {self.delay}")
        if self.vocab < 2:
            raise ValueError(f"demo: vocab must be at least 2; received {self.vocab}")


@dataclass(frozen=True)
class DemoResult:
    conformance: list[dict]
    learning: list[dict]


def _max_diff(a: list[torch.Tensor], b: list[torch.Tensor]) -> float:
    return max(float((x - y).abs().max()) for x, y in zip(a, b, strict=True))


def conformance(name: str, device: torch.device, generator: torch.Generator) -> dict:
    """One cell kind against torch, as a 2-layer bidirectional stack over a padded batch."""
    make, torch_module = CELLS[name].make, CELLS[name].twin
    F_in, H, B, T = 5, 8, 4, 9
    lengths = torch.tensor([9, 4, 1, 6])
    x = torch.randn(B, T, F_in, generator=generator, dtype=torch.float64).to(device)
    cell = make(F_in, H)
    row = {"cell": CELLS[name].label, "parameters per cell": sum(p.numel() for p in cell.parameters())}
    if torch_module is None:
        return {**row, "max |diff| outputs": "n/a", "max |diff| gradients": "n/a",
                "note": "torch has no reset-before GRU"}
    theirs = torch_module(F_in, H, num_layers=2, bidirectional=True, batch_first=True,
                          dtype=torch.float64, device=device)
    ours = from_torch(theirs)
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    y_t = pad_packed_sequence(theirs(packed)[0], batch_first=True, total_length=T)[0]
    y_o = ours.stack(x, lengths=lengths)[0]  # rnnlab's own layers, batch-first, with lengths
    weights = torch.randn(y_t.shape, generator=generator, dtype=torch.float64).to(device)
    g_t = torch.autograd.grad((y_t * weights).sum(), list(theirs.parameters()))
    g_o = torch.autograd.grad((y_o * weights).sum(), [c.stacked_weights().W_h for c in ours.cells()])
    g_t_hh = [g for (n, _), g in zip(theirs.named_parameters(), g_t) if n.startswith("weight_hh")]
    return {**row, "max |diff| outputs": _max_diff([y_o.detach()], [y_t.detach()]), "max |diff| gradients": _max_diff(g_o, g_t_hh),
            "note": "2-layer bidirectional, lengths 9/4/1/6, float64"}


def delayed_recall(config: DemoConfig, batch: int, generator: torch.Generator):
    """Symbols ``s_t``, one-hot inputs ``(B, T, V)``, targets ``s_{t-delay}`` (-100 = no target), lengths."""
    T, V, d = config.seq_len, config.vocab, config.delay
    symbols = torch.randint(V, (batch, T), generator=generator)
    lengths = torch.randint(d + 1, T + 1, (batch,), generator=generator)
    targets = torch.full((batch, T), -100)
    targets[:, d:] = symbols[:, :-d]
    targets[torch.arange(T) >= lengths.unsqueeze(1)] = -100  # no target past a sequence's end
    return F.one_hot(symbols, V).float(), targets, lengths


class Tagger(nn.Module):
    """A recurrent layer and the chapter's output ``y_t = W_hy h_t + b_y`` (softmax in the loss)."""

    def __init__(self, cell: nn.Module, vocab: int) -> None:
        super().__init__()
        self.rnn = Recurrent(cell)
        self.out = nn.Linear(cell.hidden_size, vocab)

    def forward(self, x, lengths):
        h, _ = self.rnn(x, lengths=lengths)  # (B, T, H)
        return self.out(h)  # (B, T, V)


def learn(name: str, config: DemoConfig, device: torch.device, bar) -> dict:
    torch.manual_seed(config.seed)
    data = torch.Generator().manual_seed(config.seed)
    model = Tagger(CELLS[name].make(config.vocab, config.hidden_size), config.vocab).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)

    def loss_and_accuracy(x, y, lengths):
        logits = model(x.to(device), lengths)
        y = y.to(device)
        loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=-100)
        keep = y != -100
        return loss, float((logits.argmax(-1)[keep] == y[keep]).float().mean())

    losses = []
    for _ in range(config.steps):
        loss, _ = loss_and_accuracy(*delayed_recall(config, config.batch_size, data))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        bar.update(1)
    with torch.no_grad():
        test_loss, accuracy = loss_and_accuracy(*delayed_recall(config, 512, torch.Generator().manual_seed(10**6)))
    first = sum(losses[:10]) / min(10, len(losses))
    last = sum(losses[-10:]) / min(10, len(losses))
    return {"cell": CELLS[name].label, "parameters": sum(p.numel() for p in model.parameters()),
            "loss first 10 steps": first, "loss last 10 steps": last,
            "held-out loss": float(test_loss), "held-out accuracy": accuracy}


def report(config: DemoConfig, result: DemoResult) -> str:
    """Both tables, as the terminal shows them."""
    return (f"The cells against torch.nn (same weights, padded batch against packed batch):\n\n"
            f"{format_table(result.conformance)}\n\nEach cell learning delayed recall (output the symbol seen "
            f"{config.delay} steps ago), {config.steps} Adam steps:\n\n{format_table(result.learning)}")


def run(config: DemoConfig) -> DemoResult:
    """Run both parts of the tour and return their tables' rows."""
    device = resolve_device(config.device)
    log.info("demo on %s", device)
    generator = torch.Generator().manual_seed(config.seed)
    table1 = [conformance(name, device, generator) for name in CELLS]
    with progress_bar(config.steps * len(CELLS), "training", "step", disable=not config.progress) as bar:
        table2 = [learn(name, config, device, bar) for name in CELLS]
    return DemoResult(table1, table2)
