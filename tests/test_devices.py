"""Device choice, and the same results on a CUDA GPU when one is present."""

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnlab import from_torch
from rnnlab.training import resolve_device

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(None).type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="received 'gpu0'"):
        resolve_device("gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="sees no CUDA GPU; use --device cpu"):
            resolve_device("cuda")


@cuda
@pytest.mark.parametrize("kind", [nn.RNN, nn.LSTM, nn.GRU])
def test_layers_and_drop_ins_on_cuda(kind):
    torch.manual_seed(0)
    theirs = kind(6, 16, num_layers=2, bidirectional=True, batch_first=True, dtype=torch.float64).cuda()
    ours = from_torch(theirs)
    assert next(ours.parameters()).is_cuda
    x = torch.randn(4, 9, 6, dtype=torch.float64, device="cuda")
    lengths = torch.tensor([9, 2, 5, 1])  # on the CPU, as torch's packing wants them
    y, _ = ours.stack(x, lengths=lengths)
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    expected = pad_packed_sequence(theirs(packed)[0], batch_first=True, total_length=9)[0]
    torch.testing.assert_close(y, expected)
    torch.testing.assert_close(ours(packed)[0].data, theirs(packed)[0].data)


@cuda
def test_demo_on_cuda():
    from rnnlab.apps.demo import DemoConfig, run

    result = run(DemoConfig(steps=3, progress=False, device="cuda"))
    assert all(r["max |diff| outputs"] == "n/a" or r["max |diff| outputs"] < 1e-12 for r in result.conformance)


@cuda
@pytest.mark.parametrize("engine", ["bptt", "torch"])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "gru-after"])
def test_engines_on_cuda_equal_the_reference(kind, engine):
    from rnnlab import Recurrent
    from rnnlab.models import make_cell

    if engine == "torch" and kind == "gru":
        pytest.skip("torch has no kernel for the chapter's GRU")
    torch.manual_seed(0)
    cell = make_cell(kind, 6, 16).to("cuda", torch.float64)
    x = torch.randn(4, 9, 6, dtype=torch.float64, device="cuda", requires_grad=True)
    lengths = torch.tensor([9, 2, 5, 1], device="cuda")
    results = []
    for e in ("reference", engine):
        y, _ = Recurrent(cell, engine=e)(x, lengths=lengths)
        results.append([y, *torch.autograd.grad((y * y).sum(), [x, *cell.parameters()])])
    for a, b in zip(*results):
        torch.testing.assert_close(a, b)
