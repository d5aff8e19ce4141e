"""The error every reader raises for a bad file: it names the file, the line and the reason."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Bad input data. The message says which file (and line) and what was expected."""

    def __init__(self, path: str | Path | None, reason: str, line: int | None = None) -> None:
        where = "" if path is None else f"{path}" + (f", line {line}" if line is not None else "") + ": "
        super().__init__(where + reason)
        self.path = path
        self.reason = reason
        self.line = line
