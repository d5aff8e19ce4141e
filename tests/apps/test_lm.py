"""The word-level language model: the three corpus layouts, learning, sampling and scoring, the AWD-LSTM options
through the command line, and bad input."""

import json
import math
import random

import pytest
import torch

from rnnlab.apps import lm
from rnnlab.apps.lm.data import load_corpus
from rnnlab.cli.main import main
from rnnlab.training import TrainConfig
from rnnlab.training.tbptt import TBPTT

FAST = ["--hidden-size", "32", "--embedding-dim", "16", "--layers", "1", "--quiet", "--no-tensorboard",
        "--device", "cpu", "--samples", "0"]
SUBJECTS = ["the cat", "a dog", "the old man", "my sister", "the bird"]
VERBS = ["sees", "likes", "finds", "wants"]
OBJECTS = ["the ball", "a red box", "the small house", "some bread"]


def sentences(n, seed=0):
    rng = random.Random(seed)
    return [f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} ." for _ in range(n)]


@pytest.fixture
def split_folder(tmp_path):
    """The Penn Treebank layout: train.txt, valid.txt, test.txt; one sentence a line, <unk> in the text."""
    folder = tmp_path / "ptb"
    folder.mkdir()
    for name, n, seed in (("train", 600, 0), ("valid", 60, 1), ("test", 60, 2)):
        lines = sentences(n, seed)
        lines[0] = "the <unk> sees the ball ."
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def documents(tmp_path):
    """The aclImdb/train/unsup layout: one review a file, <br /> line breaks."""
    folder = tmp_path / "unsup"
    folder.mkdir()
    for k in range(120):
        (folder / f"{k}_0.txt").write_text(" ".join(sentences(4, k)).replace(" . ", " .<br /><br />"),
                                           encoding="utf-8")
    return folder


def test_three_corpus_layouts(split_folder, documents, tmp_path):
    ptb = load_corpus(str(split_folder), "auto", 0, 0.1, 0.1, seed=0, unit="word")
    assert ptb.unit == "word" and ptb.vocab.tokens[:2] == ["<unk>", "<eos>"]
    eos = ptb.vocab.eos_id
    assert int((ptb.validation == eos).sum()) == 60 and int((ptb.test == eos).sum()) == 60  # used whole, <eos> a line
    assert int((ptb.train == ptb.vocab.index["<unk>"]).sum()) == 1  # <unk> read as the token, not as < unk >
    docs = load_corpus(str(documents), "auto", 0, 10, 10, seed=0, unit="word")
    assert int((docs.test == docs.vocab.eos_id).sum()) == 10  # whole documents, one <eos> each
    assert "br" not in docs.vocab and "<" not in docs.vocab  # HTML line breaks read as spaces
    again = load_corpus(str(documents), "auto", 0, 10, 10, seed=0, unit="word")
    assert torch.equal(docs.test, again.test)  # the same documents by the same seed
    other = load_corpus(str(documents), "auto", 0, 10, 10, seed=1, unit="word")
    assert not torch.equal(docs.test, other.test)
    text = tmp_path / "plain.txt"
    text.write_text("\n".join(sentences(200)) + "\n", encoding="utf-8")
    plain = load_corpus(str(text), "auto", 0, 20, 20, seed=0, unit="word")
    assert int((plain.test == plain.vocab.eos_id).sum()) == 20  # the last lines, in order
    capped = load_corpus(str(text), "auto", 0, 20, 20, seed=0, unit="word", max_vocab=6)
    assert len(capped.vocab) == 6
    with pytest.raises(ValueError, match="its vocabulary holds only <unk> and <eos>"):
        load_corpus(str(text), "auto", 0, 20, 20, seed=0, unit="word", min_freq=1000)


def test_cli_train_sample_eval_on_each_layout(split_folder, documents, tmp_path, capsys):
    for name, data in (("ptb", split_folder), ("docs", documents)):
        out = tmp_path / name
        assert main(["lm", "train", "--data", str(data), "--validation", "10", "--test", "10", "--epochs", "6",
                     "--bptt", "12", "--batch-size", "8", "--lr", "0.01", "--softmax", "full", "--out", str(out),
                     *FAST]) == 0
        printed = capsys.readouterr().out
        assert "nats/word" in printed and "<unk> share" in printed
        summary = json.loads((out / "summary.json").read_text())
        assert summary["corpus"]["unit"] == "word"
        assert summary["test"]["perplexity"] < 0.25 * summary["corpus"]["vocabulary"]  # far below uniform
    assert main(["lm", "sample", str(tmp_path / "ptb"), "--prefix", "the cat", "--words", "6", "--n", "3"]) == 0
    samples = capsys.readouterr().out.splitlines()
    assert len(samples) >= 3 and samples[0].startswith("the cat")
    assert main(["lm", "sample", str(tmp_path / "ptb"), "--max-len", "6"]) == 2
    assert "this model reads words: give --words" in capsys.readouterr().err
    assert main(["lm", "eval", str(tmp_path / "ptb"), "--data", str(split_folder / "test.txt")]) == 0
    assert "perplexity" in capsys.readouterr().out


