"""The embedded default: English number words and dates, and their French or German, from num2words.

    en-fr:  "two hundred and seventy one"  ->  "deux cent soixante et onze"
            "march twenty first"           ->  "le vingt et un mars"
    en-de:  "seventy one"                  ->  "ein und siebzig"         (the units come first)
            "march twenty first"           ->  "der ein und zwanzig ste märz"

Hyphens become spaces, and German number words (one compound in writing)
are cut into their parts, so that every number is made of words seen in
training: the test split holds out whole numbers never seen there, and a
model passes only by learning how the words compose, and reorder.
Deterministic by seed.
"""

from __future__ import annotations

import random
import re

from num2words import num2words

PAIRS = ("en-fr", "en-de")
MONTHS = {"en": ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                 "november", "december"],
          "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                 "novembre", "décembre"],
          "de": ["januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
                 "november", "dezember"]}
GERMAN_PARTS = sorted(["eins", "ein", "eine", "zwei", "drei", "vier", "fünf", "sechs", "sech", "sieben", "sieb",
                       "acht", "neun", "zehn", "elf", "zwölf", "zwanzig", "dreißig", "vierzig", "fünfzig",
                       "sechzig", "siebzig", "achtzig", "neunzig", "hundert", "tausend", "und"], key=len, reverse=True)
_GERMAN = re.compile("|".join(GERMAN_PARTS))
DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MAX_NUMBER = 9999


def _words(text: str) -> str:
    return " ".join(text.replace("-", " ").replace(",", " ").split())


def german_parts(word: str) -> str:
    """``einundzwanzig`` -> ``ein und zwanzig``: a German number word cut into its parts."""
    parts = _GERMAN.findall(word)
    if "".join(parts) != word:
        raise ValueError(f"cannot cut the German number word {word!r} into parts")
    return " ".join(parts)


def number(n: int, pair: str) -> tuple[str, str]:
    target = pair.split("-")[1]
    words = _words(num2words(n, lang=target))
    if target == "de":
        words = " ".join(german_parts(w) for w in words.lower().split())
    return _words(num2words(n, lang="en")), words


def date(month: int, day: int, pair: str) -> tuple[str, str]:
    source = f"{MONTHS['en'][month]} {_words(num2words(day, lang='en', to='ordinal'))}"
    if pair == "en-fr":
        spoken = "premier" if day == 1 else _words(num2words(day, lang="fr"))
        return source, f"le {spoken} {MONTHS['fr'][month]}"
    irregular = {1: "erste", 3: "dritte", 7: "siebte", 8: "achte"}
    ordinal = irregular.get(day) or number(day, pair)[1] + (" te" if day < 20 else " ste")
    return source, f"der {ordinal} {MONTHS['de'][month]}"


def generate_pairs(pair: str = "en-fr", train: int = 6000, validation: int = 500, test: int = 1000,
                   seed: int = 0) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """Train, validation and test pairs: numbers 0-9999 (each used once; the splits share none) and dates.

    A fifth of each split are dates; the rest are numbers. The test split's
    dates come from a quarter of the calendar's days that the other splits never use.
    """
    if pair not in PAIRS:
        raise ValueError(f"the generated pair must be one of {', '.join(PAIRS)}; received {pair!r}")
    rng = random.Random(seed)
    sizes = (train, validation, test)
    numbers = [n - n // 5 for n in sizes]
    if sum(numbers) > MAX_NUMBER + 1:
        raise ValueError(f"at most {MAX_NUMBER + 1} distinct numbers; the splits ask for {sum(numbers)}")
    order = rng.sample(range(MAX_NUMBER + 1), sum(numbers))
    days = [(m, d) for m in range(12) for d in range(1, 1 + DAYS_IN_MONTH[m])]
    rng.shuffle(days)
    held_out = len(days) // 4
    pools = (days[held_out:], days[held_out:], days[:held_out])
    splits, start = [], 0
    for size, count, pool in zip(sizes, numbers, pools):
        chosen = [number(n, pair) for n in order[start:start + count]]
        chosen += [date(*rng.choice(pool), pair) for _ in range(size - count)]
        rng.shuffle(chosen)
        splits.append(chosen)
        start += count
    return splits[0], splits[1], splits[2]
