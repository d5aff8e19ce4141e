"""Sequence labelling: the generated sentences, learning from context, CoNLL-U and CoNLL-2003 through the CLI."""

from dataclasses import replace

import pytest

from rnnlab.apps import tag
from rnnlab.apps.tag.generated import AMBIGUOUS, TEMPLATES, generate_tagged, held_out
from rnnlab.apps.tag.tasks import most_frequent_tag, tag_scores
from rnnlab.cli.main import main
from rnnlab.data import BadRows, Vocabulary
from rnnlab.data.tagged import Tagged, read_conllu
from rnnlab.training import TrainConfig

FAST = TrainConfig(epochs=2, progress=False, tensorboard=False, device="cpu", monitor="accuracy", monitor_mode="max")
QUIET = ["--quiet", "--no-tensorboard", "--device", "cpu"]


def conllu(sentences):
    """A CoNLL-U text of (words, tags) sentences, with a multi-word token range in the first."""
    out = []
    for k, (words, tags) in enumerate(sentences):
        out.append(f"# sent_id = s{k}")
        if k == 0:
            out.append(f"1-2\t{words[0]}{words[1]}\t_\t_\t_\t_\t_\t_\t_\t_")
        out += [f"{i}\t{w}\t{w}\t{t}\t_\t_\t0\tdep\t_\t_" for i, (w, t) in enumerate(zip(words, tags), start=1)]
        out.append("")
    return "\n".join(out) + "\n"


def test_generated_sentences_hold_out_each_ambiguous_word_in_one_context():
    train, validation, test = generate_tagged(400, 50, 100, seed=0)
    assert generate_tagged(400, 50, 100, seed=0)[2] == test
    for words, tags in test:
        pairs = [(w, t) for w, t in zip(words, tags) if w in AMBIGUOUS and t in AMBIGUOUS[w]]
        assert pairs and all(t in AMBIGUOUS[w] for w, t in pairs)
    for words, tags in train + validation:  # no ambiguous word sits in its held-out context in training
        for k, (w, role) in enumerate(zip(words, tags)):
            if w in AMBIGUOUS:
                context = tuple("*" if j == k else t for j, t in enumerate(tags))
                assert context != TEMPLATES[role][held_out(w, role)]
    for words, tags in test:  # and every test sentence has one
        k = next(k for k, w in enumerate(words) if w in AMBIGUOUS)
        assert tuple("*" if j == k else t for j, t in enumerate(tags)) == TEMPLATES[tags[k]][held_out(words[k], tags[k])]


def test_learns_held_out_contexts_that_the_most_frequent_tag_cannot(tmp_path):
    config = tag.TagConfig(generated_train=3000, generated_validation=100, generated_test=300, hidden_size=32,
                           crf=True, out=str(tmp_path / "run"), train=replace(FAST, epochs=6, lr=5e-3))
    result = tag.train(config)
    assert result.test["accuracy_ambiguous"] > 0.9
    assert result.test["accuracy_ambiguous"] > result.baseline["accuracy_ambiguous"] + 0.3
    assert {row["tag"] for row in result.per_tag} >= {"NOUN", "VERB", "DET"}
    assert all(0 <= row["f1"] <= 1 for row in result.per_tag) and (tmp_path / "run" / "confusion.png").exists()


def test_scores_count_all_ambiguous_and_unseen_words():
    sentences = [Tagged(["The", "book", "zorp"], ["DET", "NOUN", "NOUN"]), Tagged(["we", "book"], ["PRON", "VERB"])]
    predicted = [["DET", "VERB", "NOUN"], ["PRON", "VERB"]]
    scores = tag_scores(predicted, sentences, {"book"}, Vocabulary(["<pad>", "<unk>", "the", "book", "we"]))
    assert scores == {"accuracy": 0.8, "accuracy_ambiguous": 0.5, "accuracy_unseen": 1.0}
    assert most_frequent_tag(sentences, [Tagged(["book", "new"], ["NOUN", "NOUN"])]) == [["NOUN", "NOUN"]]


