"""Cells: the chapter's equations, torch's cells, gradcheck, the gate, bad input."""

import pytest
import torch
from conformance import SPEC_IDS, SPECS, assert_close, flat, random_state
from torch.func import functional_call

from rnnlab import from_torch, to_torch
from rnnlab.core import ElmanCell, GRUCell, LSTMCell, LSTMState, gate

F, H, B = 5, 4, 3


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_cell_equals_its_equation(spec, bias):
    cell = spec.make(F, H, bias=bias, dtype=torch.float64)
    x = torch.randn(B, F, dtype=torch.float64)
    state = random_state(cell, B)
    y, new = cell(x, state)
    expected = spec.equation(cell)(x, state)
    assert_close(new, expected, atol=1e-12, rtol=1e-12)
    assert torch.equal(y, flat(new)[0])  # y_t = h_t


@pytest.mark.parametrize("spec", [s for s in SPECS if s.torch_cell is not None], ids=lambda s: s.name)
def test_cell_equals_torch_cell_with_copied_weights(spec):
    theirs = spec.torch_cell(F, H, dtype=torch.float64)
    ours = from_torch(theirs)
    assert type(ours) is type(spec.make(F, H))
    x = torch.randn(B, F, dtype=torch.float64)
    state = random_state(ours, B)
    _, new = ours(x, state)
    expected = theirs(x, tuple(state) if isinstance(state, LSTMState) else state)
    assert_close(new, expected, atol=1e-12, rtol=1e-12)
    back = to_torch(ours)
    for (name, p), q in zip(theirs.named_parameters(), back.parameters()):
        if name.startswith("weight"):
            assert torch.equal(p, q), name


def test_chapter_gru_differs_from_torch_gru():
    """reset-before (the chapter) and reset-after (torch) are different functions on the same weights."""
    before = GRUCell(F, H, dtype=torch.float64)
    after = GRUCell(F, H, reset="after", dtype=torch.float64)
    after.load_state_dict({**before.state_dict(), "b_hc": torch.zeros(H, dtype=torch.float64)})
    x, h = torch.randn(B, F, dtype=torch.float64), torch.randn(B, H, dtype=torch.float64)
    assert (before(x, h)[0] - after(x, h)[0]).abs().max() > 1e-3


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_gradcheck_in_float64(spec):
    cell = spec.make(3, 2, dtype=torch.float64)
    names = [n for n, _ in cell.named_parameters()]
    x = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    state = [t.requires_grad_() for t in flat(random_state(cell, 2))]
    params = [p.detach().clone().requires_grad_() for p in cell.parameters()]

    def fn(x, *rest):
        s = LSTMState(*rest[:2]) if spec.is_lstm else rest[0]
        ps = rest[len(state):]
        _, new = functional_call(cell, dict(zip(names, ps)), (x, s))
        return tuple(flat(new))

    assert torch.autograd.gradcheck(fn, (x, *state, *params))


def test_generic_gate_is_the_chapters_formula():
    x, h = torch.randn(B, F, dtype=torch.float64), torch.randn(B, H, dtype=torch.float64)
    W_x, W_h, b = torch.randn(H, F, dtype=torch.float64), torch.randn(H, H, dtype=torch.float64), torch.randn(H, dtype=torch.float64)
    torch.testing.assert_close(gate(x, h, W_x, W_h, b), torch.sigmoid(x @ W_x.T + h @ W_h.T + b))
    torch.testing.assert_close(gate(x, h, W_x, W_h, None, torch.tanh), torch.tanh(x @ W_x.T + h @ W_h.T))


def test_gate_weights_are_views_of_the_stacked_parameters():
    cell = LSTMCell(F, H)
    W_xf, W_hf, b_f = cell.weights("f")
    assert W_xf.shape == (H, F) and W_hf.shape == (H, H) and b_f.shape == (H,)
    assert W_xf.data_ptr() == cell.W_x[H:2 * H].data_ptr()
    with pytest.raises(ValueError, match=r"blocks \('i', 'f', 'g', 'o'\); received 'z'"):
        cell.weights("z")
    assert [n for n, _ in cell.named_parameters()] == ["W_x", "W_h", "b"]
    assert [n for n, _ in ElmanCell(F, H).named_parameters()] == ["W_xh", "W_hh", "b_h"]
    assert [n for n, _ in GRUCell(F, H, reset="after").named_parameters()] == ["W_x", "W_h", "b", "b_hc"]


def test_forget_bias_initialisation():
    cell = LSTMCell(F, H, forget_bias=1.0)
    assert torch.equal(cell.weights("f").b, torch.ones(H))
    assert not torch.equal(cell.weights("i").b, torch.ones(H))
    with pytest.raises(ValueError, match="forget_bias needs bias=True"):
        LSTMCell(F, H, bias=False, forget_bias=1.0)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_initial_state_is_zeros_of_the_right_structure(spec):
    cell = spec.make(F, H, dtype=torch.float64)
    state = cell.initial_state(B)
    assert isinstance(state, LSTMState) == spec.is_lstm
    for t in flat(state):
        assert t.shape == (B, H) and t.dtype == torch.float64 and not t.any()
    y0, _ = cell(torch.zeros(B, F, dtype=torch.float64))  # state=None means zeros
    torch.testing.assert_close(y0, cell(torch.zeros(B, F, dtype=torch.float64), state)[0])


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_bad_input_says_what_was_expected_and_received(spec):
    cell = spec.make(F, H)
    with pytest.raises(ValueError, match=r"x_t must be \(B, 5\); received \(3, 7\)"):
        cell(torch.randn(3, 7))
    with pytest.raises(ValueError, match=r"x_t must be \(B, 5\); received \(2, 3, 5\)"):
        cell(torch.randn(2, 3, 5))
    bad = torch.randn(3, H + 1)
    with pytest.raises(ValueError, match=r"must be \(B, H\) = \(3, 4\); received \(3, 5\)"):
        cell(torch.randn(3, F), LSTMState(bad, bad) if spec.is_lstm else bad)
    if spec.is_lstm:
        with pytest.raises(ValueError, match=r"state must be an LSTMState\(h, c\)"):
            cell(torch.randn(3, F), torch.randn(3, H))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'; received 'sigmoid'"):
        ElmanCell(F, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="reset must be 'before' or 'after'; received 'middle'"):
        GRUCell(F, H, reset="middle")
    with pytest.raises(ValueError, match="hidden_size must be a positive int; received 0"):
        LSTMCell(F, 0)
