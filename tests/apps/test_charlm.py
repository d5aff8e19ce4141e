"""The character language model: corpora, learning, generation, the command line, bad input."""

import itertools
import json
import math

import pytest
import torch

from rnnlab.apps import lm
from rnnlab.apps.lm.data import load_corpus
from rnnlab.cli.main import main
from rnnlab.training import TrainConfig
from rnnlab.training.checkpoint import load_checkpoint, prefixed, save_checkpoint

SYLLABLES = ["ba", "do", "ki", "lu", "me", "no", "pa", "ri", "so", "tu"]
FAST = ["--hidden-size", "32", "--embedding-dim", "8", "--quiet", "--no-tensorboard", "--device", "cpu"]


@pytest.fixture
def words_file(tmp_path):
    words = ["".join(p) for n in (2, 3) for p in itertools.product(SYLLABLES, repeat=n)][:600]
    f = tmp_path / "words.txt"
    f.write_text("\n".join(words) + "\n", encoding="utf-8")
    return f


@pytest.fixture
def text_file(tmp_path):
    f = tmp_path / "play.txt"
    lines = [f"First Citizen: we are {w} and {v}, say {w}.\n" for w, v in itertools.product(
        ["poor", "good", "rich", "bold"], ["kind", "proud", "sad"])]
    f.write_text("".join(lines * 12), encoding="utf-8")
    return f


def test_word_list_and_text_corpora(words_file, text_file):
    words = load_corpus(str(words_file), "auto", 0, 50, 50, seed=0)
    assert words.kind == "words" and len(words.test) == 50 and len(words.validation) == 50
    assert words.encode_word("ba")[0] == words.vocab.bos_id and words.encode_word("ba")[-1] == words.vocab.eos_id
    assert not set(words.train) & set(words.test)
    text = load_corpus(str(text_file), "auto", 0, 0.1, 0.1, seed=0)
    assert text.kind == "text" and abs(len(text.test) - 0.1 * len(text.train) / 0.8) < 2
    forced = load_corpus(str(words_file), "text", 0, 0.1, 0.1, seed=0)
    assert forced.kind == "text"
    shared = load_corpus(str(text_file), "text", 0, 0, 0.1, seed=0)
    assert shared.validation is shared.test and len(shared.train) > 0.85 * len(text_file.read_text())
    with pytest.raises(ValueError, match="nothing would be held out"):
        load_corpus(str(text_file), "text", 0, 0, 0, seed=0)
    embedded = load_corpus(None, "auto", 3000, 100, 100, seed=0)
    assert embedded.kind == "words" and len(embedded.train) == 2800


def test_learns_a_small_word_list_far_below_uniform(words_file, tmp_path):
    config = lm.CharLMConfig(data=str(words_file), validation=50, test=50, hidden_size=64, embedding_dim=16,
                                 batch_size=32, samples=30, out=str(tmp_path / "run"),
                                 train=TrainConfig(epochs=12, lr=0.01, progress=False, tensorboard=False, device="cpu"))
    result = lm.CHARLM.train(config)
    V = 26 + 1  # letters actually used are fewer; log(27) is a generous uniform bound
    assert result.test["loss"] < 0.5 * math.log(V)
    assert result.test["bits_per_char"] == pytest.approx(result.test["loss"] / math.log(2))
    assert result.test["perplexity"] == pytest.approx(math.exp(result.test["loss"]))
    # samples are made of the corpus's syllables, and some are held-out real words
    assert sum(len(w) % 2 == 0 and all(w[k:k + 2] in SYLLABLES for k in range(0, len(w), 2))
               for w in result.samples) >= 20
    assert 0 <= result.novelty["real_held_out"] <= result.novelty["new"] <= 1
    assert (tmp_path / "run" / "samples.txt").read_text().split() == result.samples


