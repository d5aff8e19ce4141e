"""rnnlab layers as ONNX graphs: each recurrent layer one ONNX ``RNN``, ``LSTM`` or ``GRU`` node.

ONNX's recurrent operators compute the chapter's cells directly:

- ``RNN``: ``h_t = f(W x_t + R h_{t-1} + Wb + Rb)``, ``f`` tanh or ReLU;
- ``LSTM``: the gates in ONNX's order ``i, o, f, c`` (rnnlab keeps torch's
  ``i, f, g, o``: the rows are reordered);
- ``GRU``: gates ``z, r, h`` (rnnlab: ``r, u, c``, with ``z = u``);
  ``linear_before_reset=0`` is the chapter's GRU (the reset gate applied to
  ``h_{t-1}`` before the product), ``1`` torch's (``b_hc`` goes into ``Rbh``).

A bidirectional layer is one node with ``direction="bidirectional"``;
``sequence_lens`` gives each padded sequence its own result, as rnnlab's
``lengths`` do. The graph keeps rnnlab's interface: ``x (B, T, F)`` float32
(and ``lengths (B,)`` int64 when exported with lengths) in; ``y (B, T, H)``,
zero past each length, then the final states (``h_l0``, ``h_l0_reverse``,
``c_l0`` ... for each layer) out; batch size and length are dynamic.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from rnnlab.core import ElmanCell, GRUCell, LSTMCell
from rnnlab.layers import Bidirectional, Recurrent, Stacked

OPSET = 17
_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2]}  # rnnlab's blocks (i f g o; r u c) in ONNX's (i o f c; z r h)


class ExportError(ValueError):
    """A module, or a part of it, that has no ONNX form here; the message says which and why."""


def _blocks(a: np.ndarray, kind: str) -> np.ndarray:
    if kind not in _ORDER:
        return a
    parts = np.split(a, len(_ORDER[kind]), axis=0)
    return np.concatenate([parts[k] for k in _ORDER[kind]], axis=0)


def _array(t: Tensor | None) -> np.ndarray | None:
    return None if t is None else t.detach().cpu().to(torch.float32).numpy()


class Graph:
    """Nodes and constants, named as they are made."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper
        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes, self.constants, self.count = [], [], 0

    def name(self, stem: str) -> str:
        self.count += 1
        return f"{stem}_{self.count}"

    def const(self, stem: str, array) -> str:
        name = self.name(stem)
        self.constants.append(self.numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], outputs: int | list[str] = 1, **attributes) -> list[str]:
        names = [self.name(op.lower()) for _ in range(outputs)] if isinstance(outputs, int) else outputs
        self.nodes.append(self.helper.make_node(op, inputs, names, name=self.name(op), **attributes))
        return names


def _cell_kind(cell) -> tuple[str, dict]:
    if isinstance(cell, ElmanCell):
        return "RNN", {"activations": ["Relu" if cell.nonlinearity == "relu" else "Tanh"]}
    if isinstance(cell, LSTMCell):
        return "LSTM", {}
    if isinstance(cell, GRUCell):
        return "GRU", {"linear_before_reset": int(cell.reset == "after")}
    raise ExportError(f"{type(cell).__name__} has no ONNX recurrent operator; the Elman RNN, LSTM and GRU cells "
                      f"export")


