"""Polyak averaging of the weights, and the validation metric that picks the best epoch."""

import pytest
import torch
from toy import CountingTask, toy_model

from rnnlab.training import TrainConfig, fit
from rnnlab.training.averaging import WeightAverage, non_monotone
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


def test_the_arithmetic_mean_of_the_iterates_and_ntasgds_trigger():
    model = torch.nn.Linear(2, 1)
    average = WeightAverage(model, None)  # averaged SGD: every iterate since it was made counts alike
    iterates = [model.weight.detach().clone()]
    for _ in range(7):
        with torch.no_grad():
            model.weight.mul_(1.5).add_(0.3)
        average.update(model)
        iterates.append(model.weight.detach().clone())
    torch.testing.assert_close(average.shadow["weight"], torch.stack(iterates[1:]).mean(0))
    # worse than the best of all but the last 2 validations: averaging starts
    assert not non_monotone([5.0, 4.0, 3.0], 2) and not non_monotone([5.0, 4.0, 3.0, 3.5], 2)
    assert non_monotone([5.0, 4.0, 3.0, 3.5, 3.2, 3.1], 2) and not non_monotone([5.0, 4.0, 3.0, 3.5, 3.2, 2.9], 2)


def test_ntasgd_averages_after_the_validation_loss_stalls_and_resumes_so(tmp_path):
    """NT-ASGD through the fit loop: validations every few steps, averaging switched on by the trigger, the
    averaged weights validated and kept, and a resumed run equal to an uninterrupted one."""
    config = TrainConfig(epochs=3, optimizer="ntasgd", lr=10.0, nonmono=1, validate_every=3, **QUIET)  # it stalls
    whole = fit(toy_model(), CountingTask(), config, tmp_path / "a", {"app": "toy"})
    assert whole.progress.averaging_from > 0 and len(whole.progress.history) > 3
    fit(toy_model(), CountingTask(), TrainConfig(**{**config.to_json(), "max_steps": 10}), tmp_path / "b",
        {"app": "toy"})
    resumed = fit(toy_model(), CountingTask(), config, tmp_path / "b", {"app": "toy"}, resume=True)
    for k, v in whole.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[k], v, rtol=0, atol=0)
