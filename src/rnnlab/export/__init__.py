"""Deploy outside Python: rnnlab layers and the drop-in modules as ONNX files (the ``export`` extra).

``rnnlab.export.onnx(module, example_input, path, lengths=None)`` writes the
file and checks it: onnxruntime runs it on ``example_input`` (and
``lengths``) and its outputs must equal rnnlab's to 1e-5.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
from torch import Tensor

from rnnlab.export.onnx_graph import ExportError, build

__all__ = ["ExportError", "onnx", "run_onnx"]


def _need(*packages: str) -> None:
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    if missing:
        raise ExportError(f"ONNX export needs {' and '.join(missing)}: pip install -c constraints.txt -e \".[export]\"")


def run_onnx(path: str | Path, x: Tensor, lengths: Tensor | None = None) -> dict[str, Tensor]:
    """The ONNX file's outputs by name, from onnxruntime on the CPU."""
    _need("onnxruntime")
    import onnxruntime
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {"x": x.detach().cpu().to(torch.float32).numpy()}
    if lengths is not None:
        feed["lengths"] = lengths.detach().cpu().to(torch.int64).numpy()
    names = [o.name for o in session.get_outputs()]
    return {name: torch.from_numpy(value) for name, value in zip(names, session.run(names, feed))}


def onnx(module, example_input: Tensor, path: str | Path, lengths: Tensor | None = None,
         atol: float = 1e-5) -> Path:
    """Write ``module`` (a ``Recurrent``, ``Bidirectional`` or ``Stacked`` layer, or ``rnnlab.nn.RNN/LSTM/GRU``,
    whose ``stack`` is exported with rnnlab's batch-first interface) to ``path`` as ONNX, and check it.

    Pass ``lengths`` to export a graph that takes them. Raises ExportError for a
    part with no ONNX form, and when onnxruntime's result on the example
    differs from rnnlab's by more than ``atol``.
    """
    _need("onnx", "onnxruntime")
    import onnx as onnx_package
    path = Path(path)
    model = build(module, lengths is not None)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx_package.save(model, str(path))
    layer = module.stack if hasattr(module, "stack") else module
    was_training = layer.training
    layer.eval()
    try:
        with torch.no_grad():
            y, _ = layer(example_input.to(torch.float32), lengths=lengths)
    finally:
        layer.train(was_training)
    got = run_onnx(path, example_input, lengths)["y"]
    error = float((got - y.cpu()).abs().max()) if got.shape == y.shape else float("inf")
    if error > atol:
        raise ExportError(f"{path}: onnxruntime's output differs from rnnlab's by {error:.3g} (at most {atol} "
                          f"expected)")
    return path
