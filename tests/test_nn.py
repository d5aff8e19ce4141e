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


# --- torch's parameter names: checkpoints both ways, views ------------------------------------------------


def _outputs(module, x):
    y, h = module(x)
    return [y, *flat(h)]


CHECKPOINT_CASES = [(s, layers, bi, bias) for s in TORCH_SPECS for layers in (1, 2) for bi in (False, True)
                    for bias in (True, False)]


@pytest.mark.parametrize(("spec", "layers", "bidirectional", "bias"), CHECKPOINT_CASES,
                         ids=[f"{s.name}-{n}-{'bi' if b else 'uni'}-{'bias' if c else 'nobias'}"
                              for s, n, b, c in CHECKPOINT_CASES])
def test_torch_checkpoints_load_into_the_drop_in_modules_and_back(spec, layers, bidirectional, bias):
    options = dict(num_layers=layers, bidirectional=bidirectional, bias=bias, dtype=f64)
    theirs = spec.torch_module(F, H, **options)
    with torch.no_grad():  # torch's second bias nonzero, so that folding it is tested
        for name, p in theirs.named_parameters():
            p.copy_(torch.randn_like(p))
    ours = from_torch(spec.torch_module(F, H, **options))  # other weights
    x = torch.randn(T, B, F, dtype=f64)
    assert not all(torch.equal(a, b) for a, b in zip(_outputs(ours, x), _outputs(theirs, x)))
    result = ours.load_state_dict(theirs.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    assert_close(_outputs(ours, x), _outputs(theirs, x))
    back = spec.torch_module(F, H, **options)
    saved = ours.state_dict(torch_layout=True)
    assert list(saved) == list(back.state_dict())
    back.load_state_dict(saved)
    assert_close(_outputs(back, x), _outputs(theirs, x))
    assert set(ours.state_dict()) == {k for k, _ in ours.named_parameters()}  # rnnlab's own names by default


@pytest.mark.parametrize("spec", TORCH_SPECS, ids=lambda s: s.name)
def test_torch_names_are_views_of_the_chapters_parameters(spec):
    ours = from_torch(spec.torch_module(F, H, num_layers=2, bidirectional=True, dtype=f64))
    cell = ours.cells()[3]  # layer 1, reverse
    W_x, W_h, b = cell.stacked_weights()
    assert ours.weight_ih_l1_reverse is W_x and ours.weight_hh_l1_reverse is W_h and ours.bias_ih_l1_reverse is b
    twin = to_torch(ours)
    for name, value in twin.named_parameters():
        assert torch.equal(getattr(ours, name), value), name
    assert [len(w) for w in ours.all_weights] == [4] * 4
    nn.init.orthogonal_(ours.weight_hh_l0)  # torch code initialising through torch's names changes the model
    assert torch.equal(ours.cells()[0].stacked_weights()[1], ours.weight_hh_l0)
    with pytest.raises(AttributeError, match="is a view of the chapter's parameters"):
        ours.weight_hh_l0 = nn.Parameter(torch.zeros(1))
    with pytest.raises(AttributeError, match="has no weight_ih_l2"):
        ours.weight_ih_l2
    with pytest.raises(AttributeError, match="has no bias_ih_l0"):
        from_torch(spec.torch_module(F, H, bias=False)).bias_ih_l0


def test_a_torch_checkpoint_of_a_larger_model_loads_into_its_rnnlab_twin():
    class Tagger(nn.Module):
        def __init__(self, lstm):
            super().__init__()
            self.embed, self.rnn, self.head = nn.Embedding(10, F), lstm, nn.Linear(2 * H, 3)

        def forward(self, ids):
            return self.head(self.rnn(self.embed(ids))[0])
    theirs = Tagger(nn.LSTM(F, H, num_layers=2, bidirectional=True))
    ours = Tagger(rnn.LSTM(F, H, num_layers=2, bidirectional=True))
    ours.load_state_dict(theirs.state_dict())
    ids = torch.randint(0, 10, (T, B))
    torch.testing.assert_close(ours(ids), theirs(ids))


def test_torch_keys_that_do_not_fit_are_refused():
    ours = rnn.LSTM(F, H, num_layers=2)
    state = nn.LSTM(F, H, num_layers=2).state_dict()
    with pytest.raises(RuntimeError, match="missing weight_hh_l1 beside the other torch keys"):
        ours.load_state_dict({k: v for k, v in state.items() if k != "weight_hh_l1"})
    with pytest.raises(RuntimeError, match="Unexpected key.*weight_ih_l2"):
        ours.load_state_dict({**state, "weight_ih_l2": state["weight_ih_l1"]})
    with pytest.raises(RuntimeError, match="size mismatch"):
        rnn.LSTM(F, H + 1, num_layers=2).load_state_dict(state)
    with pytest.raises(RuntimeError, match="bias_ih_l0: LSTM was built with bias=False"):
        rnn.LSTM(F, H, num_layers=2, bias=False).load_state_dict(state)
    chapter = rnn.GRU(F, H, reset="before")
    with pytest.raises(ValueError, match="the chapter's GRU, which torch.nn.GRU cannot represent"):
        chapter.state_dict(torch_layout=True)
    with pytest.raises(ValueError, match="the chapter's GRU"):
        chapter.load_state_dict(nn.GRU(F, H).state_dict())
