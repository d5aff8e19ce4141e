"""Reading user text files, with one clear error for each way they can be wrong."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from rnnlab.data.errors import DataError


def read_text(path: str | Path) -> str:
    """The whole of a UTF-8 text file.

    Raises DataError for a missing file, a folder, an empty file, a binary file
    (NUL bytes) or bytes that are not UTF-8 (naming the line).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(path, "no such file")
    if path.is_dir():
        raise DataError(path, "is a folder; expected a text file")
    data = path.read_bytes()
    if not data.strip():
        raise DataError(path, "the file is empty")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise DataError(path, "holds NUL bytes: a binary file, not UTF-8 text", line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(path, f"is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
                        line) from None
    return text.lstrip("\ufeff")


def read_lines(path: str | Path) -> list[tuple[int, str]]:
    """Non-empty lines of a UTF-8 text file, stripped, each with its 1-based line number."""
    text = read_text(path)
    return [(k, line.strip()) for k, line in enumerate(text.splitlines(), start=1) if line.strip()]


def read_picture(path: str | Path, data: bytes | None = None):
    """A ``PIL.Image`` read whole; one DataError for a missing, unreadable or corrupt file. With ``data``, the
    picture is those bytes (an upload) and ``path`` only names it in errors."""
    if data is None and not Path(path).is_file():
        raise DataError(path, "no such image")
    try:
        with Image.open(Path(path) if data is None else io.BytesIO(data)) as picture:
            picture.load()
            whole = picture.copy()
            whole.format = picture.format  # the copy would forget what the file was (PNG, JPEG, ...)
            return whole
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise DataError(path, f"is not an image Pillow can read ({error.__class__.__name__})") from None
