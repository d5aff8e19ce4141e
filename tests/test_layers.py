"""Layers: torch equality over packed sequences, padding, reversal, merges, depth, bad input."""

import pytest
import torch
from conformance import SPEC_IDS, SPECS, TORCH_SPECS, assert_close, flat, grad_pairs
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnlab import Bidirectional, Recurrent, Stacked, from_torch
from rnnlab.core import LSTMCell, LSTMState, map_state
from rnnlab.layers import reverse_padded

F, H, B, T = 3, 4, 5, 7
LENGTHS = torch.tensor([4, 7, 1, 6, 4])  # unsorted, with ties, a length-1 and a full-length sequence
f64 = torch.float64


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def recurrent(spec, size=F, reverse=False):
    return Recurrent(spec.make(size, H, dtype=f64), reverse=reverse)


def bidirectional(spec, size=F, merge="concat"):
    return Bidirectional(recurrent(spec, size), recurrent(spec, size, reverse=True), merge=merge)


LAYERS = {
    "forward": recurrent,
    "reverse": lambda spec: recurrent(spec, reverse=True),
    "bidirectional": bidirectional,
    "stacked-residual": lambda spec: Stacked([recurrent(spec), recurrent(spec, H), bidirectional(spec, H, "sum")],
                                             residual=True),
}


def random_initial(layer, batch):
    return map_state(torch.randn_like, layer.initial_state(batch, dtype=f64))


