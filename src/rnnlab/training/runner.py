"""One application contract and the one runner that trains, resumes, loads and tests every application.

An application declares (``App``): its config dataclass (``rnnlab.training.options``),
how it reads its data (``prepare``), how it builds its model from the config
and the JSON it saved beside the weights (``build_model``), its loss and
metrics (``task``, the fit loop's ``Task``), what it adds to the run's summary
after training (``report``), how the summary reads in a terminal (``show``)
and its verbs that work from a trained run (``eval``, ``sample``, ``predict``,
...). The runner does the rest, the same way for every application: the run
folder, seeding, the checkpoint read exactly once to resume or to load,
``summary.json`` and the training curves. ``rnnlab.apps`` lists the
applications; the command line is written from that list.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable

from torch import Tensor, nn

from rnnlab.data.files import text_encoding

from rnnlab.training.checkpoint import CheckpointError, load_checkpoint, prefixed, resolve
from rnnlab.training.devices import resolve_device
from rnnlab.training.distributed import Distributed, is_main_process
from rnnlab.training.fit import Task, continued, fit, read_last
from rnnlab.training.metrics import read_records
from rnnlab.training.resources import check_batch_memory, check_model_memory
from rnnlab.training.seeding import seed_everything
from rnnlab.viz import format_table, plot_curves, plot_diagnostics

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    """What an application read for a run.

    ``data``: whatever its task needs; ``meta``: the JSON that, with the
    config, rebuilds the model (vocabularies, labels, shapes), saved in every
    checkpoint; ``skipped``: bad rows left out, by reason or file;
    ``initialize``: starting weights a fresh run loads into the new model
    (pretrained vectors, a CNN's weights, language models); ``started_from``:
    what they were, in a sentence for the summary.
    """

    data: Any
    meta: dict
    source: str
    skipped: dict[str, int] = field(default_factory=dict)
    initialize: Callable[[nn.Module], None] | None = None
    started_from: str | None = None


@dataclass
class Trained:
    """A trained model read back from a checkpoint, with its application, config and saved meta."""

    app: "App"
    model: nn.Module
    config: Any
    meta: dict
    _prepared: Prepared | None = field(default=None, repr=False)

    def prepared(self) -> Prepared:
        """The run's data, read (or generated) again with its saved vocabularies; read once, then kept."""
        if self._prepared is None:
            with reading(self.config):
                self._prepared = self.app.prepare(self.config, self.meta)
        return self._prepared

    def test(self, changes: Any = None) -> dict[str, float]:
        """The metrics on the run's own test split, the app's baselines beside them.

        ``changes``: config fields that change how it is scored (a ``Config``
        of option fields such as ``beam``); None leaves the run's own.
        """
        config = self.config if changes is None else replace(self.config, **changes.to_json())
        with reading(config):
            prepared = self.app.prepare(config, self.meta)
        metrics = self.app.task(config, prepared).evaluate(self.model, "test")
        return {**metrics, **(self.app.baselines(prepared) if self.app.baselines else {})}


@dataclass
class RunResult:
    """A finished (or step-limited) run: its folder, why it stopped, and its summary.

    The summary's entries read as attributes too: ``result.test``,
    ``result.samples``.
    """

    run_dir: Path
    stopped: str
    summary: dict

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["summary"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Verb:
    """``rnnlab APP NAME RUN [options]``: ``run(trained, options)`` returns the text to print.

    ``options`` is a frozen ``Config`` dataclass of ``option`` fields (or None).
    """

    name: str
    help: str
    run: Callable[[Trained, Any], str]
    options: type | None = None


def metrics_table(metrics: dict[str, float]) -> str:
    return format_table([{"metric": k.replace("_", " "), "value": v} for k, v in metrics.items()])


def _show_test(summary: dict) -> str:
    return "test:\n" + metrics_table(summary["test"])


def evaluate(trained: Trained, changes: Any) -> str:
    """The default ``eval`` verb: the test metrics with ``changes`` (its options) applied, as a table."""
    return metrics_table(trained.test(changes))


@dataclass(frozen=True)
class App:
    """An application: what it declares; ``rnnlab.training.runner`` does the rest.

    ``prepare(config, meta)`` reads the data; with ``meta`` (a trained run's)
    it reuses the saved vocabularies instead of building new ones.
    ``report(model, config, prepared, run_dir)`` runs after training on the
    best weights and returns entries for the summary (and may draw figures).
    ``baselines(prepared)``: the test scores of models without learning,
    reported beside the test metrics by ``eval``. ``lab``: what ``rnnlab lab``
    can ask of a trained model, ``{action: fn(trained, params: dict) -> dict}``
    (JSON in and out), built on the application's own predict code.
    """

    name: str
    help: str
    config: type
    prepare: Callable[[Any, dict | None], Prepared]
    build_model: Callable[[Any, dict], nn.Module]
    task: Callable[[Any, Prepared], Task]
    report: Callable[[nn.Module, Any, Prepared, Path], dict] | None = None
    show: Callable[[dict], str] = _show_test
    verbs: tuple[Verb, ...] = (Verb("eval", "the metrics of a trained model on its run's test split", evaluate),)
    baselines: Callable[[Prepared], dict[str, float]] | None = None
    description: str = ""
    lab: dict[str, Callable[[Trained, dict], dict]] = field(default_factory=dict)
    export: Callable[[Trained, Path], str] | None = None  # rnnlab export RUN --out FILE.onnx: writes, checks, says

    def train(self, config: Any) -> RunResult:
        return train(self, config)

    def resume(self, out: str | Path, epochs: int | None = None, max_steps: int | None = None,
               progress: bool = True) -> RunResult:
        return resume(self, out, epochs, max_steps, progress)

    def load(self, checkpoint: str | Path, device: str = "cpu") -> Trained:
        return load(self, checkpoint, device)


def reading(config: Any):
    """Inside, the data's text files are decoded as the config's ``encoding`` says (UTF-8 by default)."""
    return text_encoding(getattr(config, "encoding", "utf-8"))


def run_folder(out: str | None, app: str) -> Path:
    """Where a run writes: ``out``, or ``runs/APP-DATE-TIME``."""
    return Path(out) if out else Path("runs") / f"{app}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def rnnlab_version() -> str:
    try:
        return version("rnnlab")
    except PackageNotFoundError:  # run from a source tree that was not installed
        return "unknown"


@contextmanager
def describing(checkpoint: str | Path, what: str, meta: dict):
    """Inside, a checkpoint whose contents do not fit the application becomes one CheckpointError naming it
    and the rnnlab versions that wrote it and that read it."""
    try:
        yield
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{checkpoint}: the checkpoint does not describe {what} "
                              f"({error.__class__.__name__}: {str(error).splitlines()[0][:200]}); it was written "
                              f"by rnnlab {meta.get('rnnlab', 'before 0.2')}, this is rnnlab {rnnlab_version()}") \
            from None


def train(app: App, config: Any, checkpoint: tuple[dict[str, Tensor], dict] | None = None) -> RunResult:
    """Read the data, build the model, train, test the best weights, write the summary and the curves.

    ``checkpoint``: an interrupted run's ``last`` checkpoint to continue (see ``resume``).
    """
    run_dir = run_folder(config.out, app.name)
    seed_everything(config.train.seed)  # the model's initial weights; fit seeds the training stream
    with reading(config):
        prepared = app.prepare(config, None)
    for what, count in prepared.skipped.items():
        log.warning("%s: skipped %d: %s", prepared.source, count, what)
    device = resolve_device(config.train.device)
    device = Distributed.from_env(device).device(device)  # under torchrun, this process's own GPU
    check_model_memory(lambda: app.build_model(config, prepared.meta), config, device)
    model = app.build_model(config, prepared.meta)
    if checkpoint is None and prepared.initialize is not None:
        prepared.initialize(model)
    meta = {"app": app.name, "rnnlab": rnnlab_version(), "config": config.to_json(), "source": prepared.source,
            **prepared.meta}
    task = app.task(config, prepared)
    check_batch_memory(model.to(device).train(), task, config, device)
    result = fit(model, task, config.train, run_dir, meta, resume=checkpoint)
    summary = {"test": result.test, "validation": result.validation, "skipped": prepared.skipped,
               "stopped": result.stopped}
    if prepared.started_from:
        summary["started_from"] = prepared.started_from
    if result.stopped != "max_steps" and is_main_process():
        if app.report is not None:
            summary.update(app.report(result.model, config, prepared, run_dir))
        (run_dir / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
        draw_run(run_dir, app.name)
    return RunResult(run_dir, result.stopped, summary)


def draw_run(run_dir: str | Path, title: str) -> None:
    """``curves.png`` from the run's ``metrics.jsonl``, and ``diagnostics.png`` when it recorded diagnostics."""
    records = read_records(run_dir)
    plot_curves(records, Path(run_dir) / "curves.png", title=title)
    if any(r.get("split") == "diagnostics" for r in records):
        plot_diagnostics(records, Path(run_dir) / "diagnostics.png")


def resume(app: App, out: str | Path, epochs: int | None = None, max_steps: int | None = None,
           progress: bool = True) -> RunResult:
    """Continue the run in ``out`` with the config saved in its checkpoint.

    Only the length of the run can change (``epochs``, ``max_steps``; a step
    limit not given again is lifted); the result is bit for bit the
    uninterrupted run's.
    """
    checkpoint = read_last(out, app.name)
    with describing(Path(out) / "last.json", f"a {app.name} run", checkpoint[1]):
        saved = app.config.from_json(checkpoint[1]["config"])
    config = replace(saved, out=str(out), train=continued(saved.train, epochs, max_steps, progress))
    return train(app, config, checkpoint)


def load(app: App, checkpoint: str | Path, device: str = "cpu") -> Trained:
    """A trained model with its config and saved meta, from a run folder or a checkpoint file."""
    device = resolve_device(device)
    folder = Path(checkpoint)
    if folder.is_dir() and not (folder / "best.json").exists() and (folder / "last.json").exists():
        raise CheckpointError(f"{folder}: no trained model yet (no best.json): the run stopped before its first "
                              f"validation; continue it with rnnlab {app.name} train --out {folder} --resume")
    tensors, meta = load_checkpoint(checkpoint, app=app.name, map_location=device)
    with describing(resolve(checkpoint), f"a {app.name} model", meta):
        config = app.config.from_json(meta["config"])
        model = app.build_model(config, meta).to(device)
        model.load_state_dict(prefixed(tensors, "model"))
    model.eval()
    return Trained(app, model, config, meta)
