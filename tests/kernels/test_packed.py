"""Batches with lengths on the ``packed`` engine: the rows sorted, each step on the rows still running.

Every path equals the reference loop (and torch.nn for the drop-in modules), in value and in every gradient,
on batches whose sequences end at different steps, ties and a length-1 row included, from given initial states.
"""

import pytest
import torch
from conformance import SPEC_IDS, SPECS, flat
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnlab.nn
from rnnlab import Bidirectional, Recurrent, Stacked, from_torch
from rnnlab.core import map_state
from rnnlab.kernels import choose_engine, dispatch, packed

F, H = 3, 4
LENGTHS = torch.tensor([4, 9, 1, 6, 4, 9, 2])
B, T = len(LENGTHS), int(LENGTHS.max())
F64 = {"atol": 1e-12, "rtol": 1e-10}


def _state(layer, dtype=torch.float64):
    return map_state(torch.randn_like, layer.initial_state(B, dtype=dtype))


def _auto(layer):
    """The same layer, cells shared, on engine auto."""
    if isinstance(layer, Recurrent):
        return Recurrent(layer.cell, reverse=layer.reverse)
    if isinstance(layer, Bidirectional):
        return Bidirectional(_auto(layer.forward_layer), _auto(layer.backward_layer), layer.merge)
    return Stacked([_auto(part) for part in layer.layers])


def _outputs_and_grads(layer, x, state, lengths, parameters):
    y, final = layer(x, state, lengths)
    torch.manual_seed(1)
    loss = sum((t * torch.randn(t.shape, dtype=t.dtype)).sum() for t in (y, *flat(final)))
    return [y, *flat(final), *torch.autograd.grad(loss, [x, *flat(state), *parameters])]


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
@pytest.mark.parametrize("form", ["forward", "reverse", "bidirectional", "stacked-sum"])
@pytest.mark.parametrize("grad", [True, False], ids=["train", "infer"])
def test_packed_engine_equals_the_reference(spec, form, grad):
    torch.manual_seed(0)

    def rec(size=F, reverse=False):
        return Recurrent(spec.make(size, H, dtype=torch.float64), reverse=reverse, engine="reference")
    reference = {"forward": rec(), "reverse": rec(reverse=True),
                 "bidirectional": Bidirectional(rec(), rec(reverse=True)),
                 "stacked-sum": Stacked([Bidirectional(rec(), rec(reverse=True), "sum"),
                                         Bidirectional(rec(H), rec(H, reverse=True))])}[form]
    x = torch.randn(B, T, F, dtype=torch.float64)
    state = _state(reference)
    assert choose_engine("auto", spec.make(F, H), x, LENGTHS) == "packed"
    if grad:
        x.requires_grad_()
        state = map_state(lambda t: t.requires_grad_(), state)
        got = _outputs_and_grads(_auto(reference), x, state, LENGTHS, list(reference.parameters()))
        expected = _outputs_and_grads(reference, x, state, LENGTHS, list(reference.parameters()))
    else:
        with torch.no_grad():
            expected = flat(reference(x, state, LENGTHS))
            x[torch.arange(T) >= LENGTHS.unsqueeze(1)] = float("nan")  # the padding is never read
            got = flat(_auto(reference)(x, state, LENGTHS))
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b, **F64)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_both_directions_share_one_loop(spec, monkeypatch):
    """A bidirectional layer runs one call of the loop, both directions batched in its products."""
    calls = []
    real = packed._loop
    monkeypatch.setattr(packed, "_loop", lambda cell, A, *rest: calls.append(A.shape[0]) or real(cell, A, *rest))
    layer = Bidirectional(Recurrent(spec.make(F, H)), Recurrent(spec.make(F, H), reverse=True))
    with torch.no_grad():
        layer(torch.randn(B, T, F), lengths=LENGTHS)
    assert calls == [2]


@pytest.mark.parametrize("grad", [True, False], ids=["train", "infer"])
def test_engine_choice_over_lengths(grad):
    """packed over lengths on the CPU, training and inference; segments for the LSTM's long batches and under
    autocast; nothing to choose for one step."""
    spec = {s.name: s for s in SPECS}
    x = torch.randn(B, T, F, requires_grad=grad)
    long = torch.randn(2, dispatch.PACKED_LSTM_STEPS + 1, F, requires_grad=grad)
    for s in SPECS:
        assert choose_engine("auto", s.make(F, H), x, LENGTHS) == "packed"
        assert choose_engine("auto", s.make(F, H), x[:, :1], LENGTHS.clamp(max=1)) not in ("packed", "segments")
        with torch.autocast("cpu", dtype=torch.bfloat16):
            assert choose_engine("auto", s.make(F, H), x, LENGTHS) == "segments"
    assert choose_engine("auto", spec["lstm"].make(F, H), long, torch.tensor([long.shape[1], 3])) == "segments"
    assert choose_engine("auto", spec["gru-before"].make(F, H), long, torch.tensor([long.shape[1], 3])) == "packed"


