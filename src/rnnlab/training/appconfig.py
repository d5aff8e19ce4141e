"""What every application's run shares: its frozen config's checks and JSON round trip, and reading a run back."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

from rnnlab.training.checkpoint import CheckpointError, load_checkpoint
from rnnlab.training.fit import TrainConfig, continued


def _name(field: str) -> str:
    return field.replace("_", " ")


class AppConfig:
    """A base for the applications' frozen dataclasses, whose ``train`` field is a ``TrainConfig``."""

    def check_choices(self, choices: dict[str, Sequence[str]]) -> None:
        for field, allowed in choices.items():
            if getattr(self, field) not in allowed:
                raise ValueError(f"{_name(field)} must be one of {', '.join(allowed)}; "
                                 f"received {getattr(self, field)!r}")

    def check_at_least(self, fields: Iterable[str], minimum: int = 1) -> None:
        for field in fields:
            if getattr(self, field) < minimum:
                raise ValueError(f"{_name(field)} must be at least {minimum}; received {getattr(self, field)}")

    def check_fractions(self, fields: Iterable[str]) -> None:
        """Each in [0, 1): dropout rates."""
        for field in fields:
            if not 0.0 <= getattr(self, field) < 1.0:
                raise ValueError(f"{_name(field)} must be in [0, 1); received {getattr(self, field)}")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict):
        return cls(**{**d, "train": TrainConfig(**d["train"])})


@contextmanager
def describing(checkpoint: str | Path, what: str):
    """Inside, a checkpoint whose contents do not fit the application becomes one CheckpointError naming it."""
    try:
        yield
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{checkpoint}: the checkpoint does not describe {what} "
                              f"({error.__class__.__name__}: {str(error).splitlines()[0][:200]})") from None


def saved_config(out: str | Path, app: str, kind: type[AppConfig]) -> AppConfig:
    """The config an interrupted run in ``out`` was started with (from its ``last`` checkpoint)."""
    _, meta = load_checkpoint(Path(out) / "last.json", app=app)
    with describing(Path(out) / "last.json", f"a {app} run"):
        return kind.from_json(meta["config"])


def run_folder(out: str | None, app: str) -> Path:
    """Where a run writes: ``out``, or ``runs/APP-DATE-TIME``."""
    return Path(out) if out else Path("runs") / f"{app}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def resumed_config(out: str | Path, app: str, kind: type[AppConfig], epochs: int | None = None,
                   max_steps: int | None = None, progress: bool = True) -> AppConfig:
    """The config to continue the run in ``out`` with: its own, and only its length changed (see ``continued``)."""
    saved = saved_config(out, app, kind)
    return replace(saved, out=str(out), train=continued(saved.train, epochs, max_steps, progress))
