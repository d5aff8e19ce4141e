"""The run folders ``rnnlab lab`` serves: finding them, reading them, loading each model once.

Nothing here knows the web: the server (``rnnlab.lab.server``) and the
tests call these.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rnnlab.apps import registered
from rnnlab.training.checkpoint import CheckpointError
from rnnlab.training.runner import App, Trained

SERVED = {".png": "image/png", ".json": "application/json", ".jsonl": "application/x-ndjson",
          ".md": "text/markdown", ".txt": "text/plain", ".tsv": "text/tab-separated-values"}
HEADLINES = ("accuracy", "bits_per_char", "cer", "bleu", "f1", "macro_f1", "frame_accuracy", "loss")


class LabError(Exception):
    """A request the lab cannot answer; ``status`` is the HTTP status to give, the message is for the page."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _record(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None


@dataclass
class Run:
    """One run folder: its checkpoint record, its metrics, its files, and its model once loaded."""

    id: str
    path: Path
    app: str
    _trained: Trained | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def meta(self) -> dict:
        for name in ("best.json", "last.json"):
            record = _record(self.path / name)
            if record is not None:
                return record
        return {}

    def summary(self) -> dict:
        return _record(self.path / "summary.json") or {}

    def records(self, since: int = 0) -> tuple[list[dict], int]:
        """The metrics records after the first ``since`` lines of ``metrics.jsonl``, and the lines read so far
        (a run still training appends; a half-written last line waits for the next call)."""
        path = self.path / "metrics.jsonl"
        if not path.exists():
            return [], since
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
        complete = lines[:-1]  # after the last newline: a line still being written, or nothing
        out = []
        for line in complete[since:]:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                out.append({})  # keeps the count in step; nothing to draw
        return [r for r in out if r], len(complete)

    def files(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if p.is_file() and p.suffix in SERVED)

    def file(self, name: str) -> Path:
        """A file of this run by its name; anything outside the folder or of another kind is refused."""
        target = (self.path / name).resolve()
        if target.parent != self.path.resolve() or target.suffix not in SERVED or not target.is_file():
            raise LabError(f"{name!r} is not a file of run {self.id}", 404)
        return target

    def info(self) -> dict:
        meta, summary = self.meta(), self.summary()
        test = summary.get("test") or {}
        headline = next(([k, test[k]] for k in HEADLINES if isinstance(test.get(k), (int, float))), None)
        latest = _record(self.path / "last.json") or meta  # the best checkpoint may lie behind a running run
        return {"id": self.id, "app": self.app, "path": str(self.path), "source": meta.get("source"),
                "step": latest.get("step"), "finished": bool(summary), "headline": headline,
                "test": test, "config": meta.get("config"), "files": self.files()}

    def trained(self, app: App) -> Trained:
        """The run's best model (its last while no best exists), loaded on first use and shared after."""
        with self._lock:
            if self._trained is None:
                name = "best" if (self.path / "best.json").exists() else "last"
                try:
                    self._trained = app.load(self.path / f"{name}.json")
                except CheckpointError as error:
                    raise LabError(f"run {self.id}: {error}", 409) from None
            return self._trained


def finite(answer):
    """``answer`` with every infinite or NaN number as None: JSON has no such numbers (a beam's score can be
    -inf)."""
    if isinstance(answer, float):
        return answer if math.isfinite(answer) else None
    if isinstance(answer, dict):
        return {k: finite(v) for k, v in answer.items()}
    if isinstance(answer, (list, tuple)):
        return [finite(v) for v in answer]
    return answer


class Runs:
    """The runs found in some folders (each given folder, and the folders inside it, one level deep)."""

    def __init__(self, folders: list[str | Path]) -> None:
        self.folders = [Path(f) for f in folders]
        self.apps = {app.name: app for app in registered()}
        self._runs: dict[str, Run] = {}
        self._lock = threading.Lock()

    def scan(self) -> dict[str, Run]:
        """Look again (runs appear while the lab is open); known runs keep their loaded models."""
        with self._lock:
            seen: dict[Path, str] = {}
            for folder in self.folders:
                for path in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())] if folder.is_dir() else []:
                    record = next(filter(None, (_record(path / n) for n in ("best.json", "last.json"))), None)
                    if record and record.get("app") in self.apps:
                        seen[path.resolve()] = record["app"]
            by_path = {run.path: run for run in self._runs.values()}
            runs: dict[str, Run] = {}
            for path, app in seen.items():
                run = by_path.get(path)
                if run is None:
                    name = path.name
                    while name in runs or (name in self._runs and self._runs[name].path != path):
                        name += "+"
                    run = Run(name, path, app)
                runs[run.id] = run
            self._runs = runs
            return dict(runs)

    def get(self, run_id: str) -> Run:
        run = self._runs.get(run_id) or self.scan().get(run_id)
        if run is None:
            raise LabError(f"no run {run_id!r} in {', '.join(map(str, self.folders))}", 404)
        return run

    def act(self, run_id: str, action: str, params: dict) -> dict:
        """What the page asks of a run's model: ``app.lab[action](trained, params)``."""
        run = self.get(run_id)
        app = self.apps[run.app]
        if action not in app.lab:
            known = ", ".join(app.lab) or "none"
            raise LabError(f"the {run.app} page has no action {action!r} (its actions: {known})", 404)
        if not isinstance(params, dict):
            raise LabError("the request body must be a JSON object of parameters")
        trained = run.trained(app)
        with run._lock:  # one request at a time per model: the lab's inspection swaps engines and observers
            try:
                return finite(app.lab[action](trained, params))
            except (ValueError, TypeError, KeyError, OverflowError) as error:
                raise LabError(str(error).strip("'\"")) from None