def test_a_single_length_and_full_batches():
    """Rows of one length (shorter than T), and a batch without lengths, through the packed entry itself."""
    torch.manual_seed(0)
    for spec in SPECS:
        cells = [spec.make(F, H, dtype=torch.float64) for _ in range(2)]
        x = torch.randn(B, T, F, dtype=torch.float64)
        states = [map_state(torch.randn_like, c.initial_state(B, dtype=torch.float64)) for c in cells]
        reference = Bidirectional(Recurrent(cells[0], engine="reference"),
                                  Recurrent(cells[1], reverse=True, engine="reference"))
        for lengths in (torch.full((B,), 5), None):
            y, finals = packed.packed_sequence(cells, [False, True], x, states, lengths)
            expected_y, expected_finals = reference(x, tuple(states), lengths)
            torch.testing.assert_close(y, expected_y, **F64)
            for a, b in zip(flat(tuple(finals)), flat(expected_finals)):
                torch.testing.assert_close(a, b, **F64)


def _torch_and_ours(kind, **options):
    torch.manual_seed(0)
    module = getattr(torch.nn, kind)(F, H, num_layers=2, batch_first=True, **options)
    return module, from_torch(module)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["one", "both"])
@pytest.mark.parametrize("enforce_sorted", [False, True], ids=["unsorted", "sorted"])
def test_drop_in_modules_run_on_the_packed_data(kind, bidirectional, enforce_sorted):
    """rnnlab.nn over a PackedSequence: torch.nn's outputs, states and gradients, its packing kept."""
    module, ours = _torch_and_ours(kind, bidirectional=bidirectional)
    x, lengths = torch.randn(B, T, F), LENGTHS
    if enforce_sorted:
        order = lengths.argsort(descending=True)
        x, lengths = x[order], lengths[order]
    data = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=enforce_sorted)
    D = 2 if bidirectional else 1
    h0 = torch.randn(2 * D, B, H)
    hx = (h0, torch.randn(2 * D, B, H)) if kind == "LSTM" else h0
    assert ours._packed_engine(data) == "packed"  # training: rnnlab's packed engine
    with torch.no_grad():  # inference: torch's kernel on the same data (the Elman RNN stays on packed)
        assert ours._packed_engine(data) == ("packed" if kind == "RNN" else "torch")
        (out, state), (want, want_state) = ours(data, hx), module(data, hx)
        torch.testing.assert_close(out.data, want.data)
        torch.testing.assert_close(state, want_state)
    results = []
    for net in (module, ours):
        out, state = net(data, hx)
        state = state if kind == "LSTM" else (state,)
        torch.manual_seed(1)
        loss = sum((t * torch.randn(t.shape)).sum() for t in (out.data, *state))
        grads = torch.autograd.grad(loss, [net.weight_ih_l0, net.weight_hh_l1])
        results.append((out, [out.data, *state, *grads]))
    (expected, want), (got, have) = results
    assert torch.equal(got.batch_sizes, expected.batch_sizes)
    assert (got.sorted_indices is None) == enforce_sorted
    for a, b in zip(have, want):
        torch.testing.assert_close(a, b, atol=2e-6, rtol=1e-5)


def test_the_chapters_gru_drop_in_over_a_packed_sequence():
    """rnnlab.nn.GRU(reset="before"), which torch lacks: its packed inference equals its own reference layers."""
    torch.manual_seed(0)
    ours = rnnlab.nn.GRU(F, H, num_layers=2, bidirectional=True, batch_first=True, reset="before",
                         dtype=torch.float64)
    reference = _auto(ours.stack)
    for layer in reference.layers:
        layer.forward_layer.engine = layer.backward_layer.engine = "reference"
    x = torch.randn(B, T, F, dtype=torch.float64)
    with torch.no_grad():
        got, h_n = ours(pack_padded_sequence(x, LENGTHS, batch_first=True, enforce_sorted=False))
        expected, finals = reference(x, None, LENGTHS)
    torch.testing.assert_close(pad_packed_sequence(got, batch_first=True)[0], expected, **F64)
    torch.testing.assert_close(h_n, torch.stack([s for layer in finals for s in layer]), **F64)
