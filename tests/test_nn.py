"""Drop-in twins of torch.nn.RNN/LSTM/GRU and the converters."""

import pytest
import torch
from conformance import TORCH_SPECS, assert_close, flat
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import rnnlab.nn as rnn
from rnnlab import from_torch, to_torch
from rnnlab.core import ElmanCell, GRUCell, LSTMCell

F, H, B, T = 3, 4, 5, 6
f64 = torch.float64
TWINS = {"elman-tanh": rnn.RNN, "elman-relu": rnn.RNN, "lstm": rnn.LSTM, "gru-after": rnn.GRU}


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def _hx(spec, shape, requires_grad=False):
    def r():
        return torch.randn(*shape, dtype=f64, requires_grad=requires_grad)
    return (r(), r()) if spec.is_lstm else r()


@pytest.mark.parametrize("engine", ["reference", "bptt", "torch"])
@pytest.mark.parametrize("layout", ["time-major", "batch-first", "unbatched", "packed"])
@pytest.mark.parametrize("spec", TORCH_SPECS, ids=lambda s: s.name)
def test_drop_in_equals_torch_in_every_layout(spec, layout, engine):
    options = dict(num_layers=2, bidirectional=True, batch_first=layout == "batch-first", dtype=f64)
    theirs = spec.torch_module(F, H, **options)
    ours = from_torch(theirs, engine=engine)
    assert all(layer.engine == engine for layer in ours.stack.modules() if hasattr(layer, "engine"))
    assert isinstance(ours, TWINS[spec.name])
    shape = {"time-major": (T, B, F), "batch-first": (B, T, F), "unbatched": (T, F), "packed": (B, T, F)}[layout]
    x = torch.randn(*shape, dtype=f64, requires_grad=True)
    hx = _hx(spec, (4, H) if layout == "unbatched" else (4, B, H), requires_grad=True)

    def run(module):
        inp = x
        if layout == "packed":
            inp = pack_padded_sequence(x, torch.tensor([3, 6, 1, 6, 2]), batch_first=True, enforce_sorted=False)
        y, h = module(inp, hx)
        y = y.data if layout == "packed" else y
        grads = torch.autograd.grad([y.sum(), *(t.sum() for t in flat(h))], [x, *flat(hx)])
        return y, h, grads

    y_t, h_t, g_t = run(theirs)
    y_o, h_o, g_o = run(ours)
    assert type(h_o) is type(h_t)
    assert_close(y_o, y_t)
    assert_close(h_o, h_t)
    assert_close(g_o, g_t)


def test_same_positional_signature_as_torch():
    args = (F, H, 2, "relu", False, True, 0.0, True)
    theirs, ours = nn.RNN(*args), rnn.RNN(*args)
    assert (ours.nonlinearity, ours.bias, ours.batch_first, ours.bidirectional) == ("relu", False, True, True)
    x = torch.randn(B, T, F)
    ours_copy = from_torch(theirs)
    torch.testing.assert_close(ours_copy(x)[0], theirs(x)[0])
    lstm = rnn.LSTM(F, H, 1, True, True, 0.0, False, 0)
    assert lstm(torch.randn(B, T, F))[1][1].shape == (1, B, H)
    lstm.flatten_parameters()  # torch code calls this; it must keep working


def test_dropout_only_in_training():
    theirs = nn.LSTM(F, H, num_layers=3, dropout=0.5, dtype=f64)
    ours = from_torch(theirs).eval()
    x = torch.randn(T, B, F, dtype=f64)
    assert_close(ours(x)[0], theirs.eval()(x)[0])
    ours.train()
    assert (ours(x)[0] - theirs(x)[0]).abs().max() > 1e-3


def test_the_chapters_gru_as_a_drop_in():
    chapter = rnn.GRU(F, H, 2, reset="before", dtype=f64)
    assert all(c.reset == "before" for c in chapter.cells())
    y, h = chapter(torch.randn(T, B, F, dtype=f64))
    assert y.shape == (T, B, H) and h.shape == (2, B, H)
    assert rnn.GRU(F, H).cells()[0].reset == "after"  # torch's function by default
    with pytest.raises(ValueError, match="torch.nn.GRU cannot represent"):
        to_torch(chapter)
    with pytest.raises(ValueError, match="use reset='after'"):
        to_torch(GRUCell(F, H))


