"""The embedded English prose: the Python language reference's topics, which ship with Python itself.

``pydoc_data.topics`` (Python Software Foundation licence) holds the text of
the language reference that ``help("if")`` shows: about 80 topics of English
prose with code examples between them. rnnlab reads the prose paragraphs
(lines of code, grammar rules and underlines left out); nothing is downloaded.
"""

from __future__ import annotations

import re

from rnnlab.data.errors import DataError

SOURCE = "Python's pydoc_data.topics (the language reference; PSF licence)"
_UNDERLINE = re.compile(r"^[*=\-^~\"]{3,}$")


def python_reference() -> list[str]:
    """The prose paragraphs of the language reference, in a fixed order: one string each, lines joined."""
    try:
        from pydoc_data.topics import topics
    except ImportError:
        raise DataError(None, "the embedded prose needs Python's pydoc_data module, which this Python lacks; "
                              "give --data") from None
    paragraphs = []
    for name in sorted(topics):
        for block in topics[name].split("\n\n"):
            lines = block.split("\n")
            if any(not line.strip() or line.startswith(" ") or _UNDERLINE.match(line.strip()) for line in lines):
                continue  # code, grammar, an indented note or a heading's underline
            text = " ".join(line.strip() for line in lines)
            if len(text.split()) >= 5:
                paragraphs.append(text)
    return paragraphs
