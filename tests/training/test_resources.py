"""Too large a model is refused before anything is allocated; an allocation that fails is one line."""

import pytest
import torch

import rnnlab.training.resources as resources
import rnnlab.training.runner as runner
from rnnlab.apps import lm, sentiment
from rnnlab.cli.main import main
from rnnlab.models import LanguageModel


def test_a_model_too_large_is_refused_without_allocating_it(monkeypatch):
    config = lm.CharLMConfig(hidden_size=200_000, layers=2)
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

    def fails_silently(*args):
        raise MemoryError()  # what numpy and Python raise: no message
    monkeypatch.setattr(runner, "check_model_memory", fails_silently)
    assert main(["charlm", "train", "--out", str(tmp_path / "y"), "--quiet"]) == 2
    assert capsys.readouterr().err.strip() == "rnnlab charlm train: error: out of memory; ask for less (fewer " \
                                              "samples, a smaller batch or model)"


def small_sentiment(tmp_path, **kw):
    config = sentiment.SentimentConfig(embedding_dim=8, hidden_size=16, batch_size=32, out=str(tmp_path / "run"), **kw)
    prepared = sentiment.APP.prepare(config, None)
    return config, sentiment.APP.task(config, prepared), sentiment.APP.build_model(config, prepared.meta).train()


def small_text_model(tmp_path):
    text = tmp_path / "corpus.txt"
    text.write_text("It was the best of times, it was the worst of times. " * 60, encoding="utf-8")
    config = lm.CharLMConfig(data=str(text), format="text", embedding_dim=8, hidden_size=16, batch_size=8,
                                 bptt=20, out=str(tmp_path / "run"))
    prepared = lm.CHARLM.prepare(config, None)
    return config, lm.CHARLM.task(config, prepared), lm.CHARLM.build_model(config, prepared.meta).train()


@pytest.mark.parametrize("small", [small_sentiment, small_text_model], ids=["bucketed", "text-stream"])
def test_a_batch_is_estimated_from_a_few_rows_without_changing_anything(tmp_path, small):
    config, task, model = small(tmp_path)
    whole = task.probe(10 ** 9)  # every row of the largest batch
    full = resources.saved_bytes(whole.task, model, whole.batch)
    estimate, _, one = resources.batch_bytes(task, model)
    assert one.rows == whole.rows > 2 and full > 0
    assert 0.8 * full <= estimate <= 2.5 * full  # the longest examples' cost a row: an upper bound of sorts
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    carried = task.state_dict()
    resources.check_batch_memory(model, task, config, torch.device("cpu"))
    assert torch.equal(torch.rand(3), expected)  # the random state is as it was
    assert task.state_dict().keys() == carried.keys()


@pytest.mark.parametrize(("argv", "options"), [
    (["sentiment", "train", "--hidden-size", "32", "--batch-size", "256"], "lower --batch-size 256, "),
    (["charlm", "train", "--format", "text", "--bptt", "50", "--hidden-size", "32"],
     "lower --batch-size 64, --bptt 50, --layers 1, --hidden-size 32"),
], ids=["bucketed", "text-stream"])
def test_a_batch_too_large_is_one_line_naming_the_options_that_size_it(tmp_path, capsys, monkeypatch, argv, options):
    monkeypatch.setattr(runner, "check_model_memory", lambda *args: None)
    monkeypatch.setattr(resources, "available_bytes", lambda device: 2**20)
    if "--format" in argv:
        text = tmp_path / "corpus.txt"
        text.write_text("It was the best of times, it was the worst of times. " * 200, encoding="utf-8")
        argv = argv + ["--data", str(text)]
    assert main([*argv, "--out", str(tmp_path / "big"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnlab {argv[0]} train: error: a training batch needs about") and err.count("\n") == 1
    assert "cpu has 0.0 GiB free; " + options in err
    assert not (tmp_path / "big").exists()
