"""A vocabulary: tokens <-> ids, with reserved special tokens, saved as JSON."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Iterable, Sequence

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"


log = logging.getLogger(__name__)


class Vocabulary:
    """An ordered list of tokens; id ``k`` is ``tokens[k]``.

    Special tokens come first, so ``<pad>`` is id 0 when present. Unknown tokens
    map to ``<unk>`` if the vocabulary has one, else raise ``KeyError``.
    """

    def __init__(self, tokens: Sequence[str]) -> None:
        if len(set(tokens)) != len(tokens):
            raise ValueError("Vocabulary: tokens must be distinct")
        self.tokens = list(tokens)
        self.index = {t: k for k, t in enumerate(self.tokens)}

    @classmethod
    def build(cls, sequences: Iterable[Iterable[str]], specials: Sequence[str] = (PAD, BOS, EOS),
              min_freq: int = 1, max_size: int | None = None) -> "Vocabulary":
        """Specials, then tokens by falling frequency (ties in first-seen order), ``min_freq`` and ``max_size`` applied."""
        counts = Counter()
        for seq in sequences:
            counts.update(seq)
        kept = [t for t, c in counts.most_common() if c >= min_freq and t not in specials]
        if max_size is not None:
            kept = kept[: max(0, max_size - len(specials))]
        return cls(list(specials) + kept)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.index

    def id(self, token: str) -> int:
        if token in self.index:
            return self.index[token]
        if UNK in self.index:
            return self.index[UNK]
        raise KeyError(token)

    def unknown(self, sentences: Iterable[Iterable[str]]) -> list[str]:
        """The tokens of ``sentences`` this vocabulary lacks, each once, in order of appearance."""
        return list(dict.fromkeys(t for s in sentences for t in s if t not in self.index))

    def warn_unknown(self, sentences: Iterable[Iterable[str]], what: str = "words") -> list[str]:
        """Log one warning listing the tokens of ``sentences`` the model never saw (read as ``<unk>``); return them."""
        unknown = self.unknown(sentences)
        if unknown:
            shown = ", ".join(map(repr, unknown[:20])) + (f" and {len(unknown) - 20} more" if len(unknown) > 20 else "")
            log.warning("%s the model never saw (read as %s): %s", what, UNK if UNK in self.index else "nothing",
                        shown)
        return unknown

    def encode(self, tokens: Iterable[str]) -> list[int]:
        return [self.id(t) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[k] for k in ids]

    @property
    def pad_id(self) -> int:
        return self.index[PAD]

    @property
    def bos_id(self) -> int:
        return self.index[BOS]

    @property
    def eos_id(self) -> int:
        return self.index[EOS]

    def to_json(self) -> list[str]:
        return list(self.tokens)

    @classmethod
    def from_json(cls, tokens: list[str]) -> "Vocabulary":
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise ValueError("a vocabulary is saved as a list of strings")
        return cls(tokens)
