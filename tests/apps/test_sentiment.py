"""Sentiment analysis: loaders in the public formats, the generated reviews, the model, the CLI, bad input."""

import json
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from rnnlab.apps import sentiment
from rnnlab.apps.sentiment.data import load_dataset, read_labelled
from rnnlab.apps.sentiment.generated import NEGATIVE, POSITIVE, _Phrases, generate_reviews
from rnnlab.cli.main import main
from rnnlab.data import DataError
from rnnlab.models import SequenceClassifier, make_input, make_stack
from rnnlab.training import TrainConfig

SST = Path(os.environ.get("RNNLAB_SHARED_DATA", Path(__file__).parents[3] / "shared" / "data")) / "sst2"
TRAIN = [("1", "a gripping , funny film"), ("0", "a dull , tedious mess"), ("1", "moving and smart"),
         ("0", "it is n't good at all"), ("1", "a delight"), ("0", "boring")]
FAST = TrainConfig(epochs=1, progress=False, tensorboard=False, device="cpu")


def config(**kw):
    return sentiment.SentimentConfig(**{"embedding_dim": 8, "hidden_size": 8, "train": FAST, **kw})


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def sst_folder(tmp_path):
    for split in ("train", "dev", "test"):
        write(tmp_path / "sst" / f"stsa.binary.{split}", "".join(f"{y} {x}\n" for y, x in TRAIN))
    return tmp_path / "sst"


# --- loaders --------------------------------------------------------------------------------


def test_sst_folder_gives_three_splits_with_named_labels(sst_folder):
    data = load_dataset(config(data=str(sst_folder)))
    assert len(data.train) == len(data.validation) == len(data.test) == 6
    assert data.labels == ["negative", "positive"]
    assert data.train[0].text == "a gripping , funny film" and data.train[0].label == "positive"


@pytest.mark.skipif(not SST.is_dir(), reason="../shared/data/sst2 is absent")
def test_the_real_sst2_files():
    data = load_dataset(config(data=str(SST)))
    assert (len(data.train), len(data.validation), len(data.test)) == (6920, 872, 1821)
    assert data.labels == ["negative", "positive"]


def test_sst_single_file_is_split_and_fine_grained_labels_are_named(tmp_path):
    lines = [f"{k % 5} sentence number {k}" for k in range(50)]
    data = load_dataset(config(data=str(write(tmp_path / "fine.txt", "\n".join(lines))), validation=5, test=10))
    assert (len(data.train), len(data.validation), len(data.test)) == (35, 5, 10)
    assert data.labels == ["very negative", "negative", "neutral", "positive", "very positive"]
    texts = [e.text for split in (data.train, data.validation, data.test) for e in split]
    assert sorted(texts) == sorted(line.split(" ", 1)[1] for line in lines)


def test_glue_tsv_folder_tests_on_dev(tmp_path):
    rows = [f"{x} \t{y}\n" for y, x in TRAIN * 3]
    write(tmp_path / "SST-2" / "train.tsv", "sentence\tlabel\n" + "".join(rows))
    write(tmp_path / "SST-2" / "dev.tsv", "sentence\tlabel\n" + "".join(rows[:3]) + "\n")
    write(tmp_path / "SST-2" / "test.tsv", "index\tsentence\n0\tno labels here\n")
    data = load_dataset(config(data=str(tmp_path / "SST-2"), validation=3))
    assert len(data.train) == 15 and len(data.validation) == 3 and data.test[0].label == "positive"
    assert data.test[0].text == "a gripping , funny film"


def test_imdb_folder(tmp_path):
    for split in ("train", "test"):
        for k, (y, x) in enumerate(TRAIN):
            write(tmp_path / "aclImdb" / split / ("pos" if y == "1" else "neg") / f"{k}_7.txt", x + "<br /><br />end")
    data = load_dataset(config(data=str(tmp_path / "aclImdb"), validation=2))
    assert len(data.train) == 4 and len(data.test) == 6 and data.labels == ["negative", "positive"]
    assert "<br" not in data.test[0].text and data.test[0].text.endswith("end")
    shutil.rmtree(tmp_path / "aclImdb" / "test")  # without its test reviews, the test split is carved from train
    data = load_dataset(config(data=str(tmp_path / "aclImdb"), validation=1, test=2))
    assert (len(data.train), len(data.validation), len(data.test)) == (3, 1, 2)


