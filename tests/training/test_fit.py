"""The fit loop: learning, resume, early stopping, the NaN guard, outputs, refusal to overwrite."""

import json
import math

import pytest
import torch
from toy import CountingTask, toy_model

from rnnlab.training import OPTIMIZERS, SCHEDULES, RunExists, TrainConfig, TrainingDiverged, fit
from rnnlab.training.checkpoint import load_checkpoint, prefixed

QUIET = dict(progress=False, tensorboard=False, device="cpu", log_every=2)


def test_loss_falls_far_below_uniform_and_the_run_is_recorded(tmp_path):
    task = CountingTask()
    result = fit(toy_model(), task, TrainConfig(epochs=6, lr=0.02, **QUIET), tmp_path, {"app": "toy"})
    assert result.test["loss"] < 0.2 * math.log(7)  # uniform guessing costs log V
    for name in ("best.json", "best.safetensors", "last.json", "last.safetensors", "metrics.jsonl"):
        assert (tmp_path / name).exists(), name
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert {r["split"] for r in records} == {"train", "validation", "test"}
    train = [r for r in records if r["split"] == "train"]
    assert {"loss", "lr", "grad_norm", "clipped", "skipped"} <= set(train[0])


def _weights(run_dir):
    tensors, _ = load_checkpoint(run_dir / "last.json")
    return prefixed(tensors, "model")


@pytest.mark.parametrize("schedule", ["cosine", "plateau"])
def test_resume_gives_bit_equal_weights(tmp_path, schedule):
    """Interrupted at step 5 (mid-epoch) and resumed == uninterrupted, with dropout and an lr schedule."""
    config = TrainConfig(epochs=3, lr=0.01, schedule=schedule, **QUIET)
    fit(toy_model(dropout=0.3), CountingTask(), config, tmp_path / "a", {"app": "toy"})

    stopped = TrainConfig(epochs=3, lr=0.01, schedule=schedule, max_steps=17, **QUIET)  # 12 batches an epoch
    assert fit(toy_model(dropout=0.3), CountingTask(), stopped, tmp_path / "b", {"app": "toy"}).stopped == "max_steps"
    fit(toy_model(dropout=0.3), CountingTask(), config, tmp_path / "b", {"app": "toy"}, resume=True)

    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert json.loads((tmp_path / "b" / "last.json").read_text())["counters"]["progress"]["step"] == 36


def _records(run_dir):
    """metrics.jsonl without the wall-clock fields."""
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "seconds"} for line in lines]


class _Killed(Exception):
    pass


