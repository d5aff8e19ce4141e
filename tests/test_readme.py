"""Every command line README.md shows parses with today's command line."""

import itertools
import re
import shlex
from pathlib import Path

import pytest

from rnnlab.cli.main import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_commands() -> list[str]:
    """The ``rnnlab ...`` lines of README.md's code blocks, continuation lines joined, comments cut."""
    blocks = README.read_text(encoding="utf-8").split("```")[1::2]  # the fenced code blocks
    text = re.sub(r"\\\n\s*", " ", "\n".join(blocks))
    lines = [line.split(" #")[0].strip() for line in text.splitlines()]
    return [line for line in lines if line.startswith("rnnlab ") and not line.endswith("...")]


def expansions(line: str) -> list[list[str]]:
    """``[--data FILE]`` both left out and given; ``a|b`` each alternative."""
    parts = re.split(r"(\[[^\]]*\])", line)
    choices = [[p] if not p.startswith("[") else ["", p[1:-1]] for p in parts]
    result = []
    for picked in itertools.product(*choices):
        words = shlex.split(" ".join(picked))[1:]
        result += [list(w) for w in itertools.product(*[w.split("|") if "|" in w else [w] for w in words])]
    return result


def parses(words: list[str]) -> bool:
    try:
        build_parser().parse_args(words)
    except SystemExit as stop:
        return stop.code == 0  # --help and --version exit 0
    return True


def test_the_readme_shows_commands():
    assert len(readme_commands()) > 25


@pytest.mark.parametrize("line", readme_commands())
def test_every_readme_command_parses(line):
    found = expansions(line)
    if "|" in line:  # a synopsis: each alternative stands for itself
        assert any(parses(words) for words in found), line
    else:
        assert all(parses(words) for words in found), line
