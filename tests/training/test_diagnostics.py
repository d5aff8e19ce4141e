"""Gradient diagnostics: ||dL/dh_t|| equals autograd's computed another way; saturation, warnings, the fit flag."""

import json

import pytest
import torch
from toy import CountingTask, toy_model

from rnnlab.core import ElmanCell, GRUCell, LSTMCell, LSTMState
from rnnlab.layers import Recurrent
from rnnlab.training import TrainConfig, fit
from rnnlab.training.diagnostics import diagnose, layer_norms, reach, watch
from rnnlab.training.runner import draw_run


def perturbed_norms(cell, head, x, every_step):
    """dL/dh_t another way: add a zero tensor d_t to each h_t and ask autograd for dL/dd_t."""
    B, T, _ = x.shape
    state = cell.initial_state(B)
    deltas, outputs = [], []
    for t in range(T):
        _, state = cell.step(x[:, t], state)
        d = torch.zeros(B, cell.hidden_size, requires_grad=True)
        deltas.append(d)
        if isinstance(state, LSTMState):
            state = LSTMState(state.h + d, state.c)
        else:
            state = state + d
        outputs.append(state.h if isinstance(state, LSTMState) else state)
    used = torch.stack(outputs, 1) if every_step else outputs[-1]
    grads = torch.autograd.grad(head(used).pow(2).sum(), deltas)
    return [float(g.norm(dim=-1).mean()) for g in grads]


@pytest.mark.parametrize("cell", [ElmanCell(3, 5), LSTMCell(3, 5), GRUCell(3, 5)], ids=["elman", "lstm", "gru"])
@pytest.mark.parametrize("every_step", [False, True])
def test_step_norms_match_autograd_two_ways(cell, every_step):
    torch.manual_seed(0)
    layer, head = Recurrent(cell), torch.nn.Linear(5, 2)
    x = torch.randn(4, 9, 3)
    with watch(layer) as seen:
        y, _ = layer(x)
        head(y if every_step else y[:, -1]).pow(2).sum().backward()
    norms = seen.step_norms()["rnn"]
    assert len(norms) == 9
    assert norms == pytest.approx(perturbed_norms(cell, head, x, every_step), rel=1e-5, abs=1e-9)
    assert layer.observer is None and layer.engine == "auto"  # restored


def test_a_reverse_layer_reports_in_input_order():
    torch.manual_seed(0)
    cell = GRUCell(3, 4)
    x = torch.randn(2, 6, 3)
    backward, forward = Recurrent(cell, reverse=True), Recurrent(cell)
    with watch(backward) as back:
        backward(x)[0][:, 0].sum().backward()
    with watch(forward) as front:
        forward(x.flip(1))[0][:, -1].sum().backward()
    assert back.step_norms()["rnn"] == pytest.approx(front.step_norms()["rnn"][::-1])


def test_saturated_gates_are_counted():
    torch.manual_seed(0)
    cell = LSTMCell(3, 8, forget_bias=20.0)  # f = 1 everywhere; i and o near 1/2
    with torch.no_grad():
        cell.W_x.mul_(0.1)
        cell.W_h.mul_(0.1)
    layer = Recurrent(cell)
    with watch(layer) as seen:
        layer(torch.randn(4, 5, 3))
    assert seen.saturation()["rnn"] == pytest.approx(1 / 3, abs=0.02)
    with watch(Recurrent(ElmanCell(3, 4))) as plain:
        pass
    assert plain.saturation() == {}


def test_warnings_and_layer_norms():
    assert reach([1e-6, 0.5, 1.0]) == pytest.approx(1e-6) and reach([]) == 0.0
    vanishing = diagnose({"encoder": [1e-6, 0.5, 1.0]}, 1.0)
    assert len(vanishing) == 1 and vanishing[0].startswith("vanishing gradient in encoder")
    assert diagnose({"encoder": [0.5, 1.0]}, 1.0) == []
    assert diagnose({}, float("nan"))[0].startswith("exploding gradient") and diagnose({}, 5e3)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    model(torch.ones(1, 2)).sum().backward()
    norms = layer_norms(model)
    expected = torch.cat([model[0].weight.grad.flatten(), model[0].bias.grad]).norm()
    assert set(norms) == {"0", "1"} and norms["0"] == pytest.approx(float(expected))


def test_the_fit_flag_records_and_draws(tmp_path, caplog):
    config = TrainConfig(epochs=1, lr=0.02, progress=False, tensorboard=False, device="cpu", diagnostics=3,
                         clip="norm", clip_threshold=0.01)
    fit(toy_model("lstm"), CountingTask(), config, tmp_path, {"app": "toy"})
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    seen = [r for r in records if r["split"] == "diagnostics"]
    assert [r["step"] for r in seen] == [0, 3, 6, 9]  # 12 batches of 8
    first = seen[0]
    assert set(first["step_norms"]) == set(first["saturation"]) == {"rnn.layers.0", "rnn.layers.1"}
    assert all(len(n) == 8 for n in first["step_norms"].values())  # T = 8
    assert all(0.0 <= s <= 1.0 for s in first["saturation"].values()) and first["saturation"]
    assert first["clipped"] and first["grad_norm_after"] == pytest.approx(0.01)
    assert first["layer_norms"] and all(v >= 0 for v in first["layer_norms"].values())
    draw_run(tmp_path, "toy")  # the runner draws what fit recorded
    assert (tmp_path / "diagnostics.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="diagnostics must not be negative"):
        TrainConfig(diagnostics=-1)
