"""The embedded default: English numbers and dates, as people write them, and their French or German, from num2words.

    en-fr:  "twenty-one", "twenty one"                ->  "vingt et un"
            "a hundred and five", "one hundred five"  ->  "cent cinq"
            "march 3rd", "the third of march"         ->  "le trois mars"
    en-de:  "seventy-one"                             ->  "ein und siebzig"   (the units come first)
            "march twenty-first"                      ->  "der ein und zwanzig ste märz"

The English side comes in the usual spellings (``NUMBER_SPELLINGS``,
``DATE_SPELLINGS``: hyphens or spaces, with or without "and", "a hundred",
ordinals in words or digits, "the third of march"); rnnlab's tokenizer reads
them as they are, so a sentence typed at ``translate`` is read as the training
pairs were. Targets are written one way: hyphens become spaces and German
number words (one compound in writing) are cut into their parts, so every
number is made of words seen in training.

Numbers are drawn by magnitude (``MAGNITUDES``: 0-9, 10-99, 100-999,
1000-9999 equally often), so small numbers are as common as large ones. The
numbers are shared out among the splits: the test split holds out whole
numbers never seen in training or validation, and calendar days never seen
there, so a model passes only by learning how the words compose and reorder.
Only the numbers whose words no other number teaches (``BASE``: 0-20, the
tens, a hundred, a thousand) are in every split, and at least a tenth of
their magnitude's pairs.
Every pair carries its kind: its magnitude (or "date") and its spelling, for the
held-out accuracy by kind that training reports. Deterministic by seed.
"""

from __future__ import annotations

import random
import re
from typing import NamedTuple

from num2words import num2words

PAIRS = ("en-fr", "en-de")
MONTHS = {"en": ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                 "november", "december"],
          "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                 "novembre", "décembre"],
          "de": ["januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
                 "november", "dezember"]}
GERMAN_PARTS = sorted(["null", "eins", "ein", "eine", "zwei", "drei", "vier", "fünf", "sechs", "sech", "sieben", "sieb",
                       "acht", "neun", "zehn", "elf", "zwölf", "zwanzig", "dreißig", "vierzig", "fünfzig",
                       "sechzig", "siebzig", "achtzig", "neunzig", "hundert", "tausend", "und"], key=len, reverse=True)
_GERMAN = re.compile("|".join(GERMAN_PARTS))
DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MAGNITUDES = {"0-9": range(0, 10), "10-99": range(10, 100), "100-999": range(100, 1000),
              "1000-9999": range(1000, 10000)}
DATE = "date"
# Each spelling is named by an example; a number gets one of those that write it differently.
# "seven": a number that every spelling writes alike.
NUMBER_SPELLINGS = ("seven", "twenty-one", "twenty one", "one hundred twenty-one", "a hundred")
DATE_SPELLINGS = ("march twenty-first", "march twenty first", "march 21st", "march 21", "the twenty-first of march",
                  "the 21st of march")
# The numbers whose words no other number teaches: in every split.
BASE = frozenset(range(21)) | frozenset(range(30, 100, 10)) | {100, 1000}
SHARES = (0.7, 0.1, 0.2)  # of the other numbers of each magnitude: train, validation, test


class Pair(NamedTuple):
    source: str
    target: str
    kind: str  # a key of MAGNITUDES, or "date"
    spelling: str  # one of NUMBER_SPELLINGS or DATE_SPELLINGS


def _words(text: str) -> str:
    return " ".join(text.replace("-", " ").replace(",", " ").split())


def german_parts(word: str) -> str:
    """``einundzwanzig`` -> ``ein und zwanzig``: a German number word cut into its parts."""
    parts = _GERMAN.findall(word)
    if "".join(parts) != word:
        raise ValueError(f"cannot cut the German number word {word!r} into parts")
    return " ".join(parts)


def _forms(n: int) -> dict[str, str]:
    """``n`` in each of ``NUMBER_SPELLINGS``."""
    written = num2words(n, lang="en")
    return {"twenty-one": written, "twenty one": _words(written),
            "one hundred twenty-one": written.replace(" and ", " "),
            "a hundred": re.sub(r"^one (hundred|thousand)", r"a \1", written), "seven": written}


def spellings(n: int) -> list[str]:
    """The names of the spellings that write ``n`` differently (the first of each that write it alike).

    ``1121``: "one thousand, one hundred and twenty-one" (as num2words writes
    it), "one thousand one hundred and twenty one", "one thousand, one hundred
    twenty-one", "a thousand, one hundred and twenty-one": all four; ``7``:
    "seven", the only one.
    """
    names = _distinct(_forms(n))
    return names if len(names) > 1 else ["seven"]


def _spelling(names: list[str], rng: random.Random) -> str:
    """One of ``names`` at random; "a hundred", which only numbers from 100-199 and 1000-1999 have, half the time."""
    if "a hundred" in names and rng.random() < 0.5:
        return "a hundred"
    return rng.choice([name for name in names if name != "a hundred"])