@pytest.mark.parametrize("spec", TORCH_SPECS, ids=lambda s: s.name)
@pytest.mark.parametrize("bias", [True, False])
def test_rnnlab_to_torch_to_rnnlab_is_exact(spec, bias):
    ours = TWINS[spec.name](F, H, num_layers=2, bidirectional=True, bias=bias, dtype=f64,
                            **({"nonlinearity": "relu"} if spec.name == "elman-relu" else {}))
    back = from_torch(to_torch(ours))
    assert type(back) is type(ours)
    assert back.state_dict().keys() == ours.state_dict().keys()
    for name, p in ours.state_dict().items():
        assert torch.equal(back.state_dict()[name], p), name
    cell = ours.cells()[0]
    back_cell = from_torch(to_torch(cell))
    assert type(back_cell) is type(cell)
    for (name, p), q in zip(cell.state_dict().items(), back_cell.state_dict().values()):
        assert torch.equal(p, q), name


@pytest.mark.parametrize("spec", TORCH_SPECS, ids=lambda s: s.name)
def test_torch_to_rnnlab_to_torch_keeps_the_function_and_weights(spec):
    theirs = spec.torch_module(F, H, num_layers=2, bidirectional=True, dtype=f64).train(False)
    back = to_torch(from_torch(theirs))
    assert type(back) is type(theirs) and not back.training and back.weight_ih_l1_reverse.dtype == f64
    for name, p in theirs.named_parameters():
        q = getattr(back, name)
        if name.startswith("weight"):
            assert torch.equal(p, q), name
    # torch's two biases come back summed into bias_ih (the GRU's b_hn stays apart)
    x = torch.randn(T, B, F, dtype=f64)
    assert_close(back(x), theirs(x))


def test_converter_errors():
    with pytest.raises(ValueError, match="from_torch: expected torch.nn.RNN, LSTM, GRU, RNNCell, LSTMCell or "
                                         "GRUCell; received Linear"):
        from_torch(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="proj_size=2 has no rnnlab twin"):
        from_torch(nn.LSTM(F, H, proj_size=2))
    with pytest.raises(ValueError, match="to_torch: expected an rnnlab cell"):
        to_torch(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="proj_size is not supported"):
        rnn.LSTM(F, H, proj_size=2)


def test_cells_convert_both_ways():
    for theirs, kind in [(nn.RNNCell(F, H, nonlinearity="relu"), ElmanCell), (nn.LSTMCell(F, H), LSTMCell),
                         (nn.GRUCell(F, H), GRUCell)]:
        ours = from_torch(theirs)
        assert isinstance(ours, kind)
        assert type(to_torch(ours)) is type(theirs)
    assert from_torch(nn.RNNCell(F, H, nonlinearity="relu")).nonlinearity == "relu"


def test_bad_input_and_state():
    lstm = rnn.LSTM(F, H, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM: input must be \(T, B, 3\).*; received \(6, 5, 7\)"):
        lstm(torch.randn(T, B, 7))
    with pytest.raises(ValueError, match=r"LSTM: c_0 must be \(num_layers \* num_directions, B, H\) = "
                                         r"\(2, 5, 4\); received \(1, 5, 4\)"):
        lstm(torch.randn(T, B, F), (torch.zeros(2, B, H), torch.zeros(1, B, H)))
    with pytest.raises(ValueError, match=r"LSTM: hx must be a pair \(h_0, c_0\); received Tensor"):
        lstm(torch.randn(T, B, F), torch.zeros(2, B, H))
    with pytest.raises(ValueError, match=r"GRU: h_0 must be .* = \(1, 5, 4\); received \(1, 4, 4\)"):
        rnn.GRU(F, H)(torch.randn(T, B, F), torch.zeros(1, 4, H))
