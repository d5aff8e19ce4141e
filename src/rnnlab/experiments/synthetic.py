"""The synthetic tasks the experiments train on; each tests how far back a model can remember.

- adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015): ``x_t = (v_t, m_t)`` with ``v_t`` uniform in
  [0, 1] and a marker ``m_t`` that is 1 at exactly two steps, one in each half; the target, read at the last step,
  is the sum of the two marked values. Always answering 1 scores a mean squared error of 1/6.
- copy task (Arjovsky et al. 2016): ``length`` symbols from 1..``symbols``, then ``delay`` blanks (0), a
  delimiter (``symbols + 1``) and ``length - 1`` more blanks; the target is blank everywhere except the last
  ``length`` steps, which repeat the symbols. Guessing scores 1/``symbols`` on them.
- delayed echo: a stream of random symbols; the target at step t is the input at step ``t - delay``.
"""

from __future__ import annotations

import torch
from torch import Tensor

ADDING_BASELINE = 1.0 / 6.0  # the mean squared error of always answering 1


def adding_problem(n: int, T: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """``x: (n, T, 2)``, ``y: (n,)``."""
    if T < 2:
        raise ValueError(f"the adding problem needs T >= 2; received {T}")
    values = torch.rand(n, T, generator=generator)
    first = torch.randint(0, T // 2, (n,), generator=generator)
    second = torch.randint(T // 2, T, (n,), generator=generator)
    marks = torch.zeros(n, T)
    rows = torch.arange(n)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    return torch.stack([values, marks], dim=2), values[rows, first] + values[rows, second]


def copy_task(n: int, delay: int, generator: torch.Generator, symbols: int = 8,
              length: int = 5) -> tuple[Tensor, Tensor]:
    """``x: (n, 2 length + delay)`` token ids in 0..symbols+1, ``y`` of the same shape (ids 0..symbols)."""
    data = torch.randint(1, symbols + 1, (n, length), generator=generator)
    T = 2 * length + delay
    x = torch.zeros(n, T, dtype=torch.long)
    y = torch.zeros(n, T, dtype=torch.long)
    x[:, :length] = data
    x[:, length + delay] = symbols + 1
    y[:, T - length:] = data
    return x, y


def delayed_echo(n: int, T: int, delay: int, generator: torch.Generator, symbols: int = 4) -> tuple[Tensor, Tensor]:
    """``x: (n, T)`` random symbols, ``y: (n, T)`` with ``y_t = x_{t - delay}`` (and -100, unscored, for t < delay)."""
    x = torch.randint(0, symbols, (n, T), generator=generator)
    y = torch.full((n, T), -100, dtype=torch.long)
    y[:, delay:] = x[:, :T - delay]
    return x, y