@pytest.mark.parametrize("bidir", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("spec", TORCH_SPECS, ids=lambda s: s.name)
def test_stacked_layers_equal_torch_over_packed_sequences(spec, bidir):
    """Outputs, final states and every parameter gradient, with random lengths and initial states."""
    theirs = spec.torch_module(F, H, num_layers=2, bidirectional=bidir, batch_first=True, dtype=f64)
    layer = from_torch(theirs).stack  # rnnlab's Stacked of Recurrent / Bidirectional layers
    x = torch.randn(B, T, F, dtype=f64)
    D = 2 if bidir else 1
    h0 = torch.randn(2 * D, B, H, dtype=f64)
    c0 = torch.randn(2 * D, B, H, dtype=f64)
    hx = (h0, c0) if spec.is_lstm else h0

    packed = pack_padded_sequence(x, LENGTHS, batch_first=True, enforce_sorted=False)
    y_packed, h_n = theirs(packed, hx)
    y_t, _ = pad_packed_sequence(y_packed, batch_first=True, total_length=T)

    def named(k):  # torch's (L*D, B, H) -> rnnlab's state for layer l, direction d
        return LSTMState(h0[k], c0[k]) if spec.is_lstm else h0[k]
    state = tuple((named(2 * l), named(2 * l + 1)) if bidir else named(l) for l in range(2))
    y, final = layer(x, state, LENGTHS)

    assert_close(y, y_t)
    finals = [s for layer_state in final for s in (layer_state if bidir else (layer_state,))]
    for k, s in enumerate(finals):
        if spec.is_lstm:
            assert_close(s, LSTMState(h_n[0][k], h_n[1][k]))
        else:
            assert_close(s, h_n[k])

    w_y = torch.randn_like(y)
    w_h = [torch.randn_like(t) for t in flat(h_n)]
    (y_t * w_y).sum().add(sum((a * w).sum() for a, w in zip(flat(h_n), w_h))).backward()
    ours_h = torch.stack([s.h if spec.is_lstm else s for s in finals])
    ours = [ours_h] + ([torch.stack([s.c for s in finals])] if spec.is_lstm else [])
    (y * w_y).sum().add(sum((a * w).sum() for a, w in zip(ours, w_h))).backward()
    cells = [c for l in layer.layers for c in ((l.forward_layer.cell, l.backward_layer.cell) if bidir else (l.cell,))]
    names = [(f"weight_ih_l{l}{s}", f"weight_hh_l{l}{s}", f"bias_ih_l{l}{s}", f"bias_hh_l{l}{s}")
             for l in range(2) for s in (("", "_reverse") if bidir else ("",))]
    for cell, n in zip(cells, names, strict=True):
        for ours_g, theirs_g in grad_pairs(cell, theirs, n):
            torch.testing.assert_close(ours_g, theirs_g, atol=1e-10, rtol=1e-8)


@pytest.mark.parametrize("form", LAYERS)
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_padded_batch_equals_each_sequence_alone(spec, form):
    layer = LAYERS[form](spec)
    x = torch.randn(B, T, F, dtype=f64)
    state = random_initial(layer, B)
    y, final = layer(x, state, LENGTHS)
    for b, L in enumerate(LENGTHS.tolist()):
        alone, alone_final = layer(x[b:b + 1, :L], map_state(lambda t: t[b:b + 1], state))
        assert_close(y[b:b + 1, :L], alone)
        assert not y[b, L:].any(), "outputs past the length must be zero"
        assert_close(map_state(lambda t: t[b:b + 1], final), alone_final)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_reverse_equals_forward_on_the_reversed_valid_prefix(spec):
    forward = recurrent(spec)
    backward = Recurrent(forward.cell, reverse=True)  # the same cell, read right to left
    x = torch.randn(B, T, F, dtype=f64)
    y, final = backward(x, lengths=LENGTHS)
    for b, L in enumerate(LENGTHS.tolist()):
        y_f, final_f = forward(x[b:b + 1, :L].flip(1))
        assert_close(y[b:b + 1, :L], y_f.flip(1))
        assert_close(map_state(lambda t: t[b:b + 1], final), final_f)


def test_reverse_padded_is_an_involution_that_keeps_padding():
    x = torch.arange(2 * 4, dtype=f64).view(2, 4, 1)
    r = reverse_padded(x, torch.tensor([2, 4]))
    assert r[:, :, 0].tolist() == [[1, 0, 2, 3], [7, 6, 5, 4]]
    assert torch.equal(reverse_padded(r, torch.tensor([2, 4])), x)


@pytest.mark.parametrize("merge", ["sum", "mean", "mul", "concat"])
def test_bidirectional_merges(merge):
    spec = SPECS[2]
    layer = bidirectional(spec, merge=merge)
    x = torch.randn(B, T, F, dtype=f64)
    y, (s_f, s_b) = layer(x, lengths=LENGTHS)
    y_f, s_f2 = layer.forward_layer(x, lengths=LENGTHS)
    y_b, s_b2 = layer.backward_layer(x, lengths=LENGTHS)
    expected = {"sum": y_f + y_b, "mean": (y_f + y_b) / 2, "mul": y_f * y_b,
                "concat": torch.cat([y_f, y_b], 2)}[merge]
    assert_close(y, expected)
    assert_close((s_f, s_b), (s_f2, s_b2))
    assert layer.output_size == y.shape[2]


def test_stacked_dropout_acts_between_layers_in_training_only():
    spec = SPECS[4]
    layers = [recurrent(spec), recurrent(spec, H)]
    stacked = Stacked(layers, dropout=0.5)
    plain = Stacked(layers)
    x = torch.randn(B, T, F, dtype=f64)
    stacked.eval()
    assert_close(stacked(x, lengths=LENGTHS)[0], plain(x, lengths=LENGTHS)[0])
    stacked.train()
    y = stacked(x, lengths=LENGTHS)[0]
    assert (y - plain(x, lengths=LENGTHS)[0]).abs().max() > 1e-3
    for b, L in enumerate(LENGTHS.tolist()):
        assert not y[b, L:].any()


def test_stacked_residual_adds_each_layers_input():
    spec = SPECS[0]
    first, second = recurrent(spec), recurrent(spec, H)
    x = torch.randn(B, T, F, dtype=f64)
    y, _ = Stacked([first, second], residual=True)(x, lengths=LENGTHS)
    y0, _ = first(x, lengths=LENGTHS)
    y1, _ = second(y0, lengths=LENGTHS)
    assert_close(y, y1 + y0)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_packed_sequence_in_packed_sequence_out(spec):
    layer = bidirectional(spec)
    x = torch.randn(B, T, F, dtype=f64)
    packed = pack_padded_sequence(x, LENGTHS, batch_first=True, enforce_sorted=False)
    y_packed, final = layer(packed)
    y, final2 = layer(x, lengths=LENGTHS)
    expected = pack_padded_sequence(y, LENGTHS, batch_first=True, enforce_sorted=False)
    assert torch.equal(y_packed.sorted_indices, packed.sorted_indices)
    assert_close(y_packed.data, expected.data)
    assert_close(final, final2)


def test_gradcheck_through_a_bidirectional_stack_with_lengths():
    spec = SPECS[3]  # the chapter's GRU
    layer = Stacked([Bidirectional(Recurrent(spec.make(2, 2, dtype=f64)),
                                   Recurrent(spec.make(2, 2, dtype=f64), reverse=True))])
    x = torch.randn(3, 4, 2, dtype=f64, requires_grad=True)
    lengths = torch.tensor([2, 4, 1])
    assert torch.autograd.gradcheck(lambda x: layer(x, lengths=lengths)[0], (x,))


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_one_training_step_changes_every_parameter(spec):
    layer = LAYERS["stacked-residual"](spec)
    before = {n: p.detach().clone() for n, p in layer.named_parameters()}
    y, final = layer(torch.randn(B, T, F, dtype=f64), lengths=LENGTHS)
    (y.square().mean() + sum(t.square().mean() for t in flat(final))).backward()
    torch.optim.SGD(layer.parameters(), lr=0.1).step()
    unchanged = [n for n, p in layer.named_parameters() if torch.equal(p, before[n])]
    assert not unchanged


@pytest.mark.parametrize(("lengths", "message"), [
    ([4, 8, 1, 6, 4], r"every length must be in \[1, T\] = \[1, 7\]; received lengths from 1 to 8"),
    ([4, 0, 1, 6, 4], r"every length must be in \[1, T\] = \[1, 7\]; received lengths from 0 to 6"),
    ([4, 7], r"lengths must be \(B,\) = \(5,\); received \(2,\)"),
    (torch.ones(5), r"lengths must hold integers; received dtype torch.float32"),
])
def test_bad_lengths(lengths, message):
    layer = recurrent(SPECS[0])
    with pytest.raises(ValueError, match=r"Recurrent: " + message):
        layer(torch.randn(B, T, F, dtype=f64), lengths=lengths)


def test_bad_input_and_state():
    layer = Recurrent(LSTMCell(64, H))
    with pytest.raises(ValueError, match=r"Recurrent: x must be \(B, T, 64\); received \(32, 100\)"):
        layer(torch.randn(32, 100))
    with pytest.raises(ValueError, match=r"x must have at least one time step"):
        layer(torch.randn(2, 0, 64))
    with pytest.raises(ValueError, match=r"LSTMCell: state.c must be \(B, H\) = \(2, 4\); received \(2, 5\)"):
        layer(torch.randn(2, 3, 64), LSTMState(torch.zeros(2, H), torch.zeros(2, H + 1)))
    bi = bidirectional(SPECS[0])
    with pytest.raises(ValueError, match=r"Bidirectional: state must be a \(forward, backward\) pair"):
        bi(torch.randn(2, 3, F, dtype=f64), torch.zeros(2, H, dtype=f64))
    stacked = Stacked([recurrent(SPECS[0]), recurrent(SPECS[0], H)])
    with pytest.raises(ValueError, match=r"Stacked: state must be a tuple of 2 layer states; received tuple of length 1"):
        stacked(torch.randn(2, 3, F, dtype=f64), (torch.zeros(2, H, dtype=f64),))


def test_bad_construction():
    spec = SPECS[0]
    with pytest.raises(ValueError, match="build them as Recurrent\\(cell\\) and Recurrent\\(cell, reverse=True\\)"):
        Bidirectional(recurrent(spec), recurrent(spec))
    with pytest.raises(ValueError, match="merge='sum' needs equal output sizes; received 4 and 6"):
        Bidirectional(recurrent(spec), Recurrent(spec.make(F, 6), reverse=True), merge="sum")
    with pytest.raises(ValueError, match="layer 1 takes inputs of size 3, but layer 0 gives outputs of size 4"):
        Stacked([recurrent(spec), recurrent(spec)])
    with pytest.raises(ValueError, match="residual=True needs layer 1 to keep its size; it maps 8 to 4"):
        Stacked([bidirectional(spec), recurrent(spec, 2 * H)], residual=True)


@pytest.mark.parametrize("lengths", [None, LENGTHS], ids=["fixed", "lengths"])
@pytest.mark.parametrize("spec", TORCH_SPECS, ids=lambda s: s.name)
def test_both_directions_on_torch_share_one_call_with_the_same_values_and_gradients(spec, lengths, monkeypatch):
    import rnnlab.layers.bidirectional as module
    calls = []
    real = module.torch_both_ways
    monkeypatch.setattr(module, "torch_both_ways", lambda *a: calls.append(1) or real(*a))
    layer = Bidirectional(Recurrent(spec.make(F, H, dtype=f64), engine="torch"),
                          Recurrent(spec.make(F, H, dtype=f64), reverse=True, engine="torch"), merge="sum")
    x = torch.randn(B, T, F, dtype=f64, requires_grad=True)
    state = random_initial(layer, B)
    y, finals = layer(x, state, lengths=lengths)
    assert calls == [1]
    y_f, s_f = layer.forward_layer(x, state[0], lengths=lengths)  # each direction on its own
    y_b, s_b = layer.backward_layer(x, state[1], lengths=lengths)
    assert_close(y, y_f + y_b)
    assert_close(finals, (s_f, s_b))
    ours = torch.autograd.grad((y * y).sum() + sum(t.sum() for t in flat(finals)), [x, *layer.parameters()])
    theirs = torch.autograd.grad(((y_f + y_b) ** 2).sum() + sum(t.sum() for t in flat((s_f, s_b))),
                                 [x, *layer.parameters()])
    assert_close(ours, theirs)
    layer.backward_layer.engine = "bptt"  # the directions on different engines: each its own call
    layer(x, state, lengths=lengths)
    assert calls == [1]