def test_csv_and_jsonl_with_named_columns(tmp_path):
    csv_file = write(tmp_path / "r.csv", "id,review,stars\n" + "".join(
        f'{k},"{x}, really",{"pos" if y == "1" else "neg"}\n' for k, (y, x) in enumerate(TRAIN * 2)))
    jsonl = write(tmp_path / "r.jsonl", "".join(json.dumps({"review": x, "stars": int(y) + 1}) + "\n"
                                                for y, x in TRAIN * 2))
    for path, labels in ((csv_file, ["neg", "pos"]), (jsonl, ["1", "2"])):
        data = load_dataset(config(data=str(path), text_column="review", label_column="stars", validation=2, test=2))
        assert data.labels == labels and len(data.train) == 8
    assert read_labelled(csv_file, config(text_column="review", label_column="stars"))[0].text == \
        "a gripping , funny film, really"


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, content, kw, message", [
    ("a.txt", "1 fine\n1\n0 bad\n", {}, r"a.txt, line 2: the text is empty"),
    ("a.txt", "1 fine\nx what\n", {}, r"line 2: expected 'label sentence' with a label 0-4; received 'x what'"),
    ("a.txt", "1 fine\n7 what\n", {}, r"line 2: expected 'label sentence' with a label 0-4"),
    ("a.csv", "text,label\nfine,pos\n,neg\n", {"text_column": "text", "label_column": "label"},
     r"a.csv, line 3: the text is empty"),
    ("a.csv", "text,label\nfine,pos\nbad,\n", {"text_column": "text", "label_column": "label"},
     r"line 3: the label is missing"),
    ("a.csv", "text,label\nfine,pos\n", {"text_column": "review", "label_column": "label"},
     r"a.csv, line 1: has no column 'review'; its header has: text, label"),
    ("a.csv", "text,label\nfine,pos\nbad,meh\n", {"text_column": "text", "label_column": "label",
                                                   "labels": ("pos", "neg")},
     r"line 3: unknown label 'meh'; expected one of pos, neg"),
    ("a.jsonl", '{"t": "fine", "y": 1}\n{"t": "x"}\n', {"text_column": "t", "label_column": "y"},
     r"a.jsonl, line 2: has no field 'y'"),
    ("a.jsonl", '{"t": "fine", "y": 1}\nnot json\n', {"text_column": "t", "label_column": "y"},
     r"line 2: is not JSON"),
    ("a.csv", "body,y\nfine,pos\n", {}, r"a.csv, line 1: names no text column rnnlab knows \(text, sentence, "
                                          r"review, content\); its header has: body, y; give --text-column"),
    ("a.csv", 'text,label\nfine,pos\n"an open quote,neg\ngood,pos\nbad,neg\n', {},
     r'a.csv, line 3: opens a quoted field \(\"\) that is never closed: it runs to the end of the file'),
    ("a.csv", "text,label\nfine,pos\nshort\nbad,neg\n", {}, r"a.csv, line 3: has 1 field; the header names 2"),
    ("a.csv", "text,label\nfine,pos\nlong,neg,extra\n", {}, r"a.csv, line 3: has 3 fields; the header names 2"),
    ("a.jsonl", '{"body": "fine", "y": 1}\n', {}, r"a.jsonl, line 1: names no text column rnnlab knows"),
])
def test_bad_rows_are_named_or_counted(tmp_path, name, content, kw, message):
    path = write(tmp_path / name, content)
    with pytest.raises(ValueError, match=message):
        read_labelled(path, config(**kw))
    if "line" in message and "column" not in message and "field" not in message or "the header names" in message:
        rows = read_labelled(path, config(skip_bad_rows=True, **kw))
        assert len(rows) == len(content.strip().splitlines()) - 1 - name.endswith(".csv")


def test_well_known_column_names_are_taken_and_said(tmp_path, caplog):
    """A header naming the text and label columns is enough; fields of any size are read."""
    huge = "wonderful " * 30000  # 300,000 characters: past the csv module's default limit of 131,072
    csv_file = write(tmp_path / "r.csv", "id,Review,Sentiment\n" + f'1,"{huge}",pos\n' + "2,\"bad, really\",neg\n")
    rows = read_labelled(csv_file, config())
    assert [(len(e.text), e.label) for e in rows] == [(len(huge.strip()), "pos"), (len("bad, really"), "neg")]
    assert "reading the text from column 'Review'" in caplog.text and "column 'Sentiment'" in caplog.text
    jsonl = write(tmp_path / "r.jsonl", json.dumps({"content": "fine", "polarity": 1}) + "\n")
    assert read_labelled(jsonl, config())[0].label == "1"
    chosen = write(tmp_path / "c.csv", "text,label,note\nfine,pos,x\n")
    assert read_labelled(chosen, config(text_column="note"))[0].text == "x"  # a named column wins


def test_labels_missing_from_training_and_a_single_label(tmp_path):
    train = write(tmp_path / "train.txt", "1 good\n0 bad\n" * 5)
    test = write(tmp_path / "test.txt", "1 good\n3 meh\n")
    with pytest.raises(DataError, match=r"test.txt: the test data has labels the training data never has: 3"):
        load_dataset(config(data=str(train), test_data=str(test)))
    one = write(tmp_path / "one.txt", "1 good\n" * 20)
    with pytest.raises(DataError, match="at least two labels"):
        load_dataset(config(data=str(one)))