class DyingTask(CountingTask):
    """Dies at one call, saving nothing then (as kill -9 would): the run resumes from its last checkpoint."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def loss(self, model, batch):
        if self.calls + 1 == self.at:
            raise _Killed
        return super().loss(model, batch)


@pytest.mark.parametrize("log_every", [2, 5])
def test_a_resumed_run_logs_what_the_uninterrupted_run_logs(tmp_path, log_every):
    """After a kill (last checkpoint 2 steps back, records written since) or a step limit inside a logging
    window, the resumed metrics.jsonl equals the uninterrupted one, record for record, wall-clock aside."""
    quiet = {**QUIET, "log_every": log_every}
    config = TrainConfig(epochs=3, lr=0.01, checkpoint_every=7, **quiet)
    fit(toy_model(dropout=0.3), CountingTask(), config, tmp_path / "a", {"app": "toy"})
    with pytest.raises(_Killed):
        fit(toy_model(dropout=0.3), DyingTask(at=17), config, tmp_path / "b", {"app": "toy"})
    assert json.loads((tmp_path / "b" / "last.json").read_text())["counters"]["progress"]["step"] == 14
    fit(toy_model(dropout=0.3), CountingTask(), config, tmp_path / "b", {"app": "toy"}, resume=True)
    limited = TrainConfig(epochs=3, lr=0.01, checkpoint_every=7, max_steps=13, **quiet)
    fit(toy_model(dropout=0.3), CountingTask(), limited, tmp_path / "c", {"app": "toy"})
    assert _records(tmp_path / "c")[-1].get("partial") or 13 % log_every == 0
    fit(toy_model(dropout=0.3), CountingTask(), config, tmp_path / "c", {"app": "toy"}, resume=True)
    expected = _records(tmp_path / "a")
    assert [r["step"] for r in expected if r["split"] == "train"][:2] == [log_every, 2 * log_every]
    assert _records(tmp_path / "b") == expected
    assert _records(tmp_path / "c") == expected


def test_early_stopping(tmp_path):
    result = fit(toy_model(), CountingTask(), TrainConfig(epochs=50, lr=1e-9, early_stopping=2, **QUIET),
                 tmp_path, {"app": "toy"})
    assert result.stopped == "early_stopping"
    assert result.progress.epoch < 50


def test_non_finite_steps_are_skipped_and_counted(tmp_path):
    task = CountingTask(poison=lambda call: call in (3, 4))
    before = {k: v.clone() for k, v in toy_model().state_dict().items()}
    result = fit(toy_model(), task, TrainConfig(epochs=1, lr=0.01, **QUIET), tmp_path, {"app": "toy"})
    assert result.progress.step == 12 - 2
    counters = json.loads((tmp_path / "last.json").read_text())["counters"]
    assert counters["guard"] == [2, 0]
    after = result.model.state_dict()
    assert all(torch.isfinite(v).all() for v in after.values())
    assert any(not torch.equal(before[k], after[k].cpu()) for k in before)


def test_training_that_keeps_diverging_stops_with_a_clear_error(tmp_path):
    task = CountingTask(poison=lambda call: call >= 2)
    with pytest.raises(TrainingDiverged, match="3 steps in a row had a non-finite loss"):
        fit(toy_model(), task, TrainConfig(epochs=1, nan_patience=3, **QUIET), tmp_path, {"app": "toy"})


def test_an_existing_run_is_never_overwritten(tmp_path):
    fit(toy_model(), CountingTask(), TrainConfig(epochs=1, **QUIET), tmp_path, {"app": "toy"})
    before = (tmp_path / "last.safetensors").read_bytes()
    with pytest.raises(RunExists, match="already holds a run; continue it with --resume"):
        fit(toy_model(), CountingTask(), TrainConfig(epochs=1, **QUIET), tmp_path, {"app": "toy"})
    assert (tmp_path / "last.safetensors").read_bytes() == before
    with pytest.raises(RunExists, match="no run to resume here"):
        fit(toy_model(), CountingTask(), TrainConfig(epochs=1, **QUIET), tmp_path / "new", {"app": "toy"}, resume=True)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_trains(tmp_path, optimizer):
    lr = {"sgd": 0.5, "adagrad": 0.5, "ntasgd": 3.0}.get(optimizer, 0.01)  # ntasgd: SGD without momentum
    config = TrainConfig(epochs=2, optimizer=optimizer, lr=lr, weight_decay=1e-4, **QUIET)
    result = fit(toy_model(), CountingTask(), config, tmp_path, {"app": "toy"})
    assert result.test["loss"] < 0.8 * math.log(7)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_schedule_moves_the_learning_rate_as_it_says(tmp_path, schedule):
    config = TrainConfig(epochs=3, lr=0.01, schedule=schedule, warmup_steps=4, **QUIET)
    fit(toy_model(), CountingTask(), config, tmp_path, {"app": "toy"})
    lrs = [json.loads(line)["lr"] for line in (tmp_path / "metrics.jsonl").read_text().splitlines()
           if '"train"' in line]
    if schedule == "constant":
        assert lrs[-1] == pytest.approx(0.01)
    elif schedule == "cosine":
        assert lrs[-1] < 0.002
    elif schedule == "step":
        assert lrs[-1] < lrs[0]
    else:
        assert lrs[-1] <= 0.01


def test_bad_train_config():
    with pytest.raises(ValueError, match="epochs must be at least 1; received 0"):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match="clipping must be 'norm', 'value' or none"):
        TrainConfig(clip="both")


def test_time_limit_validates_tests_and_keeps_the_epoch_open(tmp_path):
    result = fit(toy_model(), CountingTask(), TrainConfig(epochs=5, max_minutes=1e-9, **QUIET), tmp_path,
                 {"app": "toy"})
    assert result.stopped == "max_minutes" and result.progress.step == 1
    assert "loss" in result.test and (tmp_path / "best.json").exists()
    progress = json.loads((tmp_path / "last.json").read_text())["counters"]["progress"]
    assert (progress["epoch"], progress["batch"]) == (0, 1)


def test_ctrl_c_saves_a_checkpoint_that_resumes_bit_equal(tmp_path):
    """Interrupted inside a step (as Ctrl-C does): the step is dropped, the run resumes to the same weights."""
    config = TrainConfig(epochs=2, lr=0.01, **QUIET)
    fit(toy_model(dropout=0.3), CountingTask(), config, tmp_path / "a", {"app": "toy"})

    class Interrupted(CountingTask):
        def loss(self, model, batch):
            if self.calls == 6:
                self.calls += 1
                raise KeyboardInterrupt
            return super().loss(model, batch)

    with pytest.raises(KeyboardInterrupt):
        fit(toy_model(dropout=0.3), Interrupted(), config, tmp_path / "b", {"app": "toy"})
    progress = json.loads((tmp_path / "b" / "last.json").read_text())["counters"]["progress"]
    assert (progress["epoch"], progress["batch"], progress["step"]) == (0, 6, 6)
    fit(toy_model(dropout=0.3), CountingTask(), config, tmp_path / "b", {"app": "toy"}, resume=True)
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_tasks_lr_scale_scales_each_step(tmp_path):
    """``task.lr_scale(batch)`` multiplies the learning rate of that step only (variable BPTT windows use it):
    a scale of 0 leaves the weights as they were, and the schedule's rate is back afterwards."""
    class Frozen(CountingTask):
        def lr_scale(self, batch):
            return 0.0
    start = toy_model().state_dict()
    result = fit(toy_model(), Frozen(), TrainConfig(epochs=1, optimizer="sgd", lr=0.5, momentum=0.0, **QUIET),
                 tmp_path, {"app": "toy"})
    assert all(torch.equal(v, start[k]) for k, v in result.model.state_dict().items())
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert all(r["lr"] == 0.5 for r in records if r["split"] == "train")


def test_precision_auto_takes_bf16_where_the_hardware_has_it():
    from rnnlab.training.devices import native_bf16, resolve_precision
    cpu = torch.device("cpu")
    assert resolve_precision("auto", cpu) == ("bf16" if native_bf16(cpu) else "fp32")
    assert resolve_precision("fp32", cpu) == "fp32" and resolve_precision("bf16", cpu) == "bf16"
    with pytest.raises(ValueError, match="precision must be one of fp32, bf16, auto; received 'fp16'"):
        TrainConfig(precision="fp16")
