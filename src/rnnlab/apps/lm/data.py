"""The language model's corpora, at the level of characters or of words.

What ``--data`` may be, as corpora are published:

- a plain-text file: at the character level one stream (or, when nearly
  every line is one word, a word list); at the word level one line a
  sentence or paragraph, ``<eos>`` after each;
- a folder with ``train.txt``, ``valid.txt`` and ``test.txt`` (the Penn
  Treebank and WikiText layout; WikiText's ``wiki.train.tokens`` names too):
  the published splits, one sentence or paragraph a line, ``<unk>`` already
  in the text;
- a folder of documents, one ``.txt`` file each (``aclImdb/train/unsup``):
  HTML line breaks (``<br />``) read as spaces, split into training,
  validation and test by whole documents with ``--split-seed``.

Words are the tokens of ``rnnlab.data.text.tokenize`` (the sentiment and
tagging applications' tokenizer), each line or document followed by
``<eos>``; words below ``--min-freq`` or past ``--max-vocab`` read as ``<unk>``.
Nothing given: the embedded English word list (characters) or the prose of
the Python language reference that ships with Python (words).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from rnnlab.data import DataError, Vocabulary, english_words, read_lines, read_text, split_items, split_sizes
from rnnlab.data.documents import read_parts
from rnnlab.data.prose import python_reference
from rnnlab.data.text import tokenize
from rnnlab.data.vocab import BOS, EOS, PAD, UNK

FORMATS = ("auto", "words", "text")
UNITS = ("char", "word")


@dataclass
class Corpus:
    """A split corpus and its vocabulary.

    ``kind == "words"``: ``train/validation/test`` are lists of words, each read
    as ``<bos> w o r d <eos>`` (characters). ``kind == "text"``: each split is
    one stream, a string (characters) or a tensor of word ids (words).
    ``counts``: how often each vocabulary token occurs in the training split.
    """

    kind: str
    source: str
    vocab: Vocabulary
    train: list[str] | str | Tensor
    validation: list[str] | str | Tensor
    test: list[str] | str | Tensor
    unit: str = "char"
    train_set: set[str] = field(default_factory=set)
    held_out_set: set[str] = field(default_factory=set)  # real words that training never saw

    def encode_word(self, word: str) -> list[int]:
        return [self.vocab.bos_id] + self.vocab.encode(word) + [self.vocab.eos_id]

    def encode_text(self, text: str | Tensor) -> Tensor:
        return text if isinstance(text, Tensor) else torch.tensor(self.vocab.encode(text), dtype=torch.long)

    def counts(self) -> list[int]:
        return torch.bincount(self.encode_text(self.train), minlength=len(self.vocab)).tolist()


def _whole(path: str | Path) -> list[str]:
    """All of a ``--validation-data``/``--test-data`` file or folder, as lines or documents."""
    layout, parts = read_parts(path)
    if layout == "splits":
        raise DataError(path, "is a split folder; give one of its files")
    return parts


def split_parts(data: str | Path | None, validation, test, seed: int, validation_data=None,
                test_data=None) -> tuple[str, dict[str, list[str]]]:
    """The corpus's source name and its training, validation and test lines or documents.

    Published splits are used whole; documents are split by ``seed``; the lines of one file in order (training
    first, then validation, then test). ``validation_data``/``test_data`` replace a carved part.
    """
    if data is None:
        layout, parts, source = "documents", python_reference(), "the Python language reference's prose (embedded)"
    else:
        (layout, parts), source = read_parts(data), str(data)
    if layout == "splits":
        out = dict(parts)
    else:
        n_val = 0 if validation_data else validation
        n_test = 0 if test_data else test
        if layout == "documents":
            train, val, tst = split_items(parts, n_val, n_test, seed, what="documents", source=data or source)
        else:
            v, t = split_sizes(len(parts), n_val, n_test, what="lines", source=data)
            train, val, tst = parts[:len(parts) - v - t], parts[len(parts) - v - t:len(parts) - t], parts[len(parts) - t:]
        out = {"train": train, "validation": val, "test": tst}
    if validation_data:
        out["validation"] = _whole(validation_data)
    if test_data:
        out["test"] = _whole(test_data)
    asked = {"train": True, "validation": bool(validation or validation_data), "test": bool(test or test_data)}
    for split, part in out.items():
        if asked[split] and not part:
            raise DataError(data or source, f"leaves no {split} text; give --{split} a larger share or --{split}-data")
    return source, out


# --- words ---------------------------------------------------------------------------------
def word_tokens(part: list[str]) -> list[list[str]]:
    """Each line or document's tokens, ``<eos>`` at its end."""
    return [tokenize(text) + [EOS] for text in part]