# --- the generated reviews ------------------------------------------------------------------


def _clause_polarity(clause: str) -> int:
    words = clause.replace("n't", " n't").split()
    adjective = words[-1]
    polarity = 1 if adjective in POSITIVE else 0 if adjective in NEGATIVE else None
    assert polarity is not None, clause
    negated = any(n in clause for n in (" not", "never", "n't", "hardly", "far from", "anything but", "by no means"))
    return polarity ^ negated


def _verdict(text: str) -> int:
    """The label worked out from the sentence by the chapter's reading: negation flips, the contrast clause wins."""
    body = text.rstrip(" .!")
    for prefix in ("honestly , ", "i think ", "overall , ", "in the end , ", "to be fair , ", "frankly , "):
        body = body.removeprefix(prefix)
    if " , even though " in body:
        return _clause_polarity(body.split(" , even though ")[0])
    if body.startswith("although "):
        return _clause_polarity(body.split(" , ", 1)[1])
    clauses = re.split(r" (?:but|, yet) (?=the |this )", body)  # not the "but" of "anything but"
    return _clause_polarity(clauses[-1])


def test_generated_labels_follow_negation_and_contrast():
    train, validation, test = generate_reviews(600, 60, 300, seed=3)
    for review in train + test:
        assert ("negative", "positive")[_verdict(review.text)] == review.label, review
    kinds = {r.kind for r in test}
    assert kinds == {"plain", "negation", "contrast"}
    assert generate_reviews(600, 60, 300, seed=3) == (train, validation, test)
    assert generate_reviews(600, 60, 300, seed=4)[0] != train


def test_test_phrasings_are_never_seen_in_training():
    train, validation, test = generate_reviews(3000, 100, 300, seed=0)
    phrases = _Phrases(0)
    held = {f"{aspect} " for aspect, _ in phrases.held_aspect}
    for review in train + validation:
        for aspect, adjective in phrases.held_aspect:
            assert not (aspect in review.text and review.text.split(aspect, 1)[1].split(" , ")[0].split(" but ")[0]
                        .rstrip(" .!").endswith(" " + adjective)), review
    assert held  # a quarter of the pairs are held out
    seen_test = sum(any(a in r.text and r.text.rstrip(" .!").endswith(j) for a, j in phrases.held_aspect) for r in test)
    assert seen_test > 0.9 * len(test)


# --- the model ------------------------------------------------------------------------------


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "mean-max"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_padding_changes_nothing(pooling, cell):
    torch.manual_seed(0)
    model = SequenceClassifier(make_input(30, 6, padding_idx=0), make_stack(cell, 6, 5, 2, bidirectional=True),
                               pooling, 3).eval()
    sentences = [torch.randint(1, 30, (n,)) for n in (7, 2, 5)]
    ids = torch.zeros(3, 7, dtype=torch.long)
    for k, s in enumerate(sentences):
        ids[k, : len(s)] = s
    batch = model(ids, torch.tensor([7, 2, 5]))
    for k, s in enumerate(sentences):
        alone = model(s.unsqueeze(0), torch.tensor([len(s)]))
        torch.testing.assert_close(batch[k], alone[0], rtol=1e-5, atol=1e-6)


def test_bag_of_words_is_the_mean_of_word_vectors():
    model = SequenceClassifier(make_input(10, 4, padding_idx=0), None, "mean", 2).eval()
    ids = torch.tensor([[3, 4, 0, 0]])
    expected = model.head(model.input.weight[[3, 4]].mean(0))
    torch.testing.assert_close(model(ids, torch.tensor([2]))[0], expected)


def test_learns_negation_and_contrast_that_a_bag_of_words_cannot(tmp_path):
    small = dict(generated_train=3000, generated_validation=200, generated_test=400, hidden_size=24,
                 embedding_dim=16, batch_size=32, dropout=0.0,
                 train=TrainConfig(epochs=6, lr=0.01, progress=False, tensorboard=False, device="cpu",
                                   monitor="accuracy", monitor_mode="max"))
    rnn = sentiment.train(sentiment.SentimentConfig(out=str(tmp_path / "rnn"), **small))
    bow = sentiment.train(sentiment.SentimentConfig(out=str(tmp_path / "bow"), encoder="bow", **small))
    assert rnn.test["accuracy_negation"] > 0.9 and rnn.test["accuracy_contrast"] > 0.85
    assert rnn.test["accuracy_negation"] > bow.test["accuracy_negation"] + 0.2
    assert rnn.test["accuracy_contrast"] > bow.test["accuracy_contrast"] + 0.2
    assert sum(map(sum, rnn.confusion)) == 400 and (tmp_path / "rnn" / "confusion.png").exists()


