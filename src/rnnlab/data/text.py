"""Word tokenisation: lower-case, punctuation split off, English contractions split as the Penn Treebank does.

``tokenize("It's not GOOD, isn't it?")`` gives
``['it', "'s", 'not', 'good', ',', 'is', "n't", 'it', '?']``: the same tokens as
the Stanford Sentiment Treebank's own files, so raw text a user types meets a
model trained on them in the same form. Text already tokenised that way
comes back unchanged (``-lrb-``, ``...`` and ``--`` stay whole), and so does
the ``<unk>`` of corpora published with their rare words replaced (Penn Treebank, WikiText).
"""

from __future__ import annotations

import re

_NOT = re.compile(r"(\w)(n't)\b")
_CLITIC = re.compile(r"(\w)('(?:s|re|ve|ll|d|m))\b")
_TOKEN = re.compile(r"<unk>|-[lr][rcs]b-|\.\.\.|--|``|''|n't|'(?:s|re|ve|ll|d|m)\b|\w+(?:[-']\w+)*|\S")


def tokenize(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens of ``text``."""
    text = _CLITIC.sub(r"\1 \2", _NOT.sub(r"\1 \2", text.lower()))
    return _TOKEN.findall(text)