def load_word_corpus(data, validation, test, seed: int, min_freq: int = 1, max_vocab: int | None = None,
                     validation_data=None, test_data=None, vocab: Vocabulary | None = None) -> Corpus:
    """A word-level corpus: three streams of word ids and the vocabulary of the training words (``vocab``: a
    trained run's, kept as it was)."""
    source, parts = split_parts(data, validation, test, seed, validation_data, test_data)
    tokens = {split: word_tokens(part) for split, part in parts.items()}
    if vocab is None:
        vocab = Vocabulary.build(tokens["train"], specials=(UNK, EOS), min_freq=min_freq, max_size=max_vocab)
        if len(vocab) == 2:
            raise DataError(data or source, f"its vocabulary holds only {UNK} and {EOS}: no word occurs "
                                            f"--min-freq {min_freq} times in the training text")
    unk = vocab.index[UNK]
    ids = {split: torch.tensor([vocab.index.get(t, unk) for doc in docs for t in doc], dtype=torch.long)
           for split, docs in tokens.items()}
    if ids["train"].numel() < 2:
        raise DataError(data or source, "holds fewer than two training words")
    return Corpus("text", source, vocab, ids["train"], ids["validation"], ids["test"], unit="word")


# --- characters ----------------------------------------------------------------------------
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
    return Corpus("words", source, vocab, train, val, tst, "char", set(train), (set(val) | set(tst)) - set(train))


def char_streams(train: str, val: str, tst: str, source: str, path=None) -> Corpus:
    _check_characters(set(train), path)
    return Corpus("text", source, Vocabulary([PAD, UNK] + sorted(set(train))), train, val, tst)


def load_text(text: str, source: str, validation: float | int, test: float | int, path=None) -> Corpus:
    """A text corpus: the first part trains, then validation, then test (fractions or character counts)."""
    n = len(text)
    n_val, n_test = split_sizes(n, validation, test, what="characters", source=path or source)
    if n - n_val - n_test < 2 or 0 < n_val < 2 or 0 < n_test < 2:
        raise DataError(path, f"holds {n} characters: too short to split into training, validation and test text")
    return char_streams(text[: n - n_val - n_test], text[n - n_val - n_test: n - n_test], text[n - n_test:],
                        source, path)


def load_char_corpus(data: str | None, fmt: str, words: int, validation, test, seed: int, validation_data=None,
                     test_data=None) -> Corpus:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; received {fmt!r}")
    if data is None:
        if fmt == "text":
            raise ValueError("the embedded corpus is a word list; give --data FILE for a text corpus")
        return load_words(english_words(words), f"embedded English words ({words})", validation, test, seed)
    path = Path(data)
    if path.is_dir() or validation_data or test_data:  # published splits or documents: streams of characters
        source, parts = split_parts(path, validation, test, seed, validation_data, test_data)
        return char_streams(*("\n".join(parts[s]) + "\n" for s in ("train", "validation", "test")), source, path)
    if fmt == "text":
        return load_text(read_text(path), str(path), validation, test, path)
    lines = read_lines(path)
    if fmt == "auto" and not _looks_like_word_list(lines):
        return load_text(read_text(path), str(path), validation, test, path)
    for number, line in lines:
        if len(line.split()) != 1:
            raise DataError(path, f"a word list holds one word a line; received {line[:40]!r}", number)
    return load_words([line for _, line in lines], str(path), validation, test, seed, path)


def load_corpus(data: str | None, fmt: str, words: int, validation: float | int, test: float | int,
                seed: int, unit: str = "char", min_freq: int = 1, max_vocab: int | None = None,
                validation_data: str | None = None, test_data: str | None = None,
                vocab: Vocabulary | None = None) -> Corpus:
    """The corpus for a run (see the module's docstring).

    ``validation`` 0 makes the test split double as the validation split (the
    char-rnn / nanoGPT protocol for tiny-shakespeare: train on the first 90%,
    select and report on the last 10%); the test number is then optimistic.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}; received {unit!r}")
    if unit == "word":
        if fmt == "words":
            raise ValueError("--format words (a word list) is read at the character level; give --unit char")
        corpus = load_word_corpus(data, validation, test, seed, min_freq, max_vocab, validation_data, test_data,
                                  vocab)
    else:
        corpus = load_char_corpus(data, fmt, words, validation, test, seed, validation_data, test_data)
    if not validation and not validation_data:
        if not test and not test_data:
            raise ValueError("validation and test are both 0: nothing would be held out")
        corpus.validation = corpus.test
    return corpus