def number(n: int, pair: str, spelling: str = "twenty one") -> tuple[str, str]:
    """``n`` in English (one of ``NUMBER_SPELLINGS``) and in the pair's target language."""
    target = pair.split("-")[1]
    words = _words(num2words(n, lang=target))
    if target == "de":
        words = " ".join(german_parts(w) for w in words.lower().split())
    return _forms(n)[spelling], words


def _date_forms(month: int, day: int) -> dict[str, str]:
    """A day in each of ``DATE_SPELLINGS``."""
    ordinal = num2words(day, lang="en", to="ordinal")
    digits = num2words(day, lang="en", to="ordinal_num")
    m = MONTHS["en"][month]
    return dict(zip(DATE_SPELLINGS, (f"{m} {ordinal}", f"{m} {_words(ordinal)}", f"{m} {digits}", f"{m} {day}",
                                     f"the {ordinal} of {m}", f"the {digits} of {m}")))


def _distinct(forms: dict[str, str]) -> list[str]:
    """The names of the forms that differ, each text under the first name that writes it."""
    found: dict[str, str] = {}
    for name, text in forms.items():
        found.setdefault(text, name)
    return list(found.values())


def date(month: int, day: int, pair: str, spelling: str = "march twenty first") -> tuple[str, str]:
    """A day of the year (``month`` from 0) in English (one of ``DATE_SPELLINGS``) and in the target language."""
    source = _date_forms(month, day)[spelling]
    if pair == "en-fr":
        spoken = "premier" if day == 1 else _words(num2words(day, lang="fr"))
        return source, f"le {spoken} {MONTHS['fr'][month]}"
    irregular = {1: "erste", 3: "dritte", 7: "siebte", 8: "achte"}
    spoken = irregular.get(day) or number(day, pair)[1] + (" te" if day < 20 else " ste")
    return source, f"der {spoken} {MONTHS['de'][month]}"


def _draw(pool: list, count: int, rng: random.Random) -> list:
    """``count`` items of ``pool``: each once before any twice."""
    drawn: list = []
    while len(drawn) < count:
        drawn += rng.sample(pool, min(len(pool), count - len(drawn)))
    return drawn


def generate_pairs(pair: str = "en-fr", train: int = 12000, validation: int = 300, test: int = 1000,
                   seed: int = 0) -> tuple[list[Pair], list[Pair], list[Pair]]:
    """Train, validation and test pairs: a fifth dates, the rest numbers of each magnitude equally often.

    Numbers outside ``BASE`` and calendar days are shared out: the test split's never
    appear in the other two (``SHARES`` of each magnitude's numbers; a quarter
    of the calendar's days), and validation's (a twelfth of the days) never in training. Each number or
    day takes a spelling at random among those that write it differently ("a hundred" half the time where it
    applies).
    """
    if pair not in PAIRS:
        raise ValueError(f"the generated pair must be one of {', '.join(PAIRS)}; received {pair!r}")
    if min(train, validation, test) < 0 or train == 0:
        raise ValueError(f"the generated splits need a positive size for training and none negative; received "
                         f"{train}, {validation}, {test}")
    rng = random.Random(seed)
    pools: list[dict[str, list]] = [{}, {}, {}]
    for kind, numbers in MAGNITUDES.items():
        rest = [n for n in numbers if n not in BASE]
        rng.shuffle(rest)
        cut = [round(len(rest) * SHARES[0]), round(len(rest) * (SHARES[0] + SHARES[1]))]
        for split, part in zip(pools, (rest[:cut[0]], rest[cut[0]:cut[1]], rest[cut[1]:])):
            split[kind] = [n for n in numbers if n in BASE] + part
    days = [(m, d) for m in range(12) for d in range(1, 1 + DAYS_IN_MONTH[m])]
    rng.shuffle(days)
    cut = [len(days) // 4, len(days) // 4 + len(days) // 12]
    for split, part in zip(pools, (days[cut[1]:], days[cut[0]:cut[1]], days[:cut[0]])):
        split[DATE] = part
    splits = []
    for size, pool in zip((train, validation, test), pools):
        dates = size // 5
        chosen = [Pair(*date(*day, pair, spelling), DATE, spelling)
                  for day in _draw(pool[DATE], dates, rng) for spelling in [rng.choice(_distinct(_date_forms(*day)))]]
        for k, kind in enumerate(MAGNITUDES):
            count = (size - dates + len(MAGNITUDES) - 1 - k) // len(MAGNITUDES)
            base, rest = [n for n in pool[kind] if n in BASE], [n for n in pool[kind] if n not in BASE]
            often = count if not rest else max(count // 10, round(count * len(base) / len(pool[kind])))
            for n in _draw(base, often, rng) + _draw(rest, count - often, rng):
                spelling = _spelling(spellings(n), rng)
                chosen.append(Pair(*number(n, pair, spelling), kind, spelling))
        rng.shuffle(chosen)
        splits.append(chosen)
    return splits[0], splits[1], splits[2]