def test_conllu_through_the_cli_predict_eval_and_written_predictions(tmp_path, capsys):
    train, _, test = generate_tagged(60, 0, 10, seed=1)
    data, dev = tmp_path / "train.conllu", tmp_path / "dev.conllu"
    data.write_text(conllu(train), encoding="utf-8")
    dev.write_text(conllu(test), encoding="utf-8")
    run = tmp_path / "run"
    assert main(["tag", "train", "--data", str(data), "--validation-data", str(dev), "--test-data", str(dev),
                 "--hidden-size", "8", "--epochs", "2", "--crf", "--out", str(run), *QUIET]) == 0
    assert "most frequent tag" in capsys.readouterr().out
    assert main(["tag", "predict", str(run), "we book the car .", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and lines[1].split("\t")[0] == "book" and len(lines[1].split("\t")) == 4
    written = tmp_path / "predicted.conllu"
    assert main(["tag", "eval", str(run), "--data", str(dev), "--write-predictions", str(written)]) == 0
    assert "accuracy ambiguous" in capsys.readouterr().out
    back = read_conllu(written, BadRows(False))
    assert [s.words for s in back] == [s.words for s in read_conllu(dev, BadRows(False))]
    assert written.read_text().startswith("# sent_id = s0\n1-2\t")
    strange = tmp_path / "strange.conllu"
    strange.write_text(conllu([(["we", "book"], ["PRON", "XYZ"])]), encoding="utf-8")
    assert main(["tag", "eval", str(run), "--data", str(strange)]) == 2
    assert "tags training never has: XYZ" in capsys.readouterr().err
    empty = tmp_path / "empty.conllu"
    empty.write_text("")
    assert main(["tag", "eval", str(run), "--data", str(empty)]) == 2
    assert "empty.conllu: the file is empty" in capsys.readouterr().err


def test_conll2003_entities_get_span_f1(tmp_path, capsys):
    lines = ["-DOCSTART- O", ""]
    for k in range(40):
        lines += ["meet O", f"{'ann bob cid dan'.split()[k % 4]} B-PER", f"{'lee kim'.split()[k % 2]} I-PER",
                  "in O", f"{'rome oslo'.split()[k % 2]} B-LOC", ""]
    data = tmp_path / "ner.txt"
    data.write_text("\n".join(lines), encoding="utf-8")
    assert main(["tag", "train", "--data", str(data), "--validation", "4", "--test", "4", "--epochs", "3",
                 "--out", str(tmp_path / "run"), *QUIET]) == 0
    out = capsys.readouterr().out
    assert "span f1" in out and "span precision" in out


def test_resume_continues_the_run(tmp_path):
    base = tag.TagConfig(generated_train=200, generated_validation=20, generated_test=20, hidden_size=8,
                         out=str(tmp_path / "a"), train=FAST)
    whole = tag.train(base)
    tag.train(replace(base, out=str(tmp_path / "b"), train=replace(FAST, max_steps=5)))
    assert tag.resume(tmp_path / "b", progress=False).test == whole.test


@pytest.mark.parametrize(("argv", "message"), [
    (["--data", "missing.conllu"], "missing.conllu: no such file"),
    (["--word-dropout", "1"], "word dropout must be in [0, 1); received 1.0"),
    (["--format", "conllu"], "format 'conllu' needs --data"),
])
def test_bad_input_is_one_line(tmp_path, capsys, argv, message):
    assert main(["tag", "train", *argv, "--out", str(tmp_path / "run"), *QUIET]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_pretrained_vectors_start_the_word_vectors(tmp_path, capsys):
    vectors = tmp_path / "glove.txt"
    vectors.write_text("book 1 0 0\nthe 0 1 0\ncar 0 0 1\n", encoding="utf-8")
    result = tag.train(tag.TagConfig(generated_train=100, generated_validation=10, generated_test=10, hidden_size=8,
                                     vectors=str(vectors), freeze_vectors=True, out=str(tmp_path / "run"), train=FAST))
    trained = tag.load(result.run_dir)
    words = tag.app.encoder_of(trained.meta).words
    assert trained.model.input.weight[words.id("book")].tolist() == [1.0, 0.0, 0.0]  # frozen: still the file's
    vectors.unlink()  # scoring a trained run does not read the file again
    assert "accuracy" in trained.test()
    other = tmp_path / "other.conllu"
    other.write_text(conllu([(["the", "book"], ["DET", "NOUN"])] * 3), encoding="utf-8")
    assert main(["tag", "eval", str(result.run_dir), "--data", str(other)]) == 0  # scores the file, not the default
    accuracy = float(capsys.readouterr().out.split("| accuracy ")[1].split("|")[1])
    assert round(6 * accuracy, 3) == round(6 * accuracy)  # a share of the file's 6 words
