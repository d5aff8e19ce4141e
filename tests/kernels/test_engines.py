"""Every engine computes the reference loop's function: values and every gradient."""

import pytest
import torch
from conformance import SPEC_IDS, SPECS, flat

from rnnlab import Bidirectional, Recurrent, Stacked
from rnnlab.core import LSTMState, map_state
from rnnlab.kernels import ElmanFunction, GRUFunction, LSTMFunction, choose_engine, length_mask
from rnnlab.kernels.fused import held_sequence
from rnnlab.kernels import dispatch, segments

F, H, B, T = 3, 4, 5, 7
LENGTHS = torch.tensor([4, 7, 1, 6, 4])


def engines(spec):
    return ["bptt"] + (["torch"] if spec.torch_module is not None else []) + ["auto"]


def cases():
    return [(s, e) for s in SPECS for e in engines(s)]


def _clone_layer(layer, engine):
    """The same layer (same cells, same weights) with another engine."""
    if isinstance(layer, Recurrent):
        return Recurrent(layer.cell, reverse=layer.reverse, engine=engine)
    if isinstance(layer, Bidirectional):
        return Bidirectional(_clone_layer(layer.forward_layer, engine), _clone_layer(layer.backward_layer, engine),
                             layer.merge)
    return Stacked([_clone_layer(l, engine) for l in layer.layers], residual=layer.residual)


def _forms(spec, dtype):
    def rec(size=F, reverse=False):
        return Recurrent(spec.make(size, H, dtype=dtype), reverse=reverse, engine="reference")
    return {
        "forward": rec(),
        "reverse": rec(reverse=True),
        "stacked-bidirectional": Stacked([Bidirectional(rec(), rec(reverse=True)),
                                          Bidirectional(rec(2 * H), rec(2 * H, reverse=True), "sum")]),
    }


def _run_and_grads(layer, x, state, lengths):
    y, final = layer(x, state, lengths)
    torch.manual_seed(1)
    def weights(t):  # not randn_like: it follows the strides, which differ between engines
        return torch.randn(t.shape, dtype=t.dtype)
    loss = (y * weights(y)).sum() + sum((t * weights(t)).sum() for t in flat(final))
    inputs = [x, *flat(state), *layer.parameters()]
    return [y, *flat(final), *torch.autograd.grad(loss, inputs)]


@pytest.mark.parametrize("form", ["forward", "reverse", "stacked-bidirectional"])
@pytest.mark.parametrize("with_lengths", [False, True], ids=["full", "lengths"])
@pytest.mark.parametrize(("spec", "engine"), cases(), ids=[f"{s.name}-{e}" for s, e in cases()])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
def test_engine_equals_reference(spec, engine, form, with_lengths, dtype):
    torch.manual_seed(0)
    reference = _forms(spec, dtype)[form]
    other = _clone_layer(reference, engine)
    x = torch.randn(B, T, F, dtype=dtype, requires_grad=True)
    state = map_state(lambda t: torch.randn_like(t).requires_grad_(), reference.initial_state(B, dtype=dtype))
    lengths = LENGTHS if with_lengths else None
    expected = _run_and_grads(reference, x, state, lengths)
    got = _run_and_grads(other, x, state, lengths)
    tol = dict(atol=1e-12, rtol=1e-10) if dtype == torch.float64 else dict(atol=1e-6, rtol=1e-5)
    for k, (a, b) in enumerate(zip(got, expected, strict=True)):
        torch.testing.assert_close(a, b, **tol, msg=lambda m: f"output/gradient {k}: {m}")


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_gradcheck_each_kernel(spec):
    torch.manual_seed(0)
    cell = spec.make(2, 3, dtype=torch.float64)
    x = torch.randn(3, 4, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)
    mask = length_mask(torch.tensor([4, 2, 1]), 4)
    W_x, W_h, b = (p.detach().clone().requires_grad_() for p in cell.stacked_weights())
    if spec.is_lstm:
        c0 = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda *a: LSTMFunction.apply(*a, mask), (x, h0, c0, W_x, W_h, b))
    elif spec.name.startswith("gru"):
        b_hc = None if cell.b_hc is None else cell.b_hc.detach().clone().requires_grad_()
        before = cell.reset == "before"
        args = (x, h0, W_x, W_h, b) + ((b_hc,) if b_hc is not None else ())

        def fn(*a):
            return GRUFunction.apply(*a[:5], a[5] if len(a) > 5 else None, mask, before)
        assert torch.autograd.gradcheck(fn, args)
    else:
        relu = cell.nonlinearity == "relu"
        assert torch.autograd.gradcheck(lambda *a: ElmanFunction.apply(*a, mask, relu), (x, h0, W_x, W_h, b))


