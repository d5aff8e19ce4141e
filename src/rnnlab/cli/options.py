"""Flags written from config fields: one ``--flag`` per ``option`` field, its type from the annotation.

Every flag's argparse default is None ("not given"); ``given`` collects the
flags the user typed and ``configure`` puts them into the config's own
defaults, so a default lives in one place: the dataclass field, which the
help text shows.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any, NoReturn


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def _size(text: str) -> float | int:
    """A count (``1000``) or a fraction (``0.05``)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"expected a count or a fraction; received {text!r}")


def _ints(text: str) -> tuple[int, ...]:
    """Comma-separated whole numbers: ``32,64,128``."""
    try:
        return tuple(int(c) for c in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 32,64,128; received {text!r}") from None


def _names(text: str) -> tuple[str, ...]:
    """Comma-separated names: ``negative,positive``."""
    return tuple(x.strip() for x in text.split(",") if x.strip())


# how a flag reads each annotation an option field may have
TYPES = {"int": int, "int | None": int, "float": float, "float | None": float, "str": str, "str | None": str,
         "float | int": _size, "tuple[int, ...]": _ints, "tuple[int, ...] | None": _ints, "tuple[int, int]": _ints,
         "tuple[int, int] | None": _ints, "tuple[int, int, int]": _ints, "tuple[str, ...]": _names}


def _shown(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value) if value != "" else "''"


def _annotation(f: dataclasses.Field) -> str:
    """A field's annotation as written (``int | None``), whether or not its module postpones annotations."""
    if isinstance(f.type, str):
        return f.type
    return f.type.__name__ if isinstance(f.type, type) else str(f.type).replace("typing.", "")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def option_fields(kind: type) -> list[dataclasses.Field]:
    """The fields of ``kind`` that are command-line options."""
    return [f for f in dataclasses.fields(kind) if f.metadata.get("cli")]


def add_options(parser: argparse.ArgumentParser, kind: type, defaults: Any = None,
                group: str | None = None) -> None:
    """A flag (or positional argument) for each option field of ``kind``; ``defaults`` (an instance) are shown."""
    groups: dict[str, Any] = {}
    for f in option_fields(kind):
        meta = f.metadata
        where = meta["group"] or group
        target = parser if where is None else groups.setdefault(where, parser.add_argument_group(where))
        default = getattr(defaults, f.name) if defaults is not None else f.default
        kind_of = _annotation(f)
        if kind_of == "bool":
            target.add_argument(meta["flag"] or _flag(f.name), dest=f.name, action="store_const",
                                const=not default, help=meta["help"])
            continue
        if kind_of not in TYPES:
            raise TypeError(f"{kind.__name__}.{f.name}: the command line cannot read a {kind_of}")
        if meta["positional"] or meta["many"]:  # one or more words, not comma-separated
            plural = kind_of.startswith("tuple")
            words = dict(metavar=meta["metavar"], help=meta["help"], nargs="+" if plural else None,
                         type=str if plural else TYPES[kind_of])
            if meta["positional"]:
                target.add_argument(f.name, **words)
            else:
                target.add_argument(meta["flag"] or _flag(f.name), dest=f.name, **words)
            continue
        shown = _shown(default) if default is not None else meta["none"]
        text = " ".join(filter(None, [meta["help"], f"(default {shown})" if shown is not None else None]))
        target.add_argument(meta["flag"] or _flag(f.name), dest=f.name, type=TYPES[kind_of], default=None,
                            choices=meta["choices"], metavar=meta["metavar"], help=text)


def given(args: argparse.Namespace, kind: type) -> dict[str, Any]:
    """The options of ``kind`` the user gave (argparse default None means not given)."""
    values = {f.name: getattr(args, f.name) for f in option_fields(kind) if getattr(args, f.name, None) is not None}
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def configure(args: argparse.Namespace, defaults: Any) -> Any:
    """``defaults`` with the options the user gave; a nested ``train`` config gets its own."""
    changes = given(args, type(defaults))
    if hasattr(defaults, "train"):
        changes["train"] = dataclasses.replace(defaults.train, **given(args, type(defaults.train)))
    return dataclasses.replace(defaults, **changes)
