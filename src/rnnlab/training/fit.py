"""The fit loop: train, validate each epoch, stop early, checkpoint, resume, test.

It knows nothing of any application. An application hands it a model and a
``Task``: the task makes the batches and computes the loss of one batch and
the metrics of a split. BPTT happens inside ``task.loss`` (full BPTT over a
padded batch, or one truncated-BPTT window of a stream); everything around
the gradient lives here, each piece in its named module: clipping
(``clipping``), the NaN/inf guard (``guards``), optimisers and schedules
(``optim``), checkpoints (``checkpoint``), seeding (``seeding``), several
processes (``distributed``).
"""

from __future__ import annotations

import logging
import math
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import Tensor, nn

from rnnlab.training.averaging import WeightAverage, non_monotone
from rnnlab.training.checkpoint import flatten, load_checkpoint, prefixed, save_checkpoint, unflatten
from rnnlab.training.clipping import Clipper
from rnnlab.training.diagnostics import Watch, diagnose, layer_norms, reach, watch
from rnnlab.training.devices import PRECISIONS, resolve_device, resolve_precision
from rnnlab.training.distributed import Distributed
from rnnlab.training.guards import NonFiniteGuard
from rnnlab.training.metrics import MetricsLog, read_records
from rnnlab.training.optim import (OPTIMIZERS, SCHEDULES, build_optimizer, build_schedule, discriminative,
                                   layer_groups, unfreeze)
from rnnlab.training.options import Config, option
from rnnlab.training.progress import progress_bar
from rnnlab.training.seeding import rng_state, seed_everything, set_rng_state

log = logging.getLogger(__name__)


class Task(Protocol):
    """What an application gives the fit loop."""

    def batches(self, epoch: int) -> list[Any]:
        """The training batches of an epoch, in order: the same for the same epoch, no global RNG."""

    def start_epoch(self, epoch: int) -> None:
        """Reset anything carried between batches (a TBPTT state)."""

    def loss(self, model: nn.Module, batch: Any) -> tuple[Tensor, int]:
        """The mean loss of a batch and how many tokens it averages over."""

    def evaluate(self, model: nn.Module, split: str) -> dict[str, float]:
        """Metrics of ``validation`` or ``test``; ``loss`` (lower is better) among them."""

    def state_dict(self) -> dict:
        """What the task carries between batches, for a checkpoint (may be empty)."""

    def load_state_dict(self, state: dict) -> None: ...