# --- the command line -----------------------------------------------------------------------


def test_cli_train_eval_predict(sst_folder, tmp_path, capsys, caplog):
    run = tmp_path / "run"
    assert main(["sentiment", "train", "--data", str(sst_folder), "--out", str(run), "--embedding-dim", "8",
                 "--hidden-size", "8", "--epochs", "2", "--quiet", "--no-tensorboard", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "true \\ predicted" in out and "negative" in out
    assert main(["sentiment", "eval", str(run), "--data", str(sst_folder / "stsa.binary.test")]) == 0
    assert "macro f1" in capsys.readouterr().out
    assert main(["sentiment", "predict", str(run), "a gripping film", "boring !"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    label, p, text = lines[0].split("\t")
    assert label in ("negative", "positive") and 0.5 <= float(p) <= 1 and text == "a gripping film"
    assert main(["sentiment", "predict", str(run), "   "]) == 2
    assert "text 1 is empty" in capsys.readouterr().err
    assert main(["sentiment", "predict", str(run), "a zzyzx film", "qwerty !"]) == 0
    assert "words the model never saw (read as <unk>): 'zzyzx', 'qwerty'" in caplog.text


def test_cli_reads_windows_1252_reviews_with_encoding(tmp_path, capsys):
    """The MR movie reviews as distributed (rt-polarity, cp1252): refused in UTF-8 with the option to use, then
    read with it, in training and in eval."""
    lines = [f"1 a café of a film, truly {w}" for w in ("great", "fine", "moving")] + \
            [f"0 a na\xefve, \u201cdull\u201d {w}" for w in ("mess", "bore", "flop")]
    data = tmp_path / "rt-polarity.txt"
    data.write_bytes(("\n".join(lines * 8) + "\n").encode("cp1252"))
    run = tmp_path / "run"
    assert main(["sentiment", "train", "--data", str(data), "--out", str(run), "--quiet"]) == 2
    assert "is not UTF-8 text (byte 0xe9" in capsys.readouterr().err
    assert main(["sentiment", "train", "--data", str(data), "--encoding", "cp1252", "--out", str(run), "--quiet",
                 "--embedding-dim", "8", "--hidden-size", "8", "--epochs", "1", "--no-tensorboard"]) == 0
    capsys.readouterr()
    assert main(["sentiment", "eval", str(run), "--data", str(data)]) == 0  # the run's encoding
    assert "macro f1" in capsys.readouterr().out
    assert main(["sentiment", "train", "--data", str(data), "--encoding", "klingon", "--quiet"]) == 2
    assert "unknown text encoding 'klingon'" in capsys.readouterr().err


def test_cli_bad_input_is_one_line(tmp_path, capsys):
    bad = write(tmp_path / "bad.txt", "1 good\n1\n")
    assert main(["sentiment", "train", "--data", str(bad), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.txt, line 2: the text is empty" in err and "--skip-bad-rows" in err
    assert main(["sentiment", "train", "--data", str(tmp_path / "nothing.txt"), "--quiet"]) == 2
    assert "no such file" in capsys.readouterr().err
    vectors = write(tmp_path / "v.txt", "2 3\ngood 1 2 3\nbad 1 2\n")
    data = write(tmp_path / "d.txt", "1 good\n0 bad\n" * 10)
    assert main(["sentiment", "train", "--data", str(data), "--vectors", str(vectors), "--quiet"]) == 2
    assert "v.txt, line 3: the vector of 'bad' has 2 numbers; the header says 3" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_pretrained_vectors_through_training(tmp_path):
    vectors = write(tmp_path / "glove.txt", "good 1 0 0 0\nbad -1 0 0 0\nfilm 0 1 0 0\n")
    data = write(tmp_path / "d.txt", "1 good film\n0 bad film\n" * 20)
    result = sentiment.train(config(data=str(data), vectors=str(vectors), embedding_dim=None, freeze_vectors=True,
                                    validation=4, test=4, out=str(tmp_path / "run")))
    assert result.vectors_found == 3
    trained = sentiment.load(tmp_path / "run")
    row = sentiment.vocab_of(trained).id("good")
    assert torch.equal(trained.model.input.weight[row], torch.tensor([1.0, 0, 0, 0]))  # frozen: still the file's
    vectors.unlink()  # the weights hold the vectors: scoring a trained run does not read the file again
    assert "accuracy" in trained.test()


def test_resume_continues_the_run(tmp_path):
    base = config(generated_train=300, generated_validation=50, generated_test=50, out=str(tmp_path / "a"),
                  train=replace(FAST, epochs=2))
    whole = sentiment.train(base)
    sentiment.train(replace(base, out=str(tmp_path / "b"), train=replace(base.train, max_steps=7)))
    resumed = sentiment.resume(tmp_path / "b", progress=False)
    assert resumed.test == whole.test
