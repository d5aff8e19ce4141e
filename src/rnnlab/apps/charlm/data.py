"""The character language model's corpora: word lists and plain-text streams."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from rnnlab.data import DataError, Vocabulary, english_words, read_lines, read_text, split_items, split_sizes
from rnnlab.data.vocab import BOS, EOS, PAD, UNK

FORMATS = ("auto", "words", "text")


@dataclass
class Corpus:
    """A split corpus and its character vocabulary.

    ``kind == "words"``: ``train/validation/test`` are lists of words, each read
    as ``<bos> w o r d <eos>``. ``kind == "text"``: they are strings, read as
    one stream each.
    """

    kind: str
    source: str
    vocab: Vocabulary
    train: list[str] | str
    validation: list[str] | str
    test: list[str] | str
    train_set: set[str] = field(default_factory=set)
    held_out_set: set[str] = field(default_factory=set)  # real words that training never saw

    def encode_word(self, word: str) -> list[int]:
        return [self.vocab.bos_id] + self.vocab.encode(word) + [self.vocab.eos_id]

    def encode_text(self, text: str) -> Tensor:
        return torch.tensor(self.vocab.encode(text), dtype=torch.long)


def _looks_like_word_list(lines: list[tuple[int, str]]) -> bool:
    """One short token a line, no spaces inside, for nearly every line."""
    single = sum(1 for _, line in lines if len(line.split()) == 1 and len(line) <= 40)
    return single >= 0.95 * len(lines)


def _check_characters(vocab_chars: set[str], path) -> None:
    if len(vocab_chars) < 2:
        raise DataError(path, f"holds a single distinct character ({''.join(vocab_chars)!r}); "
                              "a language model needs at least two")


def load_words(words: list[str], source: str, validation: float | int, test: float | int, seed: int,
               path=None) -> Corpus:
    """A word-list corpus: a deterministic split of its lines, characters from the training words.

    Every line is an example, repeats included (a name that occurs twice is
    twice as likely), as in the public benchmarks on such lists.
    """
    _check_characters(set("".join(words)), path)
    if len(set(words)) < 3:
        raise DataError(path, f"holds {len(set(words))} distinct word(s); a word list needs at least 3")
    train, val, tst = split_items(words, validation, test, seed, what="words", source=path or source)
    chars = sorted(set("".join(train)))
    vocab = Vocabulary([PAD, BOS, EOS, UNK] + chars)
    return Corpus("words", source, vocab, train, val, tst, set(train), (set(val) | set(tst)) - set(train))


def load_text(text: str, source: str, validation: float | int, test: float | int, path=None) -> Corpus:
    """A text corpus: the first part trains, then validation, then test (fractions or character counts)."""
    n = len(text)
    n_val, n_test = split_sizes(n, validation, test, what="characters", source=path or source)
    if n - n_val - n_test < 2 or 0 < n_val < 2 or 0 < n_test < 2:
        raise DataError(path, f"holds {n} characters: too short to split into training, validation and test text")
    _check_characters(set(text), path)
    train, val, tst = text[: n - n_val - n_test], text[n - n_val - n_test: n - n_test], text[n - n_test:]
    chars = sorted(set(train))
    vocab = Vocabulary([PAD, UNK] + chars)
    return Corpus("text", source, vocab, train, val, tst)


def load_corpus(data: str | None, fmt: str, words: int, validation: float | int, test: float | int,
                seed: int) -> Corpus:
    """The embedded English word list (``data`` None), or a user's word list or text file.

    ``validation`` 0 makes the test split double as the validation split (the
    char-rnn / nanoGPT protocol for tiny-shakespeare: train on the first 90%,
    select and report on the last 10%); the test number is then optimistic.
    """
    corpus = _load_corpus(data, fmt, words, validation, test, seed)
    if not validation:
        if not test:
            raise ValueError("validation and test are both 0: nothing would be held out")
        corpus.validation = corpus.test
    return corpus


def _load_corpus(data, fmt, words, validation, test, seed) -> Corpus:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; received {fmt!r}")
    if data is None:
        if fmt == "text":
            raise ValueError("the embedded corpus is a word list; give --data FILE for a text corpus")
        return load_words(english_words(words), f"embedded English words ({words})", validation, test, seed)
    path = Path(data)
    if fmt == "text":
        return load_text(read_text(path), str(path), validation, test, path)
    lines = read_lines(path)
    if fmt == "auto" and not _looks_like_word_list(lines):
        return load_text(read_text(path), str(path), validation, test, path)
    for number, line in lines:
        if len(line.split()) != 1:
            raise DataError(path, f"a word list holds one word a line; received {line[:40]!r}", number)
    return load_words([line for _, line in lines], str(path), validation, test, seed, path)
