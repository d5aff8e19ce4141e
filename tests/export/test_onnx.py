"""ONNX export: each cell kind and direction as one ONNX recurrent node, equal to rnnlab in onnxruntime."""

import pytest
import torch

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
import onnx as onnx_package  # noqa: E402

import rnnlab.nn as rnn  # noqa: E402
from rnnlab import Bidirectional, Recurrent, Stacked  # noqa: E402
from rnnlab.core import Cell, ElmanCell, GRUCell, LSTMCell, LSTMState  # noqa: E402
from rnnlab.export import ExportError, onnx, run_onnx  # noqa: E402

F, H = 5, 6
CELLS = {"rnn-tanh": lambda f: ElmanCell(f, H), "rnn-relu": lambda f: ElmanCell(f, H, nonlinearity="relu"),
         "lstm": lambda f: LSTMCell(f, H), "gru-chapter": lambda f: GRUCell(f, H),
         "gru-torch": lambda f: GRUCell(f, H, reset="after"), "lstm-no-bias": lambda f: LSTMCell(f, H, bias=False)}


def finals(layer, state) -> dict:
    """rnnlab's final state by the exported output names."""
    layers = layer.layers if isinstance(layer, Stacked) else [layer]
    states = state if isinstance(layer, Stacked) else (state,)
    out = {}
    for k, (part, s) in enumerate(zip(layers, states)):
        pairs = [(f"l{k}", s[0]), (f"l{k}_reverse", s[1])] if isinstance(part, Bidirectional) else \
            [(f"l{k}_reverse" if part.reverse else f"l{k}", s)]
        for name, one in pairs:
            out[f"h_{name}"] = one.h if isinstance(one, LSTMState) else one
            if isinstance(one, LSTMState):
                out[f"c_{name}"] = one.c
    return out


def check(layer, path, with_lengths=True):
    torch.manual_seed(1)
    x, lengths = torch.randn(4, 7, layer.input_size), torch.tensor([7, 3, 1, 5])
    onnx(layer, x, path, lengths if with_lengths else None)
    for B, T in ((4, 7), (2, 11)):  # batch and length are dynamic
        x = torch.randn(B, T, layer.input_size)
        lengths = torch.tensor([T, max(1, T - 4)][:B] + [T - 1] * (B - 2)) if with_lengths else None
        got = run_onnx(path, {"x": x} if lengths is None else {"x": x, "lengths": lengths})
        with torch.no_grad():
            y, state = layer(x, lengths=lengths)
        expected = {"y": y, **finals(layer, state)}
        assert sorted(got) == sorted(expected)
        for name, value in expected.items():
            torch.testing.assert_close(got[name], value, atol=1e-5, rtol=1e-5, msg=name)
        if with_lengths:
            assert not got["y"][1, int(lengths[1]):].any()  # zero past each length


@pytest.mark.parametrize("form", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("kind", list(CELLS))
def test_each_cell_and_direction_equals_rnnlab(kind, form, tmp_path):
    make = CELLS[kind]
    if form == "bidirectional":
        layer = Bidirectional(Recurrent(make(F)), Recurrent(make(F), reverse=True))
    else:
        layer = Recurrent(make(F), reverse=form == "reverse")
    check(layer, tmp_path / "layer.onnx")
    nodes = onnx_package.load(str(tmp_path / "layer.onnx")).graph.node
    op = next(n for n in nodes if n.op_type in ("RNN", "LSTM", "GRU"))
    assert op.op_type == {"rnn": "RNN", "lst": "LSTM", "gru": "GRU"}[kind[:3]]
    attributes = {a.name: a for a in op.attribute}
    assert attributes["direction"].s.decode() == form
    if kind.startswith("gru"):  # the chapter's GRU: ONNX's default, the reset gate before the product
        assert attributes["linear_before_reset"].i == (kind == "gru-torch")


def test_deep_stacks_merges_residuals_and_the_drop_in_modules(tmp_path):
    bi = Stacked([Bidirectional(Recurrent(LSTMCell(F, H)), Recurrent(LSTMCell(F, H), reverse=True)),
                  Bidirectional(Recurrent(LSTMCell(2 * H, H)), Recurrent(LSTMCell(2 * H, H), reverse=True), "sum")])
    check(bi.eval(), tmp_path / "bi.onnx")
    residual = Stacked([Recurrent(GRUCell(F, H)), Recurrent(GRUCell(H, H)), Recurrent(GRUCell(H, H))], residual=True)
    check(residual, tmp_path / "residual.onnx", with_lengths=False)
    for merge in ("mean", "mul"):
        check(Bidirectional(Recurrent(ElmanCell(F, H)), Recurrent(ElmanCell(F, H), reverse=True), merge),
              tmp_path / f"{merge}.onnx")
    drop_in = rnn.LSTM(F, H, num_layers=2, bidirectional=True, dropout=0.3)
    check(drop_in.stack.eval(), tmp_path / "drop-in.onnx")
    onnx(drop_in, torch.randn(3, 4, F), tmp_path / "module.onnx")  # the module itself: its stack, batch-first


def test_what_cannot_be_exported_says_why(tmp_path):
    class Mine(Cell):
        def __init__(self):
            super().__init__(F, H)

        def initial_state(self, batch, *, device=None, dtype=None):
            return torch.zeros(batch, H)

        def step(self, x, h):
            return h, h
    x = torch.randn(2, 3, F)
    with pytest.raises(ExportError, match="Mine has no ONNX recurrent operator"):
        onnx(Recurrent(Mine()), x, tmp_path / "a.onnx")
    with pytest.raises(ExportError, match="same kind of cell"):
        onnx(Bidirectional(Recurrent(LSTMCell(F, H)), Recurrent(GRUCell(F, H), reverse=True)), x, tmp_path / "b.onnx")
    with pytest.raises(ExportError, match="expected an rnnlab layer"):
        onnx(torch.nn.LSTM(F, H), x, tmp_path / "c.onnx")
