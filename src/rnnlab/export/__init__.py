"""Deploy outside Python: rnnlab layers and the drop-in modules as ONNX files (the ``export`` extra).

``rnnlab.export.onnx(module, example_input, path, lengths=None)`` writes the
file and checks it: onnxruntime runs it on ``example_input`` (and
``lengths``) and its outputs must equal rnnlab's to 1e-5. Whole models
(``onnx_graph.classifier``) are exported by their applications
(``rnnlab export RUN``), which check them the same way.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
from torch import Tensor

from rnnlab.export.onnx_graph import ExportError, build

__all__ = ["ExportError", "check", "decoder_steps", "onnx", "run_onnx", "save", "zero_state"]


def _need(*packages: str) -> None:
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    if missing:
        raise ExportError(f"ONNX export needs {' and '.join(missing)}: pip install -c constraints.txt -e \".[export]\"")


def run_onnx(path: str | Path, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
    """The ONNX file's outputs by name, from onnxruntime on the CPU; ``inputs`` by name (floats are sent as
    float32, integers as int64, masks as bool)."""
    _need("onnxruntime")
    import onnxruntime
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    def kind(t: Tensor) -> torch.dtype:
        return torch.float32 if t.is_floating_point() else t.dtype if t.dtype == torch.bool else torch.int64
    feed = {name: t.detach().cpu().to(kind(t)).numpy() for name, t in inputs.items()}
    names = [o.name for o in session.get_outputs()]
    return {name: torch.from_numpy(value) for name, value in zip(names, session.run(names, feed))}


def decoder_steps(decoder: str | Path, memory: dict[str, Tensor], names: list[str]):
    """``(step, state)`` for ``rnnlab.decoding``'s searches through an exported decoder step (``onnx_graph.
    decoder_step``): ``memory``, its encoder's outputs; ``names``, the state's (``h_l0``, ...). The state is the
    dict of the step's state inputs."""
    fixed = {k: memory[k] for k in ("keys", "mask", "summary", "prepared")}

    def step(tokens: Tensor, state: dict):
        got = run_onnx(decoder, {"token": tokens, **fixed, **state})
        return got["log_probs"], {f"{n}_in": got[n] for n in names}, got["alpha"]

    return step, {f"{n}_in": memory[n] for n in names}


def zero_state(path: str | Path, batch: int) -> dict[str, Tensor]:
    """Zeros for each ``(batch, H)`` float input of an ONNX file (a language model's state to start from)."""
    _need("onnxruntime")
    import onnxruntime
    inputs = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_inputs()
    return {i.name: torch.zeros(batch, i.shape[1]) for i in inputs if i.type == "tensor(float)" and len(i.shape) == 2}


def save(model, path: str | Path) -> Path:
    """Write an ONNX model (from ``rnnlab.export.onnx_graph``)."""
    import onnx as onnx_package
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx_package.save(model, str(path))
    return path


def check(path: Path, got: Tensor, expected: Tensor, atol: float) -> None:
    """ExportError unless onnxruntime's ``got`` equals rnnlab's ``expected`` to ``atol``."""
    error = float((got - expected.detach().cpu()).abs().max()) if got.shape == expected.shape else float("inf")
    if error > atol:
        raise ExportError(f"{path}: onnxruntime's output differs from rnnlab's by {error:.3g} (at most {atol} "
                          f"expected)")


def onnx(module, example_input: Tensor, path: str | Path, lengths: Tensor | None = None,
         atol: float = 1e-5) -> Path:
    """Write ``module`` (a ``Recurrent``, ``Bidirectional`` or ``Stacked`` layer, or ``rnnlab.nn.RNN/LSTM/GRU``,
    whose ``stack`` is exported with rnnlab's batch-first interface) to ``path`` as ONNX, and check it.

    Pass ``lengths`` to export a graph that takes them. Raises ExportError for a
    part with no ONNX form, and when onnxruntime's result on the example
    differs from rnnlab's by more than ``atol``.
    """
    _need("onnx", "onnxruntime")
    path = save(build(module, lengths is not None), path)
    layer = module.stack if hasattr(module, "stack") else module
    was_training = layer.training
    layer.eval()
    try:
        with torch.no_grad():
            y, _ = layer(example_input.to(torch.float32), lengths=lengths)
    finally:
        layer.train(was_training)
    feed = {"x": example_input} if lengths is None else {"x": example_input, "lengths": lengths}
    check(path, run_onnx(path, feed)["y"], y, atol)
    return path