def _weights(cell, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``W (G*H, F)``, ``R (G*H, H)`` and ``B (2*G*H,)`` (or None) in ONNX's gate order."""
    W_x, W_h, b = (_array(t) for t in cell.stacked_weights())
    W, R = _blocks(W_x, kind), _blocks(W_h, kind)
    if b is None:
        return W, R, None
    Rb = np.zeros_like(b)
    if kind == "GRU" and cell.b_hc is not None:  # torch's form: b_hc sits inside r * (R h + Rb)
        Rb[2 * cell.hidden_size:] = _array(cell.b_hc)
    return W, R, np.concatenate([_blocks(b, kind), _blocks(Rb, kind)])


def _recurrent(graph: Graph, layers: list[Recurrent], x: str, lengths: str, merge: str,
               initial: list[tuple[str, str]] | None = None) -> tuple[str, list[str], list[str]]:
    """One ONNX node for one direction or both: ``(y (T, B, H'), [h per direction], [c per direction])``;
    ``initial``: each direction's ``(h, c)`` graph inputs ``(B, H)`` (c "" but for the LSTM), or zeros."""
    kinds = [_cell_kind(layer.cell) for layer in layers]
    if len({(k, str(a)) for k, a in kinds}) != 1 or len({layer.cell.hidden_size for layer in layers}) != 1:
        raise ExportError("a bidirectional layer exports when both directions use the same kind of cell and size")
    kind, attributes = kinds[0]
    cells = [layer.cell for layer in layers]
    weights = [_weights(cell, kind) for cell in cells]
    H = cells[0].hidden_size
    inputs = [x, graph.const("W", np.stack([w[0] for w in weights])), graph.const("R", np.stack([w[1] for w in weights]))]
    inputs.append(graph.const("B", np.stack([w[2] for w in weights])) if weights[0][2] is not None else "")
    inputs.append(lengths)
    if initial:
        def stacked(names: list[str]) -> str:
            rows = [graph.node("Unsqueeze", [n, graph.const("axis", np.array([0]))])[0] for n in names]
            return graph.node("Concat", rows, axis=0)[0] if len(rows) > 1 else rows[0]  # (D, B, H)
        inputs.append(stacked([h for h, _ in initial]))
        if kind == "LSTM":
            inputs.append(stacked([c for _, c in initial]))
    direction = "bidirectional" if len(layers) == 2 else ("reverse" if layers[0].reverse else "forward")
    if kind == "RNN" and len(layers) == 2:
        attributes = {"activations": attributes["activations"] * 2}
    outputs = graph.node(kind, inputs, 3 if kind == "LSTM" else 2, hidden_size=H, direction=direction, **attributes)
    y, y_h = outputs[0], outputs[1]  # (T, D, B, H), (D, B, H)
    D = len(layers)
    if D == 1:
        y = graph.node("Squeeze", [y, graph.const("axis", np.array([1]))])[0]
    elif merge == "concat":
        y = graph.node("Transpose", [y], perm=[0, 2, 1, 3])[0]  # (T, B, 2, H)
        y = graph.node("Reshape", [y, graph.const("shape", np.array([0, 0, 2 * H]))])[0]
    else:
        op = {"sum": "ReduceSum", "mean": "ReduceMean", "mul": "ReduceProd"}[merge]
        axis = graph.const("axis", np.array([1]))
        y = graph.node(op, [y, axis] if op == "ReduceSum" else [y], keepdims=0,
                       **({} if op == "ReduceSum" else {"axes": [1]}))[0]
    def split(t: str) -> list[str]:
        return [graph.node("Gather", [t, graph.const("index", np.array(d))], axis=0)[0] for d in range(D)]
    return y, split(y_h), split(outputs[2]) if kind == "LSTM" else []


def _layers(module) -> tuple[list, bool]:
    """The stack's layers (each a Recurrent or a Bidirectional) and whether it adds residuals."""
    if isinstance(module, Stacked):
        return list(module.layers), module.residual
    if isinstance(module, (Recurrent, Bidirectional)):
        return [module], False
    if hasattr(module, "stack") and isinstance(module.stack, Stacked):  # rnnlab.nn.RNN/LSTM/GRU: its layers
        return list(module.stack.layers), module.stack.residual
    raise ExportError(f"expected an rnnlab layer (Recurrent, Bidirectional, Stacked) or rnnlab.nn.RNN/LSTM/GRU; "
                      f"received {type(module).__name__}")


def stack(graph: Graph, module, x: str, lengths: str, initial: str = "") -> tuple[str, list[tuple[str, str]]]:
    """``module``'s layers on ``x (B, T, F)`` (``lengths``: int32 ``(B,)`` or ""): ``y (B, T, H)`` and the final
    states as ``(inner name, output name)`` pairs (``h_l0``, ``h_l0_reverse``, ``c_l0``, ...). With ``initial``
    a suffix, the initial states are graph inputs named ``h_l0`` + suffix, ..."""
    layers, residual = _layers(module)
    x = graph.node("Transpose", [x], perm=[1, 0, 2])[0]  # (T, B, F): the operators' layout
    outputs = []
    for k, layer in enumerate(layers):
        if isinstance(layer, Bidirectional):
            if not isinstance(layer.forward_layer, Recurrent) or not isinstance(layer.backward_layer, Recurrent):
                raise ExportError("a Bidirectional of two Recurrent layers exports; this one holds other layers")
            names, parts, merge = [f"l{k}", f"l{k}_reverse"], [layer.forward_layer, layer.backward_layer], layer.merge
        elif isinstance(layer, Recurrent):
            names, parts, merge = [f"l{k}_reverse" if layer.reverse else f"l{k}"], [layer], "concat"
        else:
            raise ExportError(f"layer {k} is a {type(layer).__name__}; Recurrent and Bidirectional layers export")
        inputs = [(f"h_{n}{initial}", f"c_{n}{initial}") for n in names] if initial else None
        y, hs, cs = _recurrent(graph, parts, x, lengths, merge, inputs)
        x = graph.node("Add", [y, x])[0] if residual and k > 0 else y
        outputs += [(h, f"h_{n}") for h, n in zip(hs, names)] + [(c, f"c_{n}") for c, n in zip(cs, names)]
    return graph.node("Transpose", [x], perm=[1, 0, 2])[0], outputs  # (B, T, H)


def _model(graph: Graph, inputs: list, outputs: list):
    import onnx
    from onnx import helper
    model = helper.make_model(helper.make_graph(graph.nodes, "rnnlab", inputs, outputs, graph.constants),
                              opset_imports=[helper.make_opsetid("", OPSET)], producer_name="rnnlab")
    onnx.checker.check_model(model)
    return model


def build(module, with_lengths: bool):
    """The ONNX model of a layer (see the module docstring)."""
    from onnx import TensorProto, helper
    graph = Graph()
    lengths = graph.node("Cast", ["lengths"], to=TensorProto.INT32)[0] if with_lengths else ""
    y, states = stack(graph, module, "x", lengths)
    graph.node("Identity", [y], ["y"])
    for inner, name in states:
        graph.node("Identity", [inner], [name])
    layers, _ = _layers(module)
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "time", layers[0].input_size])]
    if with_lengths:
        inputs.append(helper.make_tensor_value_info("lengths", TensorProto.INT64, ["batch"]))
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "time", layers[-1].output_size])]
    outputs += [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", None]) for _, name in states]
    return _model(graph, inputs, outputs)


def _embedding(graph: Graph, module, tokens: str) -> str:
    """Token ids ``(B, T)`` -> vectors ``(B, T, E)``: an ``nn.Embedding``, or one-hot rows."""
    if isinstance(module, torch.nn.Embedding):
        table = _array(module.weight)
    elif hasattr(module, "vocab_size") and module.embedding_dim == module.vocab_size:  # OneHot
        table = np.eye(module.vocab_size, dtype=np.float32)
    else:
        raise ExportError(f"the input {type(module).__name__} has no ONNX form here (nn.Embedding or one-hot)")
    return graph.node("Gather", [graph.const("embedding", table), tokens], axis=0)[0]


def _pool(graph: Graph, h: str, lengths: str, how: str) -> str:
    """``h (B, T, H)`` -> ``(B, H)`` (``(B, 2H)`` mean-max) over each row's valid steps, as ``models.pool``."""
    from onnx import TensorProto
    T = graph.node("Gather", [graph.node("Shape", [h])[0], graph.const("one", np.array(1))], axis=0)[0]
    steps = graph.node("Range", [graph.const("zero", np.array(0)), T, graph.const("one", np.array(1))])[0]
    valid = graph.node("Less", [graph.node("Unsqueeze", [steps, graph.const("axis", np.array([0]))])[0],
                                graph.node("Unsqueeze", [lengths, graph.const("axis", np.array([1]))])[0]])[0]
    valid = graph.node("Unsqueeze", [valid, graph.const("axis", np.array([2]))])[0]  # (B, T, 1)
    parts = []
    if how in ("mean", "mean-max"):
        total = graph.node("ReduceSum", [graph.node("Where", [valid, h, graph.const("zero", np.float32(0))])[0],
                                         graph.const("axis", np.array([1]))], keepdims=0)[0]
        count = graph.node("Max", [graph.node("Cast", [lengths], to=TensorProto.FLOAT)[0],
                                   graph.const("one", np.float32(1))])[0]
        parts.append(graph.node("Div", [total, graph.node("Unsqueeze", [count, graph.const("axis", np.array([1]))])[0]])[0])
    if how in ("max", "mean-max"):
        masked = graph.node("Where", [valid, h, graph.const("minus_inf", np.float32(-np.inf))])[0]
        parts.append(graph.node("ReduceMax", [masked], axes=[1], keepdims=0)[0])
    return graph.node("Concat", parts, axis=1)[0] if len(parts) > 1 else parts[0]


def classifier(model):
    """A ``SequenceClassifier`` (many-to-one): ``tokens (B, T)`` int64 and ``lengths (B,)`` int64 in;
    ``logits (B, C)`` and ``probs (B, C)`` out."""
    from onnx import TensorProto, helper
    graph = Graph()
    x = _embedding(graph, model.input, "tokens")
    lengths = graph.node("Cast", ["lengths"], to=TensorProto.INT32)[0]
    if model.encoder is None:
        s = _pool(graph, x, "lengths", "mean")
    else:
        h, states = stack(graph, model.encoder, x, lengths)
        if model.pooling == "last":
            top = len(_layers(model.encoder)[0]) - 1
            s = [inner for inner, name in states if name.startswith(f"h_l{top}")]
            s = graph.node("Concat", s, axis=1)[0] if len(s) > 1 else s[0]
        else:
            s = _pool(graph, h, "lengths", model.pooling)
    W, b = _array(model.head.weight), _array(model.head.bias)
    graph.node("Gemm", [s, graph.const("head_W", W), graph.const("head_b", b)], ["logits"], transB=1)
    graph.node("Softmax", ["logits"], ["probs"], axis=1)
    C = W.shape[0]
    return _model(graph, [helper.make_tensor_value_info("tokens", TensorProto.INT64, ["batch", "time"]),
                          helper.make_tensor_value_info("lengths", TensorProto.INT64, ["batch"])],
                  [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", C]),
                   helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", C])])


def language_model(model):
    """A ``LanguageModel``'s step function: ``tokens (B, T)`` int64 and the state in (``h_l0_in``, ``c_l0_in``
    for an LSTM, ... each ``(B, H)``; zeros to start), ``logits (B, T, V)`` and the state after (``h_l0``, ...)
    out. Feed the state out back in to go on, one token at a time or many."""
    from onnx import TensorProto, helper
    graph = Graph()
    x = _embedding(graph, model.input, "tokens")
    h, states = stack(graph, model.rnn, x, "", initial="_in")
    if model.projection is not None:  # tied weights of another size: W_p h_t first
        h = graph.node("MatMul", [h, graph.const("W_p", _array(model.projection.weight).T)])[0]
    if model.adaptive is not None:
        _adaptive_log_prob(graph, model.adaptive, h, "logits")
        V = model.adaptive.n_classes
    else:
        W, b = _array(model.output.weight), _array(model.output.bias)
        graph.node("Add", [graph.node("MatMul", [h, graph.const("W_hy", W.T)])[0], graph.const("b_y", b)], ["logits"])
        V = W.shape[0]
    for inner, name in states:
        graph.node("Identity", [inner], [name])
    H = model.rnn.output_size
    state = [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", H]) for _, name in states]
    return _model(graph, [helper.make_tensor_value_info("tokens", TensorProto.INT64, ["batch", "time"])] +
                  [helper.make_tensor_value_info(v.name + "_in", TensorProto.FLOAT, ["batch", H]) for v in state],
                  [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "time", V])] + state)


def _adaptive_log_prob(graph: Graph, adaptive, h: str, out: str) -> None:
    """``torch.nn.AdaptiveLogSoftmaxWithLoss.log_prob`` of ``h (B, T, D)``: the head's log-softmax over the
    shortlist and one entry a cluster, and each cluster's words at their cluster's log-probability plus their
    own log-softmax within it; ``out (B, T, V)``."""
    def matmul(x: str, linear, stem: str) -> str:
        y = graph.node("MatMul", [x, graph.const(stem, _array(linear.weight).T)])[0]
        return y if linear.bias is None else graph.node("Add", [y, graph.const(f"{stem}_b", _array(linear.bias))])[0]

    def columns(x: str, start: int, end: int) -> str:
        return graph.node("Slice", [x, graph.const("start", np.array([start])), graph.const("end", np.array([end])),
                                    graph.const("axis", np.array([-1]))])[0]
    head = graph.node("LogSoftmax", [matmul(h, adaptive.head, "W_head")], axis=-1)[0]
    short = adaptive.shortlist_size
    parts = [columns(head, 0, short)]
    for k, tail in enumerate(adaptive.tail):
        within = graph.node("LogSoftmax", [matmul(matmul(h, tail[0], f"W_tail{k}_in"), tail[1], f"W_tail{k}_out")],
                            axis=-1)[0]
        parts.append(graph.node("Add", [within, columns(head, short + k, short + k + 1)])[0])
    graph.node("Concat", parts, [out], axis=-1)


def _linear(graph: Graph, x: str, layer, stem: str) -> str:
    """``x (N, F)`` through an ``nn.Linear`` (with or without a bias)."""
    inputs = [x, graph.const(f"{stem}_W", _array(layer.weight))]
    if layer.bias is not None:
        inputs.append(graph.const(f"{stem}_b", _array(layer.bias)))
    return graph.node("Gemm", inputs, transB=1)[0]


def _unsqueeze(graph: Graph, x: str, axis: int) -> str:
    return graph.node("Unsqueeze", [x, graph.const("axis", np.array([axis]))])[0]


def _squeeze(graph: Graph, x: str, axis: int) -> str:
    return graph.node("Squeeze", [x, graph.const("axis", np.array([axis]))])[0]


def _inside(graph: Graph, x: str, lengths: str, axis: int, out: str | None = None) -> str:
    """``(B, T)`` bool: whether each step of ``x``'s axis ``axis`` is inside its item's ``lengths`` (int64)."""
    T = graph.node("Gather", [graph.node("Shape", [x])[0], graph.const("axis", np.array(axis))], axis=0)[0]
    steps = graph.node("Range", [graph.const("zero", np.array(0)), T, graph.const("one", np.array(1))])[0]
    return graph.node("Less", [_unsqueeze(graph, steps, 0), _unsqueeze(graph, lengths, 1)], [out] if out else 1)[0]


def _decoder_state_names(decoder) -> list[str]:
    lstm = isinstance(decoder.rnn.layers[0].cell, LSTMCell)
    return [f"{kind}_l{k}" for k in range(len(decoder.rnn.layers)) for kind in (("h", "c") if lstm else ("h",))]


def encoder(model):
    """A ``Seq2Seq``'s encoder: ``source (B, S)`` and ``lengths (B,)`` int64 in; what one decoder step reads
    out: ``keys (B, S, C)``, ``mask (B, S)`` bool, ``summary (B, C)`` (z), ``prepared`` (the attention's
    projection of the keys; the keys without attention), and the decoder's first state (``h_l0`` = tanh(W_b z),
    ``c_l0`` = 0 for an LSTM, ...)."""
    from onnx import TensorProto, helper
    graph = Graph()
    x = _embedding(graph, model.source_embed, "source")
    lengths = graph.node("Cast", ["lengths"], to=TensorProto.INT32)[0]
    keys, states = stack(graph, model.encoder, x, lengths)
    graph.node("Identity", [keys], ["keys"])
    top = len(_layers(model.encoder)[0]) - 1
    z = [inner for inner, name in states if name.startswith(f"h_l{top}")]
    graph.node("Concat", z, ["summary"], axis=1) if len(z) > 1 else graph.node("Identity", z, ["summary"])
    _inside(graph, "source", "lengths", 1, "mask")
    _prepare(graph, model.decoder)
    _bridge(graph, model.decoder)
    return _model(graph, [helper.make_tensor_value_info("source", TensorProto.INT64, ["batch", "source_time"]),
                          helper.make_tensor_value_info("lengths", TensorProto.INT64, ["batch"])],
                  _memory_infos(model.decoder, model.encoder.output_size, "source_time"))


def _prepare(graph: Graph, decoder) -> None:
    """``prepared`` from ``keys``: the attention's projection of them (the keys themselves without attention,
    or with dot attention)."""
    attention = decoder.attention
    if attention is None or attention.kind == "dot":
        graph.node("Identity", ["keys"], ["prepared"])
        return
    weight = attention.W_k if attention.kind == "additive" else attention.W
    prepared = graph.node("MatMul", ["keys", graph.const("W_k", _array(weight.weight).T)])[0]
    if weight.bias is not None:
        prepared = graph.node("Add", [prepared, graph.const("b_k", _array(weight.bias))])[0]
    graph.node("Identity", [prepared], ["prepared"])


def _bridge(graph: Graph, decoder) -> None:
    """The decoder's first state from ``summary``: ``h_l{k} = tanh(W_b z)``, and ``c_l{k} = 0`` (LSTM)."""
    names = _decoder_state_names(decoder)
    for k, bridge in enumerate(decoder.bridge):
        h = graph.node("Tanh", [_linear(graph, "summary", bridge, "bridge")], [f"h_l{k}"])[0]
        if f"c_l{k}" in names:
            graph.node("Mul", [h, graph.const("zero", np.float32(0))], [f"c_l{k}"])


def _memory_infos(decoder, C: int, positions: str) -> list:
    """The outputs an encoder hands one decoder step: ``keys``, ``mask``, ``summary``, ``prepared`` and the
    decoder's first state, ``positions`` long."""
    from onnx import TensorProto, helper
    attention, H = decoder.attention, decoder.combine.out_features
    P = "C" if attention is None or attention.kind == "dot" else ("A" if attention.kind == "additive" else "H")
    return [helper.make_tensor_value_info("keys", TensorProto.FLOAT, ["batch", positions, C]),
            helper.make_tensor_value_info("mask", TensorProto.BOOL, ["batch", positions]),
            helper.make_tensor_value_info("summary", TensorProto.FLOAT, ["batch", C]),
            helper.make_tensor_value_info("prepared", TensorProto.FLOAT, ["batch", positions, P])] + \
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", H]) for n in _decoder_state_names(decoder)]


def image_encoder(model, size: int):
    """A ``Captioner``'s encoder: ``images (B, 3, size, size)`` floats in [0, 1] in (the run's ``image_size``);
    what one decoder step reads out: ``keys (B, cells, C)`` (the CNN's map, cell by cell), ``mask`` (all
    true), ``summary`` (the image vector z), ``prepared``, and the decoder's first state: bridged from z
    (``h_l0`` = tanh(W_b z), ...), or after reading ``W_i z`` from zeros (``image_as="input"``)."""
    from onnx import TensorProto, helper
    graph = Graph()
    decoder, C, side = model.decoder, model.cnn.out_channels, size >> (len(model.cnn.net) // 4)
    features = _conv_encoder(graph, model.cnn, "images")  # (B, C, h, w)
    flat = graph.node("Reshape", [features, graph.const("shape", np.array([0, 0, -1]))])[0]  # (B, C, h*w)
    graph.node("Transpose", [flat], ["keys"], perm=[0, 2, 1])
    grid = graph.node("Slice", [graph.node("Shape", ["keys"])[0], graph.const("start", np.array([0])),
                                graph.const("end", np.array([2]))])[0]
    graph.node("ConstantOfShape", [grid], ["mask"], value=helper.make_tensor("true", TensorProto.BOOL, [1], [True]))
    z = _grid_vector(graph, features, model.vector, side, side)
    graph.node("Identity", [z], ["summary"])
    _prepare(graph, decoder)
    if model.image_as == "state":
        _bridge(graph, decoder)
    else:  # the decoder reads W_i z first, from a zero state
        x = _unsqueeze(graph, _linear(graph, "summary", model.image_input, "W_i"), 1)  # (B, 1, E)
        if decoder.attention is None:
            x = graph.node("Concat", [x, _unsqueeze(graph, "summary", 1)], axis=2)[0]
        for inner, name in stack(graph, decoder.rnn, x, "")[1]:
            graph.node("Identity", [inner], [name])
    return _model(graph, [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, size, size])],
                  _memory_infos(decoder, C, "cells"))


def decoder_step(decoder, C: int):
    """One step of a ``Decoder`` (a ``Seq2Seq``'s, a ``Captioner``'s) reading a memory of width ``C``:
    ``token (B,)`` int64 (``y_{t-1}``; ``<bos>`` first), the state in (``h_l0_in``, ...) and the encoder's
    ``keys``, ``mask``, ``summary`` and ``prepared``; ``log_probs (B, V)`` of ``y_t``, the state after
    (``h_l0``, ...) and ``alpha (B, S)``, where the step looked, out."""
    from onnx import TensorProto, helper
    graph = Graph()
    x = _unsqueeze(graph, _embedding(graph, decoder.embed, "token"), 1)  # (B, 1, E)
    if decoder.attention is None:
        x = graph.node("Concat", [x, _unsqueeze(graph, "summary", 1)], axis=2)[0]
    s, states = stack(graph, decoder.rnn, x, "", initial="_in")
    s = _squeeze(graph, s, 1)  # (B, H)
    attention = decoder.attention
    if attention is None:
        context = "summary"  # the context is z at every step; alpha: zeros, there is none
        graph.node("Mul", [graph.node("Cast", ["mask"], to=TensorProto.FLOAT)[0], graph.const("zero", np.float32(0))],
                   ["alpha"])
    else:
        if attention.kind == "additive":
            q = _unsqueeze(graph, graph.node("MatMul", [s, graph.const("W_q", _array(attention.W_q.weight).T)])[0], 1)
            hidden = graph.node("Tanh", [graph.node("Add", ["prepared", q])[0]])[0]  # (B, S, A)
            e = graph.node("MatMul", [hidden, graph.const("v", _array(attention.v.weight).T)])[0]  # (B, S, 1)
        else:
            e = graph.node("MatMul", ["prepared", _unsqueeze(graph, s, 2)])[0]  # (B, S, 1)
        e = graph.node("Where", ["mask", _squeeze(graph, e, 2), graph.const("minus_inf", np.float32(-np.inf))])[0]
        alpha = graph.node("Where", ["mask", graph.node("Softmax", [e], axis=1)[0], graph.const("zero", np.float32(0))],
                           ["alpha"])[0]
        context = _squeeze(graph, graph.node("MatMul", [_unsqueeze(graph, alpha, 1), "keys"])[0], 1)  # (B, C)
    a = graph.node("Tanh", [_linear(graph, graph.node("Concat", [context, s], axis=1)[0], decoder.combine, "W_c")])[0]
    graph.node("LogSoftmax", [_linear(graph, a, decoder.output, "W_o")], ["log_probs"], axis=1)
    for inner, name in states:
        graph.node("Identity", [inner], [name])
    H, V = decoder.combine.out_features, decoder.output.out_features
    names = [name for _, name in states]
    P = "C" if attention is None or attention.kind == "dot" else ("A" if attention.kind == "additive" else "H")
    inputs = [helper.make_tensor_value_info("token", TensorProto.INT64, ["batch"])]
    inputs += [helper.make_tensor_value_info(n + "_in", TensorProto.FLOAT, ["batch", H]) for n in names]
    inputs += [helper.make_tensor_value_info("keys", TensorProto.FLOAT, ["batch", "source_time", C]),
               helper.make_tensor_value_info("mask", TensorProto.BOOL, ["batch", "source_time"]),
               helper.make_tensor_value_info("summary", TensorProto.FLOAT, ["batch", C]),
               helper.make_tensor_value_info("prepared", TensorProto.FLOAT, ["batch", "source_time", P])]
    outputs = [helper.make_tensor_value_info("log_probs", TensorProto.FLOAT, ["batch", V])]
    outputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", H]) for n in names]
    outputs.append(helper.make_tensor_value_info("alpha", TensorProto.FLOAT, ["batch", "source_time"]))
    return _model(graph, inputs, outputs)


def _dense(graph: Graph, x: str, layer) -> str:
    """``x (..., F)`` through an ``nn.Linear``, any number of leading axes."""
    y = graph.node("MatMul", [x, graph.const("W", _array(layer.weight).T)])[0]
    return graph.node("Add", [y, graph.const("b", _array(layer.bias))])[0] if layer.bias is not None else y


def _conv_encoder(graph: Graph, cnn, x: str) -> str:
    """``ConvEncoder``: conv 3x3 (no bias), group norm, ReLU, 2x2 max-pool, block by block."""
    for module in cnn.net:
        if isinstance(module, torch.nn.Conv2d):
            x = graph.node("Conv", [x, graph.const("conv", _array(module.weight))], pads=[1, 1, 1, 1],
                           kernel_shape=list(module.kernel_size))[0]
        elif isinstance(module, torch.nn.GroupNorm):
            shape = graph.node("Shape", [x])[0]
            grouped = graph.node("Reshape", [x, graph.const("groups", np.array([0, module.num_groups, -1]))])[0]
            mean = graph.node("ReduceMean", [grouped], axes=[2], keepdims=1)[0]
            centred = graph.node("Sub", [grouped, mean])[0]
            var = graph.node("ReduceMean", [graph.node("Mul", [centred, centred])[0]], axes=[2], keepdims=1)[0]
            scale = graph.node("Sqrt", [graph.node("Add", [var, graph.const("eps", np.float32(module.eps))])[0]])[0]
            x = graph.node("Reshape", [graph.node("Div", [centred, scale])[0], shape])[0]
            channels = (module.num_channels, 1, 1)
            x = graph.node("Mul", [x, graph.const("gamma", _array(module.weight).reshape(channels))])[0]
            x = graph.node("Add", [x, graph.const("beta", _array(module.bias).reshape(channels))])[0]
        elif isinstance(module, torch.nn.ReLU):
            x = graph.node("Relu", [x])[0]
        elif isinstance(module, torch.nn.MaxPool2d):
            x = graph.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])[0]
        else:
            raise ExportError(f"the CNN's {type(module).__name__} has no ONNX form here")
    return x


