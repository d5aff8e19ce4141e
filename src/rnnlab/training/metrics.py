"""The run's metrics log: one JSON object a line (and TensorBoard when it is installed)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


class MetricsLog:
    """Append records to ``RUN/metrics.jsonl``; mirror numbers to TensorBoard if available.

    Each record has ``step`` and ``split`` (``train``, ``validation``, ``test``) and numbers.
    """

    def __init__(self, run_dir: Path, tensorboard: bool = True) -> None:
        self.path = Path(run_dir) / "metrics.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:  # tensorboard is optional
                pass
            else:
                self.writer = SummaryWriter(str(Path(run_dir) / "tensorboard"))

    def write(self, record: dict) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        if self.writer is not None:
            for key, value in record.items():
                if isinstance(value, (int, float)) and key not in ("step", "epoch"):
                    self.writer.add_scalar(f"{record['split']}/{key}", value, record["step"])

    def truncate_after(self, step: int) -> None:
        """Drop records past ``step``, and ``partial`` ones (a resumed run writes them again, whole)."""
        if self.path.exists():
            def kept(record: dict) -> bool:
                return record.get("step", 0) <= step and not record.get("partial")
            keep = [line for line in self.path.read_text(encoding="utf-8").splitlines()
                    if line.strip() and kept(json.loads(line))]
            self.path.write_text("".join(line + "\n" for line in keep), encoding="utf-8")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def read_records(run_dir: str | Path) -> list[dict]:
    """The records of ``RUN/metrics.jsonl``, in order (none when it is missing)."""
    path = Path(run_dir) / "metrics.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