def test_learns_word_order_with_every_regulariser(split_folder, tmp_path):
    """AWD-LSTM's regularisers together (weight drop, locked and embedding dropout, AR/TAR, variable BPTT,
    NT-ASGD switching on, an adaptive softmax) still learn the grammar far below a unigram model."""
    config = lm.LMConfig(data=str(split_folder), hidden_size=32, embedding_dim=16, layers=2, batch_size=8, bptt=12,
                         dropout=0.1, embedding_dropout=0.1, weight_drop=0.2, ar=1.0, tar=1.0, cutoffs=(8,),
                         samples=2, out=str(tmp_path / "run"),
                         train=TrainConfig(epochs=8, optimizer="ntasgd", lr=5.0, nonmono=1, validate_every=10,
                                           progress=False, tensorboard=False, device="cpu"))
    result = lm.train(config)
    corpus = load_corpus(str(split_folder), "auto", 0, 0.1, 0.1, seed=0, unit="word")
    counts = torch.bincount(corpus.train, minlength=len(corpus.vocab)).float()
    unigram = float(-(counts / counts.sum()).log()[corpus.test].mean())
    assert result.test["loss"] < 0.7 * unigram
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert sum(r["split"] == "validation" for r in records) > 8  # validated every 10 steps, not only each epoch
    last = json.loads((tmp_path / "run" / "last.json").read_text())
    assert last["counters"]["progress"]["averaging_from"] > 0  # NT-ASGD switched averaging on


def test_variable_bptt_windows_cover_the_stream_and_scale_the_rate():
    fixed = TBPTT(20).windows(1000)
    varied = TBPTT(20, vary=True).windows(1000, seed=3)
    assert [w.end for w in fixed] == list(range(20, 1000, 20)) + [1000]
    assert varied[-1].end == 1000 and all(b.scored_from == a.end for a, b in zip(varied, varied[1:]))
    lengths = [w.end - w.scored_from for w in varied[:-1]]
    assert len(set(lengths)) > 5 and min(lengths) >= 5  # drawn, not all k1
    assert all(w.scale == pytest.approx((w.end - w.scored_from) / 20) for w in varied)
    assert [w.end for w in TBPTT(20, vary=True).windows(1000, seed=3)] == [w.end for w in varied]
    overlapping = TBPTT(20, 30, vary=True).windows(1000, seed=3)
    assert all(w.scored_from - w.start in (10, 0) for w in overlapping)


def test_bf16_training_step_runs_on_every_engine(split_folder, tmp_path):
    for engine in ("auto", "bptt", "reference"):
        out = tmp_path / engine
        assert main(["lm", "train", "--data", str(split_folder), "--epochs", "1", "--bptt", "12", "--batch-size",
                     "8", "--precision", "bf16", "--engine", engine, "--cutoffs", "8", "--out", str(out),
                     *FAST]) == 0
        assert math.isfinite(json.loads((out / "summary.json").read_text())["test"]["loss"])


def test_charlm_is_the_language_model_at_the_character_level(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text("\n".join(sentences(300)) + "\n", encoding="utf-8")
    out = tmp_path / "c"
    assert main(["lm", "train", "--unit", "char", "--data", str(text), "--epochs", "1", "--bptt", "20",
                 "--softmax", "full", "--out", str(out), *FAST]) == 0
    assert "bits/char" in capsys.readouterr().out
    assert lm.CHARLM.config().unit == "char" and lm.APP.config().unit == "word"


@pytest.mark.parametrize(("setup", "argv", "message"), [
    ("empty_folder", [], "holds no text files (*.txt)"),
    ("binary", [], "holds NUL bytes"),
    ("only_rare", ["--min-freq", "50"], "its vocabulary holds only <unk> and <eos>"),
    ("half_split", [], "but not valid.txt, test.txt"),
    ("plain", ["--bptt", "0"], "bptt must be at least 1; received 0"),
    ("plain", ["--cutoffs", "5,900"], "cutoffs must rise strictly between 1 and"),
    ("plain", ["--format", "words"], "a word list) is read at the character level"),
    ("plain", ["--cutoffs", "5,x"], "expected numbers like 32,64,128"),
])
def test_bad_input_is_one_line(tmp_path, capsys, setup, argv, message):
    data = tmp_path / setup
    if setup == "empty_folder":
        data.mkdir()
        (data / "notes.md").write_text("not a corpus")
    elif setup == "binary":
        data.write_bytes(b"the cat\x00\x01\x02 sees")
    elif setup == "only_rare":
        data.write_text("\n".join(sentences(20)) + "\n")
    elif setup == "half_split":
        data.mkdir()
        (data / "train.txt").write_text("\n".join(sentences(20)) + "\n")
    else:
        data.write_text("\n".join(sentences(100)) + "\n")
    with pytest.raises(SystemExit) as exit_:
        raise SystemExit(main(["lm", "train", "--data", str(data), "--out", str(tmp_path / "run"), "--epochs", "1",
                               *FAST, *argv]))
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "run" / "last.json").exists()


def test_a_prefix_of_unknown_words_only(split_folder, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["lm", "train", "--data", str(split_folder), "--epochs", "1", "--bptt", "12", "--batch-size", "8",
                 "--cutoffs", "8", "--out", str(out), *FAST]) == 0
    capsys.readouterr()
    assert main(["lm", "sample", str(out), "--prefix", "zebra quagga"]) == 2
    assert "the prefix is made only of words the model never saw: zebra, quagga" in capsys.readouterr().err