@pytest.mark.parametrize(("spec", "engine"), cases(), ids=[f"{s.name}-{e}" for s, e in cases()])
def test_partial_use_of_the_outputs(spec, engine):
    """Gradients when only the outputs, or only the final state, reach the loss."""
    torch.manual_seed(0)
    cell = spec.make(F, H, dtype=torch.float64)
    x = torch.randn(B, T, F, dtype=torch.float64, requires_grad=True)
    for pick in (lambda y, s: y.sum(), lambda y, s: flat(s)[-1].sum()):
        grads = []
        for e in ("reference", engine):
            y, s = Recurrent(cell, engine=e)(x, lengths=LENGTHS)
            grads.append(torch.autograd.grad(pick(y, s), [x, *cell.parameters()]))
        for a, b in zip(*grads):
            torch.testing.assert_close(a, b, atol=1e-12, rtol=1e-10)


def test_bias_free_cells():
    for spec in SPECS:
        cell = spec.make(F, H, bias=False, dtype=torch.float64)
        x = torch.randn(B, T, F, dtype=torch.float64)
        for engine in engines(spec):
            torch.testing.assert_close(Recurrent(cell, engine=engine)(x, lengths=LENGTHS)[0],
                                       Recurrent(cell, engine="reference")(x, lengths=LENGTHS)[0])


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
@pytest.mark.parametrize("grad", [True, False], ids=["train", "infer"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("piece_cost", [0, 1e9], ids=["a-piece-per-length", "one-piece"])
def test_auto_runs_lengths_in_pieces_of_time_equal_to_the_reference(spec, grad, dtype, piece_cost, monkeypatch):
    """Sequences ending inside pieces (masked, or held on the fused LSTM in float32), pieces where none ends
    (fixed), rows dropping out, padding past every length: values, final states and every gradient equal the
    reference loop's. (Inference runs in pieces only for the LSTM over long batches; here every cell is made to.)"""
    torch.manual_seed(0)
    monkeypatch.setattr(segments, "PIECE_COST", piece_cost)
    monkeypatch.setattr(dispatch, "runs_packed", lambda *args: False)
    lengths = torch.tensor([5, 2, 9, 3, 8, 4, 6, 7, 2, 5])
    assert segments.piece_ends(lengths.tolist()) == ([2, 3, 4, 5, 6, 7, 8, 9] if piece_cost == 0 else [9])
    tolerance = {"atol": 1e-12, "rtol": 1e-10} if dtype == torch.float64 else {"atol": 2e-6, "rtol": 1e-5}
    for form, layer in _forms(spec, dtype).items():
        x = torch.randn(10, 11, layer.input_size if hasattr(layer, "input_size") else F, dtype=dtype,
                        requires_grad=True)
        state = map_state(lambda t: torch.randn_like(t).requires_grad_(), layer.initial_state(10, dtype=dtype))
        auto = _clone_layer(layer, "auto")
        with torch.set_grad_enabled(grad):
            assert choose_engine("auto", spec.make(F, H), x, lengths) == "segments"
        if grad:
            for a, b in zip(_run_and_grads(auto, x, state, lengths), _run_and_grads(layer, x, state, lengths)):
                torch.testing.assert_close(a, b, **tolerance)
        else:
            with torch.no_grad():
                for a, b in zip(flat(auto(x, state, lengths)), flat(layer(x, state, lengths))):
                    torch.testing.assert_close(a, b, **tolerance)


def test_pieces_follow_the_spread_of_the_lengths():
    """Cuts where they save more work than a piece costs: several for a wide spread, none for a narrow one."""
    wide = [10, 12, 15, 20, 30, 45, 60, 90, 120, 160, 200, 260, 330, 400] * 4
    narrow = [11, 12, 12, 13, 13, 14] * 10
    assert segments.piece_ends(wide)[-1] == 400 and len(segments.piece_ends(wide)) >= 4
    assert segments.piece_ends(narrow) == [14]
    assert segments.piece_ends([7] * 8) == [7]
    assert segments.piece_ends([3, 1, 2], piece_cost=0) == [1, 2, 3]


@pytest.mark.parametrize("spec", [s for s in SPECS if s.name in ("lstm", "gru-after")], ids=lambda s: s.name)
@pytest.mark.parametrize("grad", [True, False], ids=["train", "infer"])
def test_held_sequence_equals_the_reference_loop(spec, grad):
    """torch's fused kernel on the padded batch with the state held by pinned gates: each sequence's outputs,
    its final state at its own length and every gradient, whatever the padding holds (NaN, huge values)."""
    torch.manual_seed(0)
    cell = spec.make(F, H)
    clean = torch.randn(B, T, F).masked_fill(~length_mask(LENGTHS, T).unsqueeze(2), 0.0)
    dirty = clean.clone()
    dirty[0, 4:], dirty[2, 1:] = float("nan"), 1e30  # padding past lengths 4 and 1
    state = map_state(lambda t: torch.randn_like(t), cell.initial_state(B))
    results = []
    for x, run in ((dirty, lambda x, s: held_sequence(cell, x, s, LENGTHS)),
                   (clean, lambda x, s: Recurrent(cell, engine="reference")(x, s, LENGTHS))):
        x, s = x.clone().requires_grad_(grad), map_state(lambda t: t.clone().requires_grad_(grad), state)
        with torch.set_grad_enabled(grad):
            y, final = run(x, s)
            results.append([y, *flat(final)])
            if grad:
                torch.manual_seed(1)
                loss = sum((t * torch.randn(t.shape)).sum() for t in results[-1])
                results[-1] += torch.autograd.grad(loss, [x, *flat(s), *cell.parameters()])
    assert len(results[0]) == len(results[1])
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, atol=2e-6, rtol=1e-5)


@pytest.mark.parametrize("supported", [True, False])
def test_autocast_bfloat16_lstm_runs_on_onednn_only_where_the_cpu_has_it(monkeypatch, supported):
    from rnnlab.kernels import dispatch
    monkeypatch.setattr(dispatch, "cpu_bf16", lambda: supported)
    lstm = SPECS[2].make(F, H)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert choose_engine("auto", lstm, torch.zeros(2, 5, F)) == ("torch" if supported else "bptt")
    assert choose_engine("auto", lstm, torch.zeros(2, 5, F)) == "torch"  # float32 without autocast: oneDNN


def test_engine_choice_and_errors():
    chapter_gru = SPECS[3].make(F, H)
    assert choose_engine("auto", chapter_gru, torch.zeros(1)) == "bptt"
    assert choose_engine("auto", SPECS[2].make(F, H), torch.zeros(1)) == "torch"  # LSTM, float32
    elman = SPECS[0].make(F, H)
    assert choose_engine("auto", elman, torch.zeros(1)) == "bptt"  # training: the hand kernel
    with torch.no_grad():
        assert choose_engine("auto", elman, torch.zeros(1)) == "torch"  # inference: torch's
    with pytest.raises(ValueError, match="engine 'torch' has no kernel for the chapter's GRU"):
        Recurrent(chapter_gru, engine="torch")
    with pytest.raises(ValueError, match="Recurrent: engine must be one of auto, reference, bptt, torch; received 'fast'"):
        Recurrent(chapter_gru, engine="fast")


def test_a_cell_of_ones_own_runs_the_reference_loop():
    from rnnlab.core import ElmanCell

    class Doubling(ElmanCell.__mro__[1]):  # a user's own Cell subclass
        def __init__(self):
            super().__init__(F, H)
            self.W_x, self.W_h, self.b = torch.nn.Parameter(torch.zeros(H, F)), torch.nn.Parameter(torch.eye(H)), None

        def step(self, x, h):
            h = 2 * h + x.sum(1, keepdim=True)
            return h, h

    cell = Doubling()
    assert choose_engine("auto", cell, torch.zeros(1)) == "reference"
    y, _ = Recurrent(cell)(torch.ones(1, 3, F))
    assert y[0, :, 0].tolist() == [3.0, 9.0, 21.0]
    with pytest.raises(ValueError, match="engine 'bptt' has no kernel for Doubling"):
        choose_engine("bptt", cell, torch.zeros(1))
    with pytest.raises(ValueError, match="engine 'torch' has no kernel for Doubling"):
        choose_engine("torch", cell, torch.zeros(1))


def test_kernels_keep_no_graph_per_step():
    """The bptt kernels save the gates and states, not one autograd node per step."""
    cell = SPECS[2].make(F, H)
    y, _ = Recurrent(cell, engine="bptt")(torch.randn(B, 50, F, requires_grad=True))
    assert type(y.grad_fn).__name__ == "LSTMFunctionBackward"
    assert isinstance(SPECS[2].make(F, H).initial_state(1), LSTMState)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_one_step_inference_equals_the_reference(spec):
    """The samplers' path: one time step, no gradient, the state carried."""
    torch.manual_seed(0)
    cell = spec.make(F, H, dtype=torch.float64)
    x = torch.randn(B, 3, F, dtype=torch.float64)
    with torch.no_grad():
        assert choose_engine("auto", cell, x[:, :1]) == "bptt"
        expected, _ = Recurrent(cell, engine="reference")(x)
        state, steps = None, []
        for t in range(3):
            y, state = Recurrent(cell)(x[:, t:t + 1], state)
            steps.append(y)
    torch.testing.assert_close(torch.cat(steps, 1), expected, atol=1e-12, rtol=1e-10)
    assert isinstance(state, LSTMState) == spec.is_lstm