@dataclass(frozen=True)
class TrainConfig(Config):
    """How to train; shared by every application. Each field is a ``--flag`` of ``rnnlab APP train``."""

    epochs: int = option(10, "passes over the training data")
    optimizer: str = option("adam", "", choices=OPTIMIZERS)
    lr: float = option(2e-3, "learning rate")
    momentum: float = option(0.9, "for sgd and rmsprop")
    nonmono: int = option(5, "ntasgd: start averaging the weights when the validation loss is worse than the best "
                             "of all but the last N validations", metavar="N")
    weight_decay: float = option(0.0, "L2 regularisation")
    schedule: str = option("constant", "learning-rate schedule; stlr: ULMFiT's slanted triangular rate (a climb "
                                       "over the first 10 percent of the steps, then a long fall)", choices=SCHEDULES)
    discriminative: float = option(1.0, "ULMFiT's discriminative learning rates: each layer group (embedding, "
                                        "each recurrent layer, head) trains at the rate of the group above divided "
                                        "by this factor, e.g. 2.6; 1: one rate")
    gradual_unfreezing: bool = option(False, "ULMFiT's gradual unfreezing: the first epoch trains the head only, "
                                             "each further epoch one more layer group, from the head down")
    warmup_steps: int = option(0, "linear warm-up steps")
    clip: str | None = option("norm", "gradient clipping: by global norm (g <- theta g/||g||), by value, or none",
                              choices=("norm", "value", "none"))
    clip_threshold: float = option(1.0, "theta")
    nan_patience: int = option(5, "stop after this many non-finite steps in a row")
    early_stopping: int = option(0, "stop after this many epochs without a better validation metric; 0: off")
    monitor: str = option("loss", "the validation metric that picks the best weights")
    monitor_mode: str = option("min", "whether lower or higher --monitor is better", choices=("min", "max"))
    average: float = option(0.0, "validate and keep an exponential moving average of the weights with this "
                                 "decay, e.g. 0.999; 0: off")
    precision: str = option("fp32", "training arithmetic: fp32, bf16 autocast (matrix products in bfloat16; "
                                    "validation and test stay in float32), or auto: bf16 where the device computes "
                                    "it natively (AVX512-BF16 or AMX CPUs, recent GPUs)", choices=PRECISIONS)
    validate_every: int = option(0, "also validate (and keep the best weights) every N steps; 0: at the end of "
                                    "each epoch only", metavar="N")
    seed: int = option(0, "random seed: the model's initial weights, the data order, dropout")
    device: str = option("auto", "auto (cuda if available), cpu, cuda, cuda:N")
    max_steps: int | None = option(None, "stop after this many optimiser steps (a checkpoint is written)",
                                   none="no limit")
    max_minutes: float | None = option(None, "stop training after this many minutes, validate, and test the "
                                             "best weights", none="no limit")
    checkpoint_every: int = option(0, "also checkpoint every N steps; 0: at the end of each epoch only")
    log_every: int = option(10, "steps per line of metrics.jsonl")
    diagnostics: int = option(0, "every N steps, record ||dL/dh_t|| for every t, each layer's gradient norm, "
                                 "gate saturation and clipping, warn when gradients vanish or explode, and draw "
                                 "diagnostics.png; 0: off", metavar="N")
    progress: bool = option(True, "no progress bar", flag="--quiet")
    tensorboard: bool = option(True, "do not write TensorBoard logs", flag="--no-tensorboard")

    def __post_init__(self) -> None:
        if self.clip == "none":
            object.__setattr__(self, "clip", None)
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1; received {self.epochs}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max steps must be at least 1; received {self.max_steps}")
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError(f"max minutes must be positive; received {self.max_minutes}")
        for name in ("warmup_steps", "early_stopping", "checkpoint_every", "diagnostics", "validate_every"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name.replace('_', ' ')} must not be negative; received {getattr(self, name)}")
        if not self.discriminative >= 1.0:
            raise ValueError(f"discriminative (the factor between layer groups' rates) must be at least 1; "
                             f"received {self.discriminative}")
        if self.log_every < 1 or self.nan_patience < 1 or self.nonmono < 1:
            raise ValueError("log every, nan patience and nonmono must be at least 1")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; received {self.precision!r}")
        if self.average and self.optimizer == "ntasgd":
            raise ValueError("ntasgd averages the weights itself; leave out --average")
        if not (self.average == 0.0 or 0.0 < self.average < 1.0):
            raise ValueError(f"average (the decay of the weight average) must be 0 (off) or in (0, 1); "
                             f"received {self.average}")
        if self.monitor_mode not in ("min", "max"):
            raise ValueError(f"monitor mode must be 'min' or 'max'; received {self.monitor_mode!r}")
        Clipper(self.clip, self.clip_threshold)  # validates the clipping options


def continued(config: TrainConfig, epochs: int | None = None, max_steps: int | None = None,
              progress: bool = True) -> TrainConfig:
    """An interrupted run's saved config, to continue it: only its length may change.

    A step limit that is not given again is lifted: continuing runs to the end.
    """
    return replace(config, progress=progress, max_steps=max_steps, epochs=config.epochs if epochs is None else epochs)


@dataclass
class Progress:
    """Where a run stands: what a checkpoint must restore to continue exactly."""

    epoch: int = 0
    batch: int = 0  # batches of this epoch already consumed
    step: int = 0  # optimiser steps taken (skipped non-finite steps count as batches, not steps)
    best_loss: float = math.inf  # the best monitored validation metric, signed so that lower is better
    best_epoch: int = -1
    bad_epochs: int = 0
    seconds: float = 0.0
    history: list[float] = field(default_factory=list)  # every validation loss, in order (ntasgd's trigger)
    averaging_from: int = -1  # ntasgd: the step at which averaging started; -1: not yet
    history_step: int = -1  # the step of the last validation


