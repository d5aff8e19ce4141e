"""Inference over lengths on the ``packed`` engine: the rows sorted, each step on the rows still running.

Every path equals the reference loop (and torch.nn for the drop-in modules) on batches whose sequences end at
different steps, ties and a length-1 row included, from given initial states.
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


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
@pytest.mark.parametrize("form", ["forward", "reverse", "bidirectional", "stacked-sum"])
def test_packed_inference_equals_the_reference(spec, form):
    torch.manual_seed(0)

    def rec(size=F, reverse=False):
        return Recurrent(spec.make(size, H, dtype=torch.float64), reverse=reverse, engine="reference")
    reference = {"forward": rec(), "reverse": rec(reverse=True),
                 "bidirectional": Bidirectional(rec(), rec(reverse=True)),
                 "stacked-sum": Stacked([Bidirectional(rec(), rec(reverse=True), "sum"),
                                         Bidirectional(rec(H), rec(H, reverse=True))])}[form]
    x = torch.randn(B, T, F, dtype=torch.float64)
    x[torch.arange(T) >= LENGTHS.unsqueeze(1)] = float("nan")  # the padding is never read
    state = _state(reference)
    with torch.no_grad():
        assert choose_engine("auto", spec.make(F, H), x, LENGTHS) == "packed"
        expected = reference(x.nan_to_num(), state, LENGTHS)
        got = _auto(reference)(x, state, LENGTHS)
    for a, b in zip(flat(got), flat(expected)):
        torch.testing.assert_close(a, b, **F64)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_both_directions_share_one_loop(spec, monkeypatch):
    """A bidirectional layer's inference is one call of the loop, both directions batched in its products."""
    calls = []
    real = packed._loop
    monkeypatch.setattr(packed, "_loop", lambda cell, A, *rest: calls.append(A.shape[0]) or real(cell, A, *rest))
    layer = Bidirectional(Recurrent(spec.make(F, H)), Recurrent(spec.make(F, H), reverse=True))
    with torch.no_grad():
        layer(torch.randn(B, T, F), lengths=LENGTHS)
    assert calls == [2]


def test_engine_choice_over_lengths():
    """packed for inference over lengths on the CPU; segments for training, and for the LSTM's long batches."""
    spec = {s.name: s for s in SPECS}
    x = torch.randn(B, T, F)
    lengths = LENGTHS
    with torch.no_grad():
        for s in SPECS:
            assert choose_engine("auto", s.make(F, H), x, lengths) == "packed"
            assert choose_engine("auto", s.make(F, H), x[:, :1], lengths.clamp(max=1)) != "packed"  # one step
        long = torch.randn(2, dispatch.PACKED_LSTM_STEPS + 1, F)
        assert choose_engine("auto", spec["lstm"].make(F, H), long, torch.tensor([long.shape[1], 3])) == "segments"
        assert choose_engine("auto", spec["gru-before"].make(F, H), long, torch.tensor([long.shape[1], 3])) == "packed"
    x.requires_grad_()
    for s in SPECS:
        assert choose_engine("auto", s.make(F, H), x, lengths) == "segments"


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
            y, finals = packed.infer_sequence(cells, [False, True], x, states, lengths)
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
def test_drop_in_modules_infer_on_the_packed_data(kind, bidirectional, enforce_sorted):
    """rnnlab.nn over a PackedSequence under no_grad: torch.nn's outputs and states, its packing kept."""
    module, ours = _torch_and_ours(kind, bidirectional=bidirectional)
    x, lengths = torch.randn(B, T, F), LENGTHS
    if enforce_sorted:
        order = lengths.argsort(descending=True)
        x, lengths = x[order], lengths[order]
    data = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=enforce_sorted)
    D = 2 if bidirectional else 1
    h0 = torch.randn(2 * D, B, H)
    hx = (h0, torch.randn(2 * D, B, H)) if kind == "LSTM" else h0
    with torch.no_grad():
        assert ours._runs_packed(data)
        expected, expected_state = module(data, hx)
        got, state = ours(data, hx)
    assert torch.equal(got.batch_sizes, expected.batch_sizes)
    assert (got.sorted_indices is None) == enforce_sorted
    torch.testing.assert_close(got.data, expected.data, atol=2e-6, rtol=1e-5)
    for a, b in zip(flat(state if kind == "LSTM" else (state,)), flat(expected_state if kind == "LSTM" else (expected_state,))):
        torch.testing.assert_close(a, b, atol=2e-6, rtol=1e-5)
    x.requires_grad_()  # with a gradient: the padded path, the same function
    assert not ours._runs_packed(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=enforce_sorted))


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
