"""The run's metrics log: one JSON object a line (and TensorBoard when it is installed)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from rnnlab.training.checkpoint import atomic_write

log = logging.getLogger(__name__)


class MetricsLog:
    """Append records to ``RUN/metrics.jsonl``; mirror numbers to TensorBoard if available.

    Each record has ``step`` and ``split`` (``train``, ``validation``, ``test``) and numbers.
    """

    def __init__(self, run_dir: Path, tensorboard: bool = True) -> None:
        self.path = Path(run_dir) / "metrics.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.count = len(read_records(run_dir))  # records in the file: a checkpoint says how many were its run's
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
        self.count += 1
        if self.writer is not None:
            for key, value in record.items():
                if isinstance(value, (int, float)) and key not in ("step", "epoch"):
                    self.writer.add_scalar(f"{record['split']}/{key}", value, record["step"])

    def keep(self, count: int) -> None:
        """Keep the first ``count`` records, those a checkpoint's run had written, less ``partial`` ones (a
        resumed run writes them again, whole): what a killed run wrote after its checkpoint goes, a last line
        cut short included. The file is replaced whole, atomically."""
        kept = [json.dumps(r) for r in read_records(self.path.parent)[:count] if not r.get("partial")]
        atomic_write(self.path, "".join(line + "\n" for line in kept).encode("utf-8"))
        self.count = len(kept)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def read_records(run_dir: str | Path) -> list[dict]:
    """The records of ``RUN/metrics.jsonl``, in order (none when it is missing)."""
    path = Path(run_dir) / "metrics.jsonl"
    if not path.exists():
        return []
    lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    records = []
    for k, line in enumerate(lines):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            if k < len(lines) - 1:  # only the last line can be cut short (a run killed as it wrote)
                raise
    return records
