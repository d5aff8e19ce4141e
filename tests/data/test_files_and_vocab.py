"""Readers, vocabularies, splits, batching, streams and the embedded word list."""

import pytest
import torch

from rnnlab.data import (DataError, Vocabulary, batchify, bucket_batches, english_words, pad_batch, read_lines,
                         read_text, split_items)
from rnnlab.data.files import text_encoding


def test_read_text_and_lines(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("\ufeffone\n\n  two  \nthree\n", encoding="utf-8")
    assert read_text(f).startswith("one")
    assert read_lines(f) == [(1, "one"), (3, "two"), (4, "three")]


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    (b"", "the file is empty"),
    (b"  \n\n", "the file is empty"),
    (b"abc\ndef\x00ghi", r"line 2: holds NUL bytes: a binary file"),
    (b"abc\n\xff\xfe oops", r"line 2: is not UTF-8 text \(byte 0xff at offset 4\)"),
])
def test_bad_files_name_the_file_and_the_reason(tmp_path, content, message):
    f = tmp_path / "data.txt"
    if content is not None:
        f.write_bytes(content)
    with pytest.raises(DataError, match=str(f).replace(".", r"\.") + ".*" + message):
        read_text(f)


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(DataError, match="is a folder"):
        read_text(tmp_path)


def test_vocabulary():
    v = Vocabulary.build(["abca", "bd"], specials=("<pad>", "<unk>"))
    assert v.tokens[:2] == ["<pad>", "<unk>"] and v.tokens[2] == "a"
    assert v.encode("ax") == [2, 1]
    assert Vocabulary.from_json(v.to_json()).tokens == v.tokens
    with pytest.raises(KeyError):
        Vocabulary(["a"]).id("b")
    assert Vocabulary.build(["aab"], specials=(), min_freq=2).tokens == ["a"]


def test_split_is_deterministic_and_disjoint():
    items = list(range(100))
    a = split_items(items, 10, 0.2, seed=3)
    assert a == split_items(items, 10, 0.2, seed=3)
    assert [len(p) for p in a] == [70, 10, 20]
    assert sorted(a[0] + a[1] + a[2]) == items
    assert a != split_items(items, 10, 0.2, seed=4)
    with pytest.raises(ValueError, match="leaves nothing to train on"):
        split_items(items, 50, 50)


def test_pad_and_bucket():
    ids, lengths = pad_batch([[1, 2, 3], [4]], pad_id=0)
    assert ids.tolist() == [[1, 2, 3], [4, 0, 0]] and lengths.tolist() == [3, 1]
    lens = [5, 1, 9, 3, 7, 2, 8, 4]
    batches = bucket_batches(lens, 2, seed=0, bucket_factor=4)
    assert sorted(k for b in batches for k in b) == list(range(8))
    assert batches == bucket_batches(lens, 2, seed=0, bucket_factor=4)
    assert all(abs(lens[b[0]] - lens[b[1]]) <= 2 for b in batches)  # neighbours in length


def test_batchify_keeps_rows_contiguous():
    s = batchify(torch.arange(10), 3)
    assert s.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    with pytest.raises(ValueError, match="too short for 6 rows"):
        batchify(torch.arange(10), 6)


def test_embedded_english_words():
    words = english_words(5000)
    assert len(words) == 5000 == len(set(words))
    assert words[:3] == ["the", "you", "to"]
    assert all(w.isalpha() and w.islower() and w.isascii() and len(w) >= 2 for w in words)
    assert english_words(5000) == words


def test_text_in_other_encodings(tmp_path):
    """The MR reviews as distributed are Windows-1252: the error says which option reads them, and it does."""
    path = tmp_path / "rt-polarity.txt"
    path.write_bytes("1 a café worth visiting\n0 na\xefve and \x93dull\x94\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"rt-polarity.txt, line 1: is not UTF-8 text \(byte 0xe9 at offset 7\); "
                                        r"it is likely cp1252: give --encoding cp1252"):
        read_text(path)
    with text_encoding("cp1252"):
        assert read_lines(path)[1][1] == "0 na\u00efve and \u201cdull\u201d"
    with text_encoding("latin-1"):
        assert "café" in read_text(path)
    with text_encoding("auto"), pytest.raises(DataError, match="give --encoding cp1252"):
        read_text(path)
    utf8 = tmp_path / "u.txt"
    utf8.write_text("é", encoding="utf-8")
    assert read_text(utf8) == "é"  # UTF-8 stays the default outside
    with pytest.raises(ValueError, match="unknown text encoding 'klingon'"):
        with text_encoding("klingon"):
            pass


def test_unknown_words_are_listed_once(caplog):
    vocab = Vocabulary(["<pad>", "<unk>", "good", "film"])
    assert vocab.unknown([["good", "zzyzx", "film"], ["qwerty", "zzyzx"]]) == ["zzyzx", "qwerty"]
    assert vocab.warn_unknown([["good", "film"]]) == [] and not caplog.text
    vocab.warn_unknown([["good", "zzyzx"], ["qwerty"]])
    assert "words the model never saw (read as <unk>): 'zzyzx', 'qwerty'" in caplog.text
