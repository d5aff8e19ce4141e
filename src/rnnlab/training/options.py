"""Options declared once: a frozen dataclass field carries its default, help text, choices and group.

``option(default, help, ...)`` is a ``dataclasses.field`` whose metadata the
command line reads to write its flags (``rnnlab.cli.options``), as Flax's
``config_flags`` does: the default is written in the field and shown by the
generator, never repeated in a help string. ``Config`` is the base of every
such dataclass: the checks its ``__post_init__`` uses and the JSON round trip
that checkpoints store.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from rnnlab.data.splits import check_size
from rnnlab.kernels.dispatch import ENGINES


def option(default: Any, help: str, *, choices: Sequence[str] | None = None, group: str | None = None,
           flag: str | None = None, metavar: str | None = None, none: str | None = None,
           positional: bool = False, many: bool = False, cli: bool = True) -> Any:
    """A config field with what its command-line flag needs.

    ``choices``: the allowed values; ``group``: the ``--help`` section;
    ``flag``: the flag's name when it is not ``--field-name`` (a bool whose
    default is True gets a flag that sets it False, e.g. ``--unidirectional``
    for ``bidirectional``); ``none``: what a default of None means, shown as
    the default; ``positional``: an argument without a flag; a tuple field
    that is positional or ``many`` takes one or more words (``--truth a b``)
    rather than one comma-separated word; ``cli=False``: no flag at all.
    """
    metadata = {"help": help, "choices": tuple(choices) if choices is not None else None, "group": group,
                "flag": flag, "metavar": metavar, "none": none, "positional": positional, "many": many, "cli": cli}
    return dataclasses.field(default=default, metadata=metadata)


def _name(field: str) -> str:
    return field.replace("_", " ")


class Config:
    """A base for frozen option dataclasses: checks, and a JSON round trip that nested configs survive."""

    def check_choices(self) -> None:
        """Every field declared with ``choices`` holds one of them."""
        for f in dataclasses.fields(self):
            allowed = f.metadata.get("choices")
            if allowed and getattr(self, f.name) not in allowed:
                raise ValueError(f"{_name(f.name)} must be one of {', '.join(allowed)}; "
                                 f"received {getattr(self, f.name)!r}")

    def check_at_least(self, fields: Iterable[str], minimum: int = 1) -> None:
        for field in fields:
            if getattr(self, field) < minimum:
                raise ValueError(f"{_name(field)} must be at least {minimum}; received {getattr(self, field)}")

    def check_split_sizes(self, fields: Iterable[str] = ("validation", "test")) -> None:
        """Each a held-out part's size: a count, or a fraction in [0, 1)."""
        for field in fields:
            check_size(field, getattr(self, field))

    def check_fractions(self, fields: Iterable[str]) -> None:
        """Each in [0, 1): dropout rates."""
        for field in fields:
            if not 0.0 <= getattr(self, field) < 1.0:
                raise ValueError(f"{_name(field)} must be in [0, 1); received {getattr(self, field)}")

    def tuples(self, *fields: str) -> None:
        """Store these fields as tuples (JSON and the command line give lists); None stays None."""
        for field in fields:
            if getattr(self, field) is not None:
                object.__setattr__(self, field, tuple(getattr(self, field)))

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, d: dict):
        """The config ``to_json`` wrote; nested configs are rebuilt by their field's type."""
        hints = typing.get_type_hints(cls)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown {cls.__name__} fields: {', '.join(unknown)}")
        values = {}
        for name, value in d.items():
            kind = hints[name]
            if isinstance(kind, type) and issubclass(kind, Config) and isinstance(value, dict):
                value = kind.from_json(value)
            values[name] = value
        return cls(**values)


# options that several applications declare alike
def engine_option() -> Any:
    return option("auto", "how the recurrent layers run: the readable reference loop, the hand-derived BPTT "
                          "kernels, torch's fused kernels, or auto, the fastest", choices=ENGINES, group="model")


def encoding_option() -> Any:
    return option("utf-8", "how the data's text files are encoded: utf-8, utf-8-sig, latin-1, cp1252, any Python "
                           "codec, or auto (UTF-8, else an error naming the likely encoding)", group="data")


def embedding_option(default: int, what: str = "learned embedding size", one_hot: bool = True,
                     sources: str = "--vectors or --init-from") -> Any:
    return option(None, f"{what}; 0: one-hot" if one_hot else what, none=f"{default}, or the size of {sources}",
                  group="model")


def init_from_option(backward: bool = False) -> Any:
    """``--init-from`` (or ``--init-from-backward``): start the encoder from a trained language model
    (``rnnlab.training.pretrained``)."""
    if backward:
        return option(None, "start the backward direction from this backward language model run (rnnlab lm train "
                            "--reverse)", metavar="RUN", group="pretraining")
    return option(None, "start the embedding and the recurrent layers (the forward direction) from this word-level "
                        "language model run (rnnlab lm train)", metavar="RUN", group="pretraining")


def out_option(app: str) -> Any:
    return option(None, "run folder", none=f"runs/{app}-DATE-TIME")


@dataclass(frozen=True)
class DecodeOptions(Config):
    """How a trained encoder-decoder searches: the options of ``eval`` for translation and captioning."""

    beam: int = option(1, "beam width; 1: greedy")
    alpha: float = option(0.0, "length penalty ((5 + |Y|) / 6) ** alpha; 0: none")

    def __post_init__(self) -> None:
        self.check_at_least(("beam",))
