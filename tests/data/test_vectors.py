"""Pretrained word vectors: word2vec text and binary, GloVe; checked as they are read."""

import struct

import numpy as np
import pytest
import torch

from rnnlab.data import DataError
from rnnlab.data.vectors import read_vectors
from rnnlab.models import pretrained_embedding

VECTORS = {"good": [0.5, 1.0, -1.5], "bad": [-0.5, -1.0, 1.5], "movie": [0.0, 0.25, 2.0]}


def write_text(path, header=True):
    lines = [f"{len(VECTORS)} 3"] if header else []
    lines += [w + " " + " ".join(str(x) for x in v) for w, v in VECTORS.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_binary(path):
    data = f"{len(VECTORS)} 3\n".encode()
    for w, v in VECTORS.items():
        data += w.encode() + b" " + struct.pack("<3f", *v) + b"\n"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", ["word2vec", "glove", "word2vec-binary"])
def test_each_format_reads_the_same_vectors(tmp_path, kind):
    path = {"word2vec": lambda: write_text(tmp_path / "w.txt"), "glove": lambda: write_text(tmp_path / "g.txt", False),
            "word2vec-binary": lambda: write_binary(tmp_path / "w.bin")}[kind]()
    for format in (kind, "auto"):
        vectors = read_vectors(path, format)
        assert vectors.words == list(VECTORS) and vectors.dim == 3 and vectors.total == 3
        np.testing.assert_allclose(vectors.vectors.numpy(), np.array(list(VECTORS.values())), rtol=1e-6)
    kept = read_vectors(path, kind, keep={"bad", "absent"})
    assert kept.words == ["bad"] and kept.total == 3


def test_vectors_go_into_the_rows_of_their_words(tmp_path):
    vectors = read_vectors(write_text(tmp_path / "w.txt"))
    tokens = ["<pad>", "<unk>", "movie", "plot", "good"]
    embedding, found = pretrained_embedding(tokens, vectors.words, vectors.vectors, freeze=True, padding_idx=0)
    assert found == 2
    assert torch.equal(embedding.weight[2], torch.tensor(VECTORS["movie"]))
    assert torch.equal(embedding.weight[4], torch.tensor(VECTORS["good"]))
    assert torch.equal(embedding.weight[0], torch.zeros(3))
    assert embedding.weight[3].abs().sum() > 0 and not embedding.weight.requires_grad  # own row, frozen
    tuned, _ = pretrained_embedding(tokens, vectors.words, vectors.vectors, freeze=False, padding_idx=0)
    assert tuned.weight.requires_grad


@pytest.mark.parametrize("content, message", [
    ("3 3\ngood 1 2 3\nbad 1 2\nmovie 1 2 3\n", r"line 3: the vector of 'bad' has 2 numbers; the header says 3"),
    ("3 4\ngood 1 2 3\n", "line 2: the vector of 'good' has 3 numbers; the header says 4"),
    ("good 1 2 3\nbad 1 2 3 4\n", "line 2: the vector of 'bad' has 4 numbers; the first vector has 3"),
    ("5 3\ngood 1 2 3\n", "the header promises 5 vectors; the file holds 1"),
    ("good 1 x 3\n", "line 1: the vector of 'good' holds something that is not a number"),
])
def test_bad_text_files(tmp_path, content, message):
    path = tmp_path / "v.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_vectors(path)


def test_bad_binary_files(tmp_path):
    path = write_binary(tmp_path / "w.bin")
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(DataError, match="cut short"):
        read_vectors(path, "word2vec-binary")
    path.write_bytes(b"9 3\n" + write_binary(tmp_path / "x.bin").read_bytes().split(b"\n", 1)[1])
    with pytest.raises(DataError, match="ends after 3 of the 9 vectors"):
        read_vectors(path, "word2vec-binary")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(DataError, match="empty"):
        read_vectors(empty)
