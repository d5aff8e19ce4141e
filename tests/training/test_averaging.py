"""Polyak averaging of the weights, and the validation metric that picks the best epoch."""

import pytest
import torch
from toy import CountingTask, toy_model

from rnnlab.training import TrainConfig, fit
from rnnlab.training.averaging import WeightAverage
from rnnlab.training.checkpoint import load_checkpoint

QUIET = dict(progress=False, tensorboard=False, device="cpu", log_every=2)


def test_the_average_follows_its_formula_and_swaps_back():
    model = torch.nn.Linear(2, 1)
    start = model.weight.detach().clone()
    average = WeightAverage(model, decay=0.9)
    expected = start.clone()
    for t in range(30):
        with torch.no_grad():
            model.weight.add_(1.0)
        average.update(model)
        d = min(0.9, (1 + t) / (10 + t))
        expected = d * expected + (1 - d) * model.weight.detach()
    torch.testing.assert_close(average.shadow["weight"], expected)
    own = model.weight.detach().clone()
    with average.swapped(model):
        torch.testing.assert_close(model.weight.detach(), expected)
    assert torch.equal(model.weight.detach(), own)


def test_averaged_weights_are_validated_kept_and_resumed(tmp_path):
    config = TrainConfig(epochs=3, lr=0.02, average=0.95, **QUIET)
    result = fit(toy_model(dropout=0.3), CountingTask(), config, tmp_path / "a", {"app": "toy"})
    best, _ = load_checkpoint(tmp_path / "a" / "best.json")
    last, meta = load_checkpoint(tmp_path / "a" / "last.json")
    w = "model.output.weight"
    assert not torch.equal(best[w], last[w])  # best holds the average, last the iterate
    torch.testing.assert_close(best[w], last["average.shadow.output.weight"])  # the last epoch was best here
    assert result.test["loss"] < 0.5

    stopped = TrainConfig(epochs=3, lr=0.02, average=0.95, max_steps=17, **QUIET)
    fit(toy_model(dropout=0.3), CountingTask(), stopped, tmp_path / "b", {"app": "toy"})
    fit(toy_model(dropout=0.3), CountingTask(), config, tmp_path / "b", {"app": "toy"}, resume=True)
    again, _ = load_checkpoint(tmp_path / "b" / "last.json")
    assert all(torch.equal(last[k], again[k]) for k in last)


def test_monitor_picks_the_best_epoch_by_the_named_metric(tmp_path):
    class Scored(CountingTask):
        """Validation accuracy peaks at the second epoch while the loss keeps falling."""

        def __init__(self):
            super().__init__()
            self.epochs = 0

        def evaluate(self, model, split):
            metrics = super().evaluate(model, split)
            self.epochs += 1
            return {**metrics, "accuracy": [0.5, 0.9, 0.7, 0.6][min(self.epochs - 1, 3)]}

    result = fit(toy_model(), Scored(), TrainConfig(epochs=4, lr=0.02, monitor="accuracy", monitor_mode="max",
                                                    **QUIET), tmp_path, {"app": "toy"})
    assert result.progress.best_epoch == 1
    with pytest.raises(ValueError, match="monitor 'bleu' is not among the validation metrics: loss"):
        fit(toy_model(), CountingTask(), TrainConfig(epochs=1, monitor="bleu", **QUIET), tmp_path / "x", {"app": "toy"})
    with pytest.raises(ValueError, match="monitor mode"):
        TrainConfig(monitor_mode="up")
    with pytest.raises(ValueError, match="average"):
        TrainConfig(average=1.0)
