"""Bad rows in a user's files: each one an error naming the file and line, or, when asked, a counted skip."""

from __future__ import annotations

from pathlib import Path

from rnnlab.data.errors import DataError


class BadRows:
    """The one collector of bad rows (``--skip-bad-rows``).

    ``bad(path, reason, line)`` raises a DataError naming the file and line,
    or with ``skip`` counts the row in ``skipped`` under ``kind`` (default:
    the file), which a run reports.
    """

    def __init__(self, skip: bool) -> None:
        self.skip = skip
        self.skipped: dict[str, int] = {}

    def bad(self, path: str | Path, reason: str, line: int | None = None, kind: str | None = None) -> None:
        if not self.skip:
            raise DataError(path, f"{reason} (--skip-bad-rows skips such rows)", line)
        self.count(kind or str(path))

    def count(self, kind: str, n: int = 1) -> None:
        """Count ``n`` rows left out for ``kind`` (a reason or a file)."""
        if n:
            self.skipped[kind] = self.skipped.get(kind, 0) + n
