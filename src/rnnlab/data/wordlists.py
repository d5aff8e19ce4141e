"""The embedded English word list: shipped inside the pyspellchecker package.

pyspellchecker (MIT licence) carries an English word-frequency dictionary
(``spellchecker/resources/en.json.gz``), built from subtitles and checked
against the SCOWL word lists. rnnlab reads it as JSON; nothing is downloaded.
"""

from __future__ import annotations

import gzip
import json
from importlib import resources

from rnnlab.data.errors import DataError

SOURCE = "pyspellchecker: spellchecker/resources/en.json.gz (MIT licence)"


def english_words(n: int = 20000, min_length: int = 2) -> list[str]:
    """The ``n`` most frequent lower-case a-z English words of at least ``min_length`` letters.

    Ties in frequency are broken alphabetically, so the list is the same on every machine.
    """
    try:
        blob = resources.files("spellchecker").joinpath("resources", "en.json.gz").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        raise DataError(None, "the embedded word list needs the pyspellchecker package: "
                              "pip install pyspellchecker") from None
    counts = json.loads(gzip.decompress(blob))
    words = [w for w in counts if w.isascii() and w.isalpha() and w.islower() and len(w) >= min_length]
    words.sort(key=lambda w: (-counts[w], w))
    return words[:n]