def test_cli_train_sample_eval(words_file, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["charlm", "train", "--data", str(words_file), "--validation", "50", "--test", "50", "--epochs", "2",
            "--samples", "5", "--out", str(out), *FAST]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "nats/char" in printed and "perplexity" in printed and "samples:" in printed and "new (not in" in printed
    assert main(["charlm", "sample", str(out), "--n", "4", "--prefix", "ki", "--temperature", "0.5"]) == 0
    lines = capsys.readouterr().out.split()
    assert len(lines) == 4 and all(w.startswith("ki") for w in lines)
    with pytest.MonkeyPatch.context() as patch:  # many samples are drawn a batch at a time: memory stays bounded
        patch.setattr("rnnlab.apps.lm.app.SAMPLE_BATCH", 3)
        assert main(["charlm", "sample", str(out), "--n", "7", "--prefix", "ki", "--temperature", "0.5"]) == 0
        batched = capsys.readouterr().out.split()
        assert len(batched) == 7 and all(w.startswith("ki") for w in batched)
    assert main(["charlm", "sample", str(out), "--temperature", "1e-300", "--n", "2"]) == 0  # the argmax, twice
    twice = capsys.readouterr().out.splitlines()
    assert len(twice) == 2 and twice[0] == twice[1]
    assert main(["charlm", "eval", str(out)]) == 0
    assert "test" in capsys.readouterr().out
    other = tmp_path / "other.txt"
    other.write_text("bado\nkilu\n")
    assert main(["charlm", "eval", str(out / "best.json"), "--data", str(other)]) == 0
    assert str(other) in capsys.readouterr().out


def test_text_stream_with_truncated_bptt(text_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["charlm", "train", "--data", str(text_file), "--bptt", "16", "--bptt-k2", "24", "--batch-size", "8",
                 "--epochs", "3", "--lr", "0.01", "--samples", "1", "--out", str(out), *FAST]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["corpus"]["kind"] == "text" and summary["test"]["loss"] < 0.6 * math.log(30)
    capsys.readouterr()
    assert main(["charlm", "sample", str(out), "--n", "1", "--prefix", "First", "--max-len", "40"]) == 0
    assert capsys.readouterr().out.startswith("First")


def _model_weights(run):
    tensors, _ = load_checkpoint(run / "last.json")
    return prefixed(tensors, "model")


def test_resume_a_text_run_bit_equal(text_file, tmp_path):
    """TBPTT's carried state, dropout and Adam all restored: interrupted + resumed == uninterrupted."""
    common = ["--data", str(text_file), "--bptt", "10", "--batch-size", "4", "--dropout", "0.3", "--epochs", "2",
              "--samples", "0", *FAST]
    assert main(["charlm", "train", *common, "--max-steps", "9", "--out", str(tmp_path / "a")]) == 0
    assert main(["charlm", "train", *common, "--max-steps", "4", "--out", str(tmp_path / "b")]) == 0
    assert main(["charlm", "train", "--max-steps", "9", "--out", str(tmp_path / "b"), "--resume", "--quiet"]) == 0
    a, b = _model_weights(tmp_path / "a"), _model_weights(tmp_path / "b")
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"ab\x00cd\n", "holds NUL bytes"),
    (b"caf\xe9\n", "is not UTF-8 text"),
    (b"aaa\naa\naaaa\na\n", "holds a single distinct character"),
])
def test_bad_data_files(tmp_path, capsys, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    assert main(["charlm", "train", "--data", str(f), "--out", str(tmp_path / "run"), *FAST]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(f) in err and message in err and "Traceback" not in err
    assert not (tmp_path / "run" / "last.json").exists()


def test_missing_data_file(tmp_path, capsys):
    assert main(["charlm", "train", "--data", str(tmp_path / "nope.txt"), *FAST]) == 2
    assert f"{tmp_path / 'nope.txt'}: no such file" in capsys.readouterr().err


def test_bad_checkpoints(words_file, tmp_path, capsys):
    save_checkpoint(tmp_path / "other" / "best", {"model.w": torch.zeros(2)}, {"app": "sentiment"})
    assert main(["charlm", "sample", str(tmp_path / "other")]) == 2
    assert "a checkpoint of 'sentiment', not of 'charlm'" in capsys.readouterr().err
    out = tmp_path / "run"
    assert main(["charlm", "train", "--data", str(words_file), "--validation", "50", "--test", "50", "--epochs", "1",
                 "--samples", "0", "--out", str(out), *FAST]) == 0
    blob = (out / "best.safetensors").read_bytes()
    (out / "best.safetensors").write_bytes(blob[:100])
    capsys.readouterr()
    assert main(["charlm", "eval", str(out)]) == 2
    err = capsys.readouterr().err
    assert "best.safetensors: truncated or corrupted" in err and err.count("\n") == 1
    assert main(["charlm", "sample", str(tmp_path / "none")]) == 2
    assert "no such checkpoint" in capsys.readouterr().err


def test_a_second_run_into_the_same_folder_overwrites_nothing(words_file, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["charlm", "train", "--data", str(words_file), "--validation", "50", "--test", "50", "--epochs", "1",
            "--samples", "0", "--out", str(out), *FAST]
    assert main(argv) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert main(argv) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


@pytest.mark.parametrize(("argv", "message"), [
    (["--cell", "transformer"], "argument --cell: invalid choice: 'transformer'"),
    (["--epochs", "zero"], "argument --epochs: invalid int value: 'zero'"),
    (["--layers", "0"], "layers must be at least 1; received 0"),
    (["--validation", "half"], "expected a count or a fraction; received 'half'"),
    (["--resume"], "--resume needs --out"),
    (["--engine", "fast"], "argument --engine: invalid choice: 'fast'"),
])
def test_bad_options(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        code = main(["charlm", "train", *argv])
        raise SystemExit(code)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_unknown_prefix_characters(words_file, tmp_path, capsys):
    out = tmp_path / "run"
    main(["charlm", "train", "--data", str(words_file), "--validation", "50", "--test", "50", "--epochs", "1",
          "--samples", "0", "--out", str(out), *FAST])
    capsys.readouterr()
    assert main(["charlm", "sample", str(out), "--prefix", "xyz"]) == 2
    assert "the prefix holds characters the model never saw: 'xyz'" in capsys.readouterr().err


@pytest.mark.parametrize("engine", ["reference", "bptt"])
def test_every_engine_trains_the_chapters_gru(words_file, tmp_path, engine):
    out = tmp_path / engine
    assert main(["charlm", "train", "--data", str(words_file), "--validation", "50", "--test", "50", "--epochs", "1",
                 "--cell", "gru", "--engine", engine, "--samples", "0", "--out", str(out), *FAST]) == 0
    assert json.loads((out / "best.json").read_text())["config"]["engine"] == engine
