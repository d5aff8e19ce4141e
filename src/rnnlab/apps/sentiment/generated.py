"""The embedded default: generated English review sentences whose label depends on word order.

Each sentence is built from clauses ``ASPECT VERB [NEGATOR] [INTENSIFIER] ADJECTIVE``
("the plot was not very clever"). A clause's polarity is its adjective's,
flipped by a negator. Sentences come in three kinds:

- ``plain``: one clause, no negation ("honestly , the acting was really moving");
- ``negation``: one negated clause ("the ending was never boring" is positive);
- ``contrast``: two clauses of opposite polarity joined so that one of them
  carries the verdict: "A but B", "A , yet B", "although A , B" (B decides)
  and "B , even though A" (B, the first clause, decides). Either clause may
  be negated.

A bag of words cannot tell "good but too long" from "too long but good", nor
"not good" from "good, not ...": the recurrent model has to read the order.

The test split holds out phrasings never seen in training: a quarter of the
aspect-adjective pairs and a quarter of the negator-adjective pairs (drawn by
``seed``) appear only in test sentences, every clause of which uses held-out
pairs; no training or validation sentence uses one. Deterministic by ``seed``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ASPECTS = ("the movie", "this film", "the plot", "the acting", "the script", "the story", "the ending",
           "the cast", "the dialogue", "the soundtrack", "the direction", "the pacing", "the humor",
           "the photography", "this sequel", "the lead performance")
VERBS = ("was", "is", "felt", "seemed")
POSITIVE = ("good", "great", "excellent", "wonderful", "brilliant", "funny", "moving", "charming", "clever",
            "gripping", "beautiful", "fresh", "engaging", "delightful", "powerful", "memorable", "smart",
            "touching")
NEGATIVE = ("bad", "boring", "dull", "awful", "terrible", "predictable", "clumsy", "tedious", "weak", "bland",
            "silly", "messy", "forgettable", "painful", "lifeless", "shallow", "annoying", "flat")
INTENSIFIERS = ("very", "really", "truly", "extremely", "incredibly", "quite", "so", "remarkably")
NEGATORS = ("not", "never", "n't", "hardly", "not at all", "far from", "anything but", "by no means")
TAKES_INTENSIFIER = (None, "not", "never", "n't")  # "not very good"
CONTRACTED = {"was": "wasn't", "is": "isn't", "felt": "didn't feel", "seemed": "didn't seem"}
PREFIXES = ("", "", "", "honestly , ", "i think ", "overall , ", "in the end , ", "to be fair , ", "frankly , ")
ENDINGS = (" .", " .", " !", "")
CONTRASTS = ("{a} but {b}", "{a} , yet {b}", "although {a} , {b}", "{b} , even though {a}")
KINDS = ("plain", "negation", "contrast")
LABELS = ("negative", "positive")
HELD_OUT_SHARE = 0.25


@dataclass(frozen=True)
class Review:
    text: str
    label: str
    kind: str


class _Phrases:
    """Which aspect-adjective and negator-adjective pairs a split may use."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        adjectives = POSITIVE + NEGATIVE
        aspect_pairs = [(a, j) for a in ASPECTS for j in adjectives]
        negator_pairs = [(n, j) for n in NEGATORS for j in adjectives]
        self.held_aspect = set(rng.sample(aspect_pairs, int(HELD_OUT_SHARE * len(aspect_pairs))))
        self.held_negator = set(rng.sample(negator_pairs, int(HELD_OUT_SHARE * len(negator_pairs))))

    def clause(self, rng: random.Random, polarity: int, negated: bool, held_out: bool) -> str:
        """A clause of the given polarity (1 positive, 0 negative) whose pairs are all held out, or none."""
        while True:
            aspect, verb = rng.choice(ASPECTS), rng.choice(VERBS)
            negator = rng.choice(NEGATORS) if negated else None
            adjective = rng.choice(POSITIVE if polarity != negated else NEGATIVE)
            pairs = [(aspect, adjective) in self.held_aspect]
            if negated:
                pairs.append((negator, adjective) in self.held_negator)
            if all(p == held_out for p in pairs):
                break
        intensifier = rng.choice(INTENSIFIERS) + " " if rng.random() < 0.4 and negator in TAKES_INTENSIFIER else ""
        if negator == "n't":
            return f"{aspect} {CONTRACTED[verb]} {intensifier}{adjective}"
        return f"{aspect} {verb} {negator + ' ' if negator else ''}{intensifier}{adjective}"


def _sentence(phrases: _Phrases, rng: random.Random, kind: str, held_out: bool) -> Review:
    label = rng.randrange(2)
    if kind == "plain":
        body = phrases.clause(rng, label, False, held_out)
    elif kind == "negation":
        body = phrases.clause(rng, label, True, held_out)
    else:
        deciding = phrases.clause(rng, label, rng.random() < 0.3, held_out)
        other = phrases.clause(rng, 1 - label, rng.random() < 0.3, held_out)
        body = rng.choice(CONTRASTS).format(a=other, b=deciding)
    return Review(rng.choice(PREFIXES) + body + rng.choice(ENDINGS), LABELS[label], kind)


def generate_reviews(train: int = 12000, validation: int = 1000, test: int = 2000,
                     seed: int = 0) -> tuple[list[Review], list[Review], list[Review]]:
    """Train, validation and test reviews, each kind a third; the test split uses only held-out phrasings."""
    for name, n in (("train", train), ("validation", validation), ("test", test)):
        if n < 1:
            raise ValueError(f"generated {name} size must be at least 1; received {n}")
    phrases = _Phrases(seed)
    splits = []
    for offset, (n, held_out) in enumerate(((train, False), (validation, False), (test, True))):
        rng = random.Random(seed * 1_000_003 + offset)
        splits.append([_sentence(phrases, rng, KINDS[k % 3], held_out) for k in range(n)])
    return splits[0], splits[1], splits[2]
