"""The NaN/inf guard: a step whose loss or gradient is not finite is skipped, not applied."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

log = logging.getLogger(__name__)


class TrainingDiverged(ValueError):
    """Too many non-finite steps in a row: the run stops rather than train on garbage."""


@dataclass
class NonFiniteGuard:
    """Skip non-finite steps; stop after ``patience`` of them in a row (None: never, only count them).

    ``warn``: log each skipped step (an experiment that studies divergence counts them quietly).
    """

    patience: int | None = 5
    warn: bool = True
    skipped: int = 0
    in_a_row: int = 0

    def ok(self, *values: float, step: int) -> bool:
        """True when every value is finite; otherwise count, log and (after ``patience``) raise."""
        if all(math.isfinite(v) for v in values):
            self.in_a_row = 0
            return True
        self.skipped += 1
        self.in_a_row += 1
        if self.warn:
            log.warning("step %d: non-finite loss or gradient (%s); step skipped", step,
                        ", ".join(f"{v:.4g}" for v in values))
        if self.patience is not None and self.in_a_row >= self.patience:
            raise TrainingDiverged(f"training diverged: {self.in_a_row} steps in a row had a non-finite loss or "
                                   f"gradient (last at step {step}); lower the learning rate or clip gradients")
        return False