def _grid_vector(graph: Graph, features: str, vector, height: int, width: int) -> str:
    """``GridVector``: the ``(B, C, height, width)`` map average-pooled to its grid, flattened, ``relu(W_v .)``."""
    grid = vector.pool.output_size
    grid = grid if isinstance(grid, int) else grid[0]
    if height % grid or width % grid:
        raise ExportError(f"the CNN's {height} x {width} map does not divide into the {grid} x {grid} grid")
    k = (height // grid, width // grid)
    pooled = graph.node("AveragePool", [features], kernel_shape=list(k), strides=list(k))[0]
    return graph.node("Relu", [_dense(graph, graph.node("Flatten", [pooled], axis=1)[0], vector.W_v)])[0]


def frame_labeller(model):
    """A ``FrameLabeller``: ``frames (B, T, C, H, W)`` floats in [0, 1] (or ``features (B, T, D)``) and
    ``lengths (B,)`` int64 in; ``logits (B, T, K)`` and ``probs (B, T, K)`` out."""
    from onnx import TensorProto, helper
    graph = Graph()
    raw = model.cnn is not None
    name = "frames" if raw else "features"
    if raw:
        C, H, W = model.frame_shape
        flat = graph.node("Reshape", [name, graph.const("shape", np.array([-1, C, H, W]))])[0]  # (B*T, C, H, W)
        features = _conv_encoder(graph, model.cnn, flat)
        blocks = len(model.cnn.net) // 4
        v = _grid_vector(graph, features, model.vector, H >> blocks, W >> blocks)
        bt = graph.node("Slice", [graph.node("Shape", [name])[0], graph.const("start", np.array([0])),
                                  graph.const("end", np.array([2]))])[0]
        v = graph.node("Reshape", [v, graph.node("Concat", [bt, graph.const("rest", np.array([-1]))], axis=0)[0]])[0]
        inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", "time", C, H, W])]
    else:
        v = graph.node("Relu", [_dense(graph, name, model.vector[0])])[0]
        inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", "time", model.frame_shape[0]])]
    if model.encoder is None:
        h = graph.node("Tanh", [_dense(graph, v, model.per_frame[0])])[0]
    else:
        h, _ = stack(graph, model.encoder, v, graph.node("Cast", ["lengths"], to=TensorProto.INT32)[0])
    logits = graph.node("Identity", [_dense(graph, h, model.head)], ["logits"])[0]
    graph.node("Softmax", [logits], ["probs"], axis=2)
    K = model.head.out_features
    inputs.append(helper.make_tensor_value_info("lengths", TensorProto.INT64, ["batch"]))
    return _model(graph, inputs, [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", "time", K])
                                  for n in ("logits", "probs")])


def tagger(model):
    """A ``Tagger``'s tag scores: ``words (B, T)``, ``chars (B, T, L)``, ``char_lengths (B, T)`` and
    ``lengths (B,)`` int64 in; ``emissions (B, T, K)`` out, and ``probs (B, T, K)`` (a softmax per word) when
    there is no CRF (with one, decode the emissions with its ``A``, ``pi`` and ``omega``)."""
    from onnx import TensorProto, helper
    graph = Graph()
    x = _embedding(graph, model.input, "words")  # (B, T, E)
    if model.chars is not None:
        L = graph.node("Gather", [graph.node("Shape", ["chars"])[0], graph.const("two", np.array(2))], axis=0)[0]
        flat = graph.node("Reshape", ["chars", graph.node("Concat", [graph.const("minus_one", np.array([-1])),
                                                                     _unsqueeze(graph, L, 0)], axis=0)[0]])[0]
        n = graph.node("Reshape", ["char_lengths", graph.const("flat", np.array([-1]))])[0]
        n = graph.node("Cast", [graph.node("Max", [n, graph.const("one", np.array(1))])[0]], to=TensorProto.INT32)[0]
        _, states = stack(graph, model.chars.rnn, _embedding(graph, model.chars.embedding, flat), n)
        c = graph.node("Concat", [inner for inner, name in states if name.startswith("h_")], axis=1)[0]  # (N, 2C)
        bt = graph.node("Slice", [graph.node("Shape", ["words"])[0], graph.const("start", np.array([0])),
                                  graph.const("end", np.array([2]))])[0]
        c = graph.node("Reshape", [c, graph.node("Concat", [bt, graph.const("rest", np.array([-1]))], axis=0)[0]])[0]
        x = graph.node("Concat", [x, c], axis=2)[0]
    if model.encoder is not None:
        x, _ = stack(graph, model.encoder, x, graph.node("Cast", ["lengths"], to=TensorProto.INT32)[0])
    emissions = graph.node("Identity", [_dense(graph, x, model.head)], ["emissions"])[0]
    K = model.head.out_features
    outputs = [helper.make_tensor_value_info("emissions", TensorProto.FLOAT, ["batch", "time", K])]
    if model.crf is None:
        graph.node("Softmax", [emissions], ["probs"], axis=2)
        outputs.append(helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", "time", K]))
    inputs = [helper.make_tensor_value_info("words", TensorProto.INT64, ["batch", "time"]),
              helper.make_tensor_value_info("chars", TensorProto.INT64, ["batch", "time", "letters"]),
              helper.make_tensor_value_info("char_lengths", TensorProto.INT64, ["batch", "time"]),
              helper.make_tensor_value_info("lengths", TensorProto.INT64, ["batch"])]
    return _model(graph, inputs, outputs)


def _within(graph: Graph, x: str, lengths: str, axis: int) -> str:
    """``(B, T)`` float: 1 at the steps of ``x``'s axis ``axis`` inside each item's ``lengths`` (int64), else 0."""
    from onnx import TensorProto
    return graph.node("Cast", [_inside(graph, x, lengths, axis)], to=TensorProto.FLOAT)[0]


def recognizer(model):
    """A ``Recognizer``: ``x (B, 1, F, T)`` floats (the app's input, zero past each length) and ``lengths (B,)``
    int64 (valid columns) in; ``log_probs (B, T', K + 1)``, the CTC scores with the blank first, and ``steps
    (B,)`` int64, the valid steps of each item, out. Best-path decoding reads them."""
    from onnx import TensorProto, helper
    graph = Graph()
    front = model.front
    x, lengths = "x", "lengths"
    for k, (conv, norm, _, _) in enumerate(front.blocks):
        x = graph.node("Conv", [x, graph.const("conv", _array(conv.weight))], pads=[1, 1, 1, 1],
                       kernel_shape=list(conv.kernel_size))[0]
        scale = _array(norm.weight) / np.sqrt(_array(norm.running_var) + norm.eps)  # batch norm, running statistics
        shift = _array(norm.bias) - _array(norm.running_mean) * scale
        x = graph.node("Mul", [x, graph.const("bn_scale", scale.reshape(-1, 1, 1).astype(np.float32))])[0]
        x = graph.node("Add", [x, graph.const("bn_shift", shift.reshape(-1, 1, 1).astype(np.float32))])[0]
        pool = [2, 2 if k < front.time_pools else 1]
        x = graph.node("MaxPool", [graph.node("Relu", [x])[0]], kernel_shape=pool, strides=pool)[0]
        if k < front.time_pools:
            lengths = graph.node("Div", [lengths, graph.const("two", np.array(2))])[0]
        inside = _within(graph, x, lengths, 3)  # (B, T_k)
        x = graph.node("Mul", [x, graph.node("Unsqueeze", [inside, graph.const("axes", np.array([1, 2]))])[0]])[0]
    width = front.W_v.in_features
    columns = graph.node("Transpose", [graph.node("Reshape", [x, graph.const("shape", np.array([0, width, -1]))])[0]],
                         perm=[0, 2, 1])[0]  # (B, T', C * F')
    v = graph.node("Relu", [_dense(graph, columns, front.W_v)])[0]
    v = graph.node("Mul", [v, _unsqueeze(graph, _within(graph, columns, lengths, 1), 2)])[0]
    h = v
    if model.rnn is not None:
        positive = graph.node("Max", [lengths, graph.const("one", np.array(1))])[0]
        h, _ = stack(graph, model.rnn, v, graph.node("Cast", [positive], to=TensorProto.INT32)[0])
        if model.skip:
            h = graph.node("Concat", [h, v], axis=2)[0]
    graph.node("LogSoftmax", [_dense(graph, h, model.W_y)], ["log_probs"], axis=2)
    graph.node("Identity", [lengths], ["steps"])
    height = width // front.blocks[-1][0].out_channels << len(front.blocks)
    return _model(graph, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, height, "time"]),
                          helper.make_tensor_value_info("lengths", TensorProto.INT64, ["batch"])],
                  [helper.make_tensor_value_info("log_probs", TensorProto.FLOAT,
                                                 ["batch", "steps", model.W_y.out_features]),
                   helper.make_tensor_value_info("steps", TensorProto.INT64, ["batch"])])
