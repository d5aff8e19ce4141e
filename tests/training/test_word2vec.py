"""rnnlab vectors: word2vec through gensim, with the tasks' tokenizer, read back by --vectors."""

import random

import pytest
import torch

pytest.importorskip("gensim")
from gensim.models import KeyedVectors  # noqa: E402

from rnnlab.apps import sentiment  # noqa: E402
from rnnlab.cli.main import main  # noqa: E402
from rnnlab.training import TrainConfig  # noqa: E402
from rnnlab.training.word2vec import neighbours, sentences, train_vectors  # noqa: E402

GROUPS = (["film", "movie", "story", "plot"], ["good", "bad", "great", "awful"], ["runs", "jumps", "walks", "sleeps"])


def corpus(path, n=1500, seed=0):
    """Sentences 'the THING is QUALITY and the THING VERB .': each group of words fills its own slots."""
    rng = random.Random(seed)
    lines = [f"The {rng.choice(GROUPS[0])} is {rng.choice(GROUPS[1])} and the {rng.choice(GROUPS[0])} "
             f"{rng.choice(GROUPS[2])}." for _ in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".bin", ".txt"])
def test_vectors_are_a_word2vec_file_that_vectors_reads_row_for_row(tmp_path, suffix):
    out = tmp_path / f"v{suffix}"
    done = train_vectors([str(corpus(tmp_path / "text.txt"))], out, dim=12, min_count=2, epochs=3, workers=1,
                         progress=False)
    assert out.exists() and not (tmp_path / f"v{suffix}.part").exists()
    gensim = KeyedVectors.load_word2vec_format(str(out), binary=suffix == ".bin")
    assert done.words == len(gensim) and "the" in gensim and "." in gensim  # the tasks' tokens, lower-cased
    config = sentiment.SentimentConfig(vectors=str(out), hidden_size=8, train=TrainConfig(epochs=1))
    prepared = sentiment.APP.prepare(config, None)
    model = sentiment.APP.build_model(config, prepared.meta)
    prepared.initialize(model)
    vocab = prepared.data["vocab"]
    shared = [w for w in vocab.tokens if w in gensim]
    assert prepared.data["vectors_found"] == len(shared) > 5
    for w in shared:
        torch.testing.assert_close(model.input.weight[vocab.id(w)], torch.from_numpy(gensim[w].copy()))


def test_words_of_a_kind_are_each_others_neighbours(tmp_path):
    out = tmp_path / "v.bin"
    train_vectors([str(corpus(tmp_path / "text.txt", 3000))], out, dim=16, window=2, min_count=2, epochs=10,
                  workers=1, progress=False)
    for group in GROUPS:
        near = [w for w, _ in neighbours(out, group[0], 3)]
        assert sorted(near) == sorted(group[1:]), (group, near)


def test_text_is_read_as_the_language_model_reads_it(tmp_path):
    folder = tmp_path / "docs"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "1.txt").write_text("A fine film.<br /><br />Really!", encoding="utf-8")
    (folder / "2.txt").write_text("not bad", encoding="utf-8")
    splits = tmp_path / "splits"
    splits.mkdir()
    for name in ("train", "valid", "test"):
        (splits / f"{name}.txt").write_text(f"{name} words here\n", encoding="utf-8")
    assert sentences([str(folder), str(splits)]) == [["not", "bad"], ["a", "fine", "film", ".", "really", "!"],
                                                     ["train", "words", "here"]]  # by path; never the test text


def test_bad_input_is_one_line(tmp_path, capsys):
    text = str(corpus(tmp_path / "text.txt", 50))
    (tmp_path / "taken.bin").write_bytes(b"keep me")
    cases = [
        (["--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "a.bin")], "no such file or folder"),
        (["--data", text, "--out", str(tmp_path / "taken.bin")], "already exists"),
        (["--data", text, "--out", str(tmp_path / "a.bin"), "--dim", "0"], "dim must be at least 1"),
        (["--data", text, "--out", str(tmp_path / "a.bin"), "--min-count", "100000"], "no word occurs"),
        (["--data", text, "--out", str(tmp_path / "no" / "a.bin")], "no such folder"),
    ]
    for args, message in cases:
        assert main(["vectors", "train", "--quiet", *args]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, err
    assert (tmp_path / "taken.bin").read_bytes() == b"keep me"
    assert main(["vectors", "neighbours", str(tmp_path / "taken.bin"), "film"]) == 2


def test_vectors_whose_size_disagrees_with_embedding_dim_are_one_line(tmp_path, capsys):
    out = tmp_path / "v.txt"
    train_vectors([str(corpus(tmp_path / "text.txt", 200))], out, dim=12, min_count=2, epochs=1, workers=1,
                  progress=False)
    for app in ("sentiment", "tag"):
        assert main([app, "train", "--vectors", str(out), "--embedding-dim", "32", "--quiet",
                     "--out", str(tmp_path / app)]) == 2
        assert "gives 12-dimensional word vectors, but --embedding-dim is 32" in capsys.readouterr().err
