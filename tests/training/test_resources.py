"""Too large a model is refused before anything is allocated; an allocation that fails is one line."""

import pytest
import torch

import rnnlab.training.resources as resources
import rnnlab.training.runner as runner
from rnnlab.apps import charlm
from rnnlab.cli.main import main
from rnnlab.models import LanguageModel


def test_a_model_too_large_is_refused_without_allocating_it(monkeypatch):
    config = charlm.CharLMConfig(hidden_size=200_000, layers=2)
    torch.manual_seed(3)
    with pytest.raises(MemoryError) as error:  # 1.4 TB of parameters: building it for real would fail
        resources.check_model_memory(lambda: LanguageModel(30, 32, "lstm", 200_000, 2), config,
                                     torch.device("cpu"))
    message = str(error.value)
    assert "GiB to train" in message and "rnn.layers.0.cell.W_h, is 800,000 x 200,000" in message
    assert "lower --layers 2, --hidden-size 200000, --embedding-dim 32" in message and "batch" not in message
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    resources.check_model_memory(lambda: LanguageModel(30, 8, "lstm", 16), config, torch.device("cpu"))
    assert torch.equal(torch.rand(3), expected)
    monkeypatch.setattr(resources, "available_bytes", lambda device: 1000)
    with pytest.raises(MemoryError, match="cpu has 0.0 GiB free"):
        resources.check_model_memory(lambda: LanguageModel(30, 8, "lstm", 16), config, torch.device("cpu"))


def test_the_command_line_says_it_in_one_line(tmp_path, capsys, monkeypatch):
    assert main(["charlm", "train", "--hidden-size", "200000", "--out", str(tmp_path / "huge"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnlab charlm train: error: the model needs about") and err.count("\n") == 1
    assert not (tmp_path / "huge").exists()

    def fails(*args):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: you "
                           "tried to allocate 640000000000 bytes. Error code 12 (Cannot allocate memory)")
    monkeypatch.setattr(runner, "check_model_memory", fails)
    assert main(["charlm", "train", "--out", str(tmp_path / "x"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnlab charlm train: error: out of memory: [enforce fail") and err.count("\n") == 1
