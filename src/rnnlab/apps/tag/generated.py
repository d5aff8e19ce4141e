"""The embedded default: generated English sentences whose ambiguous words take their tag from context.

"book" is a noun in "the book is old" and a verb in "we book the room";
"that" is a determiner, a pronoun or a subordinating conjunction. Each
sentence is a template of UD part-of-speech slots; one slot may hold an
ambiguous word in one of its roles. For every (ambiguous word, role), one
template is held out of training: the test sentences put the word in that
role in a context training never showed it in, so a tagger passes only by
reading the context. Deterministic by seed.
"""

from __future__ import annotations

import random

FILLERS = {
    "DET": ("the", "a", "this", "every"), "PRON": ("i", "we", "they", "you", "she"),
    "NOUN": ("dog", "man", "girl", "house", "city", "car", "story", "teacher", "river", "idea"),
    "VERB": ("like", "see", "want", "need", "find", "love", "keep", "open"),
    "AUX": ("will", "must", "should", "might", "is", "was"), "ADJ": ("old", "red", "big", "small", "new", "happy"),
    "ADV": ("quickly", "often", "now", "again", "today"), "ADP": ("in", "near", "with", "under"),
    "SCONJ": ("because", "if", "when"), "PUNCT": (".",),
}
AMBIGUOUS = {  # word -> the roles it takes
    "book": ("NOUN", "VERB"), "can": ("NOUN", "AUX"), "saw": ("NOUN", "VERB"), "fly": ("NOUN", "VERB"),
    "light": ("NOUN", "VERB", "ADJ"), "watch": ("NOUN", "VERB"), "back": ("NOUN", "ADV", "ADJ"),
    "play": ("NOUN", "VERB"), "run": ("NOUN", "VERB"), "that": ("DET", "PRON", "SCONJ"),
}
# templates by the role of their one open slot ("*"); the other slots take fillers
TEMPLATES = {
    "NOUN": (("DET", "*", "AUX", "ADJ", "PUNCT"), ("PRON", "VERB", "DET", "*", "PUNCT"),
             ("DET", "ADJ", "*", "ADP", "DET", "NOUN", "PUNCT")),
    "VERB": (("PRON", "*", "DET", "NOUN", "PUNCT"), ("PRON", "AUX", "*", "DET", "NOUN", "PUNCT"),
             ("DET", "NOUN", "AUX", "*", "ADV", "PUNCT")),
    "AUX": (("PRON", "*", "VERB", "DET", "NOUN", "PUNCT"), ("DET", "NOUN", "*", "VERB", "ADV", "PUNCT")),
    "ADJ": (("DET", "*", "NOUN", "AUX", "ADJ", "PUNCT"), ("PRON", "VERB", "DET", "*", "NOUN", "PUNCT")),
    "ADV": (("PRON", "VERB", "*", "PUNCT"), ("PRON", "AUX", "VERB", "*", "ADV", "PUNCT")),
    "DET": (("*", "NOUN", "AUX", "ADJ", "PUNCT"), ("PRON", "VERB", "*", "NOUN", "PUNCT")),
    "PRON": (("PRON", "VERB", "*", "PUNCT"), ("*", "AUX", "ADJ", "PUNCT")),
    "SCONJ": (("PRON", "VERB", "*", "PRON", "VERB", "DET", "NOUN", "PUNCT"),
              ("PRON", "VERB", "*", "DET", "NOUN", "AUX", "ADJ", "PUNCT")),
}


def held_out(word: str, role: str) -> int:
    """The index of the template that (word, role) never appears in during training."""
    return sum(map(ord, word + role)) % len(TEMPLATES[role])


def _sentence(rng: random.Random, role: str, template: int, word: str | None) -> tuple[list[str], list[str]]:
    slots = TEMPLATES[role][template]
    words = [word if slot == "*" and word else rng.choice(FILLERS[role if slot == "*" else slot]) for slot in slots]
    return words, [role if slot == "*" else slot for slot in slots]


def generate_tagged(train: int, validation: int, test: int,
                    seed: int = 0) -> tuple[list[tuple[list[str], list[str]]], ...]:
    """``(words, tags)`` sentences: train and validation hold seen (word, context) pairs, test held-out ones."""
    rng = random.Random(seed)
    pairs = [(w, role) for w, roles in AMBIGUOUS.items() for role in roles]

    def seen() -> tuple[list[str], list[str]]:
        if rng.random() < 0.5:  # a filler in the open slot
            role = rng.choice(list(TEMPLATES))
            return _sentence(rng, role, rng.randrange(len(TEMPLATES[role])), None)
        word, role = rng.choice(pairs)
        choices = [k for k in range(len(TEMPLATES[role])) if k != held_out(word, role)]
        return _sentence(rng, role, rng.choice(choices), word)

    def unseen() -> tuple[list[str], list[str]]:
        word, role = rng.choice(pairs)
        return _sentence(rng, role, held_out(word, role), word)

    return [seen() for _ in range(train)], [seen() for _ in range(validation)], [unseen() for _ in range(test)]
