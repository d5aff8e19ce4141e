"""Reading user text files, with one clear error for each way they can be wrong."""

from __future__ import annotations

import codecs
import contextvars
import io
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from PIL import Image, UnidentifiedImageError

from rnnlab.data.errors import DataError


_ENCODING: contextvars.ContextVar[str] = contextvars.ContextVar("rnnlab_text_encoding", default="utf-8")


def check_encoding(name: str) -> str:
    """``name`` if Python knows the encoding (or it is ``auto``), else ValueError."""
    if name != "auto":
        try:
            codecs.lookup(name)
        except LookupError:
            raise ValueError(f"unknown text encoding {name!r}; expected utf-8, utf-8-sig, latin-1, cp1252, ... "
                             f"or auto") from None
    return name


@contextmanager
def text_encoding(name: str) -> Iterator[None]:
    """Inside, ``read_text`` (and every reader built on it) decodes files as ``name``: ``utf-8`` (the default),
    ``utf-8-sig``, ``latin-1``, ``cp1252``, any Python codec, or ``auto`` (UTF-8, else an error naming the likely
    encoding)."""
    token = _ENCODING.set(check_encoding(name))
    try:
        yield
    finally:
        _ENCODING.reset(token)


def _likely(data: bytes) -> str:
    """The likely 8-bit encoding of bytes that are not UTF-8: Windows-1252 when they decode as it."""
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def read_text(path: str | Path) -> str:
    """The whole of a text file, decoded as ``text_encoding`` says (UTF-8 unless told otherwise).

    Raises DataError for a missing file, a folder, an empty file, a binary file
    (NUL bytes) or bytes the encoding cannot decode (naming the line and the
    option that reads it).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(path, "no such file")
    if path.is_dir():
        raise DataError(path, "is a folder; expected a text file")
    data = path.read_bytes()
    if not data.strip():
        raise DataError(path, "the file is empty")
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise DataError(path, "holds NUL bytes: a binary file, not text", line)
    encoding = _ENCODING.get()
    try:
        text = data.decode("utf-8" if encoding == "auto" else encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        name = "UTF-8" if encoding in ("auto", "utf-8") else encoding
        likely = _likely(data)
        raise DataError(path, f"is not {name} text (byte 0x{data[error.start]:02x} at offset {error.start}); "
                              f"it is likely {likely}: give --encoding {likely}", line) from None
    return text.lstrip("\ufeff")


def read_lines(path: str | Path) -> list[tuple[int, str]]:
    """Non-empty lines of a text file (see ``read_text``), stripped, each with its 1-based line number."""
    text = read_text(path)
    return [(k, line.strip()) for k, line in enumerate(text.splitlines(), start=1) if line.strip()]


def file_name(name: object, path: str | Path, line: int | None = None) -> str:
    """``name``, read from ``path`` to name a file beside it, if it can: a string, not a path (no ``/``, ``\\``,
    ``..``), no NUL byte, at most 255 bytes. Otherwise a DataError naming ``path`` and ``line``."""
    if not isinstance(name, str) or not name or name in (".", "..") or any(c in name for c in "/\\\0") \
            or len(name.encode("utf-8", "surrogatepass")) > 255:
        raise DataError(path, f"{str(name)[:60]!r} is not a file name (a name in the folder, at most 255 bytes, "
                              f"without / or \\)", line)
    return name


def read_picture(path: str | Path, data: bytes | None = None):
    """A ``PIL.Image`` read whole; one DataError for a missing, unreadable or corrupt file. With ``data``, the
    picture is those bytes (an upload) and ``path`` only names it in errors."""
    if data is None and not Path(path).is_file():
        raise DataError(path, "is a folder; expected an image file" if Path(path).is_dir() else "no such image")
    try:
        with Image.open(Path(path) if data is None else io.BytesIO(data)) as picture:
            picture.load()
            whole = picture.copy()
            whole.format = picture.format  # the copy would forget what the file was (PNG, JPEG, ...)
            return whole
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise DataError(path, f"is not an image Pillow can read ({error.__class__.__name__})") from None