@dataclass
class FitResult:
    model: nn.Module
    progress: Progress
    validation: dict[str, float] = field(default_factory=dict)
    test: dict[str, float] = field(default_factory=dict)
    run_dir: Path | None = None
    stopped: str = "epochs"


class RunExists(ValueError):
    """The output folder already holds a run, and ``resume`` was not asked for."""


def _model_tensors(model: nn.Module) -> dict[str, Tensor]:
    return {f"model.{k}": v for k, v in model.state_dict().items()}


class _Trainer:
    def __init__(self, model: nn.Module, task: Task, config: TrainConfig, run_dir: Path, meta: dict) -> None:
        self.config, self.task, self.meta, self.run_dir = config, task, meta, Path(run_dir)
        device = resolve_device(config.device)
        self.dist = Distributed.from_env(device)
        self.device = self.dist.device(device)
        self.model = model.to(self.device)
        self.wrapped = self.dist.wrap(self.model, self.device)
        self.groups = layer_groups(self.model)
        parameters = self.model.parameters() if config.discriminative == 1.0 else \
            discriminative(self.groups, config.lr, config.discriminative)
        self.optimizer = build_optimizer(parameters, config.optimizer, config.lr, config.weight_decay,
                                         config.momentum)
        self.steps_per_epoch = len(self.dist.shard(task.batches(0)))
        self.schedule = build_schedule(self.optimizer, config.schedule, config.epochs * self.steps_per_epoch,
                                       config.warmup_steps)
        self.clipper = Clipper(config.clip, config.clip_threshold)
        self.warned: set[str] = set()
        self.guard = NonFiniteGuard(config.nan_patience)
        self.average = WeightAverage(self.model, config.average) if config.average else None
        self.precision = resolve_precision(config.precision, self.device)
        if config.precision == "auto":
            log.info("precision auto: %s on %s", self.precision, self.device)
        self.autocast = torch.autocast(self.device.type, dtype=torch.bfloat16) if self.precision == "bf16" \
            else nullcontext()
        self.progress = Progress()
        self.window, self.clipped_before = self._new_window(), 0
        self.log = MetricsLog(self.run_dir, config.tensorboard) if self.dist.main else None

    # --- checkpoints -------------------------------------------------------------------
    def _state(self, rng: dict) -> tuple[dict[str, Tensor], dict]:
        tensors = _model_tensors(self.model)
        skeleton = {
            "optimizer": flatten(self.optimizer.state_dict(), "optimizer", tensors),
            "schedule": flatten(self.schedule.state_dict(), "schedule", tensors),
            "rng": flatten(rng, "rng", tensors),
            "task": flatten(self.task.state_dict(), "task", tensors),
            "average": flatten(self.average.state_dict() if self.average else {}, "average", tensors),
        }
        counters = {"progress": asdict(self.progress), "clipper": [self.clipper.steps, self.clipper.clipped],
                    "guard": [self.guard.skipped, self.guard.in_a_row],
                    "window": {**self.window, "clipped_before": self.clipped_before},  # the unlogged steps
                    "records": self.log.count if self.log is not None else None}
        return tensors, {**self.meta, "state": skeleton, "counters": counters}

    def save_last(self, rng: dict) -> None:
        if self.dist.main:
            save_checkpoint(self.run_dir / "last", *self._state(rng))

    def save_best(self, metrics: dict) -> None:
        if self.dist.main:
            save_checkpoint(self.run_dir / "best", _model_tensors(self.model),
                            {**self.meta, "epoch": self.progress.epoch, "step": self.progress.step,
                             "validation": metrics})

    def begin(self) -> None:
        """A fresh run: the records of one killed before its first checkpoint go, and a checkpoint at step 0
        makes the run resumable from its first step."""
        if self.log is not None:
            self.log.keep(0)
        self.save_last(rng_state())

    def restore(self, checkpoint: tuple[dict[str, Tensor], dict]) -> None:
        tensors, meta = checkpoint
        tensors = {k: v.to(self.device) for k, v in tensors.items()}
        self.model.load_state_dict(prefixed(tensors, "model"))
        skeleton = meta["state"]
        self.optimizer.load_state_dict(unflatten(skeleton["optimizer"], tensors))
        self.schedule.load_state_dict(unflatten(skeleton["schedule"], tensors))
        counters = meta["counters"]
        self.progress = Progress(**counters["progress"])
        if self.progress.averaging_from >= 0:  # ntasgd had started averaging
            self.average = WeightAverage(self.model, None)
        self.clipper.steps, self.clipper.clipped = counters["clipper"]
        self.guard.skipped, self.guard.in_a_row = counters["guard"]
        window = dict(counters.get("window") or self._new_window())
        self.clipped_before = window.pop("clipped_before", self.clipper.clipped)
        self.window = window
        self.task.start_epoch(self.progress.epoch)
        self.task.load_state_dict(unflatten(skeleton["task"], tensors))
        if self.average is not None:
            self.average.load_state_dict(unflatten(skeleton["average"], tensors))
        rng = unflatten(skeleton["rng"], {k: v.cpu() for k, v in tensors.items()})
        set_rng_state(rng)
        if self.log is not None:
            records = counters.get("records")  # a checkpoint without the count: the records up to its step
            self.log.keep(records if records is not None else
                          sum(r.get("step", 0) <= self.progress.step for r in read_records(self.run_dir)))
        log.info("resumed at epoch %d, batch %d, step %d", self.progress.epoch, self.progress.batch,
                 self.progress.step)

    # --- one step ----------------------------------------------------------------------
    def step(self, batch: Any, window: dict) -> None:
        self.wrapped.train()
        every = self.config.diagnostics
        looking = bool(every) and self.progress.step % every == 0 and self.log is not None
        with (watch(self.model) if looking else nullcontext()) as seen:
            with self.autocast:
                loss, count = self.task.loss(self.wrapped, batch)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
        layers = layer_norms(self.model) if looking else None
        norm = self.clipper(self.model.parameters())
        if looking:
            self.write_diagnostics(seen, layers, norm)
        if not self.guard.ok(loss.item(), norm, step=self.progress.step):
            self.optimizer.zero_grad(set_to_none=True)
            window["skipped"] += 1
            return
        scale = self.task.lr_scale(batch) if hasattr(self.task, "lr_scale") else 1.0
        rates = [group["lr"] for group in self.optimizer.param_groups]
        for group in self.optimizer.param_groups:  # a task's longer or shorter batch takes a larger or smaller step
            group["lr"] *= scale
        self.optimizer.step()
        for group, lr in zip(self.optimizer.param_groups, rates):
            group["lr"] = lr
        if self.average is not None:
            self.average.update(self.model)
        if not isinstance(self.schedule, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.schedule.step()
        self.progress.step += 1
        window["loss"] += loss.item() * count
        window["count"] += count
        window["norm"] += norm
        window["steps"] += 1

    def write_diagnostics(self, seen: Watch, layers: dict[str, float], norm: float) -> None:
        """One record of what the gradient did at this step (``--diagnostics N``); each new warning logged once."""
        step_norms = seen.step_norms()
        warnings = diagnose(step_norms, norm)
        for warning in warnings:
            if warning.split(":")[0] not in self.warned:
                self.warned.add(warning.split(":")[0])
                log.warning("step %d: %s", self.progress.step, warning)
        self.log.write({"split": "diagnostics", "step": self.progress.step, "epoch": self.progress.epoch,
                        "grad_norm": norm, "grad_norm_after": self.clipper.after, "clipped": self.clipper.last,
                        "reach": {name: reach(n) for name, n in step_norms.items()}, "step_norms": step_norms,
                        "saturation": seen.saturation(), "layer_norms": layers, "warnings": warnings})

    def _new_window(self) -> dict:
        """The training steps since the last ``train`` record (saved in ``last``, so a resumed run logs the
        same records at the same steps as an uninterrupted one)."""
        return dict(loss=0.0, count=0, norm=0.0, steps=0, skipped=0)

    def write_train(self, partial: bool = False) -> None:
        """The ``train`` record of the window, which starts anew. ``partial``: the run stops inside a window
        (``max_steps``, ``max_minutes``); a resumed run drops the record and writes the whole window's."""
        window = self.window
        if self.log is not None and window["steps"]:
            self.log.write({"split": "train", "step": self.progress.step, "epoch": self.progress.epoch,
                            "loss": window["loss"] / max(1, window["count"]),
                            "lr": self.optimizer.param_groups[-1]["lr"],  # the head's
                            "grad_norm": window["norm"] / window["steps"],
                            "clipped": (self.clipper.clipped - self.clipped_before) / window["steps"],
                            "skipped": window["skipped"], **({"partial": True} if partial else {})})
        if not partial:
            self.window, self.clipped_before = self._new_window(), self.clipper.clipped

    # --- the loop ----------------------------------------------------------------------
    def run(self) -> FitResult:
        config, progress = self.config, self.progress
        result = FitResult(self.model, progress, run_dir=self.run_dir)
        bar = progress_bar(config.epochs * self.steps_per_epoch, "training", "batch",
                           initial=progress.epoch * self.steps_per_epoch + progress.batch,
                           disable=not (config.progress and self.dist.main))
        start = time.perf_counter() - progress.seconds
        try:
            while progress.epoch < config.epochs:
                if config.gradual_unfreezing:
                    trainable = unfreeze(self.groups, progress.epoch)
                    log.info("epoch %d: training the top %d of %d layer groups", progress.epoch, trainable,
                             len(self.groups))
                if progress.batch == 0:
                    self.task.start_epoch(progress.epoch)
                batches = self.dist.shard(self.task.batches(progress.epoch))
                if progress.batch == 0:  # a resumed run inside an epoch keeps its restored window
                    self.window, self.clipped_before = self._new_window(), self.clipper.clipped
                for batch in batches[progress.batch:]:
                    rng = rng_state()  # the state before this step: what an interrupted run resumes from
                    try:
                        self.step(batch, self.window)
                    except KeyboardInterrupt:
                        progress.seconds = time.perf_counter() - start
                        self.save_last(rng)
                        raise
                    progress.batch += 1
                    bar.update(1)
                    if self.window["steps"] >= config.log_every:
                        bar.set_postfix(loss=f"{self.window['loss'] / max(1, self.window['count']):.3f}")
                        self.write_train()
                    if config.validate_every and progress.step % config.validate_every == 0 and \
                            progress.batch < len(batches) and progress.history_step != progress.step:
                        # (not at the epoch's end, which validates anyway, nor twice after a skipped step)
                        self.validate(result, start)
                    if config.checkpoint_every and progress.step % config.checkpoint_every == 0:
                        progress.seconds = time.perf_counter() - start
                        self.save_last(rng_state())
                    if config.max_steps is not None and progress.step >= config.max_steps:
                        self.write_train(partial=True)
                        progress.seconds = time.perf_counter() - start
                        self.save_last(rng_state())
                        result.stopped = "max_steps"
                        return result
                    if self.out_of_time(start):
                        result.stopped = "max_minutes"
                        break
                self.write_train(partial=result.stopped == "max_minutes")
                if result.stopped == "max_minutes":  # validate what there is; the epoch stays unfinished
                    self.validate(result, start)
                    progress.seconds = time.perf_counter() - start
                    self.save_last(rng_state())
                    break
                if self.end_epoch(result, start):
                    break
        finally:
            bar.close()
            if config.gradual_unfreezing:
                unfreeze(self.groups, len(self.groups))  # the model leaves as it came: its groups trainable
        return result

    def out_of_time(self, start: float) -> bool:
        """True once the run has trained for ``max_minutes`` (the same answer on every process)."""
        if self.config.max_minutes is None:
            return False
        over = torch.tensor(float(time.perf_counter() - start > 60 * self.config.max_minutes))
        if self.dist.active:
            torch.distributed.all_reduce(over, op=torch.distributed.ReduceOp.MAX)
        return bool(over)

    def validate(self, result: FitResult, start: float) -> None:
        """Validate, log, step a plateau schedule, and keep the weights if they are the best so far.

        With weight averaging, the averaged weights are the ones validated and kept.
        """
        if self.average is None:
            return self._validate(result, start)
        with self.average.swapped(self.model):
            self._validate(result, start)

    def _validate(self, result: FitResult, start: float) -> None:
        progress = self.progress
        metrics = self.task.evaluate(self.model, "validation")
        result.validation = metrics
        if self.log is not None:
            self.log.write({"split": "validation", "step": progress.step, "epoch": progress.epoch,
                            "seconds": time.perf_counter() - start, **metrics})
        log.info("epoch %d: validation %s", progress.epoch,
                 ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
        if isinstance(self.schedule, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.schedule.step(metrics["loss"])
        if self.config.monitor not in metrics:
            raise ValueError(f"monitor {self.config.monitor!r} is not among the validation metrics: "
                             f"{', '.join(metrics)}")
        progress.history.append(metrics["loss"])
        progress.history_step = progress.step
        if self.config.optimizer == "ntasgd" and self.average is None and \
                non_monotone(progress.history, self.config.nonmono):
            progress.averaging_from = progress.step
            self.average = WeightAverage(self.model, None)
            log.info("step %d: the validation loss stopped improving; averaging the weights from here (NT-ASGD)",
                     progress.step)
        score = metrics[self.config.monitor] * (1 if self.config.monitor_mode == "min" else -1)
        if score < progress.best_loss:
            progress.best_loss, progress.best_epoch, progress.bad_epochs = score, progress.epoch, 0
            self.save_best(metrics)
        else:
            progress.bad_epochs += 1

    def end_epoch(self, result: FitResult, start: float) -> bool:
        """Validate, then close the epoch and checkpoint; True to stop early."""
        config, progress = self.config, self.progress
        self.validate(result, start)
        progress.epoch += 1
        progress.batch = 0
        progress.seconds = time.perf_counter() - start
        self.save_last(rng_state())
        if config.early_stopping and progress.bad_epochs >= config.early_stopping:
            log.info("early stopping: no better validation %s for %d epochs", config.monitor, progress.bad_epochs)
            result.stopped = "early_stopping"
            return True
        return False

    def finish(self, result: FitResult, test: bool) -> FitResult:
        """Go back to the best weights and test them."""
        best = self.run_dir / "best.json"
        self.dist.barrier()
        if best.exists():
            tensors, _ = load_checkpoint(best, app=self.meta.get("app"), map_location=self.device)
            self.model.load_state_dict(prefixed(tensors, "model"))
        if test:
            result.test = self.task.evaluate(self.model, "test")
            if self.log is not None:
                self.log.write({"split": "test", "step": self.progress.step, "epoch": self.progress.best_epoch,
                                **result.test})
        if self.log is not None:
            self.log.close()
        return result


def fit(model: nn.Module, task: Task, config: TrainConfig, run_dir: str | Path, meta: dict,
        resume: tuple[dict[str, Tensor], dict] | bool | None = None, test: bool = True) -> FitResult:
    """Train ``model`` on ``task``, writing logs and checkpoints to ``run_dir``.

    ``meta`` (JSON-able: the application's name under ``app``, its config,
    its vocabulary) goes into every checkpoint so that the application can
    rebuild the model from it. ``resume`` continues an interrupted run from
    its ``last`` checkpoint, ``(tensors, meta)`` as ``load_checkpoint`` read
    it (True: read ``run_dir/last.json`` here), and ends exactly where an
    uninterrupted run would. Without it, a ``run_dir`` that already holds a
    run is an error: nothing is overwritten. A fresh run's random stream
    starts from ``config.seed``; a resumed one continues the checkpoint's. At
    the end the best validation weights are loaded back and, with ``test``,
    evaluated on the test split.
    """
    run_dir = Path(run_dir)
    if resume is True:
        resume = read_last(run_dir, meta.get("app"))
    if not resume and (run_dir / "last.json").exists():
        raise RunExists(f"{run_dir} already holds a run; continue it with --resume or choose another output folder")
    if not resume:
        seed_everything(config.seed)
    trainer = _Trainer(model, task, config, run_dir, meta)
    if resume:
        trainer.restore(resume)
    else:
        trainer.begin()
    result = trainer.run()
    if result.stopped == "max_steps":
        return result
    return trainer.finish(result, test)


def read_last(run_dir: str | Path, app: str | None) -> tuple[dict[str, Tensor], dict]:
    """The ``last`` checkpoint of the interrupted run in ``run_dir``, to resume it."""
    if not (Path(run_dir) / "last.json").exists():
        raise RunExists(f"{run_dir}: no run to resume here (no last.json)")
    return load_checkpoint(Path(run_dir) / "last.json", app=app)
